// The configured customers (GET /api/customers), fetched once per page, and the choosers built from them.
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

/**
 * "Alpha Retail", "Alpha Retail and Bravo Media", "Alpha Retail, Bravo Media and Charlie Foods"; past `limit`
 * names, "Alpha Retail, Bravo Media, Charlie Foods and 997 more", so a thousand customers stay one line.
 */
export function customerNames(customers, codes, limit = Infinity) {
  const all = codes || [];
  const names = all.slice(0, limit).map((code) => customerName(customers, code));
  const rest = all.length - names.length;
  if (rest > 0) return `${names.join(", ")} and ${rest.toLocaleString("en-US")} more`;
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

export { customerChooser, customerPicker } from "./customer-picker.js";
