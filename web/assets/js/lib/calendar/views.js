// The calendar's three views, built as DOM from the API's answer: a month grid, a week of days and an agenda.
// Every day that can take the focus carries data-day; the page moves the focus between them with the keyboard.
import { el } from "../dom.js";
import { statusLabel, normalStatus } from "../status.js";
import { addDays, dayLabel, daysFrom, sameMonth, startOfMonth, startOfWeek } from "./days.js";
import { byDay, eventWindow, freezeCustomers, freezeWindow, startTime, timeRange } from "./entries.js";
import { codesText } from "../customer-search.js";

const WEEKDAYS = daysFrom("2024-01-01", 7); // a Monday

function conflictNote(event) {
  const others = event.conflictsWith || [];
  if (others.length === 0) return null;
  return el(
    "span",
    { className: "conflict-mark", title: `Conflicts with ${others.join(", ")}` },
    el("span", { "aria-hidden": "true" }, "⚠"),
    el("span", { className: "visually-hidden" }, ` conflicts with ${others.join(", ")}`),
  );
}

/** An approved change that was edited is back for approval: it still happens unless it is refused, so it stays. */
function statusWords(event, status) {
  return event.changed_since_approval ? "Awaiting re-approval" : statusLabel(status);
}

function eventButton(event, { onOpen, showTime = true, long = false, compact = false }) {
  const status = normalStatus(event.status);
  const conflicting = (event.conflictsWith || []).length > 0;
  const label = long ? `${event.title}` : event.title;
  const button = el(
    "button",
    {
      type: "button",
      className: ["event", `event-${event.kind}`, `event-${status}`, conflicting ? "event-conflict" : ""].filter(Boolean).join(" "),
      title: `${event.id} · ${statusWords(event, status)} · ${eventWindow(event)}`,
      dataset: { id: event.id },
    },
    conflictNote(event),
    showTime ? el("span", { className: "event-time" }, compact ? startTime(event.start) : timeRange(event.start, event.end)) : null,
    el("span", { className: "event-title" }, label),
    el("span", { className: "visually-hidden" }, ` (${statusWords(event, status)})`),
  );
  button.addEventListener("click", () => onOpen(event.id));
  return button;
}

function freezeLabels(freezes) {
  if (freezes.length === 0) return null;
  const names = [...new Set(freezes.map((freeze) => freeze.name))];
  return el(
    "ul",
    { className: "day-freezes" },
    names.map((name) => {
      const freeze = freezes.find((each) => each.name === name);
      return el(
        "li",
        { className: "freeze-label", title: `${name} · ${freezeCustomers(freeze)} · ${freezeWindow(freeze)}` },
        el("span", { className: "visually-hidden" }, "Freeze window: "),
        name,
      );
    }),
  );
}

function dayClasses(day, entry, { cursor, today, month }) {
  return [
    "day",
    entry.freezes.length ? "day-frozen" : "",
    day === today ? "day-today" : "",
    month && !sameMonth(day, cursor) ? "day-outside" : "",
  ]
    .filter(Boolean)
    .join(" ");
}

/** The days a view shows for `cursor`, and its title. */
export function periodOf(view, cursor) {
  if (view === "week") {
    const first = startOfWeek(cursor);
    const last = addDays(first, 6);
    return { days: daysFrom(first, 7), title: `Week of ${dayLabel(first, { day: "numeric", month: "long", year: "numeric" })}`, first, last };
  }
  const monthFirst = startOfMonth(cursor);
  const title = dayLabel(monthFirst, { month: "long", year: "numeric" });
  if (view === "agenda") {
    const days = [];
    for (let day = monthFirst; sameMonth(day, monthFirst); day = addDays(day, 1)) days.push(day);
    return { days, title, first: days[0], last: days[days.length - 1] };
  }
  const first = startOfWeek(monthFirst);
  const days = daysFrom(first, 42);
  return { days, title, first, last: days[41] };
}

