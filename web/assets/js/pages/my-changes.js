// My changes: what you created (drafts included), by status, with date and text filters, and the actions each
// change allows. Approved changes waiting for their meeting get their Join link as soon as it exists.
// A link from an overdue reminder (?objectId=&action=complete|cancel) asks to confirm that action: opening a link
// never changes anything by itself.
import { get, listAll, post } from "../lib/api.js";
import { byId, clear, debounce, el, personName, query } from "../lib/dom.js";
import { actionButtons, performAction } from "../lib/actions.js";
import { classification } from "../lib/approval.js";
import { meetingNews } from "../lib/audience.js";
import { customerChips, loadCustomers } from "../lib/customers.js";
import { openDetails } from "../lib/details.js";
import { joinLinkFor, joinUrlOf, watchForMeeting } from "../lib/meeting.js";
import { onLiveEvent } from "../lib/live.js";
import { busy, emptyState, loading, showError, showInfo, showMessage } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { STATUSES, allowedActions, normalStatus } from "../lib/status.js";
import { formatInstant, formatWindow } from "../lib/time.js";
import { itemCard } from "../lib/item-card.js";
import { arrivalNews, newsOfTheList } from "../lib/form/outcome.js";
import { pagedList } from "../lib/paged-list.js";

const EMPTY = {
  all: ["No changes found", "You have no changes in this period."],
  draft: ["No drafts found", "You have not saved any drafts in this period."],
  submitted: ["Nothing waiting for approval", "None of your changes in this period is waiting for approval."],
  approved: ["No approved changes", "None of your changes in this period has been approved."],
  completed: ["No completed changes", "None of your changes in this period has been completed."],
  cancelled: ["No cancelled changes", "None of your changes in this period has been cancelled."],
  rejected: ["No rejected changes", "None of your changes in this period was rejected."],
};
const DEFAULT_RANGE = "14days";
const CONFIRMABLE = ["complete", "cancel"];
const DAY = 86400000;

// `drawn`: how many cards the reader has opened with Show more; a live refresh draws as many again.
const state = { items: [], tab: "all", user: null, status: null, customers: [], tabs: {}, drawn: 0 };
const news = newsOfTheList(byId("listNews"));

function tabFromQuery() {
  const wanted = normalStatus(query("status") || "all");
  return wanted === "all" || STATUSES.includes(wanted) ? wanted : "all";
}

/** The earliest modification time the date filter lets through, in the viewer's own calendar. */
function since(range, now = new Date()) {
  switch (range) {
    case "today":
      return new Date(now.getFullYear(), now.getMonth(), now.getDate());
    case "7days":
      return new Date(now.getTime() - 7 * DAY);
    case "14days":
      return new Date(now.getTime() - 14 * DAY);
    case "month":
      return new Date(now.getFullYear(), now.getMonth(), 1);
    case "quarter":
      return new Date(now.getFullYear(), Math.floor(now.getMonth() / 3) * 3, 1);
    default:
      return null;
  }
}

function modifiedOf(item) {
  return item.modified_at || item.submitted_at || item.created_at;
}

function filtered() {
  const from = since(byId("dateFilter").value);
  const text = byId("textFilter").value.trim().toLowerCase();
  return state.items.filter((item) => {
    if (from && !(new Date(modifiedOf(item)) >= from)) return false;
    if (!text) return true;
    return String(item.title || "").toLowerCase().includes(text) || item.id.toLowerCase().includes(text);
  });
}

function withHiddenName(label, name) {
  return [label, el("span", { className: "visually-hidden" }, `: ${name}`)];
}

async function duplicate(item, button) {
  await busy(button, "Duplicating…", async () => {
    try {
      const { data } = await post(`/changes/${encodeURIComponent(item.id)}/clone`);
      window.location.href = `edit-change.html?changeId=${encodeURIComponent(data.id)}`;
    } catch (error) {
      showError(state.status, `Could not duplicate ${item.id}: ${error.message}`);
    }
  });
}

/** Why a rejected change was rejected, on its card: what its creator needs to fix it. */
function rejectionNote(item) {
  const rejection = item.approval && item.approval.rejection;
  if (normalStatus(item.status) !== "rejected" || !rejection) return null;
  return el("p", { className: "rejection" }, `Rejected by ${personName(rejection.by)}: `, el("span", { className: "prose" }, rejection.reason), " Edit it to fix it and submit it again.");
}

function card(item) {
  const status = normalStatus(item.status);
  const name = item.title || item.id;
  const allowed = allowedActions(item, state.user);
  const id = encodeURIComponent(item.id);
  const edit = allowed.edit
    ? el(
        "a",
        { className: "btn btn-small", href: status === "draft" ? `create-change.html?changeId=${id}` : `edit-change.html?changeId=${id}` },
        withHiddenName("Edit", name),
      )
    : null;
  const copy = el("button", { type: "button", className: "btn btn-small" }, withHiddenName("Duplicate", name));
  copy.addEventListener("click", () => duplicate(item, copy));
  const count = (item.customers || []).length;
  return itemCard(item, {
    className: "change-card",
    onOpen: () => openDetails(item.id, { user: state.user, status: state.status, onChanged: () => reload() }),
    facts: [
      el("span", { className: "change-id" }, item.id),
      classification(item),
      el("span", { className: "change-window" }, `Window ${formatWindow(item.implementation_start, item.implementation_end, item.timezone)}`),
      `Modified ${formatInstant(modifiedOf(item))}`,
      `by ${personName(item.modified_by || item.created_by)}`,
      `${count.toLocaleString("en-US")} customer${count === 1 ? "" : "s"}`,
      `version ${item.version || 1}`,
    ],
    extra: [customerChips(state.customers, item.customers), rejectionNote(item)],
    buttons: [
      joinLinkFor(item),
      edit,
      copy,
      actionButtons({ id: item.id, title: name, include_meeting: item.include_meeting }, allowed, {
        status: state.status,
        onChanged: () => reload(),
        onMeeting: (document) => meetingFound(item.id, document),
      }),
    ],
  });
}

