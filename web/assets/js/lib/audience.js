// Whom an object reaches, in words: before approval from GET .../audience (counts per customer and topic), after
// approval from what the backend recorded in the object's history (notifications sent, the meeting made or skipped).
// An approver sees beforehand that "Bravo Media: nobody subscribes to finops-announce", and afterwards what happened
// ("No meeting: nobody is invited") instead of a page waiting for a meeting that cannot come.
import { collectionOf, get } from "./api.js";
import { el } from "./dom.js";
import { customerName } from "./customers.js";
import { formatWindow, parseInstant } from "./time.js";

const SYSTEM_TYPES = new Set(["processed", "meeting_scheduled", "meeting_updated", "meeting_cancelled", "meeting_skipped"]);

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

const KEEP_MS = 60000;
const asked = new Map();

/** The audience of `id`, asked once a minute however often a list re-renders its cards (the server keeps its
 * counts a minute too). */
export function audienceOf(id) {
  const known = asked.get(id);
  if (known && Date.now() - known.at < KEEP_MS) return known.answer;
  const answer = get(`${collectionOf(id)}/${encodeURIComponent(id)}/audience`).then(({ data }) => data);
  asked.set(id, { answer, at: Date.now() });
  answer.catch(() => asked.delete(id));
  return answer;
}

function reachText(reach, none) {
  return reach.recipients > 0 ? `${plural(reach.recipients, "recipient")} on ${reach.topic}` : none(reach.topic);
}

/** "Alpha Retail: 4 recipients on aws-announce; 2 invited to the Teams meeting" */
export function customerReachText(customer) {
  if (customer.problem) return `${customer.name}: ${customer.problem}`;
  const parts = [];
  if (customer.notification) parts.push(reachText(customer.notification, (topic) => `nobody subscribes to ${topic}`));
  if (customer.meeting) {
    const how = customer.invitedBy === "teams" ? "to the Teams meeting" : "by email";
    parts.push(
      customer.meeting.recipients > 0
        ? `${customer.meeting.recipients} invited ${how}`
        : `nobody on ${customer.meeting.topic} for the meeting`,
    );
  }
  return `${customer.name}: ${parts.join("; ")}`;
}

/** "No meeting: nobody is invited (nobody subscribes to aws-calendar)." or "Meeting: 7 invited." */
export function meetingReachText(meeting) {
  if (!meeting) return null;
  if (meeting.unknown) return "Meeting: not known yet, as some customers' audiences cannot be read now.";
  if (meeting.nobodyInvited) return `No meeting: nobody is invited (nobody subscribes to ${meeting.topic}).`;
  const listed = meeting.listedAttendees ? `, ${meeting.listedAttendees} of them listed by hand` : "";
  return `Meeting: ${plural(meeting.invited, "person", "people")} invited${listed}.`;
}

/** Whether anyone of a customer, or the meeting, would be left out: worth a warning tone. */
export function reachesSomeoneEverywhere(audience) {
  const everyone = audience.customers.every(
    (customer) => !customer.problem && (!customer.notification || customer.notification.recipients > 0),
  );
  return everyone && !(audience.meeting && audience.meeting.nobodyInvited);
}

/** The list of what `audience` says, one line per customer and one for the meeting. */
export function audienceList(audience) {
  const meeting = meetingReachText(audience.meeting);
  return el(
    "ul",
    { className: "audience-lines" },
    audience.customers.map((customer) =>
      el("li", { className: customer.problem || customer.notification?.recipients === 0 ? "warn" : "" }, customerReachText(customer)),
    ),
    meeting ? el("li", { className: audience.meeting.nobodyInvited ? "warn" : "" }, meeting) : null,
  );
}

/**
 * A box that says whom the object reaches once approved, filled when the counts arrive. Its first line is there at
 * once (no layout shift when it fills); a failure says so in one line.
 */
export function audienceBox(id, { heading = null, className = "audience-note" } = {}) {
  const body = el("p", { className: "muted" }, "Counting whom this reaches…");
  const box = el("div", { className, "aria-live": "polite", dataset: { audienceOf: id } }, heading, body);
  audienceOf(id)
    .then((audience) => {
      box.dataset.state = reachesSomeoneEverywhere(audience) ? "reaches" : "gaps";
      body.replaceWith(audienceList(audience));
    })
    .catch((error) => {
      body.textContent = `Whom this reaches cannot be counted now: ${error.message}`;
    });
  return box;
}

// -- after approval: what the backend did, from the history -------------------------------------------------------

/** The backend's own entries: its kinds of entry, or any entry its role (an ARN) or its fallback name wrote. */
export function isSystemEntry(entry) {
  return SYSTEM_TYPES.has(entry.modification_type) || /^(arn:|backend-system$)/.test(String(entry.user_id || ""));
}

