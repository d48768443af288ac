// A change's ServiceNow and Jira tickets in its details: each a link with its current state in the other system,
// and "Create in ServiceNow" for a change that names no change request.
import { get, post } from "./api.js";
import { el } from "./dom.js";
import { busy, showError, showSuccess } from "./messages.js";

const SYSTEMS = { servicenow: "ServiceNow", jira: "Jira" };

function ticketLine(ticket) {
  const name = `${SYSTEMS[ticket.system] || ticket.system} ${ticket.ticket}`;
  const link = ticket.url ? el("a", { href: ticket.url, target: "_blank", rel: "noopener noreferrer" }, name) : el("span", {}, name);
  const state = ticket.state
    ? el("span", { className: "badge ticket-state" }, ticket.state)
    : el("small", { className: "ticket-problem" }, ticket.problem || "state unknown");
  return el("li", { dataset: { system: ticket.system } }, link, " ", state);
}

/** A section that fills itself once the tickets are read; it stays hidden when there is nothing to show. */
export function ticketsSection(id) {
  const section = el("section", { className: "detail-section tickets", hidden: true, dataset: { ticketsOf: id } });
  const status = el("div", { className: "ticket-status", "aria-live": "polite" });
  const path = `/changes/${encodeURIComponent(id)}`;
  const fill = ({ data }) => {
    const list = data.tickets.length ? el("ul", { className: "ticket-list" }, data.tickets.map(ticketLine)) : null;
    let create = null;
    if (data.canCreate) {
      create = el("button", { type: "button", className: "btn btn-small" }, "Create in ServiceNow");
      create.addEventListener("click", () =>
        busy(create, "Creating…", async () => {
          try {
            const { data: created } = await post(`${path}/servicenow`);
            await get(`${path}/tickets`).then(fill);
            showSuccess(status, `ServiceNow change request ${created.object.snowTicket} created for ${id}.`);
          } catch (error) {
            showError(status, `Could not create the ServiceNow change request: ${error.message}`);
          }
        }),
      );
    }
    if (!list && !create) return;
    // replaceChildren() would write a null as the text "null".
    section.replaceChildren(...[el("h3", {}, "Tickets"), status, list, create ? el("p", {}, create) : null].filter(Boolean));
    section.hidden = false;
  };
  get(`${path}/tickets`)
    .then(fill)
    .catch(() => {
      // The tickets' states are a convenience: without them the details are still whole.
    });
  return section;
}
