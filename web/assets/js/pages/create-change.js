// Create a change (or go on editing one of your drafts): save it as a draft or request approval, optionally
// starting from a copy of an existing change.
import { get, post } from "../lib/api.js";
import { byId, clear, el, query } from "../lib/dom.js";
import { changeForm, newChangeId } from "../lib/change-form.js";
import { showSaveError, uploadResults } from "../lib/save-results.js";
import { loadCustomers } from "../lib/customers.js";
import { busy, loading, showError, showSuccess, showWarning } from "../lib/messages.js";
import { confirmAction } from "../lib/modal.js";
import { startPage } from "../lib/shell.js";
import { normalStatus, statusBadge } from "../lib/status.js";
import { formatDate } from "../lib/time.js";

const SUBMITTED_REDIRECT_DELAY = 2000;
const state = { id: "", etag: null, editingDraft: false, form: null, done: false };

function setMode({ id, etag = null, editingDraft = false }) {
  state.id = id;
  state.etag = etag;
  state.editingDraft = editingDraft;
  byId("changeIdDisplay").textContent = id;
  byId("changeIdLead").textContent = editingDraft ? "You are editing the draft" : "This change will be assigned the id";
  byId("pageTitle").textContent = editingDraft ? "Edit a draft change" : "Create a change";
  document.title = `${editingDraft ? "Edit a draft change" : "Create a change"} - Customer Contact Manager`;
  byId("clonePanel").hidden = editingDraft;
}

function startNew() {
  setMode({ id: newChangeId() });
}