function render() {
  const shown = filtered();
  for (const [value, tab] of Object.entries(state.tabs)) {
    const n = value === "all" ? shown.length : shown.filter((item) => normalStatus(item.status) === value).length;
    tab.count.textContent = String(n);
    tab.button.setAttribute("aria-pressed", String(value === state.tab));
  }
  const visible = state.tab === "all" ? shown : shown.filter((item) => normalStatus(item.status) === state.tab);
  byId("listSummary").textContent = `Showing ${visible.length} of your ${state.items.length} change${state.items.length === 1 ? "" : "s"}.`;
  const list = clear(byId("changeList"));
  const told = news.node();
  if (told) list.append(told);
  if (visible.length === 0) {
    const [heading, text] = EMPTY[state.tab];
    list.append(
      emptyState(heading, `${text} Try another period, or create a change.`, { href: "create-change.html", label: "Create a change" }),
    );
    return;
  }
  list.append(pagedList(visible, card, { noun: "changes", atLeast: state.drawn, onDrawn: (count) => (state.drawn = count) }));
}

/** Another tab or filter is another list: it starts again at its first page. */
function renderAnew() {
  state.drawn = 0;
  render();
}

function meetingFound(id, document) {
  const item = state.items.find((candidate) => candidate.id === id);
  if (!item) return;
  item.join_url = joinUrlOf(document);
  const [type, text] = meetingNews(document, item.title || id);
  showMessage(state.status, type, text, { sticky: true });
  render();
}

function watchMeetings() {
  for (const item of state.items) {
    if (normalStatus(item.status) === "approved" && item.include_meeting && !item.join_url) {
      watchForMeeting("/changes", item.id, (document) => meetingFound(item.id, document));
    }
  }
}

async function reload({ quiet = false } = {}) {
  const list = byId("changeList");
  // A live refresh replaces the list when the new one is there: no spinner in between, so nothing jumps.
  if (!quiet) loading(list, "Loading your changes…");
  try {
    const items = await listAll("/my-changes");
    state.items = items.filter((item) => item.kind === "change" || String(item.id).startsWith("CHG-"));
    // The news of the item just saved stays until the reader dismisses it: a live refresh does not take it away.
    const arrived = await arrivalNews(state.items);
    if (arrived) news.set(arrived);
  } catch (error) {
    clear(list);
    showError(state.status, `Could not load your changes: ${error.message}`);
    return;
  }
  render();
  watchMeetings();
}

function selectTab(value) {
  state.tab = value;
  const url = new URL(window.location.href);
  url.searchParams.set("status", value);
  window.history.replaceState(null, "", url);
  renderAnew();
}

/** The tabs are in the page's HTML (they take their place before the list arrives); here they learn to switch. */
function wireTabs() {
  for (const button of byId("statusTabs").querySelectorAll("button[data-status]")) {
    const value = button.dataset.status;
    button.addEventListener("click", () => selectTab(value));
    state.tabs[value] = { button, count: button.querySelector(".count") };
  }
}

/** The action a link asked for, once the user confirms it; then the address forgets it (a reload asks nothing). */
async function confirmFromLink(id, action) {
  let document;
  try {
    ({ data: document } = await get(`/changes/${encodeURIComponent(id)}`));
  } catch (error) {
    showError(state.status, `Could not open ${id}: ${error.message}`);
    return;
  }
  const current = normalStatus(document.status);
  if (current !== "approved") {
    showInfo(state.status, `${document.changeTitle || id} is ${current}: there is nothing left to ${action}.`);
  } else {
    const item = { id, title: document.changeTitle, include_meeting: document.include_meeting };
    await performAction(action, item, { status: state.status, onChanged: () => reload() });
  }
  const url = new URL(window.location.href);
  url.searchParams.delete("action");
  url.searchParams.delete("objectId");
  window.history.replaceState(null, "", url);
}

/** Live: a change of the user's own list is shown again as it is now (a burst of events is one reload). */
function followLive() {
  const reloadSoon = debounce(() => reload({ quiet: true }), 300);
  onLiveEvent((event) => {
    if (state.items.some((item) => item.id === event.objectId)) reloadSoon();
  });
}

startPage(async ({ user, status }) => {
  state.user = user;
  state.status = status;
  state.tab = tabFromQuery();
  wireTabs();
  byId("dateFilter").addEventListener("change", renderAnew);
  byId("textFilter").addEventListener("input", debounce(renderAnew, 150));
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  byId("clearFilters").addEventListener("click", () => {
    byId("dateFilter").value = DEFAULT_RANGE;
    byId("textFilter").value = "";
    renderAnew();
  });
  byId("refreshList").addEventListener("click", (event) => busy(event.currentTarget, "Refreshing…", reload));
  state.customers = await loadCustomers().catch(() => []);
  await reload();
  followLive();
  const linked = query("objectId");
  const action = query("action");
  if (linked && CONFIRMABLE.includes(action)) await confirmFromLink(linked, action);
});
