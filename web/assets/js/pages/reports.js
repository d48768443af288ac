// Reports (GET /reports/summary): every chart drawn from the summary's numbers, with the same numbers as a table
// beside it and a CSV export of that table. Period and customer live in the page's address.
import { ApiError, get } from "../lib/api.js";
import { barChart, legend } from "../lib/chart.js";
import { download, toCsv } from "../lib/csv.js";
import { loadCustomers } from "../lib/customers.js";
import { customerFilter } from "../lib/customer-filter.js";
import { byId, clear, el } from "../lib/dom.js";
import { emptyState, loading, showError } from "../lib/messages.js";
import { OUTCOME_WORDS } from "../lib/outcome.js";
import { startPage } from "../lib/shell.js";

const TYPES = { standard: "Standard", normal: "Normal", emergency: "Emergency" };
const RISKS = { low: "Low", medium: "Medium", high: "High" };
const OUTCOMES = ["successful", "successful_with_issues", "rolled_back", "failed"];
const MONTH = /^\d{4}-\d{2}$/;

function monthOf(date) {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
}

function defaultPeriod() {
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1));
  return { from: monthOf(start), to: monthOf(now) };
}

function periodFromAddress() {
  const params = new URLSearchParams(window.location.search);
  const fallback = defaultPeriod();
  const pick = (name) => (MONTH.test(params.get(name) || "") ? params.get(name) : fallback[name]);
  return { from: pick("from"), to: pick("to"), customer: params.get("customer") || "" };
}

