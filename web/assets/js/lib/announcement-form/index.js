// The announcement form of create-announcement and edit-announcement, assembled from its parts: the type
// (type.js), the customers, the texts, links as attachments (attachments.js) and an optional meeting
// (meeting.js). It validates and reports problems exactly as the change form does (../form/problems.js).
import { append, clear } from "../dom.js";
import { customerChooser } from "../customers.js";
import { errorSlot, field, input, textArea } from "../form/fields.js";
import { check, clearWhenFixed, problemDisplay, rule } from "../form/problems.js";
import { announcementTypeOf } from "../status.js";
import { attachmentList } from "./attachments.js";
import { announcementMeeting } from "./meeting.js";
import { DEFAULT_TYPE, typeChooser } from "./type.js";

export { ANNOUNCEMENT_PREFIXES, newAnnouncementId } from "./type.js";
export { meetingTitleFor } from "./meeting.js";

const PROBLEM_ALIASES = { object_type: "announcement_type" };
const TEXTS = [
  ["summary", "Summary"],
  ["content", "Content"],
];

/**
 * Build the form inside `container` (an element of a <form>). `onTypeChange(type)` hears the user choose a type.
 * Returns {showCustomers(list), fill(document, {lockType}), reset(), values(), validate({complete}),
 * showProblems(problems), clearErrors(), typeOf(), controls}.
 */
export function announcementForm(container, { onTypeChange = () => {} } = {}) {
  const type = typeChooser(onTypeChange);
  const customers = customerChooser({ extra: [errorSlot("customers")] });
  const controls = { title: input("title", "text", { maxlength: 300 }) };
  for (const [id] of TEXTS) controls[id] = textArea(id, { maxlength: 50000 });
  const attachments = attachmentList();
  const meeting = announcementMeeting(controls.title);
  Object.assign(controls, meeting.controls, { include_meeting: meeting.include });
  append(clear(container), [
    type.fieldset,
    customers.fieldset,
    field(controls.title, "Title", { required: true }),
    TEXTS.map(([id, label]) => field(controls[id], label, { required: true })),
    attachments.fieldset,
    meeting.nodes,
  ]);
  const display = problemDisplay(container, {
    announcement_type: type.radios,
    customers: customers.boxes,
    ...attachments.targets,
    ...meeting.targets,
  });
  const rules = [
    rule("announcement_type", () => [type.fieldset], () => Boolean(type.value()), "Choose the type of announcement."),
    rule("customers", () => [customers.fieldset], () => customers.selected().length > 0, "Choose at least one customer."),
    rule("title", () => [controls.title], () => Boolean(controls.title.value.trim()), "Enter a title.", { draft: true }),
    ...TEXTS.map(([id, label]) =>
      rule(id, () => [controls[id]], () => Boolean(controls[id].value.trim()), `Enter the ${label.toLowerCase()}.`),
    ),
    attachments.rule,
    ...meeting.rules,
  ];
  clearWhenFixed(display, rules);

  function fill(document, { lockType = false } = {}) {
    display.clearAll();
    type.set(announcementTypeOf(document), { locked: lockType });
    const unknown = customers.choose(document.customers);
    controls.title.value = document.title || "";
    for (const [id] of TEXTS) controls[id].value = document[id] || "";
    attachments.fill(document.attachments);
    meeting.fill(document);
    return unknown;
  }

  function reset() {
    customers.reset();
    fill({ announcement_type: DEFAULT_TYPE });
  }

  reset();
  return {
    controls,
    showCustomers: customers.fill,
    fill,
    reset,
    typeOf: () => type.value() || DEFAULT_TYPE,
    values() {
      const kind = type.value() || DEFAULT_TYPE;
      return {
        object_type: `announcement_${kind}`,
        announcement_type: kind,
        title: controls.title.value.trim(),
        summary: controls.summary.value.trim(),
        content: controls.content.value.trim(),
        customers: customers.selected(),
        attachments: attachments.values(),
        ...meeting.values(),
      };
    },
    validate: ({ complete = true } = {}) => check(display, rules, { complete }),
    showProblems: (problems) => display.showApiProblems(problems, PROBLEM_ALIASES),
    clearErrors: display.clearAll,
  };
}
