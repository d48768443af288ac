// Search: every criterion is applied by the server (POST /changes/search, followed to the last page); only the
// order of the results is chosen here. The criteria live in the address, so a search can be bookmarked.
import { searchAll } from "../lib/api.js";
import { byId, clear, el, formValues, personName } from "../lib/dom.js";
import { customerChips, customerPicker, loadCustomers } from "../lib/customers.js";
import { editLink, openDetails } from "../lib/details.js";
import { emptyState, loading, showError } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { OUTCOME_WORDS } from "../lib/outcome.js";
import { ANNOUNCEMENT_TYPES, STATUSES, announcementTypeOf, normalStatus, statusBadge } from "../lib/status.js";
import { CHANGE_TYPE_LABELS, classification } from "../lib/approval.js";
import { dateToWallClock, formatInstant, toIso, viewerZone, wallClockToDate } from "../lib/time.js";

const MAXIMUM = 1000;
const SNIPPET_CONTEXT = 50;
const DEFAULTS = {
  query: "",
  status: "all",
  objectType: "all",
  outcome: "all",
  changeType: "all",
  risk: "all",
  createdBy: "",
  dateRange: "14days",
  sortBy: "modified-desc",
};
// Criterion -> its name in the page's address.
const PARAMS = {
  query: "q",
  status: "status",
  objectType: "type",
  outcome: "outcome",
  changeType: "changeType",
  risk: "risk",
  createdBy: "createdBy",
  customers: "customers",
  dateRange: "range",
  startDate: "start",
  endDate: "end",
  sortBy: "sort",
};
const LEGACY_TYPES = { announcement_innersourcing: "announcement_innersource" };

// ---- criteria: form <-> address <-> API ---------------------------------------------------------------------

function optionValues(select) {
  return [...select.options].map((option) => option.value);
}

/** The criteria in the address, each checked against what the form offers. */
function criteriaFromAddress(form) {
  const params = new URLSearchParams(window.location.search);
  const pick = (name, select) => {
    const value = params.get(PARAMS[name]);
    const normal = value && (LEGACY_TYPES[value] || value);
    return normal && optionValues(select).includes(normal) ? normal : DEFAULTS[name];
  };
  const date = (name) => {
    const value = params.get(PARAMS[name]) || "";
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : "";
  };
  return {
    query: params.get(PARAMS.query) || "",
    status: pick("status", form.elements.status),
    objectType: pick("objectType", form.elements.objectType),
    outcome: pick("outcome", form.elements.outcome),
    changeType: pick("changeType", form.elements.changeType),
    risk: pick("risk", form.elements.risk),
    createdBy: params.get(PARAMS.createdBy) || "",
    customers: (params.get(PARAMS.customers) || "").split(",").filter(Boolean),
    dateRange: pick("dateRange", form.elements.dateRange),
    startDate: date("startDate"),
    endDate: date("endDate"),
    sortBy: pick("sortBy", byId("sortBy")),
  };
}

/** The customer picker of the search form, once the customers have come (null before, or when they did not). */
let picker = null;

function fillForm(form, criteria) {
  form.elements.query.value = criteria.query;
  form.elements.status.value = criteria.status;
  form.elements.objectType.value = criteria.objectType;
  form.elements.outcome.value = criteria.outcome;
  form.elements.changeType.value = criteria.changeType;
  form.elements.risk.value = criteria.risk;
  form.elements.createdBy.value = criteria.createdBy;
  form.elements.dateRange.value = criteria.dateRange;
  form.elements.startDate.value = criteria.startDate;
  form.elements.endDate.value = criteria.endDate;
  if (picker) {
    picker.choose(criteria.customers);
    picker.fieldset.dispatchEvent(new Event("change", { bubbles: true }));
  }
  byId("sortBy").value = criteria.sortBy;
  showCustomRange(form);
}

