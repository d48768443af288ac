// The announcement form shared by create-announcement and edit-announcement: type, customers, texts, links as
// attachments and an optional meeting whose wall-clock time is converted in the chosen IANA zone.
import { append, byId, clear, el } from "./dom.js";
import { customerPicker, selectedCustomers } from "./customers.js";
import { ANNOUNCEMENT_TYPES, announcementTypeOf } from "./status.js";
import { dateToWallClock, formatInBothZones, toIso, viewerZone, wallClockToDate } from "./time.js";
import { zoneSelect } from "./zone-select.js";

/** The id prefix of each announcement type (the API's ANNOUNCEMENT_PREFIXES). */
export const ANNOUNCEMENT_PREFIXES = { cic: "CIC", finops: "FIN", innersource: "INN", general: "GEN" };
const TYPE_ICONS = { cic: "☁️", finops: "💰", innersource: "🔧", general: "📢" };
const DEFAULT_DURATION = 60;

export function newAnnouncementId(type) {
  return `${ANNOUNCEMENT_PREFIXES[type] || "GEN"}-${crypto.randomUUID()}`;
}

export function meetingTitleFor(title) {
  return `Announcement Meeting: ${title}`;
}

function fieldError(name) {
  return el("p", { className: "field-error", id: `${name}-error`, hidden: true });
}

function textField(name, label, { multiline = false, required = false, hint, type = "text", ...attributes } = {}) {
  const control = multiline
    ? el("textarea", { id: name, name, required, ...attributes })
    : el("input", { id: name, name, type, required, ...attributes });
  const hintNode = hint ? el("span", { className: "hint", id: `${name}-hint` }, hint) : null;
  if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
  return el(
    "div",
    { className: "field", dataset: { field: name } },
    el("label", { for: name }, label, required ? el("span", { className: "required", "aria-hidden": "true" }, " *") : null),
    control,
    hintNode,
    fieldError(name),
  );
}

function typeChooser(selected, locked) {
  return el(
    "fieldset",
    { className: "type-chooser", id: "type-fieldset", dataset: { field: "announcement_type" } },
    el("legend", {}, "Announcement type"),
    Object.entries(ANNOUNCEMENT_TYPES).map(([value, label]) =>
      el(
        "label",
        { className: "type-option", for: `type-${value}` },
        el("input", {
          type: "radio",
          name: "announcement_type",
          id: `type-${value}`,
          value,
          checked: value === selected,
          disabled: locked && value !== selected,
        }),
        el("span", { "aria-hidden": "true" }, `${TYPE_ICONS[value]} `),
        label,
      ),
    ),
    locked ? el("p", { className: "hint" }, "The type is part of the id and cannot change once created.") : null,
    fieldError("announcement_type"),
  );
}

function attachmentRow(attachment = {}, index) {
  const name = typeof attachment === "string" ? attachment : attachment.name || "";
  const url = typeof attachment === "string" ? attachment : attachment.url || "";
  const remove = el("button", { type: "button", className: "btn btn-small btn-danger" }, "Remove");
  const row = el(
    "li",
    { className: "attachment-row" },
    el(
      "label",
      { className: "attachment-part" },
      "Name",
      el("input", { type: "text", className: "attachment-name", value: name, maxlength: 200 }),
    ),
    el(
      "label",
      { className: "attachment-part" },
      "Link (https)",
      el("input", {
        type: "url",
        className: "attachment-url",
        value: url,
        pattern: "https://.+",
        placeholder: "https://",
        title: "A link starting with https://",
      }),
    ),
    remove,
  );
  remove.addEventListener("click", () => {
    const list = row.parentElement;
    row.remove();
    const first = list && list.querySelector("input");
    if (first) first.focus();
    else byId("addAttachment").focus();
  });
  row.dataset.index = String(index);
  return row;
}

