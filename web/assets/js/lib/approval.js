// Approval as every page shows it: the checklist of an object's requirements ("CAB: 1 of 2"), what a person can
// still decide on it, what Approve will do, and the Approve / Reject dialogs (a comment, or a required reason).
import { followApproval } from "./actions.js";
import { collectionOf, get, post } from "./api.js";
import { el, personName } from "./dom.js";
import { showConflict } from "./conflict.js";
import { showError, showSuccess, showWarning } from "./messages.js";
import { openDialog } from "./modal.js";
import { formatInstant } from "./time.js";

/** How many customers a sentence names before it counts the rest. */
const NAMED = 3;

export const CHANGE_TYPE_LABELS = { standard: "Standard", normal: "Normal", emergency: "Emergency" };
export const RISK_LABELS = { low: "Low risk", medium: "Medium risk", high: "High risk" };

/** "by X" or "by X on behalf of Y" (a delegate decided). */
export function decider(decision) {
  const by = decision.by || decision.user_id;
  return decision.on_behalf_of ? `${by} on behalf of ${decision.on_behalf_of}` : by;
}

function lineOf(state) {
  const count = (state.decisions || []).length;
  const progress = state.met ? "approved" : `${count} of ${state.required}`;
  const people = (state.decisions || []).map((decision) => {
    const said = decision.comment ? ` (“${decision.comment}”)` : "";
    return `${decider(decision)}${said}`;
  });
  return el(
    "li",
    { className: state.met ? "check check-met" : "check", dataset: { requirement: state.id } },
    el("span", { className: "check-mark", "aria-hidden": "true" }, state.met ? "✓" : "○"),
    el("span", {}, el("strong", {}, state.label), `: ${progress}`),
    people.length ? el("span", { className: "muted" }, ` · by ${people.join(", ")}`) : null,
  );
}

function reviewNote(review) {
  if (!review || !review.due_by) return null;
  if (review.met) return el("p", { className: "review-note" }, "Retrospective review: done.");
  const overdue = Date.parse(review.due_by) < Date.now();
  return el(
    "p",
    { className: overdue ? "review-note review-overdue" : "review-note" },
    `${overdue ? "Retrospective review overdue" : "Retrospective review due"} by ${formatInstant(review.due_by)}: `,
    "the normal requirements still have to be met.",
  );
}

/** The checklist of `approval` (an object's `approval`), or null when it has none. */
export function checklist(approval, { heading = "Approval" } = {}) {
  if (!approval) return null;
  const parts = [];
  if (approval.route === "template" && approval.template) {
    parts.push(el("p", {}, `Approved by standard template ${approval.template}: no approver needed.`));
  }
  if (approval.route === "emergency") parts.push(el("p", {}, "Emergency change: one approver now, the normal approval after the fact."));
  if (approval.rejection) {
    const rejection = approval.rejection;
    parts.push(
      el(
        "p",
        { className: "rejection" },
        el("strong", {}, "Rejected"),
        ` by ${decider(rejection)} on ${formatInstant(rejection.at)}: `,
        el("span", { className: "prose" }, rejection.reason),
      ),
    );
  }
  if ((approval.requirements || []).length) {
    parts.push(el("ul", { className: "checklist", "aria-label": "Approval requirements" }, approval.requirements.map(lineOf)));
  }
  const review = approval.review;
  if (review && review.due_by) {
    parts.push(reviewNote(review));
    parts.push(el("ul", { className: "checklist", "aria-label": "Retrospective review" }, (review.requirements || []).map(lineOf)));
  }
  if (parts.length === 0) return null;
  return el("section", { className: "detail-section approval-checklist" }, el("h3", {}, heading), parts);
}

/** Whether `state` may count `person` (with `groups`), as the API decides it. */
function admits(state, person, groups) {
  const named = (state.members || []).includes(person);
  if (state.all_members) return named;
  return named || (state.groups || []).some((group) => groups.includes(group));
}

function persons(state) {
  return new Set((state.decisions || []).map((decision) => String(decision.on_behalf_of || decision.by).toLowerCase()));
}

/**
 * What `user` (with the approvers they stand in for today, `standingIn`: [{approver, groups}]) can still decide on
 * `document`: [{onBehalfOf, countsTowards: [state]}]. Mirrors the API, which has the last word.
 */
