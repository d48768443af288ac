// The customers of one item in the details dialog: a few names in a line, and past that the first three, a count
// of the rest and a disclosure that lists every customer in a box of bounded height, with a filter (code, name,
// environment or tag, as the picker matches). The list is drawn when first opened, so a thousand names cost
// nothing until someone asks for them.
import { clear, el } from "./dom.js";
import { customerNames } from "./customers.js";
import { matchCustomers, searchText } from "./customer-search.js";

const ALL_NAMED_UP_TO = 5;
const NAMED = 3;

let rolls = 0;

/** What the dialog's "Customers" field says for `codes`, given the configured `customers`. */
export function customerRoll(customers, codes) {
  const all = codes || [];
  if (all.length <= ALL_NAMED_UP_TO) return customerNames(customers, all);
  const known = new Map(customers.map((customer) => [customer.code, customer]));
  const rows = all.map((code) => known.get(code) || { code, name: code.toUpperCase() });
  const total = all.length.toLocaleString("en-US");
  const id = `customer-roll-${++rolls}`;
  const filter = el("input", { type: "search", id: `${id}-filter`, autocomplete: "off", spellcheck: "false", "aria-controls": `${id}-list` });
  const count = el("p", { className: "muted roll-count", id: `${id}-count`, "aria-live": "polite" });
  filter.setAttribute("aria-describedby", count.id);
  // A scrolling box is reached by the keyboard too (Tab, then the arrow keys scroll it).
  const list = el("ul", { className: "customer-roll", id: `${id}-list`, tabindex: "0", "aria-label": `The ${total} customers` });
  const box = el(
    "details",
    { className: "customer-roll-box" },
    el("summary", {}, `Show all ${total} customers`),
    el("label", { for: filter.id, className: "roll-label" }, "Find a customer"),
    filter,
    count,
    list,
  );
  let searchable = null;
  function draw() {
    searchable ||= rows.map((row) => ({ ...row, search: searchText(row) }));
    const matches = matchCustomers(searchable, filter.value);
    clear(list).append(...matches.map((row) => el("li", { dataset: { code: row.code } }, `${row.name} (${row.code})`)));
    count.textContent = filter.value.trim() ? `${matches.length.toLocaleString("en-US")} of ${total} customers match.` : `${total} customers.`;
  }
  box.addEventListener("toggle", () => {
    if (box.open && !searchable) draw();
  });
  filter.addEventListener("input", draw);
  // Escape in the filter empties it; the dialog closes on a second Escape, as a search box does elsewhere.
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && filter.value) {
      event.preventDefault();
      filter.value = "";
      draw();
    }
  });
  return [el("span", { className: "roll-names" }, customerNames(customers, all, NAMED)), box];
}
