// The change form of create-change and edit-change, assembled from its parts: what the change is (title,
// tickets, the five texts), the customers, the implementation window (window.js) and the meeting (meeting.js).
// The fields exist as soon as the form is built; the customers fill in when they arrive.
import { planningWarnings } from "../calendar-warnings.js";
import { clear, el, query } from "../dom.js";
import { customerChooser } from "../customers.js";
import { errorSlot, field, group, hintId, input, textArea } from "../form/fields.js";
import { check, clearWhenFixed, problemDisplay, rule } from "../form/problems.js";
import { changeApproval } from "./approval.js";
import { changeMeeting } from "./meeting.js";
import { CHANGE_TEXTS } from "./texts.js";
import { implementationWindow } from "./window.js";

export { changeSummary } from "./summary.js";
export { MEETING_TITLE_PREFIX } from "./meeting.js";

// Problems the API reports under one key, shown by the control that holds it.
const PROBLEM_ALIASES = {
  implementationBeginDate: "implementationStart",
  implementationBeginTime: "implementationStart",
  implementationEndDate: "implementationEnd",
  implementationEndTime: "implementationEnd",
  meetingTime: "meetingDate",
  meetingRequired: "include_meeting",
  meetingLocationType: "meetingLocation",
};
const MEETING_KEYS = /^(meeting|attendees)/;

export function newChangeId() {
  return `CHG-${crypto.randomUUID()}`;
}

/**
 * Build the change form inside `container` (an element of a <form> the page owns, with its buttons). Returns the
 * controller: showCustomers(list), fill(document, {copy}), reset(), values(), validate({complete}),
 * showProblems(problems), clearErrors(), and `controls` by field id.
 */
export function changeForm(container) {
  const controls = {
    changeTitle: input("changeTitle", "text", { maxlength: 300, autocomplete: "off" }),
    snowTicket: input("snowTicket", "text", { placeholder: "CHG0000000", maxlength: 300, autocomplete: "off" }),
    jiraTicket: input("jiraTicket", "text", { placeholder: "PROJ-1234", maxlength: 300, autocomplete: "off" }),
  };
  for (const [id] of CHANGE_TEXTS) controls[id] = textArea(id);
  const customers = customerChooser({
    legend: "Customers affected",
    extra: [el("p", { className: "hint", id: hintId("customers") }, "Choose at least one customer."), errorSlot("customers")],
  });
  customers.fieldset.setAttribute("aria-describedby", hintId("customers"));
  // The display looks its targets up when it shows a problem, so the parts can be given it before they exist.
  const targets = { customers: customers.boxes };
  const display = problemDisplay(container, targets);
  const schedule = implementationWindow(display);
  const meeting = changeMeeting(controls.changeTitle, schedule);
  const approval = changeApproval(controls);
  Object.assign(controls, schedule.controls, meeting.controls, approval.controls);
  Object.assign(targets, schedule.targets, meeting.targets);
  // Freezes and overlapping changes for the customers and window being picked, as the user picks them.
  const warnings = planningWarnings(() => {
    const { start, end } = schedule.instants();
    return {
      customers: customers.selected(),
      start: start && start.toISOString(),
      end: end && end.toISOString(),
      exclude: query("changeId") || undefined,
    };
  });
  schedule.fieldset.append(warnings.element);

  clear(container).append(
    group("The change", [
      field(controls.changeTitle, "Title", { required: true, hint: "A short summary customers will recognise." }),
      el(
        "div",
        { className: "row" },
        field(controls.snowTicket, "ServiceNow ticket", { hint: "For example CHG0000000." }),
        field(controls.jiraTicket, "Jira ticket", { hint: "For example PROJ-1234." }),
      ),
    ]),
    approval.fieldset,
    customers.fieldset,
    group(
      "Details",
      CHANGE_TEXTS.map(([id, label, hint]) => field(controls[id], label, { required: true, hint })),
    ),
    schedule.fieldset,
    meeting.fieldset,
  );

  const rules = [
    rule("changeTitle", () => [controls.changeTitle], () => Boolean(controls.changeTitle.value.trim()), "Enter a title.", {
      draft: true,
    }),
    rule("customers", () => [customers.fieldset], () => customers.selected().length > 0, "Choose at least one customer."),
    ...CHANGE_TEXTS.map(([id, label]) =>
      rule(id, () => [controls[id]], () => Boolean(controls[id].value.trim()), `Enter the ${label.toLowerCase()}.`),
    ),
    ...schedule.rules,
    ...meeting.rules,
    ...approval.rules,
  ];
  clearWhenFixed(display, rules);
  for (const part of [customers.fieldset, schedule.fieldset]) part.addEventListener("change", warnings.check);

  function reset() {
    for (const control of [controls.changeTitle, controls.snowTicket, controls.jiraTicket]) control.value = "";
    for (const [id] of CHANGE_TEXTS) controls[id].value = "";
    display.clearAll();
    customers.reset();
    schedule.reset();
    meeting.reset();
    approval.reset();
    warnings.check();
  }

  /**
   * Put `document` (a stored change) in the form. `copy`: a new change from it ("Copy of …", its customers added
   * to those already ticked, no meeting). Returns the customer codes the configuration no longer knows.
   */
  function fill(document, { copy = false } = {}) {
    display.clearAll();
    const title = document.changeTitle || document.title || "";
    controls.changeTitle.value = copy ? `Copy of ${title}` : title;
    controls.snowTicket.value = document.snowTicket || "";
    controls.jiraTicket.value = document.jiraTicket || "";
    for (const [id] of CHANGE_TEXTS) controls[id].value = document[id] || "";
    schedule.fill(document);
    const unknown = customers.choose(document.customers, { additive: copy });
    warnings.checkNow();
    if (copy) meeting.reset();
    else meeting.fill(document, schedule.zone());
    approval.fill(document, { copy });
    return unknown;
  }

  /** What the form says, in the API's terms (only the fields the form owns). */
  function values() {
    const fields = {
      object_type: "change",
      changeTitle: controls.changeTitle.value.trim(),
      customers: customers.selected(),
      snowTicket: controls.snowTicket.value.trim(),
      jiraTicket: controls.jiraTicket.value.trim(),
      ...schedule.values(),
      ...meeting.values(schedule.zone()),
      ...approval.values(),
    };
    for (const [id] of CHANGE_TEXTS) fields[id] = controls[id].value;
    return fields;
  }

  /** The API's 422 problems by their fields; returns the ones no field could show. */
  function showProblems(problems) {
    if ((problems || []).some((problem) => MEETING_KEYS.test(String(problem.field || "")))) meeting.reveal();
    return display.showApiProblems(problems, PROBLEM_ALIASES);
  }

  reset();
  return {
    controls,
    showCustomers: customers.fill,
    fill,
    reset,
    values,
    /** Every problem by its field, the first focused: a submission's rules, or a draft's (`complete: false`). */
    validate: ({ complete = true } = {}) => check(display, rules, { complete }),
    showProblems,
    clearErrors: display.clearAll,
  };
}
