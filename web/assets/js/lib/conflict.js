// A 412 from the API: someone else saved first. Say who and when, keep the user's edits on screen, offer reload.
import { clear, el, personName } from "./dom.js";
import { formatInstant } from "./time.js";

export function conflictMessage(error) {
  const body = error.body || {};
  const who = body.modifiedBy ? personName(body.modifiedBy) : "someone else";
  const when = body.modifiedAt ? ` on ${formatInstant(body.modifiedAt)}` : "";
  const version = body.currentVersion ? ` (now version ${body.currentVersion})` : "";
  return `This was changed by ${who}${when}${version} after you opened it. Your changes were not saved.`;
}

export function showConflict(container, error, onReload) {
  clear(container);
  const reload = el("button", { type: "button", className: "btn btn-primary" }, "Reload the latest version");
  reload.addEventListener("click", onReload);
  container.append(
    el(
      "div",
      { className: "message message-warning conflict", role: "alert" },
      el("strong", {}, "Changed by someone else. "),
      el("span", { className: "message-text" }, conflictMessage(error)),
      el("span", {}, " Copy anything you want to keep, then reload and apply it again."),
      el("div", { className: "conflict-actions" }, reload),
    ),
  );
  container.scrollIntoView({ block: "nearest" });
}
