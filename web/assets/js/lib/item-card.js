// The card of a change or an announcement in a list: its title (which opens the details), its status, a line of
// facts, what else the list shows of it, and the buttons of what may be done with it.
import { el } from "./dom.js";
import { normalStatus, statusBadge } from "./status.js";

/**
 * `facts`: strings or nodes for the line under the title (nulls skipped); `extra`: nodes under that line;
 * `buttons`: links and buttons (nested lists and nulls allowed); `className` is added to "item".
 */
export function itemCard(item, { onOpen, facts = [], extra = [], buttons = [], className = "" }) {
  const title = el("button", { type: "button", className: "linklike item-title" }, item.title || item.id);
  title.addEventListener("click", () => onOpen(item.id));
  const actions = buttons.flat(Infinity).filter(Boolean);
  return el(
    "li",
    { className: ["item", className].filter(Boolean).join(" "), dataset: { id: item.id, status: normalStatus(item.status) } },
    el("div", { className: "item-head" }, title, statusBadge(item.status)),
    el(
      "div",
      { className: "item-meta" },
      facts.filter(Boolean).map((fact) => (fact instanceof Node ? fact : el("span", {}, fact))),
    ),
    extra,
    actions.length ? el("div", { className: "button-row" }, actions) : null,
  );
}
