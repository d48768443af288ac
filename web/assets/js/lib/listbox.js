// The active option of a combobox's listbox (the customer picker and the one-customer filter share it).

/**
 * Make option `index` of `list` the active one for `box` (clamped to the last; below 0: none), shown and scrolled into
 * view and named by `aria-activedescendant`. Returns the index now active, -1 for none.
 */
export function markActive(list, box, index) {
  const options = list.querySelectorAll('[role="option"]');
  for (const option of options) option.classList.remove("active");
  const active = index < 0 || !options.length ? -1 : Math.min(index, options.length - 1);
  if (active < 0) {
    box.removeAttribute("aria-activedescendant");
    return active;
  }
  const option = options[active];
  option.classList.add("active");
  box.setAttribute("aria-activedescendant", option.id);
  option.scrollIntoView({ block: "nearest" });
  return active;
}
