// Which approval requirements an approver's card lists when there are many (one per customer with approvers of
// its own, at a thousand customers): those the approver's decision counts towards, and a count of the rest.
// No DOM here, so Node tests it (tests/web/js/requirement-focus.test.mjs).

/** Up to this many requirements a card lists them all. */
export const FOCUS_AT_MOST = 6;

/**
 * `{shown, others}`: all `requirements` while there are at most FOCUS_AT_MOST; else those whose id is in `mine`
 * (or, when the approver counts towards none, the first open ones) and a sentence that counts the rest.
 */
export function focusRequirements(requirements, mine, limit = FOCUS_AT_MOST) {
  const all = requirements || [];
  if (all.length <= limit) return { shown: all, others: null };
  const ids = new Set(mine || []);
  const shown = ids.size ? all.filter((state) => ids.has(state.id)) : all.filter((state) => !state.met).slice(0, limit);
  const rest = all.filter((state) => !shown.includes(state));
  const met = rest.filter((state) => state.met).length;
  const noun = rest.length === 1 ? "requirement" : "requirements";
  return {
    shown,
    others: `and ${rest.length.toLocaleString("en-US")} other ${noun}, ${met.toLocaleString("en-US")} of them met`,
  };
}
