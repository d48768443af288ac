// Approvals: changes and announcements awaiting approval, grouped by customer, with Approve and Cancel for
// approvers. A link from an approval email (?customerCode=&objectId=) opens that customer and that object. An item
// changed after its approval says so, and shows what changed since the approved version.
import { collectionOf, get, listAll } from "../lib/api.js";
import { actionButtons } from "../lib/actions.js";
import { audienceBox, meetingOutcomeText } from "../lib/audience.js";
import { append, byId, clear, el, personName, query } from "../lib/dom.js";
import { customerName, loadCustomers } from "../lib/customers.js";
import { openDetails } from "../lib/details.js";
import { joinLinkFor, joinUrlOf, watchForMeeting } from "../lib/meeting.js";
import { emptyState, loading, showError, showInfo } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { ANNOUNCEMENT_TYPES, allowedActions, announcementTypeOf, normalStatus } from "../lib/status.js";
import { formatDate, formatInstant } from "../lib/time.js";
import { itemCard } from "../lib/item-card.js";

const DEFAULTS = { status: "pending", type: "all", customer: "", days: "14" };
const SERVER_STATUS = { pending: "submitted", approved: "approved", all: "all" };

const state = {
  user: null,
  status: null,
  customers: [],
  items: [],
  open: new Set(),
};

function filters() {
  return {
    status: byId("statusFilter").value,
    type: byId("typeFilter").value,
    customer: byId("customerFilter").value,
    days: byId("dateFilter").value,
  };
}

function setFilters(values) {
  byId("statusFilter").value = values.status;
  byId("typeFilter").value = values.type;
  ensureCustomerOption(values.customer);
  byId("customerFilter").value = values.customer;
  byId("dateFilter").value = values.days;
}

function isDefault(current) {
  return Object.entries(DEFAULTS).every(([key, value]) => current[key] === value);
}

function whenOf(item) {
  return item.submitted_at || item.created_at || "";
}

function isAnnouncement(item) {
  return item.kind === "announcement" || !String(item.id).startsWith("CHG-");
}

function typeName(item) {
  return isAnnouncement(item) ? `Announcement · ${ANNOUNCEMENT_TYPES[announcementTypeOf(item)]}` : "Change";
}

function ensureCustomerOption(code) {
  const select = byId("customerFilter");
  if (!code || [...select.options].some((option) => option.value === code)) return;
  select.append(el("option", { value: code }, `${customerName(state.customers, code)} (${code})`));
}

function fillCustomerOptions() {
  const select = byId("customerFilter");
  const chosen = select.value;
  const codes = new Set(state.items.flatMap((item) => item.customers || []));
  if (chosen) codes.add(chosen);
  const sorted = [...codes].sort((a, b) => customerName(state.customers, a).localeCompare(customerName(state.customers, b)));
  append(clear(select), [
    el("option", { value: "" }, "All customers"),
    sorted.map((code) => el("option", { value: code }, `${customerName(state.customers, code)} (${code})`)),
  ]);
  select.value = chosen;
}

function visibleItems(current) {
  const since = current.days ? Date.now() - Number(current.days) * 86400000 : null;
  return state.items
    .filter((item) => current.type === "all" || (current.type === "announcement") === isAnnouncement(item))
    .filter((item) => !current.customer || (item.customers || []).includes(current.customer))
    .filter((item) => {
      if (since === null) return true;
      const when = Date.parse(whenOf(item));
      return Number.isNaN(when) || when >= since;
    })
    .sort((a, b) => whenOf(b).localeCompare(whenOf(a)));
}

function canApprove(user) {
  return Boolean(user.isApprover || user.isAdmin);
}

function refreshItem(id, changes) {
  for (const item of state.items) if (item.id === id) Object.assign(item, changes);
  render();
}

function reopenDetailsIfOpen(id) {
  const open = [...document.querySelectorAll("dialog[data-object-id]")].find((dialog) => dialog.dataset.objectId === id);
  if (!open) return;
  open.close();
  showDetails(id);
}

