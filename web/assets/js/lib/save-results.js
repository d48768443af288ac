// What a save answered, shown the same way on every form: where it was stored, or why it was not.
import { el } from "./dom.js";
import { showConflict } from "./conflict.js";
import { showError } from "./messages.js";

/** Where the API wrote an object: one row per customer (and the archive), success or the error. */
export function uploadResults(data, heading) {
  const rows = (data && data.uploadResults) || [];
  const summary = (data && data.summary) || { total: rows.length, successful: rows.filter((row) => row.success).length };
  return el(
    "section",
    { className: "upload-results", "aria-labelledby": "upload-heading" },
    el("h2", { id: "upload-heading" }, heading),
    el("p", {}, `${summary.successful} of ${summary.total} uploads completed.`),
    el(
      "ul",
      { className: "result-list" },
      rows.map((row) =>
        el(
          "li",
          { className: row.success ? "result-ok" : "result-failed" },
          el("span", { "aria-hidden": "true" }, row.success ? "✅ " : "❌ "),
          `${row.customer}: `,
          row.success ? "stored" : `failed (${row.error || "unknown error"})`,
        ),
      ),
    ),
  );
}

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
