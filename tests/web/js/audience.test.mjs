// Whom an object reaches and what the backend did, in words; the question asked before completing early.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  customerReachText,
  isSystemEntry,
  meetingDecided,
  meetingMoved,
  meetingReachText,
  outcomeOf,
  systemEntryText,
} from "../../../web/assets/js/lib/audience.js";
import { completionQuestion } from "../../../web/assets/js/lib/completion.js";
import { formatWindow } from "../../../web/assets/js/lib/time.js";

const CUSTOMERS = [
  { code: "alpha", name: "Alpha Retail" },
  { code: "bravo", name: "Bravo Media" },
];
const ARN = "arn:aws:sts::123456789012:user/moto";

test("each customer's reach reads as recipients on a topic, or nobody subscribing to it", () => {
  assert.equal(
    customerReachText({
      name: "Alpha Retail",
      notification: { topic: "aws-announce", recipients: 4 },
      meeting: { topic: "aws-calendar", recipients: 2 },
      invitedBy: "teams",
    }),
    "Alpha Retail: 4 recipients on aws-announce; 2 invited to the Teams meeting",
  );
  assert.equal(
    customerReachText({ name: "Bravo Media", notification: { topic: "finops-announce", recipients: 0 } }),
    "Bravo Media: nobody subscribes to finops-announce",
  );
  assert.equal(
    customerReachText({ name: "Charlie Logistics", problem: "its audience cannot be read now: throttled" }),
    "Charlie Logistics: its audience cannot be read now: throttled",
  );
});

test("the meeting reads as how many are invited, or that nobody is and no meeting will be made", () => {
  assert.equal(
    meetingReachText({ topic: "finops-announce", invited: 0, nobodyInvited: true, unknown: false }),
    "No meeting: nobody is invited (nobody subscribes to finops-announce).",
  );
  assert.equal(
    meetingReachText({ topic: "aws-calendar", invited: 7, listedAttendees: 1, nobodyInvited: false, unknown: false }),
    "Meeting: 7 people invited, 1 of them listed by hand.",
  );
  assert.equal(meetingReachText(null), null);
});

test("the backend's history entries read as the system did them, never as its role's ARN", () => {
  const entries = [
    { modification_type: "processed", user_id: ARN, customer_code: "bravo", topic: "aws-announce", recipients: 4 },
    { modification_type: "processed", user_id: ARN, customer_code: "alpha", topic: "finops-announce", recipients: 0 },
    { modification_type: "processed", user_id: ARN, customer_code: "alpha" },
    { modification_type: "meeting_skipped", user_id: ARN, topic: "aws-calendar", detail: "nobody is invited" },
    { modification_type: "meeting_cancelled", user_id: ARN, detail: "completed before the meeting" },
  ];

  const said = entries.map((entry) => systemEntryText(entry, CUSTOMERS));

  assert.deepEqual(said, [
    "Notified Bravo Media: 4 recipients",
    "Nobody notified at Alpha Retail: nobody subscribes to finops-announce",
    "Notified Alpha Retail",
    "No meeting: nobody is invited (nobody subscribes to aws-calendar)",
    "Meeting cancelled: completed before the meeting",
  ]);
  assert.ok(said.every((text) => !text.includes("arn:")));
  assert.equal(systemEntryText({ modification_type: "reminder_sent", user_id: ARN, customer_code: "alpha" }, CUSTOMERS), "Reminder sent (Alpha Retail)");
});

test("an entry is the system's by its kind or by its writer, whatever kinds later releases add", () => {
  assert.equal(isSystemEntry({ modification_type: "processed", user_id: ARN }), true);
  assert.equal(isSystemEntry({ modification_type: "reminder_sent", user_id: ARN }), true);
  assert.equal(isSystemEntry({ modification_type: "meeting_skipped", user_id: "backend-system" }), true);
  assert.equal(isSystemEntry({ modification_type: "approved", user_id: "approver@example.com" }), false);
  assert.equal(isSystemEntry({ modification_type: "rejected", user_id: "approver@example.com" }), false);
});

