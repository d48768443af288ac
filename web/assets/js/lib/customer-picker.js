// The customer picker of the change, announcement and search forms, made for a thousand customers: a combobox
// that filters by code, name, tag or environment, a listbox of the matches (the first SHOWN of them, so the page
// never holds a thousand rows), "Select all matching", a select of tags and environments, and the chosen
// customers as removable chips. Focus stays in the filter box; the arrow keys move through the matches
// (aria-activedescendant) and Enter picks or drops the active one, as the ARIA combobox pattern has it.
import { append, clear, el } from "./dom.js";
import { markActive } from "./listbox.js";
import { countText, customerGroups, matchCustomers, searchText } from "./customer-search.js";

const SHOWN = 50;
const CHIPS = 40;

function optionId(code) {
  return `customer-${code}`;
}

/**
 * A fieldset (id customers-fieldset) whose `selected()` are the chosen codes; it says "change" (bubbling from the
 * fieldset) whenever they change. It takes its size at once and shows the customers when `fill(customers)` brings
 * them, so nothing around it moves. `extra` nodes (a hint, an error slot) go last.
 */
export function customerChooser({ legend = "Customers", required = true, extra = [] } = {}) {
  let customers = [];
  let byCode = new Map();
  let matches = [];
  let active = -1;
  const chosen = new Set();

  const listId = "customers-listbox";
  const countId = "customers-count";
  const filter = el("input", {
    type: "text",
    id: "customers-filter",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    "aria-autocomplete": "list",
    "aria-controls": listId,
    "aria-expanded": "true",
    "aria-describedby": countId,
    placeholder: "Type a code, name, tag or environment",
  });
  const count = el("p", { className: "muted picker-count", id: countId, "aria-live": "polite" }, "Loading the customers…");
  const list = el("ul", {
    className: "customers-listbox",
    id: listId,
    role: "listbox",
    "aria-multiselectable": "true",
    "aria-label": "Matching customers",
  });
  const more = el("p", { className: "muted picker-more" });
  const matching = el("button", { type: "button", className: "btn btn-small", id: "customers-select-matching" }, "Select all matching");
  const none = el("button", { type: "button", className: "btn btn-small", id: "customers-clear" }, "Clear all");
  const groups = el("select", { id: "customers-group" }, el("option", { value: "" }, "Add a tag or environment…"));
  const chips = el("ul", { className: "chips customer-chips", id: "customers-chips", "aria-label": "Selected customers" });
  const fieldset = el(
    "fieldset",
    { className: "customer-picker", id: "customers-fieldset" },
    el("legend", {}, legend, required ? el("span", { className: "required", "aria-hidden": "true" }, " *") : null),
    el("label", { for: "customers-filter", className: "picker-label" }, "Find customers"),
    el("div", { className: "picker-tools" }, filter, matching),
    el(
      "div",
      { className: "picker-tools" },
      el("label", { className: "visually-hidden", for: "customers-group" }, "Add every customer of a tag or environment"),
      groups,
      none,
    ),
    count,
    list,
    more,
    el("div", { className: "customer-selection" }, chips),
    extra,
  );

  const changed = () => fieldset.dispatchEvent(new Event("change", { bubbles: true }));

  function setActive(index) {
    active = markActive(list, filter, index);
  }

  function option(customer) {
    const tags = [customer.environment && customer.environment !== "prod" ? customer.environment : null, ...(customer.tags || [])];
    return el(
      "li",
      {
        role: "option",
        id: optionId(customer.code),
        className: "customer-option",
        "aria-selected": chosen.has(customer.code) ? "true" : "false",
        dataset: { code: customer.code },
      },
      el("span", { className: "option-name" }, customer.name),
      el("span", { className: "muted" }, ` (${customer.code})`),
      tags.filter(Boolean).map((tag) => el("span", { className: tag === customer.environment ? "chip chip-env" : "chip" }, tag)),
    );
  }

  function renderList() {
    matches = matchCustomers(customers, filter.value);
    const shown = matches.slice(0, SHOWN);
    clear(list).append(...shown.map(option));
    const empty = customers.length > 0 && matches.length === 0;
    list.hidden = empty;
    filter.setAttribute("aria-expanded", empty ? "false" : "true");
    more.textContent = empty
      ? "No customer matches. Try part of a code, a name or a tag."
      : matches.length > SHOWN
        ? `Showing the first ${SHOWN} of ${matches.length.toLocaleString("en-US")} matches: type more to narrow them.`
        : "";
    matching.textContent = `Select all ${matches.length.toLocaleString("en-US")} matching`;
    matching.disabled = matches.length === 0;
    setActive(active < 0 ? -1 : 0);
  }

  function renderSelection() {
    const codes = [...chosen].sort();
    for (const node of list.querySelectorAll('[role="option"]')) {
      node.setAttribute("aria-selected", chosen.has(node.dataset.code) ? "true" : "false");
    }
    append(clear(chips), [
      codes.slice(0, CHIPS).map((code) => {
        const name = byCode.get(code)?.name || code;
        return el(
          "li",
          { className: "chip chip-removable" },
          el("span", { title: name }, code),
          el(
            "button",
            { type: "button", className: "chip-remove", "aria-label": `Remove ${name} (${code})`, dataset: { code } },
            "×",
          ),
        );
      }),
      codes.length > CHIPS ? el("li", { className: "chip chip-more" }, `+${(codes.length - CHIPS).toLocaleString("en-US")} more`) : null,
    ]);
    count.textContent = customers.length ? countText(codes.length, matches.length, customers.length) : count.textContent;
  }

  function toggle(code) {
    if (chosen.has(code)) chosen.delete(code);
    else chosen.add(code);
    renderSelection();
    changed();
  }

  function addAll(codes) {
    for (const code of codes) chosen.add(code);
    renderSelection();
    changed();
  }

  filter.addEventListener("input", () => {
    active = -1;
    renderList();
    renderSelection();
  });
  filter.addEventListener("keydown", (event) => {
    const options = list.querySelectorAll('[role="option"]');
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setActive(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive(active - 1);
    } else if (event.key === "Enter") {
      event.preventDefault(); // Enter picks a customer here; it never submits the form
      if (active >= 0 && options[active]) toggle(options[active].dataset.code);
      else if (options.length === 1) toggle(options[0].dataset.code);
    } else if (event.key === "Escape" && filter.value) {
      event.preventDefault();
      filter.value = "";
      active = -1;
      renderList();
      renderSelection();
    }
  });
  // A press on an option keeps the focus in the filter, where the keys work, and picks or drops it.
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const node = event.target.closest('[role="option"]');
    if (!node) return;
    toggle(node.dataset.code);
    setActive([...list.querySelectorAll('[role="option"]')].indexOf(node));
    filter.focus();
  });
  matching.addEventListener("click", () => addAll(matches.map((customer) => customer.code)));
  none.addEventListener("click", () => {
    chosen.clear();
    renderSelection();
    changed();
  });
  groups.addEventListener("change", (event) => {
    event.stopPropagation(); // the picker says "change" itself, once the customers are added
    const group = groups.selectedOptions[0];
    groups.value = "";
    if (group && group.value) addAll(group.dataset.codes.split(" "));
  });
  chips.addEventListener("click", (event) => {
    const button = event.target.closest(".chip-remove");
    if (!button) return;
    const buttons = [...chips.querySelectorAll(".chip-remove")];
    const index = buttons.indexOf(button);
    toggle(button.dataset.code);
    // The focus goes to the chip that took the removed one's place, or back to the filter when none is left.
    const next = chips.querySelectorAll(".chip-remove")[Math.min(index, buttons.length - 2)];
    (next || filter).focus();
  });
  filter.addEventListener("change", (event) => event.stopPropagation()); // typing is no change of the selection

  /** Choose exactly `codes` (or add them, `additive`); returns the codes no customer has. */
  function choose(codes, { additive = false } = {}) {
    if (!additive) chosen.clear();
    const unknown = [];
    for (const code of codes || []) {
      if (byCode.has(code)) chosen.add(code);
      else unknown.push(code);
    }
    renderSelection();
    return unknown;
  }

  return {
    fieldset,
    /** The controls a problem with the customers marks. */
    boxes: () => [filter],
    fill(loaded) {
      customers = loaded.map((customer) => ({ ...customer, search: searchText(customer) }));
      byCode = new Map(customers.map((customer) => [customer.code, customer]));
      for (const code of [...chosen]) if (!byCode.has(code)) chosen.delete(code);
      const { environments, tags } = customerGroups(customers);
      const optionsOf = (list) => list.map((group) => el("option", { value: group.key, dataset: { codes: group.codes.join(" ") } }, group.label));
      append(clear(groups), [
        el("option", { value: "" }, "Add a tag or environment…"),
        environments.length ? el("optgroup", { label: "Environments" }, optionsOf(environments)) : null,
        tags.length ? el("optgroup", { label: "Tags" }, optionsOf(tags)) : null,
      ]);
      renderList();
      renderSelection();
    },
    choose,
    selected: () => [...chosen].sort(),
    reset() {
      filter.value = "";
      active = -1;
      renderList();
      choose([]);
    },
  };
}

/** A chooser filled at once with `customers`, `selected` chosen (the search page's). */
export function customerPicker(customers, selected = [], options = {}) {
  const chooser = customerChooser(options);
  chooser.fill(customers);
  chooser.choose(selected);
  return chooser;
}
