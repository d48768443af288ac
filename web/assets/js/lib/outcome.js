// How a completed change ended: the words for each outcome, and the question asked when completing one.
import { el } from "./dom.js";
import { openDialog } from "./modal.js";

export const OUTCOME_WORDS = {
  successful: "Successful",
  successful_with_issues: "Successful with issues",
  rolled_back: "Rolled back",
  failed: "Failed",
};

/**
 * Ask how the change ended. Resolves to {outcome, note}, or null when the user closed the dialog. A note is
 * required unless the change was successful, as the API requires it.
 */
export function askOutcome(title) {
  return new Promise((resolve) => {
    let answer = null;
    const name = `outcome-${Date.now()}`;
    const choices = Object.entries(OUTCOME_WORDS).map(([value, words], index) =>
      el(
        "label",
        { className: "choice" },
        el("input", { type: "radio", name, value, checked: index === 0 }),
        ` ${words}`,
      ),
    );
    const noteId = `${name}-note`;
    const note = el("textarea", { id: noteId, rows: 3, maxlength: 2000, className: "outcome-note" });
    const problem = el("p", { className: "field-error", role: "alert", hidden: true });
    const body = el(
      "div",
      {},
      el("p", {}, `${title}: how did it go? Subscribers are told the outcome.`),
      el("fieldset", { className: "outcome-choices" }, el("legend", {}, "Outcome"), ...choices),
      el("label", { for: noteId }, "Note (required unless successful)"),
      note,
      problem,
    );
    const confirm = el("button", { type: "button", className: "btn btn-primary" }, "Complete");
    const back = el("button", { type: "button", className: "btn" }, "Keep it open");
    const dialog = openDialog({ title: "Complete the change", body, actions: [back, confirm], onClose: () => resolve(answer) });
    confirm.addEventListener("click", () => {
      const outcome = body.querySelector(`input[name="${name}"]:checked`).value;
      const text = note.value.trim();
      if (outcome !== "successful" && !text) {
        problem.textContent = `Say what happened: a note is required when the outcome is ${OUTCOME_WORDS[outcome].toLowerCase()}.`;
        problem.hidden = false;
        note.focus();
        return;
      }
      answer = { outcome, note: text };
      dialog.close();
    });
    back.addEventListener("click", () => dialog.close());
  });
}
