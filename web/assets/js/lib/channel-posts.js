// The attempts to post an object to its customers' Teams, Slack and webhook channels, in its details.
import { collectionOf, get } from "./api.js";
import { el } from "./dom.js";
import { formatInstant } from "./time.js";

const OUTCOMES = { sent: "Sent", retry: "Will be tried again", failed: "Failed for good" };

function answerText(post) {
  if (post.status === null || post.status === undefined) return post.error || "No answer";
  return `HTTP ${post.status}${post.error ? ` (${post.error})` : ""}`;
}

function postLine(post) {
  return el(
    "tr",
    { dataset: { outcome: post.outcome, channel: post.channel } },
    el("td", {}, el("time", { datetime: post.at }, formatInstant(post.at))),
    el("td", {}, `${post.channel} (${post.channelType})`, el("br"), el("small", {}, post.customer)),
    el("td", {}, `${post.event}, v${post.version}, try ${post.attempt}`),
    el("td", {}, OUTCOMES[post.outcome] || post.outcome),
    el("td", {}, answerText(post), post.latencyMs !== null && post.latencyMs !== undefined ? ` · ${post.latencyMs} ms` : ""),
  );
}

/** A section that fills itself once the attempts are read; it stays hidden when there are none. */
export function channelPostsSection(id) {
  const section = el("section", { className: "detail-section channel-posts", hidden: true, dataset: { postsOf: id } });
  get(`${collectionOf(id)}/${encodeURIComponent(id)}/channel-posts`)
    .then(({ data }) => {
      if (!data.posts.length) return;
      section.append(
        el("h3", {}, "Channel posts"),
        el(
          "div",
          // Focusable so that a keyboard can scroll the table sideways on a narrow screen.
          { className: "table-scroll", tabindex: "0", role: "region", "aria-label": "Channel posts" },
          el(
            "table",
            { className: "channel-post-table" },
            el(
              "thead",
              {},
              el("tr", {}, ["Time", "Channel", "Event", "Outcome", "Answer"].map((name) => el("th", { scope: "col" }, name))),
            ),
            el("tbody", {}, data.posts.map(postLine)),
          ),
        ),
      );
      section.hidden = false;
    })
    .catch(() => {
      // The attempts are a troubleshooting aid: without them the details are still whole.
    });
  return section;
}
