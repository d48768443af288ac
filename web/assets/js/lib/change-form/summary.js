// A change as text, for reading: an old version, or a change that can no longer be edited. Text nodes only.
import { el } from "../dom.js";
import { customerName } from "../customers.js";
import { statusBadge } from "../status.js";
import { formatInBothZones, formatInstant } from "../time.js";
import { CHANGE_TEXTS } from "./texts.js";

function fact(label, value) {
  if (value === undefined || value === null || value === "") return null;
  return [el("dt", {}, label), el("dd", {}, value)];
}

export function changeSummary(document, customers) {
  const zone = document.timezone;
  const meeting = document.include_meeting || document.meetingRequired === "yes";
  return el(
    "div",
    { className: "details" },
    el("p", { className: "detail-id" }, document.changeId || "", " ", statusBadge(document.status), ` · version ${document.version || 1}`),
    el(
      "dl",
      { className: "facts" },
      fact("Title", document.changeTitle),
      fact("Customers", (document.customers || []).map((code) => customerName(customers, code)).join(", ")),
      fact("ServiceNow ticket", document.snowTicket),
      fact("Jira ticket", document.jiraTicket),
      fact("Window starts", formatInBothZones(document.implementationStart, zone)),
      fact("Window ends", formatInBothZones(document.implementationEnd, zone)),
      fact("Timezone", zone),
      fact("Meeting", meeting ? document.meetingTitle || "yes" : "no"),
      fact("Modified by", document.modifiedBy),
      fact("Modified", document.modifiedAt ? formatInstant(document.modifiedAt) : null),
    ),
    CHANGE_TEXTS.map(([id, label]) =>
      document[id]
        ? el("section", { className: "detail-section" }, el("h3", {}, label), el("p", { className: "prose" }, document[id]))
        : null,
    ),
  );
}
