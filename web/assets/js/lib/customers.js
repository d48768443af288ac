// The configured customers (GET /api/customers), fetched once per page, and the choosers built from them.
import { get } from "./api.js";
import { clear, el } from "./dom.js";

let loaded = null;

export function loadCustomers() {
  if (!loaded) loaded = get("/customers").then(({ data }) => data.customers || []);
  return loaded;
}

export function customerName(customers, code) {
  const found = customers.find((customer) => customer.code === code);
  return found ? found.name : String(code).toUpperCase();
}

/** "Alpha Retail", "Alpha Retail and Bravo Media", "Alpha Retail, Bravo Media and Charlie Foods". */
export function customerNames(customers, codes) {
  const names = (codes || []).map((code) => customerName(customers, code));
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names.join("");
}

export function customerChips(customers, codes, limit = 6) {
  const shown = (codes || []).slice(0, limit);
  const more = (codes || []).length - shown.length;
  return el(
    "ul",
    { className: "chips", "aria-label": "Customers" },
    shown.map((code) => el("li", { className: "chip", title: customerName(customers, code) }, code)),
    more > 0 ? el("li", { className: "chip chip-more" }, `+${more} more`) : null,
  );
}

function option(customer) {
  return el(
    "label",
    { className: "customer-option", dataset: { search: `${customer.code} ${customer.name}`.toLowerCase() } },
    el("input", { type: "checkbox", name: "customers", value: customer.code, id: `customer-${customer.code}` }),
    el("span", {}, customer.name),
    el("span", { className: "muted" }, ` (${customer.code})`),
    customer.environment && customer.environment !== "prod"
      ? el("span", { className: "chip chip-env" }, customer.environment)
      : null,
  );
}

/**
 * A fieldset of customer checkboxes (name="customers", id customer-<code>) with a filter box, Select all and Clear
 * all. It takes its full size at once and shows the customers when `fill(customers)` brings them, so nothing
 * around it moves. `extra` nodes (a hint, an error slot) go after the list.
 */
export function customerChooser({ legend = "Customers", required = true, extra = [] } = {}) {
  const filter = el("input", { type: "search", id: "customer-filter", placeholder: "Filter customers" });
  const count = el("span", { className: "muted", "aria-live": "polite" }, "0 selected");
  const grid = el("div", { className: "customer-grid" }, el("p", { className: "muted" }, "Loading the customers…"));
  const boxes = () => [...grid.querySelectorAll('input[name="customers"]')];
  const update = () => {
    count.textContent = `${boxes().filter((box) => box.checked).length} selected`;
  };
  const setAll = (value) => {
    for (const box of boxes()) if (!box.closest(".customer-option").hidden) box.checked = value;
    update();
    grid.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const all = el("button", { type: "button", className: "btn btn-small", on: { click: () => setAll(true) } }, "Select all");
  const none = el("button", { type: "button", className: "btn btn-small", on: { click: () => setAll(false) } }, "Clear all");
  filter.addEventListener("input", () => {
    const text = filter.value.trim().toLowerCase();
    for (const label of grid.querySelectorAll(".customer-option")) {
      label.hidden = Boolean(text) && !label.dataset.search.includes(text);
    }
  });
  grid.addEventListener("change", update);
  const fieldset = el(
    "fieldset",
    { className: "customer-picker", id: "customers-fieldset" },
    el("legend", {}, legend, required ? el("span", { className: "required", "aria-hidden": "true" }, " *") : null),
    el(
      "div",
      { className: "picker-tools" },
      el("label", { className: "visually-hidden", for: "customer-filter" }, "Filter customers"),
      filter,
      all,
      none,
      count,
    ),
    grid,
    extra,
  );

  /** Tick exactly `codes` (or add them, `additive`); returns the codes no customer has. */
  function choose(codes, { additive = false } = {}) {
    const wanted = new Set(codes || []);
    for (const box of boxes()) {
      if (wanted.has(box.value)) box.checked = true;
      else if (!additive) box.checked = false;
    }
    update();
    const known = new Set(boxes().map((box) => box.value));
    return [...wanted].filter((code) => !known.has(code));
  }

  return {
    fieldset,
    boxes,
    fill(customers) {
      const chosen = boxes().filter((box) => box.checked).map((box) => box.value);
      clear(grid).append(...customers.map(option));
      choose(chosen);
    },
    choose,
    selected: () => boxes().filter((box) => box.checked).map((box) => box.value).sort(),
    reset() {
      filter.value = "";
      for (const label of grid.querySelectorAll(".customer-option")) label.hidden = false;
      choose([]);
    },
  };
}

/** A chooser filled at once with `customers`, `selected` ticked (the search page's). */
export function customerPicker(customers, selected = [], options = {}) {
  const chooser = customerChooser(options);
  chooser.fill(customers);
  chooser.choose(selected);
  return chooser.fieldset;
}
