// Edit a change (a draft, or one submitted or approved): the shared form, what is known about the change, its
// version history. A save sends only the form's fields with the ETag it was read with; the server keeps history
// and meeting. Someone else's save in between is shown as a conflict and nothing is overwritten. A change that
// can no longer be edited (completed, cancelled, or someone else's) is shown as text, not as a form.
import { get, put } from "../lib/api.js";
import { append, byId, clear, el, personName, query } from "../lib/dom.js";
import { performAction } from "../lib/actions.js";
import { changeForm, changeSummary } from "../lib/change-form/index.js";
import { FIX_THE_MARKED_FIELDS } from "../lib/form/problems.js";
import { showSaveError } from "../lib/save-results.js";
import { loadCustomers } from "../lib/customers.js";
import { detailsBody } from "../lib/details.js";
import { busy, loading, showError, showInfo, showSuccess, showWarning } from "../lib/messages.js";
import { openDialog } from "../lib/modal.js";
import { startPage } from "../lib/shell.js";
import { allowedActions, normalStatus, statusBadge, statusLabel } from "../lib/status.js";
import { formatInstant } from "../lib/time.js";

const PORTAL = "Customer Contact Manager";
const form = changeForm(byId("formFields"));
const state = { id: "", etag: null, document: null, user: null, status: null, customers: [] };

function path(suffix = "") {
  return `/changes/${encodeURIComponent(state.id)}${suffix}`;
}

function stopWith(text) {
  clear(byId("loadingArea"));
  const message = showError(state.status, `${text} `);
  message.querySelector(".message-text").append(el("a", { href: "my-changes.html" }, "Go to My changes"));
}

function fact(label, value) {
  return [el("dt", {}, label), el("dd", {}, value)];
}

function showFacts(document) {
  const modified = document.modifiedAt
    ? `${formatInstant(document.modifiedAt)} by ${personName(document.modifiedBy)}`
    : "never";
  append(clear(byId("changeInfo")), [
    fact("Change id", el("span", { id: "infoId" }, document.changeId || state.id)),
    fact("Current version", el("span", { id: "infoVersion" }, `version ${document.version || 1}`)),
    fact("Status", statusBadge(document.status)),
    fact("Created by", document.createdBy || "unknown"),
    fact("Created", formatInstant(document.createdAt)),
    fact("Last modified", el("span", { id: "infoModified" }, modified)),
  ]);
}

/** The form for what may be edited; the change as text, and why, for what may not. */
function showMode(change) {
  const status = normalStatus(change.status);
  const allowed = allowedActions(change, state.user);
  const draft = status === "draft";
  const heading = !allowed.edit ? "View a change" : draft ? "Edit a draft change" : "Edit a change";
  byId("pageTitle").textContent = heading;
  document.title = `${change.changeTitle || state.id} - ${heading} - ${PORTAL}`;
  byId("changeForm").hidden = !allowed.edit;
  byId("readOnlyView").hidden = allowed.edit;
  const rejected = status === "rejected";
  // A rejected change is saved back to a draft; from there it is submitted again.
  byId("submitDraftButton").hidden = !((draft && allowed.submit) || (rejected && allowed.edit));
  const rejection = change.approval && change.approval.rejection;
  if (rejected && rejection && allowed.edit) {
    showInfo(
      state.status,
      `Rejected by ${rejection.by}${rejection.on_behalf_of ? ` on behalf of ${rejection.on_behalf_of}` : ""}: ${rejection.reason} ` +
        "Saving makes it a draft again; submit it when it is fixed.",
      { sticky: true },
    );
  }
  if (!allowed.edit) {
    byId("readonly-heading").textContent = change.changeTitle || state.id;
    clear(byId("readOnlyBody")).append(detailsBody(change, state.customers));
    const why = ["completed", "cancelled"].includes(status)
      ? `This change is ${statusLabel(status).toLowerCase()} and can no longer be edited.`
      : "Only the person who created this change, or an admin, can edit it.";
    showInfo(state.status, why, { sticky: true });
  }
}

