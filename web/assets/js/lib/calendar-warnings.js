// What a planned window runs into (GET /api/calendar/conflicts): the freeze windows it meets and the changes it
// overlaps for the same customers. The change form shows them while the user picks; approval cards show them too.
import { get, post } from "./api.js";
import { clear, debounce, el } from "./dom.js";
import { warningSentences } from "./calendar/entries.js";

const LONGEST_QUERY = 6000;

/** The API's answer for `customers` between `start` and `end` (ISO), or null when there is nothing to ask. */
export async function fetchWarnings({ customers, start, end, exclude }) {
  if (!customers || customers.length === 0 || !start || !end || end <= start) return null;
  const codes = customers.join(",");
  // Hundreds of codes pass what an address may hold: then the same question goes in a body.
  const { data } =
    codes.length > LONGEST_QUERY
      ? await post("/calendar/conflicts", { customers, start, end, exclude: exclude || undefined })
      : await get("/calendar/conflicts", { query: { customers: codes, start, end, exclude: exclude || undefined } });
  return data;
}

/** The warnings as a list (null when there are none). */
export function warningList(data) {
  if (!data) return null;
  const { freezes, overlaps } = warningSentences(data);
  if (freezes.length + overlaps.length === 0) return null;
  return el(
    "ul",
    { className: "calendar-warnings" },
    freezes.map((text) => el("li", { className: "warning-freeze" }, el("span", { "aria-hidden": "true" }, "❄ "), `This window is ${text}.`)),
    overlaps.map((text) => el("li", { className: "warning-overlap" }, el("span", { "aria-hidden": "true" }, "⚠ "), `This window ${text}.`)),
  );
}

/**
 * A live region that shows the warnings of what `read()` returns ({customers, start, end, exclude}); `check()`
 * asks again (debounced while the user types), `checkNow()` at once.
 */
export function planningWarnings(read) {
  const box = el("div", { className: "planning-warnings", id: "planningWarnings", role: "status", "aria-live": "polite" });
  let ticket = 0;
  async function checkNow() {
    const mine = ++ticket;
    let data = null;
    try {
      data = await fetchWarnings(read());
    } catch {
      data = null; // warnings help; the form works without them, and saving reports a freeze as an error
    }
    if (mine !== ticket) return;
    const list = warningList(data);
    clear(box);
    if (list) box.append(list);
  }
  return { element: box, check: debounce(checkNow, 400), checkNow };
}
