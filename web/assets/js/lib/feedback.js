// Customers' ratings after completion: per customer in an object's details, and the dashboard's 90 days.
import { collectionOf, get } from "./api.js";
import { el } from "./dom.js";
import { formatInstant } from "./time.js";

const RATINGS = ["1", "2", "3", "4", "5"];

function average(summary) {
  return summary.average === null ? "–" : summary.average.toFixed(2);
}

function distribution(summary) {
  const total = Math.max(1, summary.count);
  return el(
    "ol",
    { className: "rating-bars", "aria-label": `Ratings from ${summary.customerName}` },
    RATINGS.map((rating) => {
      const count = summary.distribution[rating] || 0;
      // The bar's length is a class per tenth (no style attributes under the strict CSP).
      const tenth = Math.round((count / total) * 10);
      return el(
        "li",
        {},
        el("span", { className: "rating-label" }, rating),
        el("span", { className: `rating-bar tenth-${tenth}`, "aria-hidden": "true" }),
        el("span", { className: "rating-count" }, `${count}`),
      );
    }),
  );
}

function commentItem(comment, withTitle) {
  return el(
    "li",
    { className: "feedback-comment" },
    el("p", { className: "feedback-comment-text" }, comment.comment),
    el(
      "p",
      { className: "muted" },
      `${comment.rating} of 5 · `,
      withTitle ? `${comment.title} (${comment.objectId}) · ` : "",
      el("time", { datetime: comment.answeredAt }, formatInstant(comment.answeredAt)),
    ),
  );
}

function customerBlock(summary, withTitles, heading = "h4") {
  return el(
    "div",
    { className: "feedback-customer", dataset: { customer: summary.customer } },
    el(heading, {}, `${summary.customerName}: ${average(summary)} average of ${summary.count} answer${summary.count === 1 ? "" : "s"}`),
    distribution(summary),
    summary.comments.length
      ? el("ul", { className: "feedback-comments" }, summary.comments.map((comment) => commentItem(comment, withTitles)))
      : null,
  );
}

/** The details dialog's "Customer feedback": fills itself once read; hidden when nobody answered or when the
 *  reader may not see it (only the creator, approvers and admins may). */
export function feedbackSection(id) {
  const section = el("section", { className: "detail-section feedback", hidden: true, dataset: { feedbackOf: id } });
  get(`${collectionOf(id)}/${encodeURIComponent(id)}/feedback`)
    .then(({ data }) => {
      if (!data.customers.length) return;
      section.append(el("h3", {}, "Customer feedback"), ...data.customers.map((summary) => customerBlock(summary, false)));
      section.hidden = false;
    })
    .catch(() => {
      // Not the reader's to see, or not readable now: the details are whole without it.
    });
  return section;
}

/** The dashboard's panel: each customer's average over the last 90 days and its latest comments. */
export async function fillFeedbackPanel(panel) {
  let data;
  try {
    ({ data } = await get("/reports/feedback"));
  } catch {
    return; // approvers and admins only: everyone else never sees the panel
  }
  const body = panel.querySelector(".feedback-panel-body");
  if (data.customers.length) {
    body.replaceChildren(...data.customers.map((summary) => customerBlock(summary, true, "h3")));
  } else {
    body.replaceChildren(el("p", { className: "muted" }, `No ratings in the last ${data.days} days.`));
  }
  panel.hidden = false;
}
