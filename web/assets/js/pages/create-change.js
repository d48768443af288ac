// Create a change (or go on editing one of your drafts): save it as a draft or submit it for approval, optionally
// starting from a copy of an existing change. The form is there at once; the customers fill in when they arrive.
import { get, post } from "../lib/api.js";
import { byId, clear, el, query } from "../lib/dom.js";
import { changeForm, newChangeId } from "../lib/change-form/index.js";
import { moveOn, reportUntold, untold } from "../lib/form/outcome.js";
import { FIX_THE_MARKED_FIELDS } from "../lib/form/problems.js";
import { showSaveError } from "../lib/save-results.js";
import { loadCustomers } from "../lib/customers.js";
import { busy, loading, showError, showSuccess, showWarning } from "../lib/messages.js";
import { confirmAction } from "../lib/modal.js";
import { startPage } from "../lib/shell.js";
import { normalStatus, statusBadge } from "../lib/status.js";
import { formatDate } from "../lib/time.js";

const MY_CHANGES = { page: "my-changes.html", tab: "submitted", label: "Go to My changes" };
const form = changeForm(byId("formFields"));
const state = { id: "", etag: null, editingDraft: false, done: false };
// Settled once the user and the customers are known: a button pressed earlier waits for it, showing it is busy.
let markReady;
const ready = new Promise((resolve) => {
  markReady = resolve;
});

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

async function saveDraft(status) {
  if (!form.validate({ complete: false })) return showError(status, FIX_THE_MARKED_FIELDS);
  try {
    const { data } = await post("/drafts", { ...form.values(), changeId: state.id, status: "draft" }, { ifMatch: state.etag });
    state.done = true;
    moveOn("my-changes.html", { tab: "draft", id: data.id, draft: true });
  } catch (error) {
    showSaveError(status, form, error, "The draft was not saved");
  }
}

async function submitForApproval(status) {
  if (!form.validate({ complete: true })) return showError(status, FIX_THE_MARKED_FIELDS);
  const values = form.values();
  let data;
  try {
    ({ data } = await post("/changes", { ...values, changeId: state.id }, { ifMatch: state.etag }));
  } catch (error) {
    showSaveError(status, form, error, "The change was not submitted");
    return;
  }
  state.done = true;
  if (untold(data).length === 0) moveOn(MY_CHANGES.page, { tab: MY_CHANGES.tab, id: data.id });
  else reportUntold(status, data, { title: values.changeTitle, next: MY_CHANGES });
}

function cloneRow(item, onPick) {
  const pick = el(
    "button",
    { type: "button", className: "btn btn-small" },
    "Copy",
    el("span", { className: "visually-hidden" }, ` ${item.title}`),
  );
  pick.addEventListener("click", () => onPick(item, pick));
  const count = (item.customers || []).length;
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
      el("span", {}, `${count} customer${count === 1 ? "" : "s"}`),
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
      const unknown = form.fill(data, { copy: true });
      startNew();
      byId("cloneDetails").open = false;
      showSuccess(
        status,
        `Copied from ${item.id}. Review and change what you need, then save it.` +
          (unknown.length ? ` Customers no longer configured were left out: ${unknown.join(", ")}.` : ""),
        { sticky: true },
      );
      form.controls.changeTitle.focus();
    } catch (error) {
      showError(byId("cloneResults"), `Could not copy ${item.id}: ${error.message}`);
    }
  });
}

function wire(status) {
  const submitButton = byId("submitForApproval");
  const draftButton = byId("saveDraft");
  // Wired at once, so an early Enter never submits the page itself; an early press waits until the page is ready.
  byId("changeForm").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!state.done) busy(submitButton, "Submitting…", () => ready.then(() => !state.done && submitForApproval(status)));
  });
  draftButton.addEventListener("click", () => {
    if (!state.done) busy(draftButton, "Saving…", () => ready.then(() => !state.done && saveDraft(status)));
  });
  byId("clearForm").addEventListener("click", async () => {
    const agreed = await confirmAction(
      "Clear the form?",
      "Everything you entered is removed and the form starts again with a new id.",
      "Clear form",
      true,
    );
    if (!agreed) return;
    form.reset();
    if (state.editingDraft) window.history.replaceState(null, "", "create-change.html");
    startNew();
    clear(status);
    form.controls.changeTitle.focus();
  });
  byId("cloneSearch").addEventListener("submit", (event) => {
    event.preventDefault();
    busy(byId("cloneSearchButton"), "Searching…", () => searchForClone(status));
  });
}

startNew();
wire(byId("statusContainer"));
startPage(async ({ status }) => {
  form.showCustomers(await loadCustomers());
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
      const unknown = form.fill(found.data);
      setMode({ id: wanted, etag: found.etag, editingDraft: true });
      if (unknown.length) showWarning(status, `Customers no longer configured are left out: ${unknown.join(", ")}.`);
    }
  }
  markReady();
});