function writeAddress(criteria) {
  const params = new URLSearchParams({ from: criteria.from, to: criteria.to });
  if (criteria.customer) params.set("customer", criteria.customer);
  window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

const hours = (value) => (value === null || value === undefined ? "" : value);
const percent = (share) => Math.round(share * 1000) / 10;

/** The tables of a summary: name -> {title, header, rows, chart}. Charts and CSV files are made from these rows. */
export function reportTables(summary) {
  const months = summary.months.map((m) => m.month);
  const notice = summary.noticeLeadTime;
  return [
    {
      name: "types",
      title: "Changes per month by type",
      header: ["Month", ...Object.values(TYPES), "Total"],
      rows: summary.months.map((m) => [m.month, ...Object.keys(TYPES).map((t) => m.byType[t]), m.changes]),
      chart: () =>
        barChart({
          categories: months,
          series: Object.entries(TYPES).map(([key, name]) => ({ name, values: summary.months.map((m) => m.byType[key]) })),
          label: `Changes per month by type, ${summary.totals.changes} in all`,
        }),
      legend: Object.values(TYPES),
    },
    {
      name: "risks",
      title: "Changes per month by risk",
      header: ["Month", ...Object.values(RISKS)],
      rows: summary.months.map((m) => [m.month, ...Object.keys(RISKS).map((r) => m.byRisk[r])]),
      chart: () =>
        barChart({
          categories: months,
          series: Object.entries(RISKS).map(([key, name]) => ({ name, values: summary.months.map((m) => m.byRisk[key]) })),
          label: "Changes per month by risk",
        }),
      legend: Object.values(RISKS),
    },
    {
      name: "emergency",
      title: "Emergency share",
      note: `${summary.totals.emergencies} of ${summary.totals.changes} changes were emergencies (${percent(summary.totals.emergencyShare)} %).`,
      header: ["Month", "Changes", "Emergencies", "Share (%)"],
      rows: summary.months.map((m) => [m.month, m.changes, m.emergencies, percent(m.emergencyShare)]),
      chart: () =>
        barChart({
          categories: months,
          series: [{ name: "Emergency share", values: summary.months.map((m) => percent(m.emergencyShare)) }],
          label: "Share of emergency changes per month, in per cent",
          unit: " %",
        }),
    },
    {
      name: "approval",
      title: "Approval lead time (submitted to approved)",
      note: `Over the period: median ${hours(summary.approvalLeadTime.medianHours) || "–"} h, 90th percentile ${hours(summary.approvalLeadTime.p90Hours) || "–"} h, over ${summary.approvalLeadTime.count} approvals.`,
      header: ["Month", "Approvals", "Median (h)", "90th percentile (h)"],
      rows: summary.months.map((m) => [m.month, m.approvalLeadTime.count, hours(m.approvalLeadTime.medianHours), hours(m.approvalLeadTime.p90Hours)]),
      chart: () =>
        barChart({
          categories: months,
          grouped: true,
          series: [
            { name: "Median", values: summary.months.map((m) => m.approvalLeadTime.medianHours || 0) },
            { name: "90th percentile", values: summary.months.map((m) => m.approvalLeadTime.p90Hours || 0) },
          ],
          label: "Approval lead time per month in hours, median and 90th percentile",
          unit: " h",
        }),
      legend: ["Median", "90th percentile"],
    },
    {
      name: "notice",
      title: `Customer notice (first email to window start; minimum ${notice.minimumHours} h)`,
      note: `Median ${hours(notice.medianHours) || "–"} h, 90th percentile ${hours(notice.p90Hours) || "–"} h; ${notice.belowMinimum} of ${notice.count} changes gave less than ${notice.minimumHours} h.`,
      header: ["Month", "Changes announced", "Median (h)", "90th percentile (h)"],
      rows: summary.months.map((m) => [m.month, m.noticeLeadTime.count, hours(m.noticeLeadTime.medianHours), hours(m.noticeLeadTime.p90Hours)]),
      chart: () =>
        barChart({
          categories: months,
          grouped: true,
          series: [
            { name: "Median", values: summary.months.map((m) => m.noticeLeadTime.medianHours || 0) },
            { name: "90th percentile", values: summary.months.map((m) => m.noticeLeadTime.p90Hours || 0) },
          ],
          line: { value: notice.minimumHours, label: `minimum ${notice.minimumHours} h` },
          label: `Customer notice per month in hours against the minimum of ${notice.minimumHours} hours`,
          unit: " h",
        }),
      legend: ["Median", "90th percentile"],
    },
    {
      name: "below",
      title: "Changes with less notice than the minimum",
      note: summary.belowNoticeMinimumComplete
        ? ""
        : `The ${summary.belowNoticeMinimum.length} with the least notice of ${notice.belowMinimum} are listed; ccm report --table below --listed N lists more.`,
      header: ["Change", "Title", "Window start", "Notice (h)", "Customers"],
      rows: summary.belowNoticeMinimum.map((c) => [c.id, c.title, c.windowStart || "", c.noticeHours, c.customers.join(" ")]),
      links: true,
    },
    {
      name: "outcomes",
      title: "Outcomes per customer",
      header: ["Customer", ...OUTCOMES.map((o) => OUTCOME_WORDS[o]), "Total"],
      rows: summary.outcomesByCustomer.map((row) => [row.customer, ...OUTCOMES.map((o) => row[o]), row.total]),
      chart: () =>
        barChart({
          categories: summary.outcomesByCustomer.map((row) => row.customer),
          series: OUTCOMES.map((o) => ({ name: OUTCOME_WORDS[o], values: summary.outcomesByCustomer.map((row) => row[o]) })),
          label: "How completed changes ended, per customer",
        }),
      legend: OUTCOMES.map((o) => OUTCOME_WORDS[o]),
    },
    {
      name: "deliveries",
      title: "Deliveries per month",
      note: `${summary.totals.deliveries} customer deliveries (one per customer and notification).`,
      header: ["Month", "Deliveries"],
      rows: summary.months.map((m) => [m.month, m.deliveries]),
      chart: () =>
        barChart({
          categories: months,
          series: [{ name: "Deliveries", values: summary.months.map((m) => m.deliveries) }],
          label: "Customer deliveries per month",
        }),
    },
  ];
}

function dataTable(table) {
  const body = table.rows.map((row) =>
    el(
      "tr",
      {},
      row.map((value, index) => {
        if (table.links && index === 0) {
          return el("td", {}, el("a", { href: `/edit-change.html?changeId=${encodeURIComponent(value)}` }, value));
        }
        if (index === 0) return el("th", { scope: "row" }, String(value));
        return el("td", typeof value === "number" ? { className: "num" } : {}, String(value));
      }),
    ),
  );
  // A wide table scrolls sideways on a phone: focusable, so a keyboard can scroll it too.
  return el(
    "div",
    { className: "table-wrap", tabindex: "0", role: "region", "aria-label": `${table.title}: the numbers` },
    el(
      "table",
      { className: "data-table", dataset: { table: table.name } },
      el("caption", { className: "visually-hidden" }, table.title),
      el("thead", {}, el("tr", {}, table.header.map((name) => el("th", { scope: "col" }, name)))),
      el("tbody", {}, body),
    ),
  );
}

function section(table, criteria) {
  const headingId = `report-${table.name}`;
  const exportButton = el("button", { type: "button", className: "btn btn-small", dataset: { export: table.name } }, "Export CSV");
  exportButton.addEventListener("click", () => {
    const scope = criteria.customer ? `-${criteria.customer}` : "";
    download(`report-${table.name}-${criteria.from}-${criteria.to}${scope}.csv`, toCsv(table.header, table.rows));
  });
  const empty = table.rows.length === 0;
  return el(
    "section",
    { className: "card report", "aria-labelledby": headingId, dataset: { report: table.name } },
    el("div", { className: "item-head" }, el("h2", { id: headingId }, table.title), exportButton),
    table.note ? el("p", { className: "report-note" }, table.note) : null,
    empty
      ? el("p", { className: "muted" }, "Nothing in this period.")
      : el(
          "div",
          { className: table.chart ? "report-body" : "report-body report-body-table" },
          table.chart ? el("figure", { className: "chart-figure" }, table.chart(), table.legend ? legend(table.legend) : null) : null,
          dataTable(table),
        ),
  );
}

async function show(criteria, status) {
  const summaryArea = byId("reportSummary");
  const sections = byId("reportSections");
  loading(summaryArea, "Loading the reports…");
  clear(sections);
  writeAddress(criteria);
  let summary;
  try {
    const query = { from: criteria.from, to: criteria.to, ...(criteria.customer ? { customer: criteria.customer } : {}) };
    ({ data: summary } = await get("/reports/summary", { query }));
  } catch (error) {
    clear(summaryArea);
    if (error instanceof ApiError && error.status === 403) {
      refuse();
      return;
    }
    showError(status, `Could not load the reports: ${error.message}`);
    return;
  }
  clear(summaryArea);
  const scope = criteria.customer ? ` for ${criteria.customer}` : " for every customer";
  summaryArea.append(
    el(
      "p",
      { className: "report-headline" },
      `${summary.from} to ${summary.to}${scope}: ${summary.totals.changes} changes, ${summary.totals.emergencies} emergencies, ` +
        `${summary.totals.outcomes.rolled_back} rolled back, ${summary.totals.outcomes.failed} failed.`,
    ),
  );
  sections.append(...reportTables(summary).map((table) => section(table, criteria)));
}

function refuse() {
  const summaryArea = byId("reportSummary");
  clear(summaryArea);
  summaryArea.append(emptyState("Reports are for approvers and admins", "Ask an administrator for access if you need them."));
}

startPage(async ({ user, status }) => {
  const form = byId("reportFilters");
  if (user.role !== "approver" && user.role !== "admin") {
    refuse();
    return;
  }
  const criteria = periodFromAddress();
  const customer = customerFilter(byId("reportCustomer"), byId("reportCustomerValue"));
  const customers = await loadCustomers();
  customer.fill([...customers].sort((a, b) => a.name.localeCompare(b.name)));
  form.elements.from.value = criteria.from;
  form.elements.to.value = criteria.to;
  customer.set(customers.some((c) => c.code === criteria.customer) ? criteria.customer : "");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = { from: form.elements.from.value, to: form.elements.to.value, customer: customer.value() };
    if (!MONTH.test(chosen.from) || !MONTH.test(chosen.to)) {
      showError(status, "Choose a first and a last month.");
      return;
    }
    if (chosen.from > chosen.to) {
      showError(status, "The first month is after the last month.");
      return;
    }
    show(chosen, status);
  });
  await show({ ...criteria, customer: customer.value() }, status);
});