export function openingsFor(document, user, standingIn = []) {
  const approval = document.approval;
  if (!approval) return [];
  const status = String(document.status || "");
  const reviewing = ["approved", "completed"].includes(status) && approval.review && approval.review.due_by && !approval.review.met;
  if (status !== "submitted" && !reviewing) return [];
  const states = reviewing ? approval.review.requirements || [] : approval.requirements || [];
  const creator = String(document.createdBy || document.created_by || "").toLowerCase();
  const me = String(user.email || "").toLowerCase();
  const capacities = [
    { person: me, groups: user.groups || [], onBehalfOf: null },
    ...standingIn.map((row) => ({ person: row.approver, groups: row.groups || [], onBehalfOf: row.approver })),
  ];
  const openings = [];
  for (const capacity of capacities) {
    if (capacity.onBehalfOf && creator === me) continue;
    if (capacity.person === creator && !user.allowSelfApproval) continue;
    const open = states.filter((state) => !state.met && !persons(state).has(capacity.person) && admits(state, capacity.person, capacity.groups));
    if (open.length) openings.push({ onBehalfOf: capacity.onBehalfOf, countsTowards: open });
  }
  return openings;
}

let standingInLoaded = null;

/** The approvers the signed-in user stands in for today ([{approver, groups}]), asked once per page. */
export function standingInToday() {
  standingInLoaded ??= get("/user/delegation")
    .then(({ data }) => (data.standingInFor || []).filter((row) => row.active))
    .catch(() => []);
  return standingInLoaded;
}

/** Buttons to approve (one per opening) and reject `document`, for the details dialog and the cards. */
export function decisionButtons(document, item, openings, { status, onDone, explain = () => "" }) {
  if (openings.length === 0) return [];
  const approveButtons = openings.map((opening) => {
    const label = opening.onBehalfOf ? `Approve for ${personName(opening.onBehalfOf)}` : "Approve";
    const button = el("button", { type: "button", className: "btn btn-small btn-primary action-approve", dataset: { action: "approve", id: item.id } }, label);
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      decide("approve", item, { opening, explanation: explain(opening), status, onDone });
    });
    return button;
  });
  const reject = el("button", { type: "button", className: "btn btn-small btn-danger action-reject", dataset: { action: "reject", id: item.id } }, "Reject");
  reject.addEventListener("click", (event) => {
    event.stopPropagation();
    decide("reject", item, { opening: openings[0], status, onDone });
  });
  return String(document.status) === "submitted" ? [...approveButtons, reject] : approveButtons;
}

/** May `user` reject `document` (anyone a requirement admits, not its creator)? */
export function mayReject(document, user, standingIn = []) {
  return String(document.status) === "submitted" && openingsFor(document, user, standingIn).length > 0;
}