function criteriaFromForm(form) {
  const values = formValues(form);
  const customers = picker ? picker.selected() : [];
  const custom = values.dateRange === "custom";
  return {
    query: values.query.trim(),
    status: values.status,
    objectType: values.objectType,
    outcome: values.outcome,
    changeType: values.changeType,
    risk: values.risk,
    createdBy: values.createdBy.trim(),
    customers,
    dateRange: values.dateRange,
    startDate: custom ? values.startDate : "",
    endDate: custom ? values.endDate : "",
    sortBy: byId("sortBy").value,
  };
}

/** Only what differs from the defaults goes into the address. */
function writeAddress(criteria) {
  const params = new URLSearchParams();
  for (const [name, param] of Object.entries(PARAMS)) {
    const value = name === "customers" ? criteria.customers.join(",") : criteria[name];
    if (value && value !== DEFAULTS[name]) params.set(param, value);
  }
  const search = params.toString();
  const address = window.location.pathname + (search ? `?${search}` : "") + window.location.hash;
  window.history.replaceState(null, "", address);
}

/** "YYYY-MM-DD" plus `days`, on the calendar (no time zone involved). */
function addDays(date, days) {
  const [year, month, day] = date.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/**
 * The custom range as instants: from the first second of the start day to the last second of the end day, both
 * in the viewer's zone. The server compares modification times with these bounds, both inclusive.
 */
function customBounds(criteria) {
  const zone = viewerZone();
  const start = criteria.startDate ? toIso(wallClockToDate(criteria.startDate, "00:00", zone)) : undefined;
  let end;
  if (criteria.endDate) {
    const nextMidnight = wallClockToDate(addDays(criteria.endDate, 1), "00:00", zone);
    end = toIso(new Date(nextMidnight.getTime() - 1000));
  }
  return { startDate: start, endDate: end };
}

/** The bodies to POST: one per kind when both changes and announcements are wanted (the API searches one kind). */
function requestBodies(criteria) {
  const body = {
    query: criteria.query || undefined,
    status: criteria.status,
    createdBy: criteria.createdBy || undefined,
    customers: criteria.customers.length ? criteria.customers : undefined,
    dateRange: criteria.dateRange,
    outcome: criteria.outcome === "all" ? undefined : criteria.outcome,
    ...(criteria.dateRange === "custom" ? customBounds(criteria) : {}),
  };
  // Outcome, change type and risk are a change's: asking for any of them leaves the announcements out.
  const classified = criteria.changeType !== "all" || criteria.risk !== "all";
  if (classified) {
    body.changeType = criteria.changeType === "all" ? undefined : criteria.changeType;
    body.risk = criteria.risk === "all" ? undefined : criteria.risk;
  }
  const changesOnly = classified || criteria.outcome !== "all";
  const types = criteria.objectType === "all" ? (changesOnly ? ["change"] : ["change", "announcement"]) : [criteria.objectType];
  return types.map((objectType) => ({ ...body, objectType }));
}

function problemsWith(criteria) {
  if (criteria.dateRange !== "custom") return null;
  if (!criteria.startDate && !criteria.endDate) return "Choose a start date, an end date or both for the custom range.";
  if (criteria.startDate && criteria.endDate && criteria.startDate > criteria.endDate) {
    return "The start date is after the end date.";
  }
  return null;
}

function showCustomRange(form) {
  const custom = form.elements.dateRange.value === "custom";
  byId("customRange").hidden = !custom;
  form.elements.startDate.disabled = !custom;
  form.elements.endDate.disabled = !custom;
}

// ---- sorting, entirely here: the server returns newest changes first ---------------------------------------

const byText = (a, b) => a.localeCompare(b, undefined, { sensitivity: "base", numeric: true });
const SORTS = {
  modified: (a, b) => String(a.modified_at).localeCompare(String(b.modified_at)),
  created: (a, b) => String(a.created_at || "").localeCompare(String(b.created_at || "")),
  title: (a, b) => byText(a.title || "", b.title || ""),
  status: (a, b) => STATUSES.indexOf(normalStatus(a.status)) - STATUSES.indexOf(normalStatus(b.status)),
};

export function sortItems(items, sortBy) {
  const [key, direction] = sortBy.split("-");
  const compare = SORTS[key] || SORTS.modified;
  const sign = direction === "asc" ? 1 : -1;
  // Ties keep the most recently changed first, whatever the order asked for.
  return [...items].sort((a, b) => sign * compare(a, b) || SORTS.modified(b, a) || byText(a.id, b.id));
}

// ---- rendering ----------------------------------------------------------------------------------------------

function escapeForPattern(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `text` as nodes, every occurrence of `query` (any case) in a <mark>. Never markup: text nodes only. */
export function highlighted(text, query) {
  const source = String(text || "");
  if (!query) return [source];
  const nodes = [];
  let last = 0;
  for (const match of source.matchAll(new RegExp(escapeForPattern(query), "giu"))) {
    if (match.index > last) nodes.push(source.slice(last, match.index));
    nodes.push(el("mark", {}, match[0]));
    last = match.index + match[0].length;
  }
  if (last < source.length) nodes.push(source.slice(last));
  return nodes;
}

/** Up to 50 characters either side of the first match in the summary; its beginning when it has no match. */
export function snippet(summary, query) {
  const text = String(summary || "").replace(/\s+/g, " ").trim();
  if (!text) return "";
  const found = query ? text.search(new RegExp(escapeForPattern(query), "iu")) : -1;
  if (found < 0) return text.length > 2 * SNIPPET_CONTEXT ? `${text.slice(0, 2 * SNIPPET_CONTEXT)}…` : text;
  const start = Math.max(0, found - SNIPPET_CONTEXT);
  const end = Math.min(text.length, found + query.length + SNIPPET_CONTEXT);
  return `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
}

function typeLabel(item) {
  if (item.kind === "change" || item.object_type === "change") return ["Change", classification(item)].filter(Boolean).join(" · ");
  return `Announcement · ${ANNOUNCEMENT_TYPES[announcementTypeOf(item)] || "General"}`;
}

function resultCard(item, context) {
  const { query, customers, user, open } = context;
  const title = el("button", { type: "button", className: "linklike item-title" }, highlighted(item.title || item.id, query));
  title.addEventListener("click", () => open(item.id));
  const mine = String(item.created_by || "").toLowerCase() === String(user.email || "").toLowerCase();
  const text = snippet(item.summary, query);
  return el(
    "li",
    { className: "item result", dataset: { id: item.id } },
    el("div", { className: "item-head" }, el("h3", { className: "result-title" }, title), statusBadge(item.status)),
    el(
      "div",
      { className: "item-meta" },
      el("span", { className: "result-id" }, highlighted(item.id, query)),
      el("span", {}, typeLabel(item)),
      el("span", { className: "result-creator", title: item.created_by }, `by ${personName(item.created_by)}`),
      el("span", {}, "Changed ", el("time", { datetime: item.modified_at }, formatInstant(item.modified_at))),
    ),
    text ? el("p", { className: "snippet" }, highlighted(text, query)) : null,
    customerChips(customers, item.customers),
    mine && normalStatus(item.status) === "draft"
      ? el(
          "div",
          { className: "button-row" },
          el("a", { className: "btn btn-small", href: editLink(item), "aria-label": `Edit ${item.title || item.id}` }, "Edit"),
        )
      : null,
  );
}

// ---- CSV ----------------------------------------------------------------------------------------------------

const CSV_COLUMNS = [
  "Change ID", "Title", "Status", "Change Type", "Risk", "Created By", "Modified At", "Customers", "Outcome", "Outcome note",
];

function csvCell(value) {
  let text = String(value ?? "");
  // A cell starting like a formula would run as one in a spreadsheet: keep it text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(items) {
  const rows = items.map((item) => [
    item.id,
    item.title,
    normalStatus(item.status),
    CHANGE_TYPE_LABELS[item.change_type] || "",
    item.risk || "",
    item.created_by,
    item.modified_at,
    (item.customers || []).join("; "),
    OUTCOME_WORDS[item.outcome] || "",
    item.outcome_note || "",
  ]);
  return [CSV_COLUMNS, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function download(items) {
  const blob = new Blob(["\ufeff", toCsv(items)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const today = dateToWallClock(new Date(), viewerZone()).date;
  const link = el("a", { href: url, download: `search-results-${today}.csv`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- the page -----------------------------------------------------------------------------------------------

startPage(async ({ user, status }) => {
  const form = byId("searchForm");
  const results = byId("results");
  const count = byId("resultCount");
  const sortBy = byId("sortBy");
  const exportButton = byId("exportCsv");
  byId("rangeZone").textContent = `Days in your time zone (${viewerZone()}), both included.`;

  let customers = [];
  try {
    customers = await loadCustomers();
    picker = customerPicker(customers, [], { legend: "Customers", required: false });
    byId("customerPicker").append(picker.fieldset);
  } catch (error) {
    showError(byId("customerPicker"), `Could not load the customers, so they cannot be chosen: ${error.message}`);
  }

  let found = [];
  let query = "";
  let generation = 0;
  let searching = false;

  const render = () => {
    if (searching) return;
    clear(results);
    const sorted = sortItems(found, sortBy.value);
    exportButton.disabled = sorted.length === 0;
    if (sorted.length === 0) {
      results.append(
        emptyState(
          "Nothing found",
          "No change or announcement matches every criterion. Widen the period, choose fewer customers or remove a filter.",
        ),
      );
      return;
    }
    const open = (id) => openDetails(id, { user, status, onChanged: () => run() });
    const context = { query, customers, user, open };
    results.append(el("ul", { className: "item-list results-list" }, sorted.map((item) => resultCard(item, context))));
  };

  const run = async () => {
    const criteria = criteriaFromForm(form);
    writeAddress(criteria);
    const problem = problemsWith(criteria);
    if (problem) {
      generation += 1;
      searching = false;
      found = [];
      count.textContent = "";
      exportButton.disabled = true;
      clear(results);
      showError(results, problem);
      return;
    }
    const mine = ++generation;
    searching = true;
    count.textContent = "";
    exportButton.disabled = true;
    results.setAttribute("aria-busy", "true");
    loading(results, "Searching…");
    try {
      const pages = await Promise.all(requestBodies(criteria).map((body) => searchAll(body, MAXIMUM)));
      if (mine !== generation) return;
      searching = false;
      found = pages.flat();
      query = criteria.query;
      const capped = pages.some((items) => items.length >= MAXIMUM);
      count.textContent = `${capped ? "At least " : ""}${found.length} result${found.length === 1 ? "" : "s"}`;
      render();
    } catch (error) {
      if (mine !== generation) return;
      searching = false;
      found = [];
      clear(results);
      showError(results, `The search failed: ${error.message}`);
    } finally {
      if (mine === generation) results.removeAttribute("aria-busy");
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  form.elements.dateRange.addEventListener("change", () => {
    showCustomRange(form);
    if (form.elements.dateRange.value === "custom") form.elements.startDate.focus();
  });
  byId("clearSearch").addEventListener("click", () => {
    fillForm(form, { ...DEFAULTS, customers: [], startDate: "", endDate: "", sortBy: sortBy.value });
    run();
  });
  sortBy.addEventListener("change", () => {
    writeAddress(criteriaFromForm(form));
    render();
  });
  exportButton.addEventListener("click", () => download(sortItems(found, sortBy.value)));

  const initial = criteriaFromAddress(form);
  fillForm(form, initial);
  if (initial.customers.length) byId("advanced").open = true;
  await run();
});
