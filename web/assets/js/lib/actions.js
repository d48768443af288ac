// Status actions (submit, approve, complete, cancel, delete) as every page offers them: confirm what cannot be
// undone, send the ETag the user saw, report the outcome truthfully, and watch for the meeting after approval.
import { collectionOf, post, remove } from "./api.js";
import { el } from "./dom.js";
import { showConflict } from "./conflict.js";
import { showError, showMessage, showSuccess, showWarning } from "./messages.js";
import { confirmAction } from "./modal.js";
import { watchForMeeting } from "./meeting.js";
import { askOutcome } from "./outcome.js";

export const ACTION_LABELS = {
  submit: "Submit for approval",
  approve: "Approve",
  complete: "Complete",
  cancel: "Cancel",
  delete: "Delete",
};

const DONE = {
  submit: "submitted for approval; the approvers are being notified",
  approve: "approved; subscribers are being notified",
  complete: "marked completed; subscribers are being notified",
  cancel: "cancelled; subscribers are being notified",
  delete: "deleted",
};

const QUESTIONS = {
  cancel: ["Cancel this?", "Every customer's subscribers are told it is cancelled, and its meeting is cancelled."],
  delete: ["Delete this?", "It is moved to the deleted folder and disappears from the portal."],
  complete: ["Mark as completed?", "Subscribers are told the work is done. This cannot be undone."],
};

/**
 * Perform `action` on `item` ({id, title, include_meeting?, etag?, version?}). Resolves to the API's answer, or null when
 * the user declined or it failed (the failure is already shown in `status`).
 */
export async function performAction(action, item, { status, onChanged = () => {}, onMeeting } = {}) {
  let body;
  if (action === "complete" && collectionOf(item.id) === "changes") {
    body = await askOutcome(item.title || item.id);
    if (!body) return null;
  } else if (QUESTIONS[action]) {
    const [title, text] = QUESTIONS[action];
    const agreed = await confirmAction(title, `${item.title || item.id}: ${text}`, ACTION_LABELS[action], true);
    if (!agreed) return null;
  }
  const collection = collectionOf(item.id);
  const path = `${collection}/${encodeURIComponent(item.id)}`;
  try {
    const answer =
      action === "delete"
        ? await remove(path, { ifMatch: item.etag, version: item.version })
        : await post(`${path}/${action}`, body, { ifMatch: item.etag, version: item.version });
    reportOutcome(status, action, item, answer.data);
    if (action === "approve" && (item.include_meeting || (answer.data && answer.data.object?.include_meeting))) {
      showMessage(status, "info", "Waiting for the meeting to be scheduled…", { replace: false });
      watchForMeeting(collection, item.id, (document) => {
        showSuccess(status, "Meeting scheduled! The Join button is now available.", { sticky: true });
        if (onMeeting) onMeeting(document);
      });
    }
    onChanged(action, answer.data);
    return answer.data;
  } catch (error) {
    if (error.isConflict) {
      showConflict(status, error, () => onChanged("reload", null));
    } else {
      showError(status, `Could not ${ACTION_LABELS[action].toLowerCase()} ${item.id}: ${error.message}`);
    }
    return null;
  }
}

function reportOutcome(status, action, item, data) {
  const name = item.title ? `“${item.title}”` : item.id;
  const failed = data && data.summary ? data.summary.failed : 0;
  if (failed > 0) {
    const rows = (data.uploadResults || []).filter((row) => !row.success);
    showWarning(
      status,
      `${name} was ${DONE[action].split(";")[0]}, but ${failed} customer notification(s) could not be queued: ` +
        rows.map((row) => `${row.customer}: ${row.error}`).join("; "),
    );
    return;
  }
  showSuccess(status, `${name} was ${DONE[action]}.`, { sticky: action === "approve" });
}

/** The buttons for the actions `allowed` (from status.allowedActions), each calling performAction. */
export function actionButtons(item, allowed, options) {
  const order = ["submit", "approve", "complete", "cancel", "delete"];
  return order
    .filter((action) => allowed[action])
    .map((action) => {
      const button = el(
        "button",
        {
          type: "button",
          className: `btn btn-small action-${action}${["cancel", "delete"].includes(action) ? " btn-danger" : ""}`,
          dataset: { action, id: item.id },
        },
        ACTION_LABELS[action],
      );
      button.addEventListener("click", async (event) => {
        event.stopPropagation();
        button.disabled = true;
        try {
          await performAction(action, item, options);
        } finally {
          button.disabled = false;
        }
      });
      return button;
    });
}
