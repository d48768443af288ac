// The details dialog of a change or an announcement: everything it says, its history, and what you may do.
import { collectionOf, get, post } from "./api.js";
import { el, personName } from "./dom.js";
import { actionButtons } from "./actions.js";
import { CHANGE_TYPE_LABELS, approveExplained, checklist, decider, decisionButtons, openingsFor, standingInToday } from "./approval.js";
import { audienceBox, humanized, isSystemEntry, sinceLastUserEntry, systemEntryText } from "./audience.js";
import { channelPostsSection } from "./channel-posts.js";
import { loadCustomers } from "./customers.js";
import { customerRoll } from "./customer-roll.js";
import { codesText } from "./customer-search.js";
import { deliverySection } from "./deliveries.js";
import { feedbackSection } from "./feedback.js";
import { joinLinkFor } from "./meeting.js";
import { showError, showSuccess } from "./messages.js";
import { openDialog } from "./modal.js";
import { OUTCOME_WORDS } from "./outcome.js";
import { ANNOUNCEMENT_TYPES, allowedActions, announcementTypeOf, normalStatus, statusBadge } from "./status.js";
import { ticketsSection } from "./tickets.js";
import { formatInBothZones, formatInstant, formatWindow } from "./time.js";

const STEPS = [
  ["draft", "Draft", "Drafted"],
  ["submitted", "Submit", "Submitted"],
  ["approved", "Approve", "Approved"],
  ["completed", "Complete", "Completed"],
];
const HISTORY_LABELS = {
  created: "Created",
  updated: "Updated",
  submitted: "Submitted for approval",
  approved: "Approved",
  completed: "Completed",
  cancelled: "Cancelled",
  rejected: "Rejected",
  reopened: "Taken back to a draft",
  approval_decision: "Approval given",
  review_completed: "Retrospective review completed",
  deleted: "Deleted",
  freeze_override: "Emergency entered a freeze window",
  delivery_resent: "Notice resent to transient failures",
  changed_after_approval: "Changed after approval: back for approval",
  ticket_created: "ServiceNow change request created",
  ticket_warning: "Submitted with a ticket not checked (ServiceNow or Jira did not answer)",
};

function freezeNote(freeze) {
  if (!freeze) return "";
  const when = formatWindow(freeze.start, freeze.end, freeze.timezone);
  return `: '${freeze.name}' for ${codesText(freeze.customers)}, ${when}, when ${freeze.action}`;
}

export function isChange(document) {
  return Boolean(document.changeId) || document.object_type === "change";
}

export function idOf(document) {
  return document.changeId || document.announcement_id || document.id;
}

export function titleOf(document) {
  return document.changeTitle || document.title || idOf(document);
}

export function editLink(document) {
  const id = encodeURIComponent(idOf(document));
  return isChange(document) ? `edit-change.html?changeId=${id}` : `edit-announcement.html?announcementId=${id}`;
}

function progress(status) {
  if (status === "cancelled" || status === "rejected") {
    const label = status === "cancelled" ? "Cancelled" : "Rejected";
    return el("ol", { className: "progress" }, el("li", { className: "step step-cancelled" }, label));
  }
  const reached = STEPS.findIndex(([value]) => value === status);
  return el(
    "ol",
    { className: "progress", "aria-label": "Progress" },
    STEPS.map(([, label, past], index) =>
      el(
        "li",
        { className: index <= reached ? "step step-done" : "step", "aria-current": index === reached ? "step" : false },
        index <= reached ? past : label,
      ),
    ),
  );
}

function field(label, value) {
  if (value === undefined || value === null || value === "") return null;
  return [el("dt", {}, label), el("dd", {}, value)];
}

function textSection(title, text) {
  if (!text) return null;
  return el("section", { className: "detail-section" }, el("h3", {}, title), el("p", { className: "prose" }, text));
}

function attachmentList(attachments) {
  if (!attachments || attachments.length === 0) return null;
  return el(
    "section",
    { className: "detail-section" },
    el("h3", {}, "Attachments"),
    el(
      "ul",
      {},
      attachments.map((attachment) => {
        const name = typeof attachment === "string" ? attachment : attachment.name;
        const url = typeof attachment === "string" ? attachment : attachment.url;
        const safe = url && /^https?:\/\//i.test(url);
        return el("li", {}, safe ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, name) : name);
      }),
    ),
  );
}

