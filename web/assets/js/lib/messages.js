// Messages in a page's status area: polite for news, assertive for errors, dismissible, success fades.
import { clear, el } from "./dom.js";

const ICONS = { success: "✅", error: "❌", warning: "⚠️", info: "ℹ️" };

/** A message box of `type` with a Dismiss button; `onDismiss` runs when the user closes it. */
export function messageNode(type, text, { onDismiss } = {}) {
  const dismiss = el("button", { type: "button", className: "message-close", "aria-label": "Dismiss message" }, "×");
  const message = el(
    "div",
    { className: `message message-${type}`, role: type === "error" ? "alert" : "status" },
    el("span", { className: "message-icon", "aria-hidden": "true" }, ICONS[type] || ""),
    el("span", { className: "message-text" }, text),
    dismiss,
  );
  dismiss.addEventListener("click", () => {
    message.remove();
    if (onDismiss) onDismiss();
  });
  return message;
}

export function showMessage(container, type, text, { sticky = type !== "success", replace = true } = {}) {
  if (replace) clear(container);
  const message = messageNode(type, text);
  container.append(message);
  if (!sticky) setTimeout(() => message.remove(), 5000);
  return message;
}

export const showError = (container, text) => showMessage(container, "error", text);
export const showSuccess = (container, text, options) => showMessage(container, "success", text, options);
export const showInfo = (container, text, options) => showMessage(container, "info", text, options);
export const showWarning = (container, text) => showMessage(container, "warning", text);

export function loading(container, text = "Loading…") {
  clear(container);
  const node = el(
    "div",
    { className: "loading", role: "status", "aria-live": "polite" },
    el("span", { className: "spinner", "aria-hidden": "true" }),
    el("span", {}, text),
  );
  container.append(node);
  return node;
}

/** An empty state that leads somewhere: a link styled as a box, reachable by keyboard. */
export function emptyState(title, text, link) {
  return el(
    "div",
    { className: "empty-state" },
    el("h3", {}, title),
    el("p", {}, text),
    link ? el("a", { className: "btn btn-primary", href: link.href }, link.label) : null,
  );
}

/** Runs `action` with the button disabled and a busy label; the label comes back whatever happens. */
export async function busy(button, label, action) {
  const original = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = label;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = original;
  }
}
