// Edit an announcement (?announcementId=), or a fresh copy of one (&duplicate=true): every field is saved with
// PUT and the ETag that was read, so nobody's edit is overwritten; a draft can be saved and submitted at once.
import { ApiError, get, post, put } from "../lib/api.js";
import { buildAnnouncementForm } from "../lib/announcement-form.js";
import { byId, clear, el, personName, query } from "../lib/dom.js";
import { loadCustomers } from "../lib/customers.js";
import { joinLinkFor } from "../lib/meeting.js";
import { showSaveError } from "../lib/save-results.js";
import { busy, loading, showError, showSuccess } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { allowedActions, normalStatus, statusBadge } from "../lib/status.js";
import { formatInBothZones, formatInstant } from "../lib/time.js";

const state = { id: null, document: null, etag: null, form: null };

function backLink(text = "Back to the announcements") {
  return el("a", { href: "announcements.html" }, text);
}

function fail(status, text) {
  const message = showError(status, `${text} `);
  message.querySelector(".message-text").append(backLink());
}

async function read(id) {
  try {
    return await get(`/announcements/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    return get(`/drafts/${encodeURIComponent(id)}`);
  }
}

function showInfo() {
  const document = state.document;
  const metadata = document.meeting_metadata;
  clear(byId("info")).append(
    el(
      "div",
      { className: "card" },
      el(
        "p",
        { className: "detail-id" },
        el("code", {}, state.id),
        " ",
        statusBadge(document.status),
        ` · version ${document.version || 1} · created by ${personName(document.created_by || document.createdBy)}`,
        document.modifiedAt ? ` · last saved ${formatInstant(document.modifiedAt)}` : "",
      ),
      metadata
        ? el(
            "div",
            { className: "meeting-info" },
            el(
              "p",
              {},
              `A meeting is scheduled for ${formatInBothZones(metadata.start_time, document.meeting_timezone)}. `,
              "Changing its title, time, duration, location, attendees or customers updates it.",
            ),
            joinLinkFor(document),
          )
        : null,
    ),
  );
}

function accept(answer) {
  const data = answer.data;
  state.document = data.object || data;
  state.etag = answer.etag || data.etag || state.etag;
  state.id = state.document.announcement_id || data.id || state.id;
}

function showForm(user, customers, status) {
  const element = byId("announcementForm");
  state.form = buildAnnouncementForm(byId("formFields"), { customers, document: state.document, lockType: true });
  element.hidden = false;
  const draft = normalStatus(state.document.status) === "draft";
  byId("submitDraft").hidden = !draft;
  byId("saveAnnouncement").textContent = draft ? "Save draft" : "Save changes";
  if (!allowedActions(state.document, user).edit) {
    for (const control of element.querySelectorAll("input, textarea, select, button")) control.disabled = true;
    showError(
      status,
      `Only the owner (${state.document.created_by || "unknown"}) or an admin can edit this ${normalStatus(state.document.status)} announcement; it is shown read-only.`,
    );
  }
}

async function save() {
  const answer = await put(`/announcements/${encodeURIComponent(state.id)}`, state.form.values(), {
    ifMatch: state.etag,
    version: state.document?.version,
  });
  accept(answer);
  showInfo();
  return answer;
}

function failed(status, error, what) {
  showSaveError(status, state.form, error, `Could not ${what}`);
}

startPage(async ({ user, status }) => {
  const id = query("announcementId");
  if (!id) {
    fail(status, "No announcement was given to edit.");
    return;
  }
  const duplicate = query("duplicate") === "true";
  const customers = await loadCustomers();
  loading(byId("info"), duplicate ? "Making a copy…" : "Loading the announcement…");
  try {
    if (duplicate) {
      accept(await post(`/announcements/${encodeURIComponent(id)}/clone`));
      // The address now names the copy, so reloading edits it instead of copying again.
      window.history.replaceState(null, "", `edit-announcement.html?announcementId=${encodeURIComponent(state.id)}`);
      byId("pageTitle").textContent = "Duplicate announcement";
      document.title = `Duplicate announcement - ${document.title.split(" - ").pop()}`;
    } else {
      accept(await read(id));
    }
  } catch (error) {
    clear(byId("info"));
    const what = error instanceof ApiError && error.status === 404 ? `Announcement ${id} was not found.` : error.message;
    fail(status, duplicate ? `Could not copy ${id}: ${what}` : what);
    return;
  }
  showInfo();
  if (duplicate) showSuccess(status, `A new draft ${state.id} was made from ${id}. Edit it, then save.`, { sticky: true });
  showForm(user, customers, status);

  byId("announcementForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    const draft = normalStatus(state.document.status) === "draft";
    if (!draft && !state.form.validate()) return;
    await busy(byId("saveAnnouncement"), "Saving…", async () => {
      try {
        await save();
        showSuccess(status, `Saved: ${state.id} is now version ${state.document.version}.`);
      } catch (error) {
        failed(status, error, "save");
      }
    });
  });
  byId("submitDraft").addEventListener("click", async () => {
    if (!state.form.validate()) return;
    await busy(byId("submitDraft"), "Submitting…", async () => {
      try {
        await save();
        const answer = await post(`/announcements/${encodeURIComponent(state.id)}/submit`, undefined, {
          ifMatch: state.etag,
          version: state.document.version,
        });
        accept(answer);
        showSuccess(status, `${state.id} was submitted; the approvers are being notified.`, { sticky: true });
        window.location.assign("announcements.html?status=submitted");
      } catch (error) {
        failed(status, error, "submit");
      }
    });
  });
});
