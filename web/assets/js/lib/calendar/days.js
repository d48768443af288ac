// Calendar days as "YYYY-MM-DD" strings: arithmetic on the civil calendar (no zone), and which day an instant
// falls on in a zone. Weeks start on Monday.
import { dateToWallClock, parseInstant } from "../time.js";

const pad = (n) => String(n).padStart(2, "0");

function toUtc(day) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date));
}

function fromUtc(instant) {
  return `${instant.getUTCFullYear()}-${pad(instant.getUTCMonth() + 1)}-${pad(instant.getUTCDate())}`;
}

export function isDay(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(String(text || "")) && !Number.isNaN(toUtc(text).getTime());
}

export function addDays(day, count) {
  const instant = toUtc(day);
  instant.setUTCDate(instant.getUTCDate() + count);
  return fromUtc(instant);
}

export function addMonths(day, count) {
  const instant = toUtc(day);
  const target = new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth() + count, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(instant.getUTCDate(), last));
  return fromUtc(target);
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayOf(day) {
  return (toUtc(day).getUTCDay() + 6) % 7;
}

export const startOfWeek = (day) => addDays(day, -weekdayOf(day));
export const startOfMonth = (day) => `${day.slice(0, 8)}01`;
export const endOfMonth = (day) => addDays(startOfMonth(addMonths(startOfMonth(day), 1)), -1);
export const sameMonth = (a, b) => a.slice(0, 7) === b.slice(0, 7);

export function daysFrom(first, count) {
  return Array.from({ length: count }, (_, index) => addDays(first, index));
}

export function daysBetween(first, last) {
  const days = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

/** The day `value` (Date or ISO) falls on in `zone`. */
export function dayOf(value, zone) {
  return dateToWallClock(value, zone).date;
}

/** The days from `start` to `end` (an exclusive end: a window ending at midnight does not touch the next day). */
export function daysTouched(start, end, zone) {
  const from = parseInstant(start);
  const to = parseInstant(end);
  if (!from || !to) return [];
  const last = new Date(Math.max(from.getTime(), to.getTime() - 1));
  return daysBetween(dayOf(from, zone), dayOf(last, zone));
}

/** "Monday 7 January 2030", "Jan 2030", … in the viewer's language (the day itself has no zone). */
export function dayLabel(day, options) {
  return new Intl.DateTimeFormat(undefined, { timeZone: "UTC", ...options }).format(toUtc(day));
}
