// The change calendar: month, week and agenda views of what happens when, the freeze windows and the conflicts,
// with filters by customer, kind and status kept in the address. A click opens the details dialog.
import { get } from "../lib/api.js";
import { append, byId, clear, el, query } from "../lib/dom.js";
import { loadCustomers } from "../lib/customers.js";
import { customerFilter } from "../lib/customer-filter.js";
import { openDetails } from "../lib/details.js";
import { loading, showError } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { viewerZone } from "../lib/time.js";
import { addDays, addMonths, dayOf, isDay, startOfWeek, weekdayOf } from "../lib/calendar/days.js";
import { conflictSentence } from "../lib/calendar/entries.js";
import { agendaView, monthView, periodOf, weekView } from "../lib/calendar/views.js";

const VIEWS = { month: monthView, week: weekView, agenda: agendaView };
const PHONE = window.matchMedia("(max-width: 600px)");

const state = {
  user: null,
  status: null,
  view: "month",
  cursor: dayOf(new Date(), viewerZone()),
  focusDay: null,
  keyboard: false,
  request: 0,
  customer: null,
};

function filters() {
  return { customer: state.customer.value(), kind: byId("kindFilter").value, status: byId("statusFilter").value };
}

function remember() {
  const search = new URLSearchParams();
  search.set("view", state.view);
  search.set("date", state.cursor);
  for (const [key, value] of Object.entries(filters())) if (value) search.set(key, value);
  window.history.replaceState(null, "", `${window.location.pathname}?${search}`);
}

function showViewButtons() {
  for (const button of document.querySelectorAll("[data-view]")) {
    button.setAttribute("aria-pressed", String(button.dataset.view === state.view));
  }
}

function open(id) {
  openDetails(id, { user: state.user, status: state.status, onChanged: () => load() });
}

function showConflicts(data) {
  const section = byId("conflictList");
  const items = byId("conflictItems");
  clear(items);
  section.hidden = (data.conflicts || []).length === 0;
  append(
    items,
    (data.conflicts || []).map((conflict) =>
      el(
        "li",
        {},
        conflictSentence(conflict),
        " ",
        conflict.changes.map((side) => {
          const button = el("button", { type: "button", className: "linklike" }, `Open ${side.id}`);
          button.addEventListener("click", () => open(side.id));
          return [button, " "];
        }),
      ),
    ),
  );
}

function focusDay(area) {
  const cells = [...area.querySelectorAll("[data-day]")];
  if (cells.length === 0) return;
  const wanted = cells.find((cell) => cell.dataset.day === state.focusDay) || cells.find((cell) => cell.dataset.day === state.cursor) || cells[0];
  for (const cell of cells) cell.setAttribute("tabindex", cell === wanted ? "0" : "-1");
  if (state.keyboard) wanted.focus();
  state.keyboard = false;
}

async function load() {
  const period = periodOf(state.view, state.cursor);
  byId("periodTitle").textContent = period.title;
  showViewButtons();
  remember();
  const area = byId("calendar");
  const ticket = ++state.request;
  if (!area.querySelector("[data-day]")) loading(area, "Loading the calendar…");
  area.setAttribute("aria-busy", "true");
  let data;
  try {
    ({ data } = await get("/calendar", {
      query: { from: period.first, to: period.last, timezone: viewerZone(), ...filters() },
    }));
  } catch (error) {
    if (ticket !== state.request) return;
    clear(area);
    showError(area, `Could not load the calendar: ${error.message}`);
    return;
  } finally {
    area.removeAttribute("aria-busy");
  }
  if (ticket !== state.request) return; // a newer request is on its way
  const today = dayOf(new Date(), viewerZone());
  const view = VIEWS[state.view](data, period, { onOpen: open, cursor: state.cursor, today });
  clear(area).append(view);
  area.dataset.loaded = `${state.view}:${period.first}`;
  showConflicts(data);
  focusDay(area);
}

function move(days, months = 0) {
  const target = months ? addMonths(state.cursor, months) : addDays(state.focusDay || state.cursor, days);
  state.focusDay = target;
  const before = periodOf(state.view, state.cursor);
  state.cursor = target;
  const after = periodOf(state.view, state.cursor);
  if (before.first === after.first && before.last === after.last) {
    state.keyboard = true;
    focusDay(byId("calendar"));
    remember();
    return;
  }
  state.keyboard = true;
  load();
}

function step(direction) {
  if (state.view === "week") move(7 * direction);
  else move(0, direction);
}

function onKey(event) {
  const cell = event.target.closest("[data-day]");
  if (!cell || event.target !== cell) return;
  state.focusDay = cell.dataset.day;
  const keys = {
    ArrowLeft: () => move(-1),
    ArrowRight: () => move(1),
    ArrowUp: () => move(state.view === "agenda" ? -1 : -7),
    ArrowDown: () => move(state.view === "agenda" ? 1 : 7),
    Home: () => move(-weekdayOf(state.focusDay)),
    End: () => move(6 - weekdayOf(state.focusDay)),
    PageUp: () => step(-1),
    PageDown: () => step(1),
  };
  if (state.view === "agenda" && event.key.startsWith("Arrow")) {
    // The agenda lists only days with something on them: the arrows go from one listed day to the next.
    const cells = [...byId("calendar").querySelectorAll("[data-day]")];
    const index = cells.indexOf(cell) + (event.key === "ArrowUp" || event.key === "ArrowLeft" ? -1 : 1);
    if (cells[index]) {
      event.preventDefault();
      state.focusDay = cells[index].dataset.day;
      state.keyboard = true;
      focusDay(byId("calendar"));
    }
    return;
  }
  const action = keys[event.key];
  if (!action) return;
  event.preventDefault();
  action();
}

function setView(view) {
  if (!VIEWS[view] || view === state.view) return;
  state.view = view;
  load();
}

async function fillCustomers(chosen) {
  state.customer = customerFilter(byId("customerFilter"), byId("customerFilterValue"), { onChange: () => load() });
  state.customer.set(chosen);
  const customers = await loadCustomers().catch(() => []);
  state.customer.fill([...customers].sort((a, b) => a.name.localeCompare(b.name)));
  // An address naming no configured customer shows every customer, as the select it replaces did.
  if (!customers.some((customer) => customer.code === chosen)) state.customer.set("");
}

startPage(async ({ user, status }) => {
  state.user = user;
  state.status = status;
  const wantedView = query("view");
  state.view = VIEWS[wantedView] ? wantedView : PHONE.matches ? "agenda" : "month";
  if (isDay(query("date"))) state.cursor = query("date");
  byId("kindFilter").value = query("kind") || "";
  byId("statusFilter").value = query("status") || "";
  await fillCustomers(query("customer"));
  for (const button of document.querySelectorAll("[data-view]")) {
    button.addEventListener("click", () => setView(button.dataset.view));
  }
  byId("previousPeriod").addEventListener("click", () => step(-1));
  byId("nextPeriod").addEventListener("click", () => step(1));
  byId("todayPeriod").addEventListener("click", () => {
    state.cursor = dayOf(new Date(), viewerZone());
    state.focusDay = state.cursor;
    load();
  });
  for (const id of ["kindFilter", "statusFilter"]) byId(id).addEventListener("change", () => load());
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  byId("calendar").addEventListener("keydown", onKey);
  state.focusDay = state.view === "week" ? startOfWeek(state.cursor) : state.cursor;
  await load();
});