test("after an approval the outcome is done once every customer is notified and the meeting is decided", () => {
  const approved = {
    customers: ["alpha", "bravo"],
    include_meeting: true,
    modifications: [
      { modification_type: "submitted", user_id: "requester@example.com" },
      { modification_type: "processed", user_id: ARN, customer_code: "alpha", topic: "aws-approval", recipients: 1 },
      { modification_type: "approved", user_id: "approver@example.com" },
      { modification_type: "processed", user_id: ARN, customer_code: "alpha", topic: "aws-announce", recipients: 4 },
    ],
  };
  assert.equal(outcomeOf(approved, CUSTOMERS).done, false);
  assert.equal(meetingDecided(approved), false);

  approved.modifications.push(
    { modification_type: "meeting_skipped", user_id: ARN, topic: "aws-calendar", detail: "nobody is invited" },
    { modification_type: "processed", user_id: ARN, customer_code: "bravo", topic: "aws-announce", recipients: 0 },
  );
  const outcome = outcomeOf(approved, CUSTOMERS);

  assert.equal(outcome.done, true);
  assert.deepEqual(outcome.lines, [
    "Notified Alpha Retail: 4 recipients",
    "Nobody notified at Bravo Media: nobody subscribes to aws-announce",
  ]);
  assert.equal(outcome.meeting, "No meeting: nobody is invited (nobody subscribes to aws-calendar).");
  assert.equal(meetingDecided(approved), true);
});

test("a meeting by email only is decided although it has no Join link", () => {
  const document = { customers: ["xray"], include_meeting: true, meeting_metadata: { provider: "ics", join_url: "" } };
  assert.equal(meetingDecided(document), true);
});

test("completing before the window asks with the window's start and says the meeting is cancelled", () => {
  const now = Date.parse("2030-01-01T12:00:00Z");
  const change = {
    changeId: "CHG-1",
    include_meeting: true,
    implementationStart: "2030-01-07T15:00:00Z",
    timezone: "UTC",
    meeting_metadata: { meeting_id: "m1", start_time: "2030-01-07T15:00:00Z", join_url: "https://teams.example.com/x" },
    modifications: [],
  };

  const early = completionQuestion(change, now);

  assert.equal(early.early, true);
  assert.equal(early.title, "Complete before the window starts?");
  assert.match(early.text, /^The window starts in 6 days \(/);
  assert.match(early.text, /Its meeting is cancelled for everyone invited/);
  assert.equal(early.confirm, "Complete now");

  const late = completionQuestion(change, Date.parse("2030-01-07T16:00:00Z"));
  assert.equal(late.early, false);
  assert.equal(late.title, "Mark as completed?");
  assert.doesNotMatch(late.text, /meeting/);
});

test("an announcement completed before its meeting is asked about that meeting", () => {
  const now = Date.parse("2030-01-01T12:00:00Z");
  const announcement = { announcement_id: "CIC-1", include_meeting: true, meeting_date: "2030-01-01T18:00:00Z" };

  const question = completionQuestion(announcement, now);

  assert.equal(question.title, "Complete before its meeting?");
  assert.match(question.text, /^Its meeting starts in 6 hours \(/);
});

test("a meeting update reads as a move, with the new window, only when its start or end changed", () => {
  const version = (type, start, end, extra = {}) => ({
    modification_type: type,
    user_id: ARN,
    meeting_metadata: { meeting_id: "m-1", subject: "Patch", start_time: start, end_time: end, ...extra },
  });
  const scheduled = version("meeting_scheduled", "2030-01-07T15:00:00Z", "2030-01-07T16:00:00Z");
  const renamed = version("meeting_updated", "2030-01-07T15:00:00+00:00", "2030-01-07T16:00:00Z", { subject: "Patch v2" });
  const moved = version("meeting_updated", "2030-01-08T15:00:00Z", "2030-01-08T16:00:00Z");
  const longer = version("meeting_updated", "2030-01-08T15:00:00Z", "2030-01-08T17:00:00Z");
  const otherMeeting = version("meeting_scheduled", "2030-02-01T10:00:00Z", "2030-02-01T11:00:00Z");
  otherMeeting.meeting_metadata = { ...otherMeeting.meeting_metadata, meeting_id: "m-2" };
  const history = [
    scheduled,
    { modification_type: "updated", user_id: "requester@example.com" },
    renamed,
    moved,
    otherMeeting,
    longer,
  ];

  // The same instant spelled another way is no move; another meeting's versions are not this one's.
  assert.equal(meetingMoved(renamed, history), false);
  assert.equal(meetingMoved(moved, history), true);
  assert.equal(meetingMoved(longer, history), true);
  assert.equal(systemEntryText(renamed, CUSTOMERS, history), "Meeting updated");
  assert.equal(
    systemEntryText(moved, CUSTOMERS, history),
    `Meeting moved to ${formatWindow("2030-01-08T15:00:00Z", "2030-01-08T16:00:00Z")}`,
  );
  // Without the history, or with an entry the history does not hold, nobody can tell: a plain update.
  assert.equal(systemEntryText(moved, CUSTOMERS), "Meeting updated");
  assert.equal(meetingMoved(moved, [moved]), false);
  assert.equal(meetingMoved({ ...moved }, history), false);
});
