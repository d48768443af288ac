// Labelled form controls, each with its hint and a slot for its error, built the same way in every form.
import { el } from "../dom.js";

export const hintId = (id) => `${id}-hint`;
export const errorId = (key) => `${key}-error`;

/** Where the message of error `key` goes (hidden while there is none). */
export function errorSlot(key) {
  return el("p", { className: "field-error", id: errorId(key), hidden: true });
}

export function requiredMark() {
  return el("span", { className: "required", "aria-hidden": "true" }, " *");
}

export function input(id, type, attributes = {}) {
  return el("input", { type, id, name: id, ...attributes });
}

export function textArea(id, attributes = {}) {
  return el("textarea", { id, name: id, rows: 4, ...attributes });
}

export function select(id, options) {
  return el(
    "select",
    { id, name: id },
    options.map(([value, label]) => el("option", { value }, label)),
  );
}

/**
 * A labelled control with its hint and its error slot. Controls that share one message (a date and a time) name
 * the same `errorKey`, and the slot is placed once, after them.
 */
export function field(control, label, { required = false, hint = "", errorKey = control.id } = {}) {
  if (required) control.required = true;
  if (hint) control.setAttribute("aria-describedby", hintId(control.id));
  return el(
    "div",
    { className: "field" },
    el("label", { for: control.id }, label, required ? requiredMark() : null),
    control,
    hint ? el("p", { className: "hint", id: hintId(control.id) }, hint) : null,
    errorKey === control.id ? errorSlot(errorKey) : null,
  );
}

/** A fieldset with its legend; `children` may hold nulls. */
export function group(legend, children, attributes = {}) {
  return el("fieldset", attributes, el("legend", {}, legend), children);
}
