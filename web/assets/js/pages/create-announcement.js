// Create an announcement: save it as a draft (POST /drafts) or submit it for approval (POST /announcements),
// show where it was written, then go to the announcements list.
import { post } from "../lib/api.js";
import { buildAnnouncementForm, newAnnouncementId } from "../lib/announcement-form.js";
import { showSaveError, uploadResults } from "../lib/save-results.js";
import { byId, clear, el } from "../lib/dom.js";
import { loadCustomers } from "../lib/customers.js";
import { busy, showSuccess, showWarning } from "../lib/messages.js";
import { confirmAction } from "../lib/modal.js";
import { startPage } from "../lib/shell.js";

const NEXT_PAGE_AFTER = 1500;

let announcementId = null;
let form = null;

function showId(type) {
  announcementId = newAnnouncementId(type);
  const note = byId("idNote");
  clear(note).append("This announcement will be assigned ID: ", el("code", {}, announcementId));
}

function build(customers) {
  form = buildAnnouncementForm(byId("formFields"), { customers, onTypeChange: showId });
  showId(form.typeOf());
}

async function save(status, button, asDraft) {
  if (!asDraft && !form.validate()) return;
  if (asDraft) form.clearProblems();
  const fields = { ...form.values(), announcement_id: announcementId };
  const what = asDraft ? "save the draft" : "submit the announcement";
  const results = byId("results");
  clear(results);
  await busy(button, asDraft ? "Saving…" : "Submitting…", async () => {
    try {
      const { data } = asDraft
        ? await post("/drafts", { ...fields, status: "draft" })
        : await post("/announcements", fields);
      results.append(uploadResults(data, "Where the announcement was stored"));
      const failed = data.summary ? data.summary.failed : 0;
      const next = `announcements.html?status=${asDraft ? "draft" : "submitted"}`;
      if (failed > 0) {
        showWarning(status, `${data.id} was saved, but ${failed} upload(s) failed. Check the results below.`);
        results.append(el("a", { className: "btn", href: next }, "Go to the announcements"));
        return;
      }
      showSuccess(
        status,
        asDraft ? `Draft ${data.id} saved.` : `${data.id} was submitted; the approvers are being notified.`,
        { sticky: true },
      );
      setTimeout(() => window.location.assign(next), NEXT_PAGE_AFTER);
    } catch (error) {
      showSaveError(status, form, error, `Could not ${what}`);
    }
  });
}

startPage(async ({ status }) => {
  const customers = await loadCustomers();
  build(customers);
  const element = byId("announcementForm");
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    save(status, byId("submitAnnouncement"), false);
  });
  byId("saveDraft").addEventListener("click", () => save(status, byId("saveDraft"), true));
  byId("clearForm").addEventListener("click", async () => {
    if (await confirmAction("Clear the form?", "Everything you entered is removed.", "Clear", true)) {
      clear(byId("results"));
      build(customers);
    }
  });
});