/** Your draft of `id` (or a change of that id), with its ETag; null when there is none. */
async function loadExisting(id) {
  const path = encodeURIComponent(id);
  for (const location of [`/drafts/${path}`, `/changes/${path}`]) {
    try {
      return await get(location);
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  }
  return null;
}

function explainFailure(error, status, what) {
  showSaveError(status, state.form, error, `The change was not ${what}`);
}

function invalid(status) {
  showError(status, "Some fields need your attention; they are marked below.");
}

async function saveDraft(status) {
  if (!state.form.validate({ complete: false })) return invalid(status);
  const body = { ...state.form.values(), changeId: state.id, status: "draft" };
  try {
    const { data } = await post("/drafts", body, { ifMatch: state.etag });
    showSuccess(status, `Draft ${data.id} saved.`, { sticky: true });
    window.location.href = `my-changes.html?status=draft&saved=${encodeURIComponent(data.id)}`;
  } catch (error) {
    explainFailure(error, status, "saved");
  }
}

async function requestApproval(status, buttons) {
  if (!state.form.validate({ complete: true })) return invalid(status);
  const body = { ...state.form.values(), changeId: state.id };
  const results = byId("uploadResults");
  loading(results, "Sending the change to every customer…");
  let data;
  try {
    ({ data } = await post("/changes", body, { ifMatch: state.etag }));
  } catch (error) {
    clear(results);
    explainFailure(error, status, "submitted");
    return;
  }
  clear(results).append(uploadResults(data, "Where the change was stored"));
  state.done = true;
  const failed = data.summary ? data.summary.failed : 0;
  const next = `my-changes.html?status=submitted&submitted=${encodeURIComponent(data.id)}`;
  for (const button of buttons) button.disabled = true;
  if (failed > 0) {
    showWarning(
      status,
      `${data.id} was submitted, but ${failed} upload(s) failed; the approvers of those customers were not told. ` +
        "Open it from My changes to send the notifications again.",
    );
    results.append(el("p", {}, el("a", { className: "btn", href: next }, "Go to My changes")));
    return;
  }
  showSuccess(status, `${data.id} was submitted for approval; every selected customer's approvers are being told.`, {
    sticky: true,
  });
  results.append(el("p", {}, el("a", { href: next }, "Go to My changes now")));
  setTimeout(() => {
    window.location.href = next;
  }, SUBMITTED_REDIRECT_DELAY);
}

function cloneRow(item, onPick) {
  const pick = el(
    "button",
    { type: "button", className: "btn btn-small" },
    "Copy",
    el("span", { className: "visually-hidden" }, ` ${item.title}`),
  );
  pick.addEventListener("click", () => onPick(item, pick));
  return el(
    "li",
    { className: "item", dataset: { id: item.id } },
    el("div", { className: "item-head" }, el("span", { className: "item-title" }, item.title), statusBadge(item.status)),
    el(
      "div",
      { className: "item-meta" },
      el("span", {}, item.id),
      el("span", {}, `by ${item.created_by || "unknown"}`),
      el("span", {}, formatDate(item.modified_at || item.created_at)),
      el("span", {}, `${(item.customers || []).length} customer${(item.customers || []).length === 1 ? "" : "s"}`),
    ),
    el("div", { className: "button-row" }, pick),
  );
}

async function searchForClone(status) {
  const results = byId("cloneResults");
  const text = byId("cloneQuery").value.trim();
  const wanted = byId("cloneStatus").value;
  if (!text && !wanted) {
    clear(results);
    showError(results, "Enter some text or choose a status to search.");
    return;
  }
  loading(results, "Searching…");
  try {
    const { data } = await post("/changes/search", {
      query: text || undefined,
      status: wanted || undefined,
      objectType: "change",
      limit: 50,
    });
    clear(results);
    if (data.items.length === 0) {
      results.append(el("p", { className: "muted" }, "No change matches. Try other words or another status."));
      return;
    }
    results.append(
      el("ul", { className: "item-list" }, data.items.map((item) => cloneRow(item, (picked, button) => copyFrom(picked, button, status)))),
    );
  } catch (error) {
    clear(results);
    showError(results, `The search failed: ${error.message}`);
  }
}

async function copyFrom(item, button, status) {
  await busy(button, "Copying…", async () => {
    try {
      const { data } = await get(`/changes/${encodeURIComponent(item.id)}`);
      const unknown = state.form.fill(data, { copy: true });
      startNew();
      byId("cloneDetails").open = false;
      clear(byId("uploadResults"));
      showSuccess(
        status,
        `Copied from ${item.id}. Review and change what you need, then save it.` +
          (unknown.length ? ` Customers no longer configured were left out: ${unknown.join(", ")}.` : ""),
        { sticky: true },
      );
      state.form.controls.changeTitle.focus();
    } catch (error) {
      showError(byId("cloneResults"), `Could not copy ${item.id}: ${error.message}`);
    }
  });
}

startPage(async ({ status }) => {
  const customers = await loadCustomers();
  state.form = changeForm(byId("formFields"), customers);
  const form = byId("changeForm");
  const submitButton = byId("submitButton");
  const draftButton = byId("saveDraftButton");
  const clearButton = byId("clearButton");
  const buttons = [submitButton, draftButton, clearButton];

  const wanted = query("changeId") || query("edit");
  if (wanted) {
    const found = await loadExisting(wanted);
    if (!found) {
      startNew();
      showWarning(status, `There is no draft or change ${wanted}; you are starting a new change with a new id.`);
    } else if (normalStatus(found.data.status) !== "draft") {
      window.location.replace(`edit-change.html?changeId=${encodeURIComponent(wanted)}`);
      return;
    } else {
      const unknown = state.form.fill(found.data);
      setMode({ id: wanted, etag: found.etag, editingDraft: true });
      if (unknown.length) showWarning(status, `Customers no longer configured are left out: ${unknown.join(", ")}.`);
    }
  } else {
    startNew();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.done) return;
    busy(submitButton, "Submitting…", () => requestApproval(status, buttons));
  });
  draftButton.addEventListener("click", () => !state.done && busy(draftButton, "Saving…", () => saveDraft(status)));
  clearButton.addEventListener("click", async () => {
    const agreed = await confirmAction(
      "Clear the form?",
      "Everything you entered is removed and the form starts again with a new id.",
      "Clear form",
      true,
    );
    if (!agreed) return;
    state.form.reset();
    if (state.editingDraft) window.history.replaceState(null, "", "create-change.html");
    startNew();
    clear(byId("uploadResults"));
    clear(status);
    state.form.controls.changeTitle.focus();
  });
  byId("cloneSearch").addEventListener("submit", (event) => {
    event.preventDefault();
    busy(byId("cloneSearchButton"), "Searching…", () => searchForClone(status));
  });
});