function meetingFields(document) {
  const zone = (document && document.meeting_timezone) || viewerZone();
  const wall = document && document.meeting_date ? dateToWallClock(document.meeting_date, zone) : { date: "", time: "" };
  const duration = (document && Number(document.meeting_duration)) || DEFAULT_DURATION;
  return el(
    "fieldset",
    { id: "meeting-fieldset", className: "meeting-fields" },
    el("legend", {}, "Meeting"),
    textField("meeting_title", "Meeting title", { value: (document && document.meeting_title) || "", maxlength: 300 }),
    el(
      "div",
      { className: "row" },
      textField("meeting_day", "Date", { type: "date", value: wall.date, required: true }),
      textField("meeting_time", "Start time", { type: "time", value: wall.time, required: true }),
      el(
        "div",
        { className: "field", dataset: { field: "meeting_timezone" } },
        el("label", { for: "meeting_timezone" }, "Time zone"),
        zoneSelect("meeting_timezone", zone),
        fieldError("meeting_timezone"),
      ),
      textField("meeting_duration", "Duration (minutes)", {
        type: "number",
        min: 15,
        max: 480,
        step: 15,
        value: duration,
        required: true,
      }),
    ),
    el("p", { className: "zone-preview", id: "meetingPreview", "aria-live": "polite" }),
    textField("attendees", "Attendees", {
      value: (document && document.attendees) || "",
      hint: "Email addresses separated by commas; the customers' subscribers are invited anyway.",
    }),
    textField("meeting_location", "Location", {
      value: (document && document.meeting_location) || "Microsoft Teams",
      maxlength: 300,
    }),
  );
}

