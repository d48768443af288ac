// Why a save did not happen, shown the same way on every form.
import { showConflict } from "./conflict.js";
import { showError } from "./messages.js";

/**
 * A failed save: a 412 shows who changed the object first (`onReload` reloads it), a 422 marks the fields the
 * form `controller` knows and lists the rest, anything else is one message. `failure` says what did not happen
 * ("The change was not submitted").
 */
export function showSaveError(status, controller, error, failure, onReload = () => window.location.reload()) {
  if (error.isConflict) {
    showConflict(status, error, onReload);
    return;
  }
  const problems = error.body && Array.isArray(error.body.problems) ? error.body.problems : [];
  if (error.status === 422 && problems.length) {
    const unplaced = controller.showProblems(problems);
    const rest = unplaced.map((problem) => `${problem.field}: ${problem.message}`).join("; ");
    showError(status, `${failure}: correct the marked fields.${rest ? ` ${rest}` : ""}`);
    return;
  }
  showError(status, `${failure}: ${error.message}`);
}
