// Edit an announcement (?announcementId=), or a fresh copy of one (&duplicate=true): every field is saved with
// PUT and the ETag that was read, so nobody's edit is overwritten; a draft can be saved and submitted at once.
// One that can no longer be edited (completed, cancelled, or someone else's) is shown as text, not as a form.
import { ApiError, get, post, put } from "../lib/api.js";
import { announcementForm } from "../lib/announcement-form/index.js";
import { byId, clear, el, personName, query } from "../lib/dom.js";
import { loadCustomers } from "../lib/customers.js";
import { detailsBody } from "../lib/details.js";
import { FIX_THE_MARKED_FIELDS } from "../lib/form/problems.js";
import { joinLinkFor } from "../lib/meeting.js";
import { showSaveError } from "../lib/save-results.js";
import { busy, loading, showError, showInfo, showSuccess } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { allowedActions, normalStatus, statusBadge, statusLabel } from "../lib/status.js";
import { formatInBothZones, formatInstant } from "../lib/time.js";

const form = announcementForm(byId("formFields"));
const state = { id: null, document: null, etag: null, status: null };

function fail(status, text) {
  const message = showError(status, `${text} `);
  message.querySelector(".message-text").append(el("a", { href: "announcements.html" }, "Back to the announcements"));
}

async function read(id) {
  try {
    return await get(`/announcements/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    return get(`/drafts/${encodeURIComponent(id)}`);
  }
}

function showAbout() {
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

/** The form for what may be edited; the announcement as text, and why, for what may not. */
function showMode(user, customers, status) {
  const document = state.document;
  const current = normalStatus(document.status);
  const editable = allowedActions(document, user).edit;
  byId("announcementForm").hidden = !editable;
  byId("readOnlyView").hidden = editable;
  if (editable) {
    byId("submitDraft").hidden = current !== "draft";
    return;
  }
  byId("pageTitle").textContent = "View an announcement";
  byId("readonly-heading").textContent = document.title || state.id;
  clear(byId("readOnlyBody")).append(detailsBody(document, customers));
  const why = ["completed", "cancelled"].includes(current)
    ? `This announcement is ${statusLabel(current).toLowerCase()} and can no longer be edited.`
    : `Only the owner (${document.created_by || "unknown"}) or an admin can edit this announcement.`;
  showInfo(status, why, { sticky: true });
}

async function save() {
  const answer = await put(`/announcements/${encodeURIComponent(state.id)}`, form.values(), {
    ifMatch: state.etag,
    version: state.document?.version,
  });
  accept(answer);
  showAbout();
  return answer;
}

function wire(status) {
  byId("announcementForm").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!state.document) return;
    const draft = normalStatus(state.document.status) === "draft";
    if (!form.validate({ complete: !draft })) return showError(status, FIX_THE_MARKED_FIELDS);
    const wasApproved = normalStatus(state.document.status) === "approved";
    await busy(byId("saveAnnouncement"), "Saving…", async () => {
      try {
        await save();
        const again = wasApproved && normalStatus(state.document.status) === "submitted";
        showSuccess(
          status,
          `Saved: ${state.id} is now version ${state.document.version}.` +
            (again ? " What you changed needs approval again: its approvers are being asked by email." : ""),
        );
      } catch (error) {
        showSaveError(status, form, error, "Nothing was saved");
      }
    });
  });
  byId("submitDraft").addEventListener("click", async () => {
    if (!form.validate()) return showError(status, FIX_THE_MARKED_FIELDS);
    await busy(byId("submitDraft"), "Submitting…", async () => {
      try {
        await save();
        const answer = await post(`/announcements/${encodeURIComponent(state.id)}/submit`, undefined, {
          ifMatch: state.etag,
          version: state.document.version,
        });
        accept(answer);
        window.location.assign(`announcements.html?status=submitted&submitted=${encodeURIComponent(state.id)}`);
      } catch (error) {
        showSaveError(status, form, error, "The announcement was not submitted");
      }
    });
  });
}

wire(byId("statusContainer"));
startPage(async ({ user, status }) => {
  const id = query("announcementId");
  if (!id) {
    fail(status, "No announcement was given to edit.");
    return;
  }
  const duplicate = query("duplicate") === "true";
  loading(byId("info"), duplicate ? "Making a copy…" : "Loading the announcement…");
  const customers = await loadCustomers();
  form.showCustomers(customers);
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
  showAbout();
  if (duplicate) showSuccess(status, `A new draft ${state.id} was made from ${id}. Edit it, then save.`, { sticky: true });
  form.fill(state.document, { lockType: true });
  showMode(user, customers, status);
});
