// Announcements: every announcement and your announcement drafts, by status, with what you may do to each.
import { listAll } from "../lib/api.js";
import { actionButtons } from "../lib/actions.js";
import { decisionButtons, openingsFor, standingInToday } from "../lib/approval.js";
import { byId, clear, debounce, el, personName, query } from "../lib/dom.js";
import { openDetails } from "../lib/details.js";
import { joinLinkFor, watchForMeeting } from "../lib/meeting.js";
import { emptyState, loading, showError } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { ANNOUNCEMENT_TYPES, allowedActions, announcementTypeOf, normalStatus } from "../lib/status.js";
import { formatDate } from "../lib/time.js";
import { itemCard } from "../lib/item-card.js";
import { arrivalNews, newsOfTheList } from "../lib/form/outcome.js";
import { pagedList } from "../lib/paged-list.js";

const EMPTY = {
  all: ["No announcements", "Nothing matches these filters yet."],
  draft: ["No drafts", "You have not saved any announcement drafts."],
  submitted: ["Nothing awaiting approval", "No announcement is waiting for approval."],
  approved: ["No approved announcements", "No announcement is approved and still to be completed."],
  completed: ["No completed announcements", "None has been completed in this period."],
  cancelled: ["No cancelled announcements", "None has been cancelled in this period."],
  rejected: ["No rejected announcements", "None was rejected in this period."],
};
/** After an action, the tab where the announcement now is. */
const TAB_AFTER = { submit: "submitted", approve: "approved", complete: "completed", cancel: "cancelled" };

const state = { user: null, status: null, items: [], tab: "all", standingIn: [] };
const news = newsOfTheList(byId("listNews"));

function whenOf(item) {
  return item.created_at || item.modified_at || "";
}

function inPeriod(item) {
  const days = byId("dateFilter").value;
  if (!days) return true;
  const when = Date.parse(whenOf(item));
  return Number.isNaN(when) || when >= Date.now() - Number(days) * 86400000;
}

function matchesText(item) {
  const text = byId("textFilter").value.trim().toLowerCase();
  if (!text) return true;
  return `${item.title || ""} ${item.summary || ""}`.toLowerCase().includes(text);
}

function filtered() {
  return state.items.filter((item) => inPeriod(item) && matchesText(item));
}

const TABS = () => [...byId("tabs").querySelectorAll("button[data-tab]")];

function selectTab(tab, { push = true } = {}) {
  state.tab = TABS().some((button) => button.dataset.tab === tab) ? tab : "all";
  if (push) {
    const url = new URL(window.location.href);
    url.searchParams.set("status", state.tab);
    window.history.replaceState(null, "", url);
  }
  render();
}

/** The tabs are in the page's HTML, so they hold their place while the list loads; here they show counts. */
function showTabs(items) {
  for (const button of TABS()) {
    const value = button.dataset.tab;
    const count = value === "all" ? items.length : items.filter((item) => normalStatus(item.status) === value).length;
    button.querySelector(".count").textContent = String(count);
    button.setAttribute("aria-pressed", String(state.tab === value));
  }
}

function afterAction(action) {
  load().then(() => {
    if (TAB_AFTER[action]) selectTab(TAB_AFTER[action]);
  });
}

function showDetails(id) {
  return openDetails(id, { user: state.user, status: state.status, onChanged: afterAction });
}

function meetingFound(document) {
  const id = document.announcement_id;
  for (const item of state.items) {
    if (item.id === id) item.join_url = document.meeting_metadata ? document.meeting_metadata.join_url : null;
  }
  render();
}

function card(item) {
  const allowed = allowedActions(item, state.user);
  const id = encodeURIComponent(item.id);
  return itemCard(item, {
    onOpen: showDetails,
    facts: [
      item.id,
      ANNOUNCEMENT_TYPES[announcementTypeOf(item)] || "General",
      formatDate(whenOf(item)),
      `By ${personName(item.created_by)}`,
    ],
    extra: item.summary ? [el("p", { className: "item-summary" }, item.summary)] : [],
    buttons: [
      allowed.edit ? el("a", { className: "btn btn-small", href: `edit-announcement.html?announcementId=${id}` }, "Edit") : null,
      el("a", { className: "btn btn-small", href: `edit-announcement.html?announcementId=${id}&duplicate=true` }, "Duplicate"),
      decisionButtons(item, { id: item.id, title: item.title, status: item.status }, openingsFor(item, state.user, state.standingIn), {
        status: state.status,
        onDone: () => afterAction("approve"),
      }),
      actionButtons({ id: item.id, title: item.title, include_meeting: item.include_meeting }, allowed, {
        status: state.status,
        onChanged: afterAction,
      }),
      joinLinkFor(item),
    ],
  });
}

function render() {
  const items = filtered();
  showTabs(items);
  const shown = items
    .filter((item) => state.tab === "all" || normalStatus(item.status) === state.tab)
    .sort((a, b) => whenOf(b).localeCompare(whenOf(a)));
  const list = clear(byId("list"));
  const told = news.node();
  if (told) list.append(told);
  if (shown.length === 0) {
    const [title, text] = EMPTY[state.tab];
    list.append(emptyState(title, text, { href: "create-announcement.html", label: "Create an announcement" }));
    return;
  }
  list.append(pagedList(shown, card, { noun: "announcements" }));
}

async function load() {
  const list = byId("list");
  loading(list, "Loading announcements…");
  try {
    const [published, drafts] = await Promise.all([
      listAll("/announcements"),
      listAll("/drafts", { kind: "announcement" }),
    ]);
    const latest = new Map();
    for (const item of [...drafts, ...published]) {
      const known = latest.get(item.id);
      if (!known || String(item.modified_at || "") >= String(known.modified_at || "")) latest.set(item.id, item);
    }
    state.items = [...latest.values()].filter((item) => item.kind === "announcement" || !item.id.startsWith("CHG-"));
    news.set(await arrivalNews(state.items));
  } catch (error) {
    clear(list);
    showError(list, `Could not load the announcements: ${error.message}`);
    return;
  }
  for (const item of state.items) {
    if (normalStatus(item.status) === "approved" && item.include_meeting && !item.join_url) {
      watchForMeeting("/announcements", item.id, meetingFound);
    }
  }
  render();
}

startPage(async ({ user, status }) => {
  state.user = user;
  state.status = status;
  state.standingIn = await standingInToday();
  const asked = query("status") === "pending" ? "submitted" : query("status");
  state.tab = TABS().some((button) => button.dataset.tab === asked) ? asked : "all";
  for (const button of TABS()) button.addEventListener("click", () => selectTab(button.dataset.tab));
  byId("dateFilter").addEventListener("change", render);
  byId("textFilter").addEventListener("input", debounce(render));
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  byId("clearFilters").addEventListener("click", () => {
    byId("dateFilter").value = "14";
    byId("textFilter").value = "";
    selectTab("all");
  });
  byId("refresh").addEventListener("click", load);
  await load();
});