function meetingFound(document) {
  const id = document.changeId || document.announcement_id;
  const joinUrl = joinUrlOf(document);
  // Without a Join link the card says what became of the meeting (made by email, or none: nobody is invited).
  refreshItem(id, { join_url: joinUrl, meeting_note: joinUrl ? null : meetingOutcomeText(document) });
  reopenDetailsIfOpen(id);
}

function watch(item) {
  watchForMeeting(collectionOf(item.id), item.id, meetingFound);
}

/** An acted-on item stays where it is, with its new status, until the next load: its Join link can appear there. */
function applyDocument(item, document) {
  Object.assign(item, {
    title: document.changeTitle || document.title || item.title,
    status: document.status,
    approved_by: document.approvedBy || item.approved_by,
    approved_at: document.approvedAt || item.approved_at,
    join_url: joinUrlOf(document) || null,
  });
}

async function afterAction(action, item, data) {
  if (action === "reload" || action === "delete") {
    await load();
    return;
  }
  let document = data && data.object;
  if (!document) {
    try {
      ({ data: document } = await get(`${collectionOf(item.id)}/${encodeURIComponent(item.id)}`));
    } catch {
      await load();
      return;
    }
  }
  for (const each of state.items) if (each.id === item.id) applyDocument(each, document);
  render();
  if (action === "approve" && document.include_meeting && !joinUrlOf(document)) watch(item);
}

function showDetails(id) {
  return openDetails(id, {
    user: state.user,
    status: state.status,
    onChanged: (action) => afterAction(action, state.items.find((item) => item.id === id) || { id }),
  });
}

/** The rows of what changed since approval, old -> new, as a table of text nodes. */
function changesTable(rows) {
  const lines = (values) => values.flatMap((value, index) => (index ? [el("br"), value] : [value]));
  return el(
    "table",
    { className: "what-changed" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "What"), el("th", { scope: "col" }, "Approved"), el("th", { scope: "col" }, "Now"))),
    el(
      "tbody",
      {},
      rows.map((row) =>
        el("tr", {}, el("th", { scope: "row" }, row.label), el("td", { className: "before" }, lines(row.before)), el("td", {}, lines(row.after))),
      ),
    ),
  );
}

/** For an item back in approval after an edit: a note, and what changed since the approved version (on request). */
function changedNote(item) {
  if (!item.changed_since_approval || normalStatus(item.status) !== "submitted") return [];
  const box = el(
    "details",
    { className: "changed-since", dataset: { id: item.id } },
    el("summary", {}, `Changed since version ${item.changed_since_approval} was approved: what changed`),
  );
  let loaded = false;
  box.addEventListener("toggle", async () => {
    if (!box.open || loaded) return;
    loaded = true;
    const area = el("div", { className: "list-area" });
    box.append(area);
    loading(area, "Loading what changed…");
    try {
      const { data } = await get(`${collectionOf(item.id)}/${encodeURIComponent(item.id)}/changes-since-approval`);
      clear(area);
      area.append(data.changes.length ? changesTable(data.changes) : el("p", {}, "Nothing its approvers see changed."));
    } catch (error) {
      clear(area);
      loaded = false;
      showError(area, `Could not load what changed: ${error.message}`);
    }
  });
  return [box];
}

function card(item) {
  const allowed = canApprove(state.user) ? allowedActions(item, state.user) : {};
  const offered = { approve: allowed.approve, cancel: allowed.cancel };
  const subject = { id: item.id, title: item.title, include_meeting: item.include_meeting };
  return itemCard(item, {
    onOpen: showDetails,
    facts: [item.id, typeName(item), `Submitted by ${personName(item.submitted_by || item.created_by)}`, formatInstant(whenOf(item))],
    extra: [
      normalStatus(item.status) === "approved" && item.approved_by
        ? el("p", { className: "approved-note" }, `✓ Approved by ${personName(item.approved_by)} on ${formatDate(item.approved_at)}`)
        : null,
      ...changedNote(item),
      normalStatus(item.status) === "submitted" ? audienceBox(item.id) : null,
      item.meeting_note ? el("p", { className: "meeting-note" }, item.meeting_note) : null,
    ],
    buttons: [
      joinLinkFor(item),
      actionButtons(subject, offered, { status: state.status, onChanged: (action, data) => afterAction(action, item, data) }),
    ],
  });
}

