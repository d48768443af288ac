// One way to show what is wrong with a form, for every form: each problem's message in its field's error slot,
// its controls marked invalid and described by the message, the first one focused; a message goes away as soon
// as its field is put right. Forms declare what they require; `check` runs those rules.
import { errorId } from "./fields.js";

export const FIX_THE_MARKED_FIELDS = "Some fields need your attention; they are marked below.";

function describedBy(control) {
  return new Set((control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
}

/**
 * The problems display of `form`. `targets[key]()` lists the controls an error marks; by default the element
 * whose id is the key.
 */
export function problemDisplay(form, targets = {}) {
  const controlsOf = (key) => {
    if (targets[key]) return targets[key]();
    const own = form.querySelector(`#${CSS.escape(key)}`);
    return own ? [own] : [];
  };
  const slotOf = (key) => form.querySelector(`#${CSS.escape(errorId(key))}`);

  function show(key, message) {
    const slot = slotOf(key);
    if (!slot) return false;
    slot.textContent = message;
    slot.hidden = false;
    for (const control of controlsOf(key)) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", [...describedBy(control).add(errorId(key))].join(" "));
    }
    return true;
  }

  function clear(key) {
    const slot = slotOf(key);
    if (slot) {
      slot.textContent = "";
      slot.hidden = true;
    }
    for (const control of controlsOf(key)) {
      control.removeAttribute("aria-invalid");
      const rest = [...describedBy(control)].filter((id) => id !== errorId(key));
      if (rest.length) control.setAttribute("aria-describedby", rest.join(" "));
      else control.removeAttribute("aria-describedby");
    }
  }

  function clearAll() {
    for (const slot of form.querySelectorAll(".field-error")) clear(slot.id.replace(/-error$/, ""));
  }

  function focusFirst() {
    const first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }

  /** `[key, message]` pairs, the first message of each key shown; true when there were none. */
  function showAll(problems) {
    clearAll();
    const shown = new Set();
    for (const [key, message] of problems) {
      if (!shown.has(key)) show(key, message);
      shown.add(key);
    }
    focusFirst();
    return problems.length === 0;
  }

  /** The API's 422 problems ({field, message}), `aliases` naming the key that shows a field; the rest is returned. */
  function showApiProblems(problems, aliases = {}) {
    clearAll();
    const unplaced = [];
    for (const problem of problems || []) {
      const raw = String(problem.field || "").split(/[.[]/)[0];
      const key = aliases[raw] || raw;
      if (!show(key, problem.message)) unplaced.push(problem);
    }
    focusFirst();
    return unplaced;
  }

  return { show, clear, clearAll, focusFirst, showAll, showApiProblems };
}

/**
 * A rule of a form: `ok()` says whether error `key` is absent, `message` says what to do otherwise, `controls()`
 * are where the user puts it right. `draft: true` rules hold for drafts too; the others only for a submission.
 */
export function rule(key, controls, ok, message, { draft = false } = {}) {
  return { key, controls, ok, message, draft };
}

/** Check `rules` (a submission's, or a draft's with `complete: false`) and show every broken one; true if none. */
export function check(display, rules, { complete = true } = {}) {
  const broken = rules.filter((each) => (complete || each.draft) && !each.ok());
  return display.showAll(broken.map((each) => [each.key, each.message]));
}

/** Take a key's message away as soon as what the user typed or chose satisfies every rule of that key. */
export function clearWhenFixed(display, rules) {
  for (const each of rules) {
    const sameKey = rules.filter((other) => other.key === each.key);
    const recheck = () => {
      if (sameKey.every((other) => other.ok())) display.clear(each.key);
    };
    for (const control of each.controls()) {
      control.addEventListener("input", recheck);
      control.addEventListener("change", recheck);
    }
  }
}