async function showVersions() {
  const list = byId("versionList");
  loading(list, "Loading the versions…");
  try {
    const { data } = await get(path("/versions"));
    clear(list);
    const versions = data.versions || [];
    if (versions.length === 0) {
      list.append(el("p", { className: "muted" }, "No versions are stored yet."));
      return;
    }
    list.append(
      el(
        "ol",
        { className: "item-list version-list" },
        versions.map((entry) => {
          const view = el(
            "button",
            { type: "button", className: "btn btn-small", dataset: { version: String(entry.version) } },
            `View version ${entry.version}`,
          );
          view.addEventListener("click", () => busy(view, "Opening…", () => viewVersion(entry.version)));
          return el(
            "li",
            { className: "item" },
            el(
              "div",
              { className: "item-head" },
              el("span", {}, el("strong", {}, `Version ${entry.version}`), entry.current ? " (current)" : ""),
              view,
            ),
            el("div", { className: "item-meta" }, `Saved ${formatInstant(entry.lastModified)}`),
          );
        }),
      ),
    );
  } catch (error) {
    clear(list);
    showError(list, `Could not load the versions: ${error.message}`);
  }
}

async function viewVersion(version) {
  try {
    const { data } = await get(path(`/versions/${encodeURIComponent(version)}`));
    openDialog({
      title: `Version ${version} of ${data.changeTitle || state.id}`,
      wide: true,
      body: changeSummary(data, state.customers),
    });
  } catch (error) {
    showError(state.status, `Could not open version ${version}: ${error.message}`);
  }
}

/** Read the change and put it on the page; false when there is nothing to show. */
async function load() {
  let answer;
  try {
    answer = await get(path());
  } catch (error) {
    if ([400, 404, 422].includes(error.status)) stopWith(`There is no change ${state.id}; it may have been deleted.`);
    else stopWith(`Could not load ${state.id}: ${error.message}`);
    return false;
  }
  state.etag = answer.etag;
  state.document = answer.data;
  const unknown = form.fill(answer.data);
  if (unknown.length) showWarning(state.status, `Customers no longer configured are not shown: ${unknown.join(", ")}.`);
  showFacts(answer.data);
  showMode(answer.data);
  clear(byId("loadingArea"));
  byId("editor").hidden = false;
  showVersions();
  return true;
}

/** PUT the fields with the ETag and version the page read (api.js tells the backend's own writes apart). */
function putOverBackgroundWrites(fields) {
  return put(path(), fields, { ifMatch: state.etag, version: state.document.version });
}

/** Save the form; resolves true when the server has it. */
async function save({ complete }) {
  if (!form.validate({ complete })) {
    showError(state.status, FIX_THE_MARKED_FIELDS);
    return false;
  }
  const before = state.document.version;
  const wasApproved = normalStatus(state.document.status) === "approved";
  try {
    const answer = await putOverBackgroundWrites(form.values());
    state.etag = answer.etag || answer.data.etag;
    state.document = answer.data.object;
    showFacts(state.document);
    showMode(state.document);
    if (state.document.version === before) {
      showInfo(state.status, `Nothing had changed; it is still version ${before}.`);
    } else if (wasApproved && normalStatus(state.document.status) === "submitted") {
      showSuccess(
        state.status,
        `Saved as version ${state.document.version}. It was approved, and what you changed needs approval again: ` +
          "its approvers are being asked by email. Its customers hear of the change once it is approved.",
        { sticky: true },
      );
      showVersions();
    } else {
      showSuccess(state.status, `Saved as version ${state.document.version}.`, { sticky: true });
      showVersions();
    }
    return true;
  } catch (error) {
    showSaveError(state.status, form, error, "Nothing was saved", async () => {
      if (await load()) showInfo(state.status, `Reloaded the latest version (version ${state.document.version}).`);
    });
    return false;
  }
}

async function saveAndSubmit() {
  if (!(await save({ complete: true }))) return;
  const item = {
    id: state.id,
    title: state.document.changeTitle,
    include_meeting: state.document.include_meeting,
    etag: state.etag,
    version: state.document.version,
  };
  await performAction("submit", item, { status: state.status, onChanged: () => load() });
}

byId("changeForm").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!state.document) return;
  const draft = normalStatus(state.document.status) === "draft";
  busy(byId("saveButton"), "Saving…", () => save({ complete: !draft }));
});

startPage(async ({ user, status }) => {
  state.user = user;
  state.status = status;
  state.id = (query("changeId") || "").trim();
  if (!state.id) {
    stopWith("No change was named in the address (changeId is missing).");
    return;
  }
  loading(byId("loadingArea"), `Loading ${state.id}…`);
  state.customers = await loadCustomers();
  form.showCustomers(state.customers);
  if (!(await load())) return;
  byId("submitDraftButton").addEventListener("click", (event) => busy(event.currentTarget, "Submitting…", saveAndSubmit));
  byId("refreshVersions").addEventListener("click", showVersions);
});
