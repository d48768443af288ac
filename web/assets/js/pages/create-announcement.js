// Create an announcement: save it as a draft (POST /drafts) or submit it for approval (POST /announcements), then
// move on to the announcements, which say what happened. The form is there at once; the customers fill in later.
import { post } from "../lib/api.js";
import { announcementForm, newAnnouncementId } from "../lib/announcement-form/index.js";
import { moveOn, reportUntold, untold } from "../lib/form/outcome.js";
import { FIX_THE_MARKED_FIELDS } from "../lib/form/problems.js";
import { showSaveError } from "../lib/save-results.js";
import { byId, clear } from "../lib/dom.js";
import { loadCustomers } from "../lib/customers.js";
import { busy, showError } from "../lib/messages.js";
import { confirmAction } from "../lib/modal.js";
import { startPage } from "../lib/shell.js";

const ANNOUNCEMENTS = { page: "announcements.html", tab: "submitted", label: "Go to the announcements" };
const state = { id: "", done: false };
// Settled once the user and the customers are known: a button pressed earlier waits for it, showing it is busy.
let markReady;
const ready = new Promise((resolve) => {
  markReady = resolve;
});

function showId(type) {
  state.id = newAnnouncementId(type);
  byId("announcementIdDisplay").textContent = state.id;
}

const form = announcementForm(byId("formFields"), { onTypeChange: showId });

async function save(status, { draft }) {
  if (!form.validate({ complete: !draft })) return showError(status, FIX_THE_MARKED_FIELDS);
  const fields = { ...form.values(), announcement_id: state.id };
  let data;
  try {
    ({ data } = draft ? await post("/drafts", { ...fields, status: "draft" }) : await post("/announcements", fields));
  } catch (error) {
    showSaveError(status, form, error, draft ? "The draft was not saved" : "The announcement was not submitted");
    return;
  }
  state.done = true;
  if (draft) moveOn(ANNOUNCEMENTS.page, { tab: "draft", id: data.id, draft: true });
  else if (untold(data).length === 0) moveOn(ANNOUNCEMENTS.page, { tab: ANNOUNCEMENTS.tab, id: data.id });
  else reportUntold(status, data, { title: fields.title, next: ANNOUNCEMENTS });
}

function wire(status) {
  const submitButton = byId("submitForApproval");
  const draftButton = byId("saveDraft");
  // Wired at once, so an early Enter never submits the page itself; an early press waits until the page is ready.
  byId("announcementForm").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!state.done) busy(submitButton, "Submitting…", () => ready.then(() => !state.done && save(status, { draft: false })));
  });
  draftButton.addEventListener("click", () => {
    if (!state.done) busy(draftButton, "Saving…", () => ready.then(() => !state.done && save(status, { draft: true })));
  });
  byId("clearForm").addEventListener("click", async () => {
    if (!(await confirmAction("Clear the form?", "Everything you entered is removed.", "Clear form", true))) return;
    form.reset();
    showId(form.typeOf());
    clear(status);
  });
}

showId(form.typeOf());
wire(byId("statusContainer"));
startPage(async () => {
  form.showCustomers(await loadCustomers());
  markReady();
});
