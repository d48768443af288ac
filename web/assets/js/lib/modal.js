// Dialogs on the native <dialog>: it traps focus, closes on Escape and restores focus to what opened it.
import { el } from "./dom.js";

export function openDialog({ title, body, actions = [], wide = false, onClose }) {
  const opener = document.activeElement;
  const heading = el("h2", { className: "dialog-title", id: `dialog-title-${Date.now()}` }, title);
  const close = el("button", { type: "button", className: "dialog-close", "aria-label": "Close" }, "×");
  const footer = el("div", { className: "dialog-actions" }, actions);
  const dialog = el(
    "dialog",
    { className: wide ? "dialog dialog-wide" : "dialog", "aria-labelledby": heading.id },
    el("div", { className: "dialog-header" }, heading, close),
    el("div", { className: "dialog-body" }, body),
    actions.length ? footer : null,
  );
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a click on the backdrop
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (onClose) onClose();
    if (opener && typeof opener.focus === "function" && document.contains(opener)) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A yes/no question; resolves true only on the confirming button. */
export function confirmAction(title, text, confirmLabel = "Confirm", danger = false) {
  return new Promise((resolve) => {
    let answer = false;
    const yes = el("button", { type: "button", className: danger ? "btn btn-danger" : "btn btn-primary" }, confirmLabel);
    const no = el("button", { type: "button", className: "btn" }, "Keep it");
    const dialog = openDialog({ title, body: el("p", {}, text), actions: [no, yes], onClose: () => resolve(answer) });
    yes.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    no.addEventListener("click", () => dialog.close());
    no.focus();
  });
}
