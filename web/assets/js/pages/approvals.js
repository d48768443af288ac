// Approvals: each change and announcement waiting for a decision, once, with all its customers (a customer is a
// filter, never a group: one approval is for the whole item). By default only what the signed-in person can still
// decide, each card saying which requirement Approve counts towards and what happens then. The links of approval
// emails (?objectId=&decision=approve|reject) open the confirmation here: a GET never decides anything.
// The Away panel names a colleague who decides in your place while you are away. An item changed after its
// approval says so, and shows what changed since the approved version.
import { collectionOf, get, put, remove } from "../lib/api.js";
import { approveExplained, checklist, classification, decide, decisionButtons } from "../lib/approval.js";
import { audienceBox, meetingOutcomeText } from "../lib/audience.js";
import { append, byId, clear, el, personName, query } from "../lib/dom.js";
import { customerChips, customerNames, loadCustomers } from "../lib/customers.js";
import { customerFilter } from "../lib/customer-filter.js";
import { openDetails } from "../lib/details.js";
import { joinLinkFor, joinUrlOf, watchForMeeting } from "../lib/meeting.js";
import { emptyState, loading, showError, showInfo, showSuccess } from "../lib/messages.js";
import { startPage } from "../lib/shell.js";
import { ANNOUNCEMENT_TYPES, announcementTypeOf } from "../lib/status.js";
import { formatInstant } from "../lib/time.js";
import { itemCard } from "../lib/item-card.js";
import { fetchWarnings, warningList } from "../lib/calendar-warnings.js";
import { pagedList } from "../lib/paged-list.js";
import { focusRequirements } from "../lib/requirement-focus.js";

const DEFAULTS = { type: "all", customer: "", days: "" };
const OPEN_WHEN_AT_MOST = 5;
const DECISIONS = new Set(["approve", "reject"]);

const state = { user: null, status: null, customers: [], items: [], scope: "mine", warnings: new Map(), customer: null, drawn: 0 };
const WARNING_REQUESTS_AT_ONCE = 4;
const WARNINGS_WAIT_MS = 1500;

/**
 * Each pending change's freezes and overlaps. The cards wait for them up to WARNINGS_WAIT_MS, so that they usually
 * take their height at once; a long list is drawn then, and the warnings that come later go into their cards.
 */
async function loadWarnings(items) {
  const pending = items.filter(
    (item) => !isAnnouncement(item) && item.status === "submitted" && item.implementation_start,
  );
  const warnings = new Map();
  state.warnings = warnings;
  const queue = [...pending];
  async function worker() {
    while (queue.length) {
      const item = queue.shift();
      try {
        const data = await fetchWarnings({
          customers: item.customers || [],
          start: item.implementation_start,
          end: item.implementation_end,
          exclude: item.id,
        });
        if (data && state.warnings === warnings) {
          warnings.set(item.id, data);
          showLateWarnings(item.id);
        }
      } catch {
        // A card without warnings is still a card; approving reports a freeze as an error anyway.
      }
    }
  }
  const all = Promise.all(Array.from({ length: WARNING_REQUESTS_AT_ONCE }, worker));
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, WARNINGS_WAIT_MS))]);
}

/** Warnings that arrive after the cards were drawn go into the card's own slot. */
function showLateWarnings(id) {
  const slot = document.querySelector(`#items li.item[data-id="${CSS.escape(id)}"] .card-warnings`);
  if (!slot || slot.firstChild) return;
  const list = warningList(state.warnings.get(id));
  if (list) slot.append(list);
}

function filters() {
  return { type: byId("typeFilter").value, customer: state.customer.value(), days: byId("dateFilter").value };
}

function setFilters(values) {
  byId("typeFilter").value = values.type;
  state.customer.set(values.customer);
  byId("dateFilter").value = values.days;
}

function isAnnouncement(item) {
  return item.kind === "announcement" || !String(item.id).startsWith("CHG-");
}

function typeName(item) {
  if (isAnnouncement(item)) return `Announcement · ${ANNOUNCEMENT_TYPES[announcementTypeOf(item)]}`;
  return ["Change", classification(item)].filter(Boolean).join(" · ");
}

function whenOf(item) {
  return item.submitted_at || item.created_at || "";
}