export function monthView(data, period, context) {
  const map = byDay(data, period.days);
  const rows = [];
  for (let week = 0; week < 6; week += 1) {
    const cells = period.days.slice(week * 7, week * 7 + 7).map((day) => {
      const entry = map.get(day);
      return el(
        "td",
        { className: dayClasses(day, entry, { ...context, month: true }), dataset: { day }, tabindex: "-1" },
        el(
          "div",
          { className: "day-number" },
          el("span", { "aria-hidden": "true" }, String(Number(day.slice(8)))),
          el("span", { className: "visually-hidden" }, dayLabel(day, { weekday: "long", day: "numeric", month: "long" })),
        ),
        freezeLabels(entry.freezes),
        entry.events.length
          ? el("ul", { className: "day-events" }, entry.events.map((event) => el("li", {}, eventButton(event, { ...context, compact: true }))))
          : null,
      );
    });
    rows.push(el("tr", {}, cells));
  }
  return el(
    "table",
    { className: "calendar-month" },
    el("caption", { className: "visually-hidden" }, period.title),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        WEEKDAYS.map((day) =>
          el("th", { scope: "col", abbr: dayLabel(day, { weekday: "long" }) }, dayLabel(day, { weekday: "short" })),
        ),
      ),
    ),
    el("tbody", {}, rows),
  );
}

export function weekView(data, period, context) {
  const map = byDay(data, period.days);
  return el(
    "ol",
    { className: "calendar-week" },
    period.days.map((day) => {
      const entry = map.get(day);
      return el(
        "li",
        { className: dayClasses(day, entry, context), dataset: { day }, tabindex: "-1" },
        el("h3", { className: "week-day" }, dayLabel(day, { weekday: "short", day: "numeric", month: "short" })),
        freezeLabels(entry.freezes),
        entry.events.length
          ? el("ul", { className: "day-events" }, entry.events.map((event) => el("li", {}, eventButton(event, context))))
          : el("p", { className: "muted day-empty" }, "Nothing planned"),
      );
    }),
  );
}

function agendaEntry(event, context) {
  const status = normalStatus(event.status);
  const others = event.conflictsWith || [];
  return el(
    "li",
    { className: "agenda-item" },
    el("span", { className: "agenda-time" }, timeRange(event.start, event.end)),
    el(
      "div",
      { className: "agenda-body" },
      eventButton(event, { ...context, showTime: false, long: true }),
      el(
        "p",
        { className: "agenda-meta" },
        el("span", { className: `badge status-${status}` }, statusWords(event, status)),
        ` ${event.id} · ${codesText(event.customers)} · ${eventWindow(event)}`,
      ),
      others.length ? el("p", { className: "agenda-conflict" }, `⚠ Conflicts with ${others.join(", ")}`) : null,
    ),
  );
}

export function agendaView(data, period, context) {
  const map = byDay(data, period.days);
  const days = period.days.filter((day) => map.get(day).events.length || map.get(day).freezes.length);
  if (days.length === 0) {
    return el("p", { className: "empty-state", dataset: { day: period.first }, tabindex: "-1" }, "Nothing planned in this period.");
  }
  return el(
    "ol",
    { className: "calendar-agenda" },
    days.map((day) => {
      const entry = map.get(day);
      return el(
        "li",
        { className: dayClasses(day, entry, context), dataset: { day }, tabindex: "-1" },
        el("h3", { className: "agenda-day" }, dayLabel(day, { weekday: "long", day: "numeric", month: "long", year: "numeric" })),
        entry.freezes.map((freeze) =>
          el("p", { className: "agenda-freeze" }, `Freeze window ${freeze.name} (${freezeCustomers(freeze)}): ${freezeWindow(freeze)}`),
        ),
        entry.events.length ? el("ul", { className: "agenda-events" }, entry.events.map((event) => agendaEntry(event, context))) : null,
      );
    }),
  );
}
