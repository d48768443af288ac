// What the calendar shows of the API's answer: each event and freeze on the days it touches in the viewer's zone,
// and sentences for conflicts and planning warnings ("overlaps CHG-… for alpha (10:00–11:00)").
import { formatWindow, parseInstant, viewerZone } from "../time.js";
import { daysTouched } from "./days.js";
import { codesText } from "../customer-search.js";

function clock(value, zone) {
  const instant = parseInstant(value);
  return instant
    ? new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(instant)
    : "";
}

export function startTime(start, zone = viewerZone()) {
  return clock(start, zone);
}

export function timeRange(start, end, zone = viewerZone()) {
  return `${clock(start, zone)}–${clock(end, zone)}`;
}

/** day -> {events: [...], freezes: [...]} for every day of `days`. */
export function byDay(data, days, zone = viewerZone()) {
  const wanted = new Set(days);
  const map = new Map(days.map((day) => [day, { events: [], freezes: [] }]));
  for (const event of data.events || []) {
    for (const day of daysTouched(event.start, event.end, zone)) if (wanted.has(day)) map.get(day).events.push(event);
  }
  for (const freeze of data.freezes || []) {
    for (const day of daysTouched(freeze.start, freeze.end, zone)) if (wanted.has(day)) map.get(day).freezes.push(freeze);
  }
  for (const entry of map.values()) entry.events.sort((a, b) => String(a.start).localeCompare(String(b.start)));
  return map;
}

export function eventWindow(event) {
  return formatWindow(event.start, event.end, event.timezone);
}

export function freezeWindow(freeze) {
  return formatWindow(freeze.start, freeze.end, freeze.timezone);
}

export function freezeCustomers(freeze) {
  return freeze.allCustomers ? "every customer" : codesText(freeze.customers);
}

/** "CHG-a and CHG-b both touch alpha, 10:00–11:00 (…)" */
export function conflictSentence(conflict) {
  const [first, second] = conflict.changes;
  const when = formatWindow(conflict.start, conflict.end, null);
  return `${first.id} “${first.title}” and ${second.id} “${second.title}” both touch ${codesText(conflict.customers)}: ${when}`;
}

/** The warnings of `GET /calendar/conflicts` as sentences, the freezes first (they block, overlaps only warn). */
export function warningSentences(data) {
  const freezes = (data.freezes || []).map(
    (freeze) =>
      `inside the freeze window '${freeze.name}' for ${codesText(freeze.affectedCustomers)} (${freezeWindow(freeze)})` +
      (freeze.reason ? `: ${freeze.reason}` : ""),
  );
  const overlaps = (data.conflicts || []).map(
    (conflict) =>
      `overlaps ${conflict.id} “${conflict.title}” for ${codesText(conflict.customers)} (${timeRange(conflict.overlapStart, conflict.overlapEnd)})`,
  );
  return { freezes, overlaps };
}
