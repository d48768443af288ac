// Dashboard: counts by status (GET /changes/statistics), the overdue changes (GET /changes/overdue), the most
// recently modified changes, and the emergency changes whose retrospective review is due (overdue ones first).
import { actionButtons } from "../lib/actions.js";
import { get } from "../lib/api.js";
import { byId, clear, debounce, el, personName } from "../lib/dom.js";
import { customerChips, loadCustomers } from "../lib/customers.js";
import { showDeadLetters, showDeliverability } from "../lib/deliveries.js";
import { openDetails } from "../lib/details.js";
import { fillFeedbackPanel } from "../lib/feedback.js";
import { onLiveEvent } from "../lib/live.js";
import { emptyState, loading, showError } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { allowedActions, statusBadge } from "../lib/status.js";
import { formatInstant } from "../lib/time.js";

const COUNTS = {
  totalChanges: "total",
  draftChanges: "draft",
  activeChanges: "submitted",
  approvedChanges: "approved",
  completedChanges: "completed",
};

async function showStatistics(status) {
  try {
    const { data } = await get("/changes/statistics");
    for (const [id, key] of Object.entries(COUNTS)) byId(id).textContent = String(data[key] ?? 0);
  } catch (error) {
    for (const id of Object.keys(COUNTS)) byId(id).textContent = "?";
    showError(status, `Could not load the counts: ${error.message}`);
  }
}

function recentRow(item, customers, open) {
  const title = el("button", { type: "button", className: "linklike item-title" }, item.title);
  title.addEventListener("click", () => open(item.id));
  return el(
    "li",
    { className: "item", dataset: { id: item.id } },
    el("div", { className: "item-head" }, title, statusBadge(item.status)),
    el(
      "div",
      { className: "item-meta" },
      el("span", {}, item.id),
      el("span", {}, `Modified ${formatInstant(item.modified_at)}`),
      el("span", {}, `${item.customers.length} customer${item.customers.length === 1 ? "" : "s"}`),
    ),
    customerChips(customers, item.customers),
  );
}

function overdueRow(item, user, status, open) {
  const title = el("button", { type: "button", className: "linklike item-title" }, item.title);
  title.addEventListener("click", () => open(item.id));
  const allowed = allowedActions(item, user);
  const subject = { id: item.id, title: item.title, include_meeting: item.include_meeting };
  const buttons = actionButtons(subject, { complete: allowed.complete, cancel: allowed.cancel }, {
    status,
    onChanged: () => refresh(user, status),
  });
  return el(
    "li",
    { className: "item overdue-item", dataset: { id: item.id } },
    el("div", { className: "item-head" }, title, statusBadge(item.status)),
    el(
      "div",
      { className: "item-meta" },
      el("span", {}, item.id),
      el("span", {}, `Window ended ${formatInstant(item.implementation_end)}`),
      el("span", {}, `Requested by ${personName(item.created_by)}`),
    ),
    buttons.length ? el("div", { className: "button-row" }, buttons) : null,
  );
}

async function showOverdue(user, status) {
  const container = byId("overdueChanges");
  loading(container, "Loading overdue changes…");
  try {
    const { data } = await get("/changes/overdue");
    clear(container);
    if (data.items.length === 0) {
      container.append(emptyState("Nothing overdue", "Every approved change whose window has ended is closed."));
      return;
    }
    const open = (id) => openDetails(id, { user, status, onChanged: () => refresh(user, status) });
    container.append(el("ul", { className: "item-list" }, data.items.map((item) => overdueRow(item, user, status, open))));
  } catch (error) {
    clear(container);
    showError(container, `Could not load the overdue changes: ${error.message}`);
  }
}

async function showRecent(user, status, { quiet = false } = {}) {
  const container = byId("recentChanges");
  // A live refresh replaces the list when the new one is there: no spinner in between, so nothing jumps.
  if (!quiet) loading(container, "Loading recent changes…");
  try {
    const [{ data }, customers] = await Promise.all([get("/changes/recent", { query: { limit: 10 } }), loadCustomers()]);
    clear(container);
    if (data.items.length === 0) {
      container.append(
        emptyState("No changes yet", "Nothing has been created so far.", { href: "create-change.html", label: "Create a change" }),
      );
      return;
    }
    const open = (id) => openDetails(id, { user, status, onChanged: () => refresh(user, status) });
    container.append(el("ul", { className: "item-list" }, data.items.map((item) => recentRow(item, customers, open))));
  } catch (error) {
    clear(container);
    showError(container, `Could not load recent changes: ${error.message}`);
  }
}

function reviewRow(review, open) {
  const title = el("button", { type: "button", className: "linklike item-title" }, review.title);
  title.addEventListener("click", () => open(review.id));
  const due = `${review.overdue ? "Overdue since" : "Due by"} ${formatInstant(review.dueBy)}`;
  return el(
    "li",
    { className: review.overdue ? "item review-overdue-item" : "item", dataset: { id: review.id, overdue: String(review.overdue) } },
    el("div", { className: "item-head" }, title, statusBadge(review.status)),
    el(
      "div",
      { className: "item-meta" },
      el("span", {}, review.id),
      el("span", { className: review.overdue ? "review-overdue" : "" }, due),
      el("span", {}, `Approved by ${review.approved_by || "unknown"}`),
    ),
  );
}

/** Shown only when there are some: the section sits at the end of the page, so nothing above it moves. */
async function showReviews(user, status) {
  try {
    const { data } = await get("/approvals/reviews");
    const items = [...data.items].sort((a, b) => Number(b.overdue) - Number(a.overdue));
    byId("reviews").hidden = items.length === 0;
    const open = (id) => openDetails(id, { user, status, onChanged: () => refresh(user, status) });
    clear(byId("reviewList")).append(el("ul", { className: "item-list" }, items.map((item) => reviewRow(item, open))));
  } catch (error) {
    showError(status, `Could not load the emergency reviews: ${error.message}`);
  }
}

function refresh(user, status) {
  return Promise.all([showStatistics(status), showOverdue(user, status), showRecent(user, status), showReviews(user, status)]);
}

function deadLetters(user, status) {
  if (!user.isAdmin) return null;
  byId("deadLettersCard").hidden = false;
  const show = () => showDeadLetters(byId("deadLetters"), status);
  byId("refreshDeadLetters").addEventListener("click", show);
  return show();
}

startPage(async ({ user, status }) => {
  byId("refreshRecent").addEventListener("click", () => refresh(user, status));
  byId("refreshOverdue").addEventListener("click", () => showOverdue(user, status));
  // Live: the counts and the recent changes follow every change anyone makes (a burst is asked for once).
  onLiveEvent(debounce(() => Promise.all([showStatistics(status), showRecent(user, status, { quiet: true })]), 300));
  await Promise.all([
    refresh(user, status),
    showDeliverability(byId("deliverability")),
    deadLetters(user, status),
    user.isApprover || user.isAdmin ? fillFeedbackPanel(byId("feedbackPanel")) : null,
  ]);
});