/** The filter offers the customers the listed items name (and the chosen one), by name. */
function fillCustomerOptions() {
  const known = new Map(state.customers.map((customer) => [customer.code, customer]));
  const codes = new Set(state.items.flatMap((item) => item.customers || []));
  const chosen = state.customer.value();
  if (chosen) codes.add(chosen);
  const named = [...codes].map((code) => known.get(code) || { code, name: code.toUpperCase() });
  state.customer.fill(named.sort((a, b) => a.name.localeCompare(b.name)));
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
    });
}

function openingsOf(item) {
  return (item.decision && item.decision.openings) || [];
}

function subjectOf(item) {
  return { id: item.id, title: item.title, status: item.status, include_meeting: item.include_meeting, customers: item.customers };
}

/** One line under the title: what this person's decision does, or why they cannot decide. */
function whatYouCanDo(item) {
  if (item.status === "approved" && item.approvedHere) {
    return [el("p", { className: "approve-explained approved-note" }, "✓ Approved: its customers are being notified.")];
  }
  const openings = openingsOf(item);
  if (openings.length) {
    return openings.map((opening) =>
      el("p", { className: "approve-explained" }, approveExplained(item, opening, state.customers)),
    );
  }
  const refusal = item.decision && item.decision.refusal;
  const text = refusal ? `You cannot decide on this: ${refusal}.` : "Nothing for you to decide here: it waits for its approvers.";
  return [el("p", { className: "muted approve-explained" }, text)];
}

