// Delivery proof: who received each notice of an object (the details dialog's "Delivery" section), each customer
// account's reputation (the dashboard's "Deliverability") and the triggers waiting in dead-letter queues (admins).
import { collectionOf, get, post } from "./api.js";
import { clear, el } from "./dom.js";
import { customerName } from "./customers.js";
import { busy, loading, showError, showSuccess } from "./messages.js";
import { formatInstant } from "./time.js";

export const BAR = ["delivered", "pending", "bounced", "complained", "suppressed"];
const BAR_LABELS = {
  delivered: "delivered",
  pending: "pending",
  bounced: "bounced",
  complained: "complained",
  suppressed: "suppressed",
};
export const EVENT_LABELS = {
  approval_request: "Approval request",
  approved: "Approved",
  completed: "Completed",
  cancelled: "Cancelled",
  meeting_request: "Calendar invitation",
  meeting_cancel: "Calendar cancellation",
};
const PROBLEM_STATUSES = new Set(["delayed", "bounced", "suppressed", "complained", "rejected", "unsubscribed"]);
const LEVELS = { ok: "Fine", warning: "Watch", at_risk: "At SES's review threshold" };

export function eventLabel(event) {
  if (event.endsWith("-resend")) return `${eventLabel(event.slice(0, -"-resend".length))} (resent)`;
  return EVENT_LABELS[event] || event.replace(/_/g, " ");
}

/** The compact bar of one notice: a segment per group, sized by its count, with the counts as text beside it. */
export function deliveryBar(bar) {
  const total = BAR.reduce((sum, name) => sum + (bar[name] || 0), 0);
  const segments = BAR.filter((name) => bar[name]).map((name) => {
    const segment = el("span", { className: `bar-segment bar-${name}` });
    segment.style.flexGrow = String(bar[name]);
    return segment;
  });
  const words = BAR.filter((name) => bar[name]).map((name) => `${bar[name]} ${BAR_LABELS[name]}`);
  return el(
    "div",
    { className: "delivery-bar-row" },
    el("span", { className: "delivery-bar", role: "img", "aria-label": `${total} recipients: ${words.join(", ")}` }, segments),
    el("span", { className: "delivery-counts" }, words.join(" · ") || "nobody yet"),
  );
}

function problemList(recipients) {
  const problems = recipients.filter((row) => PROBLEM_STATUSES.has(row.status));
  if (problems.length === 0) return null;
  return el(
    "ul",
    { className: "delivery-problems" },
    problems.map((row) =>
      el(
        "li",
        { dataset: { status: row.status } },
        el("strong", {}, row.recipient),
        " ",
        el("span", { className: `badge delivery-status delivery-${row.status}` }, row.status),
        row.bounceType ? ` ${row.bounceType}${row.bounceSubtype ? ` / ${row.bounceSubtype}` : ""}` : "",
        row.reason ? el("span", { className: "delivery-reason" }, ` ${row.reason}`) : "",
        row.at ? el("time", { datetime: row.at, className: "muted" }, ` · ${formatInstant(row.at)}`) : "",
      ),
    ),
  );
}

async function everyRecipient(path) {
  const rows = [];
  let cursor = null;
  let first = null;
  do {
    const { data } = await get(path, { query: cursor ? { limit: 500, cursor } : { limit: 500 } });
    first = first || data;
    rows.push(...(data.recipients || []));
    cursor = data.nextCursor;
  } while (cursor);
  return { ...first, recipients: rows };
}

function resendButton(path, item, user, status, reload) {
  if (!user.isAdmin) return null;
  const button = el(
    "button",
    { type: "button", className: "btn btn-small", dataset: { customer: item.customer, event: item.event } },
    `Resend to ${item.recipients} transient failure${item.recipients === 1 ? "" : "s"}`,
  );
  button.addEventListener("click", () =>
    busy(button, "Resending…", async () => {
      try {
        const { data } = await post(`${path}/resend`, { event: item.event, customer: item.customer });
        showSuccess(status, `${data.recipients.length} recipient(s) of ${item.customer} get one more copy.`);
        reload();
      } catch (error) {
        showError(status, `Could not resend: ${error.message}`);
      }
    }),
  );
  return button;
}

function render(container, data, customers, user, path, status, reload) {
  clear(container);
  if (data.events.length === 0) {
    container.append(el("p", { className: "muted" }, "No email of this has been sent yet."));
    return;
  }
  const byCustomer = new Map();
  for (const summary of data.events) {
    if (!byCustomer.has(summary.customer)) byCustomer.set(summary.customer, []);
    byCustomer.get(summary.customer).push(summary);
  }
  const resendable = data.resendable || [];
  for (const [code, summaries] of byCustomer) {
    const rows = (data.recipients || []).filter((row) => row.customer === code);
    container.append(
      el(
        "div",
        { className: "delivery-customer", dataset: { customer: code } },
        el("h4", {}, customerName(customers, code)),
        summaries.map((summary) =>
          el(
            "div",
            { className: "delivery-event", dataset: { event: summary.event } },
            el("span", { className: "delivery-event-name" }, `${eventLabel(summary.event)} (v${summary.version})`),
            deliveryBar(summary.bar),
          ),
        ),
        problemList(rows),
        resendable
          .filter((item) => item.customer === code)
          .map((item) => resendButton(path, item, user, status, reload)),
      ),
    );
  }
  if (data.detail === "counts") {
    container.append(el("p", { className: "muted" }, "Approvers and administrators see who each problem concerns."));
  }
}