function section(code, items) {
  const pending = items.filter((item) => normalStatus(item.status) === "submitted").length;
  const label = `${customerName(state.customers, code)} (${code}) – ${pending} pending`;
  const details = el(
    "details",
    { className: "group-section card", dataset: { customer: code }, open: state.open.has(code) },
    el("summary", {}, label, items.length !== pending ? el("span", { className: "muted" }, ` · ${items.length} shown`) : null),
    el("ul", { className: "item-list" }, items.map(card)),
  );
  details.addEventListener("toggle", () => {
    if (details.open) state.open.add(code);
    else state.open.delete(code);
  });
  return details;
}

function render() {
  const current = filters();
  const items = visibleItems(current);
  const groups = byId("groups");
  clear(groups);
  const note = roleNote();
  if (note) groups.append(note);
  const byCustomer = new Map();
  for (const item of items) {
    for (const code of item.customers || []) {
      if (current.customer && code !== current.customer) continue;
      if (!byCustomer.has(code)) byCustomer.set(code, []);
      byCustomer.get(code).push(item);
    }
  }
  const pending = items.filter((item) => normalStatus(item.status) === "submitted").length;
  byId("summary").textContent = `${items.length} item${items.length === 1 ? "" : "s"} shown, ${pending} pending approval.`;
  if (byCustomer.size === 0) {
    const empty =
      current.status === "pending"
        ? emptyState("No pending approvals", "All items have been reviewed. Great job!")
        : emptyState("Nothing found", "No changes or announcements match these filters.");
    if (!isDefault(current)) {
      const reset = el("button", { type: "button", className: "btn" }, "Clear filters");
      reset.addEventListener("click", clearFilters);
      empty.append(reset);
    }
    groups.append(empty);
    return;
  }
  const codes = [...byCustomer.keys()].sort((a, b) =>
    customerName(state.customers, a).localeCompare(customerName(state.customers, b)),
  );
  groups.append(...codes.map((code) => section(code, byCustomer.get(code))));
}

async function load() {
  const wanted = SERVER_STATUS[byId("statusFilter").value] || "submitted";
  const groups = byId("groups");
  loading(groups, "Loading items…");
  try {
    const [changes, announcements] = await Promise.all([
      listAll("/changes", { status: wanted }),
      listAll("/announcements", { status: wanted }),
    ]);
    state.items = [...changes, ...announcements].filter((item) => normalStatus(item.status) !== "draft");
  } catch (error) {
    clear(groups);
    showError(groups, `Could not load the items: ${error.message}`);
    return;
  }
  fillCustomerOptions();
  for (const item of state.items) {
    if (normalStatus(item.status) === "approved" && item.include_meeting && !item.join_url) watch(item);
  }
  render();
}

function clearFilters() {
  const reload = byId("statusFilter").value !== DEFAULTS.status;
  setFilters(DEFAULTS);
  if (reload) load();
  else render();
}

/** For someone outside the approvers group: what they can do here. Shown with the list, so nothing moves. */
function roleNote() {
  if (canApprove(state.user)) return null;
  return el(
    "p",
    { className: "message message-info role-note", id: "roleNote" },
    el("span", { className: "message-icon", "aria-hidden": "true" }, "ℹ️"),
    el(
      "span",
      { className: "message-text" },
      `You are not in the approvers group (${state.user.approverGroup || "approvers"}); you can see but not approve.`,
    ),
  );
}

startPage(async ({ user, status }) => {
  state.user = user;
  state.status = status;
  state.customers = await loadCustomers().catch(() => []);
  const customerCode = query("customerCode");
  const objectId = query("objectId");
  if (customerCode) {
    setFilters({ ...DEFAULTS, customer: customerCode });
    state.open.add(customerCode);
  }
  byId("statusFilter").addEventListener("change", load);
  for (const id of ["typeFilter", "customerFilter", "dateFilter"]) byId(id).addEventListener("change", render);
  byId("clearFilters").addEventListener("click", clearFilters);
  byId("refresh").addEventListener("click", load);
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  await load();
  if (objectId) {
    showInfo(status, `Opened from a link: ${objectId}.`);
    await showDetails(objectId);
  }
});