/** Where an API problem's field is shown: the name of a [data-field] block in the form. */
function blockFor(field) {
  const name = String(field || "").split(/[.[]/)[0];
  if (name === "meeting_date") return "meeting_day";
  if (name === "object_type") return "announcement_type";
  return name;
}

/**
 * Build the form's fields inside `container` (in a <form>). `document` prefills (edit); `lockType` keeps the type.
 * Returns {values(), validate(), showProblems(problems), clearProblems(), typeOf()}.
 */
export function buildAnnouncementForm(container, { customers, document = null, lockType = false, onTypeChange = () => {} }) {
  const type = document ? announcementTypeOf(document) : "cic";
  const attachments = el(
    "ul",
    { className: "attachment-list", id: "attachmentList" },
    ((document && document.attachments) || []).map(attachmentRow),
  );
  const add = el("button", { type: "button", className: "btn btn-small", id: "addAttachment" }, "Add a link");
  add.addEventListener("click", () => {
    const row = attachmentRow({}, attachments.children.length);
    attachments.append(row);
    row.querySelector("input").focus();
  });
  const include = el("input", {
    type: "checkbox",
    id: "include_meeting",
    name: "include_meeting",
    checked: Boolean(document && document.include_meeting),
  });
  const meeting = meetingFields(document);
  const form = container.closest("form") || container;
  append(clear(container), [
    typeChooser(type, lockType),
    customerPicker(customers, (document && document.customers) || []),
    textField("title", "Title", { required: true, maxlength: 300, value: (document && document.title) || "" }),
    textField("summary", "Summary", { multiline: true, required: true, maxlength: 50000 }),
    textField("content", "Content", { multiline: true, required: true, maxlength: 50000 }),
    el(
      "fieldset",
      { id: "attachments-fieldset", dataset: { field: "attachments" } },
      el("legend", {}, "Attachments (links)"),
      el("p", { className: "hint" }, "Link documents stored elsewhere (SharePoint, a wiki…): a name and an https address."),
      attachments,
      add,
      fieldError("attachments"),
    ),
    el("div", { className: "field field-check" }, el("label", { for: "include_meeting" }, include, " Include a meeting")),
    meeting,
  ]);
  // Text areas take their value as a property (no markup involved).
  byId("summary").value = (document && document.summary) || "";
  byId("content").value = (document && document.content) || "";
  const picker = byId("customers-fieldset");
  picker.dataset.field = "customers";
  picker.append(fieldError("customers"));

  const title = byId("title");
  const meetingTitle = byId("meeting_title");
  let autoTitle = document && document.meeting_title === meetingTitleFor(document.title || "");
  if (!meetingTitle.value) autoTitle = true;
  const syncTitle = () => {
    if (autoTitle) meetingTitle.value = title.value ? meetingTitleFor(title.value) : "";
  };
  title.addEventListener("input", syncTitle);
  meetingTitle.addEventListener("input", () => {
    autoTitle = meetingTitle.value === "" || meetingTitle.value === meetingTitleFor(title.value);
  });
  const preview = () => {
    const values = meetingValues();
    byId("meetingPreview").textContent = values.meeting_date
      ? `Starts ${formatInBothZones(values.meeting_date, values.meeting_timezone)}`
      : "Choose a date and a start time.";
  };
  const showMeeting = () => {
    meeting.hidden = !include.checked;
    meeting.disabled = !include.checked;
    if (include.checked) {
      syncTitle();
      preview();
    }
  };
  include.addEventListener("change", showMeeting);
  for (const id of ["meeting_day", "meeting_time", "meeting_timezone"]) byId(id).addEventListener("change", preview);
  form.addEventListener("change", (event) => {
    if (event.target.name === "announcement_type") onTypeChange(event.target.value);
  });
  showMeeting();

  function meetingValues() {
    const zone = byId("meeting_timezone").value;
    return {
      meeting_title: meetingTitle.value.trim() || meetingTitleFor(title.value.trim()),
      meeting_date: toIso(wallClockToDate(byId("meeting_day").value, byId("meeting_time").value, zone)),
      meeting_timezone: zone,
      meeting_duration: Number(byId("meeting_duration").value) || DEFAULT_DURATION,
      attendees: byId("attendees").value.trim(),
      meeting_location: byId("meeting_location").value.trim(),
    };
  }

  function typeOf() {
    const checked = form.querySelector('input[name="announcement_type"]:checked');
    return checked ? checked.value : type;
  }

  function values() {
    const kind = typeOf();
    const links = [...attachments.querySelectorAll(".attachment-row")]
      .map((row) => ({
        name: row.querySelector(".attachment-name").value.trim(),
        url: row.querySelector(".attachment-url").value.trim(),
      }))
      .filter((link) => link.name || link.url)
      .map((link) => ({ name: link.name || link.url, url: link.url }));
    const off = {
      meeting_title: null,
      meeting_date: null,
      meeting_timezone: null,
      meeting_duration: null,
      attendees: null,
      meeting_location: null,
    };
    return {
      object_type: `announcement_${kind}`,
      announcement_type: kind,
      title: title.value.trim(),
      summary: byId("summary").value.trim(),
      content: byId("content").value.trim(),
      customers: selectedCustomers(form),
      attachments: links,
      include_meeting: include.checked,
      ...(include.checked ? meetingValues() : off),
    };
  }

  function clearProblems() {
    for (const node of form.querySelectorAll(".field-error")) {
      node.hidden = true;
      node.textContent = "";
    }
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  /** Show each {field, message} beside its field; the ones without a field in the form are returned. */
  function showProblems(problems) {
    clearProblems();
    const unplaced = [];
    let first = null;
    for (const problem of problems) {
      const name = blockFor(problem.field);
      const block = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
      const error = block && block.querySelector(".field-error");
      if (!error) {
        unplaced.push(problem);
        continue;
      }
      error.textContent = error.textContent ? `${error.textContent}; ${problem.message}` : problem.message;
      error.hidden = false;
      const control = block.querySelector("input, textarea, select");
      if (control && block.tagName !== "FIELDSET") {
        control.setAttribute("aria-invalid", "true");
        const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (!described.includes(error.id)) control.setAttribute("aria-describedby", [...described, error.id].join(" "));
      }
      first = first || control || block;
    }
    if (first) first.focus();
    return unplaced;
  }

  /** The browser's own checks plus the ones it cannot make; false (and the problems shown) when invalid. */
  function validate() {
    clearProblems();
    const problems = [];
    if (selectedCustomers(form).length === 0) problems.push({ field: "customers", message: "choose at least one customer" });
    if (include.checked && !meetingValues().meeting_date) {
      problems.push({ field: "meeting_date", message: "choose the meeting's date and start time" });
    }
    if (problems.length) {
      showProblems(problems);
      return false;
    }
    return form.reportValidity();
  }

  return { values, validate, showProblems, clearProblems, typeOf };
}
