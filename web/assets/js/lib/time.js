// Times in IANA zones with nothing but Intl: a change's window is wall-clock time in the change's own zone,
// shown to each viewer in their zone with the change's zone beside it.

export const COMMON_ZONES = [
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "UTC",
  "Europe/London",
  "Europe/Paris",
  "Asia/Tokyo",
  "Asia/Shanghai",
  "Australia/Sydney",
];
export const DEFAULT_ZONE = "America/New_York";

/** The zone a new form starts in: the viewer's when it is one of the common zones, else the default. */
export function defaultZone() {
  const mine = viewerZone();
  return COMMON_ZONES.includes(mine) ? mine : DEFAULT_ZONE;
}

export function viewerZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function allZones() {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...COMMON_ZONES, ...known.filter((zone) => !COMMON_ZONES.includes(zone))];
}

export function isZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function partsIn(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const value = Object.fromEntries(parts.map((part) => [part.type, part.value]));
  return {
    year: Number(value.year),
    month: Number(value.month),
    day: Number(value.day),
    hour: Number(value.hour),
    minute: Number(value.minute),
    second: Number(value.second),
  };
}

function offsetMinutes(instant, zone) {
  const p = partsIn(instant, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/** "2030-01-07", "10:00" in "America/New_York" -> Date (15:00Z). Null when either part is missing. */
export function wallClockToDate(date, time, zone) {
  if (!date || !time) return null;
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // The offset at the guess can differ from the offset at the answer around a DST change: check twice.
  let instant = new Date(guess - offsetMinutes(new Date(guess), zone) * 60000);
  instant = new Date(guess - offsetMinutes(instant, zone) * 60000);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/** RFC 3339 UTC, seconds precision: what the API stores. */
export function toIso(instant) {
  return instant ? instant.toISOString().replace(/\.\d{3}Z$/, "Z") : null;
}

/** Date (or ISO string) -> {date: "YYYY-MM-DD", time: "HH:MM"} on the wall clock of `zone`. */
export function dateToWallClock(value, zone) {
  const instant = value instanceof Date ? value : parseInstant(value);
  if (!instant) return { date: "", time: "" };
  const p = partsIn(instant, zone);
  const pad = (n) => String(n).padStart(2, "0");
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, time: `${pad(p.hour)}:${pad(p.minute)}` };
}

export function parseInstant(value) {
  if (!value) return null;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

function formatter(zone, withZoneName = true) {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: withZoneName ? "short" : undefined,
  });
}

/** "Mon, Jan 7, 2030, 10:00 AM EST" in the viewer's zone (or `zone`); "not set" for nothing. */
export function formatInstant(value, zone = viewerZone()) {
  const instant = parseInstant(value);
  return instant ? formatter(zone).format(instant) : "not set";
}

export function formatDate(value) {
  const instant = parseInstant(value);
  return instant ? instant.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }) : "";
}

/** The viewer's time, and the object's own zone beside it when that zone differs. */
export function formatInBothZones(value, objectZone) {
  const instant = parseInstant(value);
  if (!instant) return "not set";
  const mine = formatInstant(instant);
  if (!objectZone || !isZone(objectZone) || objectZone === viewerZone()) return mine;
  return `${mine} (${formatter(objectZone).format(instant)}, ${objectZone})`;
}

/**
 * A window from `start` to `end` in the viewer's zone, written once where both ends share a day ("Mon, Jan 7,
 * 2030, 10:00 AM – 12:00 PM EST"), and in the object's own zone beside it when that zone differs.
 */
export function formatWindow(start, end, objectZone, viewer = viewerZone()) {
  const from = parseInstant(start);
  const to = parseInstant(end);
  if (!from || !to) return "not set";
  const mine = formatter(viewer).formatRange(from, to);
  if (!objectZone || !isZone(objectZone) || objectZone === viewer) return mine;
  return `${mine} (${formatter(objectZone).formatRange(from, to)}, ${objectZone})`;
}

/** Today plus `days` on the wall clock of `zone`, as "YYYY-MM-DD". */
export function dayInZone(zone, days = 0) {
  return dateToWallClock(new Date(Date.now() + days * 86400000), zone).date;
}

export function minutesBetween(start, end) {
  return start && end ? Math.round((end.getTime() - start.getTime()) / 60000) : 0;
}