function progressLine(approval) {
  const states = (approval.review && approval.review.due_by ? approval.review.requirements : approval.requirements) || [];
  return states.map((state) => `${state.label}: ${state.met ? "approved" : `${(state.decisions || []).length} of ${state.required}`}`).join(" · ");
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
  if (!item.changed_since_approval || item.status !== "submitted") return [];
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

/**
 * The approval as this approver needs it: with many requirements (one per customer with its own approvers), only
 * those their decision counts towards (or the first open ones), and a count of the rest.
 */
function focusedApproval(item) {
  const mine = openingsOf(item).flatMap((opening) => opening.countsTowards.map((state) => state.id));
  const { shown, others } = focusRequirements(item.approval.requirements, mine);
  return { approval: { ...item.approval, requirements: shown }, others };
}

function approvalDetails(item, open) {
  if (!item.approval) return null;
  const { approval, others } = focusedApproval(item);
  const list = checklist(approval, { heading: "What it needs" });
  const line = [progressLine(approval), others].filter(Boolean).join(" · ");
  return el(
    "details",
    { className: "approval-details", open },
    el("summary", {}, `Approval: ${line || "no approver needed"}`),
    list,
    others ? el("p", { className: "muted" }, others.replace(/^and/, "And")) : null,
  );
}

function card(item, open) {
  const count = (item.customers || []).length;
  return itemCard(item, {
    onOpen: showDetails,
    facts: [
      item.id,
      typeName(item),
      `Submitted by ${personName(item.submitted_by || item.created_by)}`,
      formatInstant(whenOf(item)),
    ],
    extra: [
      el(
        "div",
        { className: "item-customers" },
        el("span", { className: "muted" }, `${count.toLocaleString("en-US")} customer${count === 1 ? "" : "s"}: ${customerNames(state.customers, item.customers, 3)}`),
        customerChips(state.customers, item.customers),
      ),
      whatYouCanDo(item),
      el("div", { className: "card-warnings" }, warningList(state.warnings.get(item.id))),
      ...changedNote(item),
      item.status === "submitted" ? audienceBox(item.id) : null,
      item.meeting_note ? el("p", { className: "meeting-note" }, item.meeting_note) : null,
      approvalDetails(item, open),
    ],
    buttons: [
      joinLinkFor(item),
      decisionButtons(item, subjectOf(item), openingsOf(item), {
        status: state.status,
        onDone: (data) => afterDecision(item, data),
        explain: (opening) => approveExplained(item, opening, state.customers),
      }),
    ],
  });
}

/**
 * The approval that completed an item keeps its card where it is, approved, until the next load: its Join link
 * appears there once the meeting is scheduled. Any other decision reloads the list.
 */
function afterDecision(item, data) {
  const document = data && data.object;
  if (!document || document.status !== "approved" || item.status !== "submitted") {
    load();
    return;
  }
  Object.assign(item, {
    status: "approved",
    approvedHere: true,
    approval: document.approval,
    decision: { openings: [], refusal: null },
    join_url: joinUrlOf(document) || null,
  });
  render();
  if (document.include_meeting && !item.join_url) {
    watchForMeeting(collectionOf(item.id), item.id, (found) => {
      item.join_url = joinUrlOf(found);
      // Without a Join link the card says what became of the meeting (made by email, or none: nobody is invited).
      item.meeting_note = item.join_url ? null : meetingOutcomeText(found);
      render();
    });
  }
}

/** For someone in no approving group: what they can do here. Shown with the list, so nothing moves. */
function roleNote() {
  if (state.user.mayApprove) return null;
  return el(
    "p",
    { className: "message message-info role-note", id: "roleNote" },
    el("span", { className: "message-icon", "aria-hidden": "true" }, "ℹ️"),
    el("span", { className: "message-text" }, "You are in no group that approves; you can see what is pending but not decide on it."),
  );
}

function emptyFor(current) {
  const isDefault = current.type === DEFAULTS.type && !current.customer && !current.days;
  const empty =
    state.scope === "mine"
      ? emptyState("Nothing waits for your decision", "Everything you can decide on has been decided.")
      : emptyState("Nothing is pending approval", "No change or announcement waits for a decision.");
  if (state.scope === "mine") {
    const all = el("button", { type: "button", className: "btn", id: "showEverything" }, "Show everything pending");
    all.addEventListener("click", () => setScope("all"));
    empty.append(all);
  }
  if (!isDefault) {
    const reset = el("button", { type: "button", className: "btn" }, "Clear filters");
    reset.addEventListener("click", clearFilters);
    empty.append(reset);
  }
  return empty;
}

function render() {
  const current = filters();
  const items = visibleItems(current);
  const container = clear(byId("items"));
  const note = roleNote();
  if (note) container.append(note);
  const decidable = items.filter((item) => openingsOf(item).length).length;
  byId("summary").textContent =
    state.scope === "mine"
      ? `${items.length} item${items.length === 1 ? "" : "s"} wait${items.length === 1 ? "s" : ""} for your decision.`
      : `${items.length} item${items.length === 1 ? "" : "s"} pending approval; you can decide on ${decidable}.`;
  if (items.length === 0) {
    container.append(emptyFor(current));
    return;
  }
  const open = items.length <= OPEN_WHEN_AT_MOST;
  // A decision or a live refresh draws the list again with as many cards as the reader had opened.
  container.append(pagedList(items, (item) => card(item, open), { noun: "items", atLeast: state.drawn, onDrawn: (count) => (state.drawn = count) }));
}

/** Another scope or filter is another list: it starts again at its first page. */
function renderAnew() {
  state.drawn = 0;
  render();
}

async function load({ quiet = false } = {}) {
  const container = byId("items");
  // A live refresh replaces the list when the new one is there: no spinner in between, so nothing jumps.
  if (!quiet) loading(container, "Loading items…");
  try {
    const { data } = await get("/approvals", { query: { scope: state.scope } });
    state.items = data.items || [];
  } catch (error) {
    clear(container);
    showError(container, `Could not load the items: ${error.message}`);
    return;
  }
  await loadWarnings(state.items);
  fillCustomerOptions();
  render();
}

function setScope(scope) {
  state.scope = scope;
  state.drawn = 0;
  byId("scopeFilter").value = scope;
  return load();
}

function clearFilters() {
  setFilters(DEFAULTS);
  renderAnew();
}

function showDetails(id) {
  // An approval made in the details keeps its card in place like one made on the card.
  const onChanged = (action, data) => {
    const item = state.items.find((each) => each.id === id);
    if (action === "approve" && item) afterDecision(item, data);
    else load();
  };
  return openDetails(id, { user: state.user, status: state.status, onChanged });
}

/** The confirmation view of an email's Approve or Reject link: the decision waits for one click here. */
async function confirmFromLink(objectId, decision) {
  let item = state.items.find((each) => each.id === objectId);
  if (!item && state.scope === "mine") {
    await setScope("all");
    item = state.items.find((each) => each.id === objectId);
  }
  const openings = item ? openingsOf(item) : [];
  if (!item || openings.length === 0) {
    const why = item && item.decision && item.decision.refusal ? ` ${item.decision.refusal}.` : "";
    showInfo(state.status, `You have nothing to decide on ${objectId} any more: it was decided, or you may not decide on it.${why}`, { sticky: true });
    await showDetails(objectId);
    return;
  }
  const opening = openings[0];
  const explanation = decision === "approve" ? approveExplained(item, opening, state.customers) : "";
  await decide(decision, subjectOf(item), { opening, explanation, status: state.status, onDone: (data) => afterDecision(item, data) });
}

// -- the Away panel --------------------------------------------------------------------------------------------

function today() {
  return new Date().toISOString().slice(0, 10);
}

function awayForm() {
  const delegate = el("input", { type: "email", id: "awayDelegate", name: "delegate", required: true, autocomplete: "email", maxlength: 254 });
  const from = el("input", { type: "date", id: "awayFrom", name: "from", required: true, value: today() });
  const until = el("input", { type: "date", id: "awayUntil", name: "until", required: true, value: today() });
  const save = el("button", { type: "submit", className: "btn btn-primary" }, "Name my substitute");
  const form = el(
    "form",
    { className: "filters away-form", id: "awayForm", novalidate: true },
    el("label", { for: delegate.id }, "Colleague who decides for me", delegate),
    el("label", { for: from.id }, "From (UTC day)", from),
    el("label", { for: until.id }, "Until (inclusive)", until),
    el("div", { className: "button-row" }, save),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = byId("awayStatus");
    try {
      const { data } = await put("/user/delegation", { delegate: delegate.value.trim(), from: from.value, until: until.value });
      const told = data.notified ? " You are both told by email." : "";
      showSuccess(status, `${data.delegation.delegate} decides for you from ${data.delegation.from} until ${data.delegation.until}.${told}`);
      await showAway();
    } catch (error) {
      showError(status, `The substitute was not named: ${error.message}`);
    }
  });
  return form;
}

