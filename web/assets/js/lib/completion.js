// Completing: the question asked first. Completing a change before its window has started is most likely a slip,
// so the question says when the window starts and asks to complete it anyway; a meeting still ahead is cancelled
// for everyone invited (the backend cancels it when the object is completed before it starts).
import { formatInBothZones, parseInstant } from "./time.js";

function cancelledIds(document) {
  return new Set(
    (document.modifications || [])
      .filter((entry) => entry.modification_type === "meeting_cancelled" && entry.meeting_metadata)
      .map((entry) => entry.meeting_metadata.meeting_id),
  );
}

/** When the object's meeting starts: the meeting made for it, else the time it asks for; null without one. */
export function meetingStart(document) {
  const metadata = document.meeting_metadata;
  if (metadata && !cancelledIds(document).has(metadata.meeting_id)) return parseInstant(metadata.start_time);
  if (!document.include_meeting) return null;
  return parseInstant(document.meetingTime || document.implementationStart || document.meeting_date);
}

/** "in 6 days", "in 5 hours", "in 20 minutes". */
export function fromNow(instant, now) {
  const minutes = Math.round((instant.getTime() - now) / 60000);
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  if (minutes >= 2 * 24 * 60) return format.format(Math.round(minutes / (24 * 60)), "day");
  if (minutes >= 120) return format.format(Math.round(minutes / 60), "hour");
  return format.format(Math.max(minutes, 1), "minute");
}

/**
 * The confirmation to ask before completing `document` at `now` (milliseconds): {early, title, text, confirm}.
 * `early` when a change's window (or an announcement's meeting) has not started yet.
 */
export function completionQuestion(document, now = Date.now()) {
  const windowStart = parseInstant(document.implementationStart);
  const meeting = meetingStart(document);
  const meetingAhead = meeting !== null && meeting.getTime() > now;
  const meetingNote = meetingAhead
    ? " Its meeting is cancelled for everyone invited, in Teams and by email."
    : "";
  const done = "Completing it tells every customer's subscribers the work is done.";
  if (windowStart && windowStart.getTime() > now) {
    const when = formatInBothZones(document.implementationStart, document.timezone);
    return {
      early: true,
      title: "Complete before the window starts?",
      text: `The window starts ${fromNow(windowStart, now)} (${when}). ${done}${meetingNote} This cannot be undone.`,
      confirm: "Complete now",
    };
  }
  if (!windowStart && meetingAhead) {
    const when = formatInBothZones(meeting.toISOString(), document.meeting_timezone);
    return {
      early: true,
      title: "Complete before its meeting?",
      text: `Its meeting starts ${fromNow(meeting, now)} (${when}). ${done}${meetingNote} This cannot be undone.`,
      confirm: "Complete now",
    };
  }
  return {
    early: false,
    title: "Mark as completed?",
    text: `${done}${meetingNote} This cannot be undone.`,
    confirm: "Complete",
  };
}
