// A long list drawn a page at a time: the first PAGE rows, then "Show more" for the next page, so a list of a
// thousand items costs the page fifty cards until the reader asks for more.
import { el } from "./dom.js";

export const PAGE = 50;

/**
 * `items` drawn by `row` into a list (class `className`), PAGE at a time; `noun` names them on the button.
 * `atLeast` rows are drawn at once (a list drawn again after a live refresh keeps what the reader had opened), and
 * `onDrawn(count)` hears how many rows are drawn after each page.
 */
export function pagedList(items, row, { className = "item-list", noun = "items", pageSize = PAGE, atLeast = 0, onDrawn = () => {} } = {}) {
  const list = el("ul", { className });
  const more = el("button", { type: "button", className: "btn show-more" });
  let drawn = 0;
  function next(count) {
    const batch = items.slice(drawn, drawn + count);
    list.append(...batch.map(row));
    drawn += batch.length;
    const left = items.length - drawn;
    more.hidden = left <= 0;
    more.textContent = `Show ${Math.min(pageSize, left)} more (${left} more ${noun})`;
    onDrawn(drawn);
  }
  more.addEventListener("click", () => {
    const first = drawn;
    next(pageSize);
    // The reader goes on where the new rows start, not back at the top or on a button that may be gone.
    const target = list.children[first]?.querySelector("a[href], button");
    if (target) target.focus();
  });
  next(Math.max(pageSize, atLeast));
  return el("div", { className: "paged-list" }, list, more);
}
