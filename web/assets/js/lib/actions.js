// Status actions (submit, approve, complete, cancel, delete) as every page offers them: confirm what cannot be
// undone (and completing ahead of the window), send the ETag the user saw, report the outcome truthfully, and after
// an approval follow what the backend does: whom it notified, and the meeting it made or why it made none.
import { collectionOf, get, post, remove } from "./api.js";
import { outcomeOf } from "./audience.js";
import { completionQuestion } from "./completion.js";
import { loadCustomers } from "./customers.js";
import { el } from "./dom.js";
import { showConflict } from "./conflict.js";
import { messageNode, showError, showMessage, showSuccess, showWarning } from "./messages.js";
import { confirmAction } from "./modal.js";
import { watchObject } from "./meeting.js";
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
  approve: "approved",
  complete: "marked completed; subscribers are being notified",
  cancel: "cancelled; subscribers are being notified",
  delete: "deleted",
};

const QUESTIONS = {
  cancel: ["Cancel this?", "Every customer's subscribers are told it is cancelled, and its meeting is cancelled."],
  delete: ["Delete this?", "It is moved to the deleted folder and disappears from the portal."],
};

/** The question for `action` on `item`: [title, text, confirm label, early], or null when none is asked. */
async function questionFor(action, item, path) {
  if (action === "complete") {
    // Cards hold list summaries: the window, the meeting and its cancellations come from the object itself.
    const document = item.document || (await get(path)).data;
    const question = completionQuestion(document);
    return [question.title, question.text, question.confirm, question.early];
  }
  return QUESTIONS[action] ? [...QUESTIONS[action], ACTION_LABELS[action], false] : null;
}

/**
 * After an approval: what the backend did, as it does it ("Notified Alpha Retail: 4 recipients", "No meeting: nobody
 * is invited"), until every customer is notified and the meeting is made or skipped; never an endless wait.
 */
export function followApproval(collection, item, status, onMeeting) {
  const progress = showMessage(status, "info", "Notifying the customers' subscribers…", { replace: false, sticky: true });
  const text = progress.querySelector(".message-text");
  loadCustomers()
    .catch(() => [])
    .then((customers) => {
      const describe = (document) => {
        const outcome = outcomeOf(document, customers);
        return [...outcome.lines, outcome.meeting].filter(Boolean).join(". ");
      };
      watchObject(collection, item.id, {
        name: "approval",
        isDone: (document) => outcomeOf(document, customers).done,
        onChange: (document) => {
          const said = describe(document);
          if (said) text.textContent = `${said}…`;
        },
        onDone: (document) => {
          // In place: the message may have moved (a closed details dialog hands its messages to the page).
          progress.replaceWith(messageNode("success", `${describe(document)}.`));
          if (onMeeting) onMeeting(document);
        },
        onGiveUp: () => {
          text.textContent =
            "The notifications are not all done after two minutes; the details show what has been done so far.";
        },
      });
    });
}

/**
 * Perform `action` on `item` ({id, title, include_meeting?, etag?, version?, document?}). Resolves to the API's answer,
 * or null when the user declined or it failed (the failure is already shown in `status`).
 */
export async function performAction(action, item, { status, onChanged = () => {}, onMeeting } = {}) {
  const collection = collectionOf(item.id);
  const path = `${collection}/${encodeURIComponent(item.id)}`;
  let question;
  try {
    question = await questionFor(action, item, path);
  } catch (error) {
    showError(status, `Could not ${ACTION_LABELS[action].toLowerCase()} ${item.id}: ${error.message}`);
    return null;
  }
  // Completing a change asks how it went, which is its confirmation; completing early is asked about first.
  const asksOutcome = action === "complete" && collection === "/changes";
  if (question && (!asksOutcome || question[3])) {
    const [title, text, confirm] = question;
    const agreed = await confirmAction(title, `${item.title || item.id}: ${text}`, confirm, true);
    if (!agreed) return null;
  }
  let body;
  if (asksOutcome) {
    body = await askOutcome(item.title || item.id);
    if (!body) return null;
  }
  try {
    const answer =
      action === "delete"
        ? await remove(path, { ifMatch: item.etag, version: item.version })
        : await post(`${path}/${action}`, body, { ifMatch: item.etag, version: item.version });
    reportOutcome(status, action, item, answer.data);
    // An approval that completes the object's approval (other decisions may still be needed before it does).
    if (action === "approve" && answer.data?.object?.status === "approved") {
      followApproval(collection, item, status, onMeeting);
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