function meetingSection(document) {
  const metadata = document.meeting_metadata;
  const wanted = document.include_meeting || document.meetingRequired === "yes";
  if (!metadata && !wanted) return null;
  const zone = document.timezone || document.meeting_timezone;
  const collection = collectionOf(idOf(document));
  if (!metadata) {
    const skipped = sinceLastUserEntry(document).find((entry) => entry.modification_type === "meeting_skipped");
    const status = normalStatus(document.status);
    let said = "The meeting will be scheduled when this is approved.";
    if (skipped) said = `${systemEntryText(skipped, [])}.`;
    else if (status === "approved") said = "The meeting is being scheduled.";
    else if (status === "completed" || status === "cancelled") said = "No meeting was scheduled.";
    return el(
      "section",
      { className: "detail-section meeting" },
      el("h3", {}, "Meeting"),
      el("p", { className: skipped ? "meeting-note warn" : "meeting-note" }, said),
    );
  }
  return el(
    "section",
    { className: "detail-section meeting" },
    el("h3", {}, "Meeting"),
    el(
      "dl",
      { className: "facts" },
      field("Subject", metadata.subject),
      field("Starts", formatInBothZones(metadata.start_time, zone)),
      field("Ends", formatInBothZones(metadata.end_time, zone)),
    ),
    el(
      "div",
      { className: "button-row" },
      joinLinkFor(document),
      el(
        "a",
        { className: "btn btn-small", href: `/api${collection}/${encodeURIComponent(idOf(document))}/meeting.ics` },
        "Download calendar invite (.ics)",
      ),
    ),
  );
}

/** One history line: what a person did and who, or what the system did in its own words (never its role's ARN). */
function historyLine(entry, customers, entries) {
  const what = isSystemEntry(entry)
    ? [el("strong", {}, systemEntryText(entry, customers, entries))]
    : [
        el("strong", {}, HISTORY_LABELS[entry.modification_type] || humanized(entry.modification_type)),
        ` by ${entry.on_behalf_of ? decider(entry) : personName(entry.user_id)}`,
        freezeNote(entry.freeze),
        entry.comment ? el("span", { className: "history-comment" }, `: “${entry.comment}”`) : "",
      ];
  return el(
    "li",
    { dataset: { type: entry.modification_type } },
    what,
    el("time", { datetime: entry.timestamp }, ` · ${formatInstant(entry.timestamp)}`),
  );
}

function history(modifications, customers) {
  const entries = [...(modifications || [])].sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
  if (entries.length === 0) return null;
  return el(
    "section",
    { className: "detail-section history" },
    el("h3", {}, "History"),
    el(
      "ol",
      { className: "timeline" },
      entries.map((entry) => historyLine(entry, customers, entries)),
    ),
  );
}

/** Before approval: whom it will reach, counted from each customer's audience now. */
function audienceSection(document) {
  if (!["draft", "submitted"].includes(normalStatus(document.status))) return null;
  return audienceBox(idOf(document), {
    heading: el("h3", {}, "Whom it reaches once approved"),
    className: "detail-section audience",
  });
}