/** The customers' names, the first NAMED of them past that many ("A, B, C and 997 more"). */
function customerList(customers, codes) {
  const all = codes || [];
  const names = all.slice(0, all.length > NAMED ? NAMED : all.length).map((code) => {
    const found = customers.find((customer) => customer.code === code);
    return found ? found.name : code;
  });
  if (names.length < all.length) return `${names.join(", ")} and ${(all.length - names.length).toLocaleString("en-US")} more`;
  if (names.length <= 2) return names.join(" and ");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * What Approve does, in plain words: which requirement it counts towards and what happens then. `opening` as
 * the approvals list gives it ({onBehalfOf, countsTowards: [{label, count, required}], completes}).
 */
export function approveExplained(item, opening, customers = []) {
  const towards = opening.countsTowards.map((state) => `${state.label} (${(state.count ?? (state.decisions || []).length) + 1} of ${state.required})`);
  const whose = opening.onBehalfOf ? `Approving for ${opening.onBehalfOf} counts` : "Your approval counts";
  const first = `${whose} towards ${towards.join(" and ")}.`;
  const who = customerList(customers, item.customers);
  const then = opening.completes
    ? ` It completes the approval: every affected customer (${who}) is then notified${item.include_meeting ? " and the meeting is scheduled" : ""}.`
    : " The item stays pending until the other requirements are met; nobody is notified yet.";
  const reviewing = item.status === "approved" || item.status === "completed";
  return reviewing ? `${first} This is the retrospective review of an emergency change; customers are not notified again.` : first + then;
}

/**
 * Ask for a comment (approve) or a reason (reject), then decide. Resolves to the API's answer, or null (declined or
 * failed; a failure is shown in `status`).
 */
export function decide(action, item, { opening = null, explanation = "", status, onDone = () => {} } = {}) {
  return new Promise((resolve) => {
    let answered = null;
    const approving = action === "approve";
    const text = el("textarea", {
      id: `decision-${action}`,
      name: approving ? "comment" : "reason",
      rows: 3,
      maxlength: 2000,
      required: !approving,
    });
    const problem = el("p", { className: "field-error", id: `decision-${action}-error`, hidden: true });
    const dialogStatus = el("div", { className: "dialog-status", "aria-live": "polite" });
    const confirm = el(
      "button",
      { type: "button", className: approving ? "btn btn-primary" : "btn btn-danger", dataset: { action: `confirm-${action}` } },
      approving ? (opening && opening.onBehalfOf ? `Approve for ${opening.onBehalfOf}` : "Approve") : "Reject",
    );
    const keep = el("button", { type: "button", className: "btn" }, "Not now");
    const dialog = openDialog({
      title: `${approving ? "Approve" : "Reject"} “${item.title || item.id}”`,
      body: [
        dialogStatus,
        explanation ? el("p", { className: "explanation" }, explanation) : null,
        approving ? null : el("p", {}, "The requester is emailed your reason; the customers hear nothing."),
        el(
          "div",
          { className: "field" },
          el("label", { for: text.id }, approving ? "Comment (optional)" : "Reason (required)"),
          text,
          problem,
        ),
      ],
      actions: [keep, confirm],
      onClose: () => resolve(answered),
    });
    keep.addEventListener("click", () => dialog.close());
    confirm.addEventListener("click", async () => {
      const said = text.value.trim();
      if (!approving && !said) {
        problem.textContent = "Say why it is rejected: the requester is told.";
        problem.hidden = false;
        text.setAttribute("aria-invalid", "true");
        text.setAttribute("aria-describedby", problem.id);
        text.focus();
        return;
      }
      const body = approving ? { comment: said || undefined } : { reason: said };
      if (opening && opening.onBehalfOf) body.onBehalfOf = opening.onBehalfOf;
      confirm.disabled = true;
      try {
        const path = `${collectionOf(item.id)}/${encodeURIComponent(item.id)}/${action}`;
        const { data } = await post(path, body, { ifMatch: item.etag, version: item.version });
        answered = data;
        report(status, action, item, data);
        dialog.close();
        onDone(data);
      } catch (error) {
        confirm.disabled = false;
        if (error.isConflict) showConflict(dialogStatus, error, () => dialog.close());
        else showError(dialogStatus, `Could not ${action} ${item.id}: ${error.message}`);
      }
    });
    text.focus();
  });
}

function report(status, action, item, data) {
  if (!status) return;
  const name = item.title ? `“${item.title}”` : item.id;
  const now = data && data.status;
  if (action === "reject") {
    showSuccess(status, `${name} was rejected; ${personName(data.object.createdBy || data.object.created_by)} is emailed your reason.`);
  } else if (now === "approved" && item.status === "submitted") {
    const failed = data.summary ? data.summary.failed : 0;
    if (failed > 0) showWarning(status, `${name} was approved, but ${failed} customer notification(s) could not be queued.`);
    else showSuccess(status, `${name} was approved; its customers are being notified.`, { sticky: true });
    // The approver then sees what the backend did: who was notified per customer, and what became of the meeting.
    followApproval(collectionOf(item.id), item, status, null);
  } else {
    showSuccess(status, `Your approval of ${name} was recorded.`);
  }
}

/** The label of a change's type and risk, for list cards: "Emergency · High risk". */
export function classification(item) {
  const type = item.change_type || item.changeType;
  const risk = item.risk;
  if (!type && !risk) return null;
  return [CHANGE_TYPE_LABELS[type] || type, RISK_LABELS[risk] || risk].filter(Boolean).join(" · ");
}