/** The "Delivery" section of the details dialog; it loads on its own, after the dialog has opened. */
export function deliverySection(document, id, { user, customers, status }) {
  const container = el("div", { className: "delivery-area" });
  const section = el("section", { className: "detail-section delivery", "aria-labelledby": "delivery-heading" });
  section.append(el("h3", { id: "delivery-heading" }, "Delivery"), container);
  const path = `${collectionOf(id)}/${encodeURIComponent(id)}/deliveries`;
  const load = async () => {
    loading(container, "Loading deliveries…");
    try {
      const data = await everyRecipient(path);
      render(container, data, customers, user, path, status, load);
    } catch (error) {
      clear(container);
      showError(container, `Could not load the deliveries: ${error.message}`);
    }
  };
  if ((document.status || "draft") !== "draft") load();
  else container.append(el("p", { className: "muted" }, "Nothing is sent while this is a draft."));
  return section;
}

function percent(value) {
  return `${(value * 100).toFixed(2)} %`;
}

function rateCell(value, level) {
  return el("td", {}, el("span", { className: `rate rate-${level}`, title: LEVELS[level] }, percent(value)), " ", LEVELS[level]);
}

/** The dashboard's "Deliverability": each customer account that sent anything in the period, riskiest first. */
export async function showDeliverability(container) {
  loading(container, "Loading deliverability…");
  try {
    const { data } = await get("/deliverability", { query: { days: 30 } });
    clear(container);
    const rank = { at_risk: 2, warning: 1, ok: 0 };
    const worst = (account) => Math.max(rank[account.bounceLevel], rank[account.complaintLevel]);
    const active = data.accounts.filter((account) => account.counts.sends > 0).sort((a, b) => worst(b) - worst(a));
    const quiet = data.accounts.length - active.length;
    const review = data.thresholds;
    container.append(
      el(
        "p",
        { className: "muted" },
        `The last ${data.days} days. SES reviews an account at ${percent(review.bounce.review)} bounces or `,
        `${percent(review.complaint.review)} complaints; amber from ${percent(review.bounce.warning)} and `,
        `${percent(review.complaint.warning)}.`,
      ),
    );
    if (active.length > 0) {
      container.append(
        el(
          "div",
          // Scrolls sideways on a phone: focusable, so a keyboard can scroll it too.
          { className: "table-scroll", tabindex: "0", role: "region", "aria-label": "Deliverability by customer account" },
          el(
            "table",
            { className: "data-table deliverability" },
            el(
              "thead",
              {},
              el("tr", {}, ["Customer", "Account", "Sent", "Bounce rate", "Complaint rate"].map((h) => el("th", { scope: "col" }, h))),
            ),
            el(
              "tbody",
              {},
              active.map((account) =>
                el(
                  "tr",
                  { dataset: { customer: account.customer } },
                  el("th", { scope: "row" }, account.customerName),
                  el("td", {}, account.account),
                  el("td", {}, String(account.counts.sends)),
                  rateCell(account.bounceRate, account.bounceLevel),
                  rateCell(account.complaintRate, account.complaintLevel),
                ),
              ),
            ),
          ),
        ),
      );
    }
    container.append(
      el("p", { className: "muted" }, `${quiet} customer account${quiet === 1 ? "" : "s"} sent nothing in this period.`),
    );
  } catch (error) {
    clear(container);
    showError(container, `Could not load deliverability: ${error.message}`);
  }
}

/** Administrators: each customer queue's dead letters, with a redrive button per queue. */
export async function showDeadLetters(container, status) {
  loading(container, "Loading dead letters…");
  try {
    const { data } = await get("/admin/dead-letters");
    clear(container);
    if (data.queues.length === 0) {
      container.append(el("p", { className: "muted" }, "No trigger is waiting in any dead-letter queue."));
      return;
    }
    container.append(
      el(
        "ul",
        { className: "item-list" },
        data.queues.map((queue) => {
          const redrive = el("button", { type: "button", className: "btn btn-small" }, "Redrive");
          redrive.addEventListener("click", () =>
            busy(redrive, "Redriving…", async () => {
              try {
                await post(`/admin/dead-letters/${encodeURIComponent(queue.customer)}/redrive`);
                showSuccess(status, `The dead letters of ${queue.customerName} are back in its queue.`);
                await showDeadLetters(container, status);
              } catch (error) {
                showError(status, `Could not redrive: ${error.message}`);
              }
            }),
          );
          return el(
            "li",
            { className: "item", dataset: { customer: queue.customer } },
            el("div", { className: "item-head" }, el("strong", {}, `${queue.customerName}: ${queue.waiting} waiting`), queue.problem ? null : redrive),
            queue.problem ? el("p", { className: "field-error" }, queue.problem) : null,
            el(
              "ul",
              {},
              queue.letters.map((letter) =>
                el("li", {}, `${letter.objectId || "?"} · ${letter.event || "trigger gone"} · ${letter.lastError || "no error recorded"}`),
              ),
            ),
          );
        }),
      ),
    );
  } catch (error) {
    clear(container);
    showError(container, `Could not load the dead letters: ${error.message}`);
  }
}