/** Everything `document` says, as text: the dialog's body, and the page of an object that cannot be edited. */
export function detailsBody(document, customers) {
  const zone = document.timezone;
  const firstApproval = (document.modifications || []).find((entry) => entry.modification_type === "approved");
  const change = isChange(document);
  return el(
    "div",
    { className: "details" },
    el("p", { className: "detail-id" }, idOf(document), " ", statusBadge(document.status), ` · version ${document.version || 1}`),
    progress(normalStatus(document.status)),
    el(
      "dl",
      { className: "facts" },
      change ? null : field("Type", ANNOUNCEMENT_TYPES[announcementTypeOf(document)]),
      field("Created by", document.createdBy || document.created_by),
      field("Created", document.createdAt ? formatInstant(document.createdAt) : null),
      field("Submitted", document.submittedAt ? formatInstant(document.submittedAt) : null),
      field("Approved by", firstApproval ? firstApproval.user_id : document.approvedBy),
      field("Approved", document.approvedAt ? formatInstant(document.approvedAt) : null),
      change ? field("Window starts", formatInBothZones(document.implementationStart, zone)) : null,
      change ? field("Window ends", formatInBothZones(document.implementationEnd, zone)) : null,
      change ? field("ServiceNow ticket", document.snowTicket) : null,
      change ? field("Jira ticket", document.jiraTicket) : null,
      change ? field("Change type", CHANGE_TYPE_LABELS[document.changeType] || document.changeType) : null,
      change ? field("Risk", document.risk ? document.risk[0].toUpperCase() + document.risk.slice(1) : null) : null,
      change && document.templateId ? field("Standard template", document.templateId) : null,
      field("Customers", (document.customers || []).length ? customerRoll(customers, document.customers) : null),
      change && document.outcome ? field("Outcome", OUTCOME_WORDS[document.outcome] || document.outcome) : null,
      change && document.outcome ? field("Outcome note", document.outcomeNote) : null,
    ),
    change ? ticketsSection(idOf(document)) : null,
    change && document.changeType === "emergency" ? textSection("Why this is an emergency", document.emergencyJustification) : null,
    checklist(document.approval),
    change ? textSection("Reason", document.changeReason) : textSection("Summary", document.summary),
    change ? textSection("Implementation plan", document.implementationPlan) : textSection("Content", document.content),
    change ? textSection("Test plan", document.testPlan) : null,
    change ? textSection("Customer impact", document.customerImpact) : null,
    change ? textSection("Rollback plan", document.rollbackPlan) : null,
    change ? null : attachmentList(document.attachments),
    audienceSection(document),
    meetingSection(document),
    history(document.modifications, customers),
    normalStatus(document.status) === "draft" ? null : channelPostsSection(idOf(document)),
    normalStatus(document.status) === "completed" ? feedbackSection(idOf(document)) : null,
  );
}

/** Whether approving in `opening` meets the last open requirement (as the approvals list computes it). */
function completesWith(document, opening) {
  const chosen = new Set(opening.countsTowards.map((state) => state.id));
  const states = document.status === "submitted" ? document.approval.requirements : document.approval.review.requirements;
  return states.every((state) => state.met || (chosen.has(state.id) && (state.decisions || []).length + 1 >= state.required));
}

/**
 * Open the details of `id`. `onChanged(action)` runs after any action succeeded (the caller reloads its list).
 */
export async function openDetails(id, { user, status, onChanged = () => {} }) {
  const collection = collectionOf(id);
  let answer;
  try {
    answer = await get(`${collection}/${encodeURIComponent(id)}`);
  } catch (error) {
    showError(status, `Could not open ${id}: ${error.message}`);
    return null;
  }
  const customers = await loadCustomers().catch(() => []);
  const document = answer.data;
  const item = {
    id,
    title: titleOf(document),
    include_meeting: document.include_meeting,
    etag: answer.etag,
    version: document.version,
    document,
  };
  const allowed = allowedActions(document, user);
  const openings = openingsFor(document, user, await standingInToday());
  let dialog = null;
  const dialogStatus = el("div", { className: "dialog-status", "aria-live": "polite" });
  const options = {
    status: dialogStatus,
    onChanged: (action, data) => {
      if (action !== "reload") {
        // What the action said (an approval's progress too) stays in sight on the page once the dialog closes.
        status.replaceChildren(...dialogStatus.childNodes);
        dialog.close();
      }
      onChanged(action, data);
    },
  };
  const duplicate = el("button", { type: "button", className: "btn btn-small" }, "Duplicate");
  duplicate.addEventListener("click", async () => {
    try {
      const { data } = await post(`${collection}/${encodeURIComponent(id)}/clone`);
      showSuccess(status, `A new draft ${data.id} was made from ${id}.`);
      window.location.href = editLink(data.object);
    } catch (error) {
      showError(dialogStatus, `Could not duplicate: ${error.message}`);
    }
  });
  dialog = openDialog({
    title: titleOf(document),
    wide: true,
    body: [dialogStatus, detailsBody(document, customers), deliverySection(document, id, { user, customers, status: dialogStatus })],
    actions: [
      allowed.edit ? el("a", { className: "btn btn-small", href: editLink(document) }, "Edit") : null,
      duplicate,
      ...decisionButtons(document, item, openings, {
        status: dialogStatus,
        onDone: (data) => options.onChanged("approve", data),
        explain: (opening) => approveExplained(document, { ...opening, completes: completesWith(document, opening) }, customers),
      }),
      ...actionButtons(item, allowed, options),
    ].filter(Boolean),
  });
  dialog.dataset.objectId = id;
  return dialog;
}