/** "reminder_sent" -> "Reminder sent": an entry this page has no words of its own for. */
export function humanized(type) {
  const words = String(type || "").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The entries the backend wrote since the last thing a person did (the state it is processing). */
export function sinceLastUserEntry(document) {
  const entries = document.modifications || [];
  let last = -1;
  entries.forEach((entry, index) => {
    if (!isSystemEntry(entry)) last = index;
  });
  return entries.slice(last + 1);
}

const MEETING_VERSIONS = new Set(["meeting_scheduled", "meeting_updated"]);

function sameInstant(one, other) {
  const a = parseInstant(one);
  const b = parseInstant(other);
  return Boolean(a && b && a.getTime() === b.getTime());
}

/**
 * Whether a "meeting_updated" entry moved its meeting in time: its start or end differs from the meeting's version
 * recorded before it in `modifications` (the backend heads the same update's email "Rescheduled:"). A new title,
 * place or invitee list is an update that did not move it; without the history nobody can tell, so not moved.
 */
export function meetingMoved(entry, modifications) {
  const meeting = entry && entry.meeting_metadata;
  const at = (modifications || []).indexOf(entry);
  if (!meeting || at < 0) return false;
  const before = modifications
    .slice(0, at)
    .filter(
      (earlier) =>
        MEETING_VERSIONS.has(earlier.modification_type) &&
        earlier.meeting_metadata &&
        earlier.meeting_metadata.meeting_id === meeting.meeting_id,
    )
    .pop();
  if (!before) return false;
  const previous = before.meeting_metadata;
  return !sameInstant(previous.start_time, meeting.start_time) || !sameInstant(previous.end_time, meeting.end_time);
}

/** A history entry of the backend's, in words: never its role's ARN. With the history it belongs to
 * (`modifications`, oldest first), a meeting update says whether it moved the meeting, and to when. */
export function systemEntryText(entry, customers, modifications = null) {
  const name = entry.customer_code ? customerName(customers, entry.customer_code) : "";
  switch (entry.modification_type) {
    case "processed":
      if (entry.recipients === undefined || entry.recipients === null) return `Notified ${name}`;
      if (entry.recipients === 0) return `Nobody notified at ${name}: nobody subscribes to ${entry.topic}`;
      return `Notified ${name}: ${plural(entry.recipients, "recipient")}`;
    case "meeting_scheduled":
      return entry.meeting_metadata && entry.meeting_metadata.provider === "ics"
        ? "Meeting scheduled: invitations sent by email"
        : "Meeting scheduled in Teams";
    case "meeting_updated":
      return meetingMoved(entry, modifications)
        ? `Meeting moved to ${formatWindow(entry.meeting_metadata.start_time, entry.meeting_metadata.end_time)}`
        : "Meeting updated";
    case "meeting_cancelled":
      return entry.detail ? `Meeting cancelled: ${entry.detail}` : "Meeting cancelled";
    case "ticket_created":
      return `Change request created: ${entry.detail || "ServiceNow"}`;
    case "meeting_skipped":
      return `No meeting: ${entry.detail || "nobody is invited"}${entry.topic ? ` (nobody subscribes to ${entry.topic})` : ""}`;
    default:
      return name ? `${humanized(entry.modification_type)} (${name})` : humanized(entry.modification_type);
  }
}

/**
 * What the backend did about the object's current state: a line per customer notified and one for the meeting, and
 * whether it is done (every customer notified, the meeting made or skipped when one was asked for).
 */
export function outcomeOf(document, customers) {
  const recent = sinceLastUserEntry(document);
  const processed = recent.filter((entry) => entry.modification_type === "processed");
  const notified = new Set(processed.map((entry) => entry.customer_code));
  const lines = processed.map((entry) => systemEntryText(entry, customers));
  const meeting = document.include_meeting ? meetingOutcomeText(document) : null;
  const meetingDone = !document.include_meeting || meeting !== null;
  const everyone = (document.customers || []).every((code) => notified.has(code));
  return { lines, meeting, done: meetingDone && everyone };
}

/** Whether the object's meeting is decided: made (with or without a Join link) or skipped since the last change. */
export function meetingDecided(document) {
  return meetingOutcomeText(document) !== null;
}

/** What became of the meeting of `document`, in one sentence; null while it is not decided. */
export function meetingOutcomeText(document) {
  const metadata = document.meeting_metadata;
  if (metadata && metadata.join_url) return "Meeting scheduled: Join is available.";
  if (metadata && metadata.provider === "ics") return "Meeting scheduled: the invitations go out by email.";
  const skipped = [...sinceLastUserEntry(document)].reverse().find((entry) => entry.modification_type === "meeting_skipped");
  return skipped ? `${systemEntryText(skipped, [])}.` : null;
}

/** What to tell once the meeting of `document` is decided: [message type, sentence]. */
export function meetingNews(document, title) {
  const said = meetingOutcomeText(document) || "The meeting is not scheduled yet.";
  return [document.meeting_metadata ? "success" : "info", `“${title}”: ${said}`];
}
