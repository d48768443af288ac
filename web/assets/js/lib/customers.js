// The configured customers (GET /api/customers), fetched once per page, and the pickers built from them.
import { get } from "./api.js";
import { el } from "./dom.js";

let loaded = null;

export function loadCustomers() {
  if (!loaded) loaded = get("/customers").then(({ data }) => data.customers || []);
  return loaded;
}

export function customerName(customers, code) {
  const found = customers.find((customer) => customer.code === code);
  return found ? found.name : String(code).toUpperCase();
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

/**
 * A fieldset of customer checkboxes (name="customers", id customer-<code>) with Select all / Clear all and a
 * filter box, for forms. `selected` codes start ticked.
 */
export function customerPicker(customers, selected = [], { legend = "Customers", required = true } = {}) {
  const chosen = new Set(selected);
  const boxes = customers.map((customer) =>
    el(
      "label",
      { className: "customer-option", dataset: { search: `${customer.code} ${customer.name}`.toLowerCase() } },
      el("input", {
        type: "checkbox",
        name: "customers",
        value: customer.code,
        id: `customer-${customer.code}`,
        checked: chosen.has(customer.code),
      }),
      el("span", {}, customer.name),
      el("span", { className: "muted" }, ` (${customer.code})`),
      customer.environment && customer.environment !== "prod"
        ? el("span", { className: "chip chip-env" }, customer.environment)
        : null,
    ),
  );
  const filter = el("input", { type: "search", id: "customer-filter", placeholder: "Filter customers" });
  const count = el("span", { className: "muted", "aria-live": "polite" });
  const grid = el("div", { className: "customer-grid" }, boxes);
  const update = () => {
    const n = grid.querySelectorAll("input:checked").length;
    count.textContent = `${n} selected`;
  };
  const all = el("button", { type: "button", className: "btn btn-small" }, "Select all");
  const none = el("button", { type: "button", className: "btn btn-small" }, "Clear all");
  const setAll = (value) => {
    for (const label of boxes) {
      if (!label.hidden) label.querySelector("input").checked = value;
    }
    update();
  };
  all.addEventListener("click", () => setAll(true));
  none.addEventListener("click", () => setAll(false));
  filter.addEventListener("input", () => {
    const text = filter.value.trim().toLowerCase();
    for (const label of boxes) label.hidden = Boolean(text) && !label.dataset.search.includes(text);
  });
  grid.addEventListener("change", update);
  update();
  return el(
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
  );
}

export function selectedCustomers(form) {
  return [...form.querySelectorAll('input[name="customers"]:checked')].map((box) => box.value).sort();
}