function ownDelegation(delegation) {
  const end = el("button", { type: "button", className: "btn btn-small btn-danger", id: "endAway" }, "End it now");
  end.addEventListener("click", async () => {
    try {
      await remove("/user/delegation");
      showSuccess(byId("awayStatus"), "Your substitute no longer decides for you.");
      await showAway();
    } catch (error) {
      showError(byId("awayStatus"), `Could not end it: ${error.message}`);
    }
  });
  const when = delegation.active ? "now, until" : `from ${delegation.from} until`;
  return el(
    "div",
    { className: "away-current" },
    el("p", { id: "awayCurrent" }, `${delegation.delegate} decides in your place ${when} ${delegation.until} (UTC days). Their decisions are recorded as theirs, on your behalf.`),
    el("div", { className: "button-row" }, end),
  );
}

async function showAway() {
  const panel = byId("away");
  const body = byId("awayBody");
  let data;
  try {
    ({ data } = await get("/user/delegation"));
  } catch (error) {
    showError(byId("awayStatus"), `Could not load your delegation: ${error.message}`);
    return;
  }
  const standing = (data.standingInFor || []).map((row) =>
    el("li", {}, `You decide for ${row.approver} ${row.active ? "now, until" : `from ${row.from} until`} ${row.until}.`),
  );
  append(clear(body), [
    el("p", { className: "muted" }, "Going away? Name a colleague who decides in your place; they cannot approve their own changes."),
    data.delegation ? ownDelegation(data.delegation) : awayForm(),
    standing.length ? el("ul", { className: "standing-in", "aria-label": "Approvers you stand in for" }, standing) : null,
  ]);
  panel.hidden = false;
}

startPage(async ({ user, status }) => {
  state.user = user;
  state.status = status;
  state.scope = user.mayApprove ? "mine" : "all";
  byId("scopeFilter").value = state.scope;
  state.customer = customerFilter(byId("customerFilter"), byId("customerFilterValue"), { onChange: renderAnew });
  state.customers = await loadCustomers().catch(() => []);
  const customerCode = query("customerCode");
  const objectId = query("objectId");
  const decision = query("decision");
  if (customerCode) setFilters({ ...DEFAULTS, customer: customerCode });
  byId("scopeFilter").addEventListener("change", () => setScope(byId("scopeFilter").value));
  for (const id of ["typeFilter", "dateFilter"]) byId(id).addEventListener("change", renderAnew);
  byId("clearFilters").addEventListener("click", clearFilters);
  byId("refresh").addEventListener("click", load);
  byId("filters").addEventListener("submit", (event) => event.preventDefault());
  await load();
  if (user.mayApprove) await showAway();
  if (objectId && DECISIONS.has(decision)) {
    await confirmFromLink(objectId, decision);
  } else if (objectId) {
    showInfo(status, `Opened from a link: ${objectId}.`);
    await showDetails(objectId);
  }
  if (window.location.hash === "#away") byId("away").scrollIntoView();
});
