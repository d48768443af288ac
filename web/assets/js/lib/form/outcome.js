// What became of a form once saved, in the user's terms. On success the user moves on to the list the item is
// now in, which names it and says what happens next; when some customers could not be told, the form says which
// ones and offers to tell them again. Where the API stored things is its own business, never shown.
import { collectionOf, post } from "../api.js";
import { el, query } from "../dom.js";
import { customerNames, loadCustomers } from "../customers.js";
import { busy, messageNode, showWarning } from "../messages.js";

/** The customers of a save's answer that could not be told ({customerCode, customer, error} rows). */
export function untold(data) {
  return ((data && data.uploadResults) || []).filter((row) => row.customerCode && !row.success);
}

/** Go on to `page`, the list where the item now is, on its `tab`; the list says what happened to `id`. */
export function moveOn(page, { tab, id, draft = false }) {
  const next = new URLSearchParams({ status: tab, [draft ? "saved" : "submitted"]: id });
  window.location.assign(`${page}?${next}`);
}

/**
 * Some customers' approvers were not told of submission `data`: say which and why, and offer to tell them again
 * (the API's notify, which writes the same requests once more; nobody is mailed twice). `next`: the list page
 * ({page, tab, label}).
 */
export function reportUntold(status, data, { title, next }) {
  const rows = untold(data);
  const names = rows.map((row) => row.customer || row.customerCode);
  const reasons = [...new Set(rows.map((row) => row.error).filter(Boolean))].join("; ");
  const again = el("button", { type: "button", className: "btn btn-small" }, "Tell them again");
  const message = showWarning(
    status,
    `“${title}” was submitted for approval, but the approvers of ${names.join(", ")} could not be told yet` +
      `${reasons ? ` (${reasons})` : ""}. `,
  );
  message.querySelector(".message-text").append(again, " ", el("a", { href: next.page }, next.label));
  again.addEventListener("click", () =>
    busy(again, "Telling them…", async () => {
      try {
        const { data: answer } = await post(`${collectionOf(data.id)}/${encodeURIComponent(data.id)}/notify`);
        if (untold(answer).length === 0) moveOn(next.page, { tab: next.tab, id: data.id });
        else reportUntold(status, answer, { title, next });
      } catch (error) {
        showWarning(status, `They could not be told this time either: ${error.message}`);
      }
    }),
  );
}

/**
 * On a list page reached from a form (?submitted= or ?saved=): what happened to that item, by its title and its
 * customers' names; null on any other visit. `items` are the list's rows. The address forgets it, so a reload
 * does not say it again. The list shows it above its items, in the same frame, so nothing is pushed down.
 */
export async function arrivalNews(items) {
  const submitted = query("submitted");
  const saved = query("saved");
  const id = submitted || saved;
  if (!id) return null;
  const address = new URL(window.location.href);
  address.searchParams.delete("submitted");
  address.searchParams.delete("saved");
  window.history.replaceState(null, "", address);
  const item = items.find((each) => each.id === id) || { id, customers: [] };
  const name = item.title ? `“${item.title}”` : id;
  if (saved) return `Draft ${name} saved. Nobody is told about it until you submit it for approval.`;
  const customers = await loadCustomers().catch(() => []);
  const whom = item.customers.length ? `the approvers of ${customerNames(customers, item.customers, 3)}` : "the approvers";
  return `${name} was submitted for approval: ${whom} are being asked by email.`;
}

/** The news of a list (see arrivalNews) as the list shows it, until dismissed; `live` tells screen readers. */
export function newsOfTheList(live) {
  let text = null;
  return {
    set(news) {
      text = news;
      live.textContent = news || "";
    },
    /** The message to put above the list's items, or null. */
    node: () => (text ? messageNode("success", text, { onDismiss: () => (text = null) }) : null),
  };
}
