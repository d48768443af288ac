// A filter by one customer among a thousand (the approvals and calendar pages): the page's text box becomes an
// editable combobox whose pop-up lists the first SHOWN customers that the typed words match (code, name,
// environment or tag, as the customer picker matches them), and "All customers" first while nothing is typed. The arrow keys move through the pop-up
// (aria-activedescendant), Enter or a click chooses, Escape closes it and puts the choice back in the box; a box
// left empty means every customer. The pop-up floats over the page, so opening it moves nothing.
import { clear, el } from "./dom.js";
import { markActive } from "./listbox.js";
import { matchCustomers, searchText } from "./customer-search.js";

const SHOWN = 50;
const ALL = "";

function optionId(box, code) {
  return code === ALL ? `${box.id}-all` : `${box.id}-option-${code}`;
}

/** "Alpha Retail (alpha)", as the old select's options named a customer. */
export function customerLabel(customer) {
  return `${customer.name} (${customer.code})`;
}

/**
 * Wire the combobox `box` (an `<input>` in the page's HTML, inside a `.combo` wrapper, with `hiddenValue` beside it
 * for the chosen code). `onChange(code)` runs when the choice changes by the user's hand ("" for all customers).
 * Returns `{value, set, fill}`: `fill(customers)` gives the choices, `set(code)` chooses without telling.
 */
export function customerFilter(box, hiddenValue, { onChange = () => {} } = {}) {
  let customers = [];
  let filled = false;
  let byCode = new Map();
  let chosen = ALL;
  let shown = [];
  let active = -1;

  const listId = `${box.id}-listbox`;
  const noteId = `${box.id}-note`;
  const list = el("ul", { className: "combo-listbox", id: listId, role: "listbox", "aria-label": "Customers" });
  const note = el("p", { className: "muted combo-note", id: noteId });
  const popup = el("div", { className: "combo-popup", hidden: true }, list, note);
  // Read out as the matches change; the pop-up's own note may be gone when the list is closed.
  const heard = el("p", { className: "visually-hidden", "aria-live": "polite" });
  box.after(popup, heard);
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", listId);
  box.setAttribute("aria-expanded", "false");
  box.setAttribute("aria-describedby", noteId);
  box.autocomplete = "off";

  function labelOf(code) {
    const customer = byCode.get(code);
    return customer ? customerLabel(customer) : `${String(code).toUpperCase()} (${code})`;
  }

  function showChoice() {
    box.value = chosen === ALL ? "" : labelOf(chosen);
    hiddenValue.value = chosen;
  }

  /** Whether words were typed: the box holds neither nothing nor the choice's own label. */
  function filtering() {
    const text = box.value.trim();
    return Boolean(text) && !(chosen !== ALL && text === labelOf(chosen));
  }

  function option(code, text, extra = null) {
    return el(
      "li",
      {
        role: "option",
        id: optionId(box, code),
        className: "combo-option",
        "aria-selected": code === chosen ? "true" : "false",
        dataset: { code },
      },
      el("span", { className: "option-name" }, text),
      extra,
    );
  }

  function setActive(index) {
    active = markActive(list, box, index);
  }

  /** What the list says under its options: how many match, or why there are none. */
  function noteText(matches, typed) {
    const total = customers.length.toLocaleString("en-US");
    const count = matches.length.toLocaleString("en-US");
    if (!filled) return "Loading the customers…";
    if (matches.length === 0) return typed ? "No customer matches. Try part of a code, a name or a tag." : "";
    if (matches.length > SHOWN) return `Showing ${SHOWN} of ${count} customers: type more to narrow them.`;
    return matches.length === customers.length ? `${total} customers.` : `${count} of ${total} customers match.`;
  }

  function render() {
    const typed = filtering();
    const matches = typed ? matchCustomers(customers, box.value) : customers;
    shown = matches.slice(0, SHOWN);
    clear(list).append(
      ...(typed ? [] : [option(ALL, "All customers")]),
      ...shown.map((customer) => option(customer.code, customer.name, el("span", { className: "muted" }, ` (${customer.code})`))),
    );
    list.hidden = list.children.length === 0; // an empty listbox is no list; the note says why
    note.textContent = noteText(matches, typed);
    heard.textContent = note.textContent;
    setActive(active);
  }

  function open() {
    if (!popup.hidden) return;
    popup.hidden = false;
    box.setAttribute("aria-expanded", "true");
    active = -1;
    render();
  }

  function close() {
    popup.hidden = true;
    box.setAttribute("aria-expanded", "false");
    setActive(-1);
    heard.textContent = "";
  }

  function choose(code) {
    const before = chosen;
    chosen = code;
    close();
    showChoice();
    if (code !== before) onChange(code);
  }

  box.addEventListener("focus", () => box.select());
  box.addEventListener("click", open);
  box.addEventListener("input", () => {
    if (popup.hidden) {
      popup.hidden = false;
      box.setAttribute("aria-expanded", "true");
    }
    active = -1;
    render();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const wasClosed = popup.hidden;
      open();
      const options = [...list.querySelectorAll('[role="option"]')];
      // Opened by the keys, the list starts at the current choice; open, the keys go round it.
      if (wasClosed) setActive(Math.max(0, options.findIndex((node) => node.dataset.code === chosen)));
      else if (event.key === "ArrowDown") setActive(active + 1 < options.length ? active + 1 : 0);
      else setActive(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      event.preventDefault(); // the filter's form is never sent
      const options = list.querySelectorAll('[role="option"]');
      if (!popup.hidden && active >= 0) choose(options[active].dataset.code);
      else if (!box.value.trim()) choose(ALL);
      else if (!popup.hidden && shown.length === 1) choose(shown[0].code);
      else open();
    } else if (event.key === "Escape" && !popup.hidden) {
      event.preventDefault();
      close();
      showChoice();
    }
  });
  // Leaving the box: an emptied box means every customer; half-typed words give way to the choice again.
  box.addEventListener("blur", () => {
    if (!box.value.trim() && chosen !== ALL) choose(ALL);
    else {
      close();
      showChoice();
    }
  });
  // A press in the pop-up keeps the focus in the box, where the keys work.
  popup.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const node = event.target.closest('[role="option"]');
    if (node) choose(node.dataset.code);
  });

  return {
    /** The chosen customer's code, "" for all. */
    value: () => chosen,
    set(code) {
      chosen = code || ALL;
      showChoice();
    },
    fill(loaded) {
      customers = loaded.map((customer) => ({ ...customer, search: searchText(customer) }));
      filled = true;
      byCode = new Map(customers.map((customer) => [customer.code, customer]));
      showChoice();
      if (!popup.hidden) render();
    },
  };
}
