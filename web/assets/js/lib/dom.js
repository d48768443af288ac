// Building DOM nodes from data. User text only ever becomes text nodes or attribute values, never markup.

/**
 * el("a", {href: "x", className: "btn", dataset: {id: "1"}, on: {click: fn}}, "text", childNode, [more])
 * Attributes named on* are refused: handlers go through `on`, so the CSP never meets an inline handler.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (name === "className") {
      node.className = value;
    } else if (name.startsWith("on")) {
      throw new Error(`el(): use {on: {...}} instead of the attribute ${name}`);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  return node;
}

export function query(name) {
  return new URLSearchParams(window.location.search).get(name);
}

/** A form's named controls as an object: checkboxes of one name become a list of checked values. */
export function formValues(form) {
  const values = {};
  for (const control of form.elements) {
    if (!control.name || control.disabled) continue;
    if (control.type === "checkbox") {
      const many = form.querySelectorAll(`input[type=checkbox][name="${control.name}"]`).length > 1;
      if (many) {
        values[control.name] = values[control.name] || [];
        if (control.checked) values[control.name].push(control.value);
      } else {
        values[control.name] = control.checked;
      }
    } else if (control.type === "radio") {
      if (control.checked) values[control.name] = control.value;
    } else if (control.tagName === "SELECT" && control.multiple) {
      values[control.name] = [...control.selectedOptions].map((option) => option.value);
    } else {
      values[control.name] = control.value;
    }
  }
  return values;
}

/** Initials-free display name: "jane.doe@example.com" -> "jane doe". */
export function personName(email) {
  if (!email) return "unknown";
  return String(email).split("@")[0].replace(/[._]+/g, " ");
}

export function debounce(fn, milliseconds = 250) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), milliseconds);
  };
}
