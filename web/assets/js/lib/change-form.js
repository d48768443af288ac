// The change form shared by create-change and edit-change: every field of a change with its label, hint and
// inline error, the implementation window as wall-clock time in a chosen IANA zone (converted to UTC for the API),
// the optional meeting, and the mapping of the API's validation problems back onto the fields.
import { clear, el } from "./dom.js";
import { customerName, customerPicker } from "./customers.js";
import { statusBadge } from "./status.js";
import {
  dateToWallClock,
  dayInZone,
  defaultZone,
  formatInBothZones,
  formatInstant,
  isZone,
  minutesBetween,
  toIso,
  viewerZone,
  wallClockToDate,
} from "./time.js";
import { setZone, zoneSelect } from "./zone-select.js";

export const MEETING_TITLE_PREFIX = "Change Implementation Meeting: ";
const DEFAULT_BEGIN = "10:00";
const DEFAULT_END = "17:00";
const DEFAULT_DURATION = 60;
const MIN_DURATION = 15;
const MAX_DURATION = 480;

const TEXTS = [
  ["changeReason", "Reason for the change", "Why the change is needed."],
  ["implementationPlan", "Implementation plan", "The steps, in order, and who does them."],
  ["testPlan", "Test plan", "How you will confirm that the change worked."],
  ["customerImpact", "Customer impact", "What customers will notice, and for how long."],
  ["rollbackPlan", "Rollback plan", "How the change is undone if something goes wrong."],
];

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

export function newChangeId() {
  return `CHG-${crypto.randomUUID()}`;
}

function hintId(id) {
  return `${id}-hint`;
}

function errorId(key) {
  return `${key}-error`;
}

function errorSlot(key) {
  return el("p", { className: "field-error", id: errorId(key), hidden: true });
}

function labelText(text, required) {
  return [text, required ? el("span", { className: "required", "aria-hidden": "true" }, " *") : null];
}

/** A labelled control with its hint and its error slot. */
function field(control, label, { required = false, hint = "", errorKey = control.id } = {}) {
  if (required) control.required = true;
  if (hint) control.setAttribute("aria-describedby", hintId(control.id));
  return el(
    "div",
    { className: "field" },
    el("label", { for: control.id }, labelText(label, required)),
    control,
    hint ? el("p", { className: "hint", id: hintId(control.id) }, hint) : null,
    errorKey === control.id ? errorSlot(errorKey) : null,
  );
}

function input(id, type, attributes = {}) {
  return el("input", { type, id, name: id, ...attributes });
}

function splitLocal(value) {
  const [date, time] = String(value || "").split("T");
  return { date: date || "", time: (time || "").slice(0, 5) };
}

/**
 * Build the change form's fields inside `container` (an element in a <form> the page owns, with its buttons).
 * Returns the controller: fill(document, {copy}), reset(), values(), validate({complete}), showProblems(problems),
 * clearErrors(), setDisabled(flag), and the `customersFieldset` for focus.
 */
export function changeForm(container, customers) {
  const form = container;
  const controls = {
    changeTitle: input("changeTitle", "text", { maxlength: 300, autocomplete: "off" }),
    snowTicket: input("snowTicket", "text", { placeholder: "CHG0000000", maxlength: 300, autocomplete: "off" }),
    jiraTicket: input("jiraTicket", "text", { placeholder: "PROJ-1234", maxlength: 300, autocomplete: "off" }),
    implementationBeginDate: input("implementationBeginDate", "date"),
    implementationBeginTime: input("implementationBeginTime", "time"),
    implementationEndDate: input("implementationEndDate", "date"),
    implementationEndTime: input("implementationEndTime", "time"),
    timezone: zoneSelect("timezone"),
    meetingRequired: el(
      "select",
      { id: "meetingRequired", name: "meetingRequired" },
      el("option", { value: "no" }, "No meeting"),
      el("option", { value: "yes" }, "Yes: schedule a meeting when the change is approved"),
    ),
    meetingTitle: input("meetingTitle", "text", { maxlength: 300, autocomplete: "off" }),
    meetingDate: input("meetingDate", "datetime-local"),
    meetingDuration: input("meetingDuration", "number", { min: MIN_DURATION, max: MAX_DURATION, step: 15 }),
    attendees: input("attendees", "text", { autocomplete: "off" }),
    meetingLocationType: el(
      "select",
      { id: "meetingLocationType", name: "meetingLocationType" },
      el("option", { value: "default" }, "Microsoft Teams"),
      el("option", { value: "custom" }, "Another location"),
    ),
    meetingLocation: input("meetingLocation", "text", { maxlength: 300, autocomplete: "off" }),
  };
  for (const [id] of TEXTS) controls[id] = el("textarea", { id, name: id, rows: 4 });

  const picker = customerPicker(customers, [], { legend: "Customers affected" });
  picker.append(el("p", { className: "hint", id: hintId("customers") }, "Choose at least one customer."));
  picker.append(errorSlot("customers"));
  picker.setAttribute("aria-describedby", hintId("customers"));
  const boxes = () => [...picker.querySelectorAll('input[name="customers"]')];

  const preview = el("div", { className: "zone-preview", id: "windowPreview", "aria-live": "polite" });
  const meetingDetails = el("div", { id: "meetingDetails", hidden: true });
  const locationField = field(controls.meetingLocation, "Meeting location", {
    hint: "A room or an address, when the meeting is not on Microsoft Teams.",
  });
  let meetingTitleAuto = true;
  let durationAuto = true;
  let windowDefaulted = true;

  // Which controls carry each error key (aria-invalid and the message go together).
  const errorControls = {
    customers: () => boxes(),
    implementationStart: () => [controls.implementationBeginDate, controls.implementationBeginTime],
    implementationEnd: () => [controls.implementationEndDate, controls.implementationEndTime],
    include_meeting: () => [controls.meetingRequired],
  };

  clear(form).append(
    el(
      "fieldset",
      {},
      el("legend", {}, "The change"),
      field(controls.changeTitle, "Title", { required: true, hint: "A short summary customers will recognise." }),
      el(
        "div",
        { className: "row" },
        field(controls.snowTicket, "ServiceNow ticket", { hint: "For example CHG0000000." }),
        field(controls.jiraTicket, "Jira ticket", { hint: "For example PROJ-1234." }),
      ),
    ),
    picker,
    el(
      "fieldset",
      {},
      el("legend", {}, "Details"),
      TEXTS.map(([id, label, hint]) => field(controls[id], label, { required: true, hint })),
    ),
    el(
      "fieldset",
      { id: "windowFieldset" },
      el("legend", {}, "Implementation window"),
      field(controls.timezone, "Timezone of the window", {
        required: true,
        hint: "The dates and times below are wall-clock time in this zone.",
      }),
      el(
        "div",
        { className: "row" },
        field(controls.implementationBeginDate, "Start date", { required: true, errorKey: "implementationStart" }),
        field(controls.implementationBeginTime, "Start time", { required: true, errorKey: "implementationStart" }),
      ),
      errorSlot("implementationStart"),
      el(
        "div",
        { className: "row" },
        field(controls.implementationEndDate, "End date", { required: true, errorKey: "implementationEnd" }),
        field(controls.implementationEndTime, "End time", { required: true, errorKey: "implementationEnd" }),
      ),
      errorSlot("implementationEnd"),
      preview,
    ),
    el(
      "fieldset",
      {},
      el("legend", {}, "Meeting"),
      field(controls.meetingRequired, "Meeting", {
        hint: "After approval a meeting is scheduled and the customers' subscribers are invited.",
        errorKey: "include_meeting",
      }),
      errorSlot("include_meeting"),
      meetingDetails,
    ),
  );
  meetingDetails.append(
    field(controls.meetingTitle, "Meeting title", {
      hint: "Filled in from the change title until you edit it.",
    }),
    el(
      "div",
      { className: "row" },
      field(controls.meetingDate, "Meeting starts", {
        hint: "Wall-clock time in the window's timezone. Empty: the meeting covers the implementation window.",
      }),
      field(controls.meetingDuration, "Duration in minutes", { hint: "15 to 480, in steps of 15." }),
    ),
    field(controls.attendees, "Other attendees", {
      hint: "Email addresses separated by commas; the customers' subscribers are invited anyway.",
    }),
    field(controls.meetingLocationType, "Where", {}),
    locationField,
  );

  function zone() {
    return controls.timezone.value || defaultZone();
  }

  function windowInstants() {
    const z = zone();
    return {
      start: wallClockToDate(controls.implementationBeginDate.value, controls.implementationBeginTime.value, z),
      end: wallClockToDate(controls.implementationEndDate.value, controls.implementationEndTime.value, z),
    };
  }

  function showPreview() {
    const { start, end } = windowInstants();
    clear(preview);
    if (!start || !end) {
      preview.append("Enter a start and an end to see the window in your time and in UTC.");
      return;
    }
    preview.append(
      el("div", {}, el("strong", {}, `In your time (${viewerZone()}): `), `${formatInstant(start)} – ${formatInstant(end)}`),
      el("div", {}, el("strong", {}, "In UTC: "), `${formatInstant(start, "UTC")} – ${formatInstant(end, "UTC")}`),
    );
  }

  function setError(key, message) {
    const slot = form.querySelector(`#${errorId(key)}`);
    const targets = errorControls[key] ? errorControls[key]() : controls[key] ? [controls[key]] : [];
    if (!slot) return false;
    slot.textContent = message;
    slot.hidden = false;
    for (const control of targets) {
      control.setAttribute("aria-invalid", "true");
      const described = new Set((control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
      described.add(errorId(key));
      control.setAttribute("aria-describedby", [...described].join(" "));
    }
    return true;
  }

  function clearError(key) {
    const slot = form.querySelector(`#${errorId(key)}`);
    if (slot) {
      slot.textContent = "";
      slot.hidden = true;
    }
    const targets = errorControls[key] ? errorControls[key]() : controls[key] ? [controls[key]] : [];
    for (const control of targets) {
      control.removeAttribute("aria-invalid");
      const described = (control.getAttribute("aria-describedby") || "")
        .split(" ")
        .filter((id) => id && id !== errorId(key));
      if (described.length) control.setAttribute("aria-describedby", described.join(" "));
      else control.removeAttribute("aria-describedby");
    }
  }

  function clearErrors() {
    for (const slot of form.querySelectorAll(".field-error")) clearError(slot.id.replace(/-error$/, ""));
  }

  /** The window rule, checked as the user types: the end must come after the start. */
  function checkWindow() {
    const { start, end } = windowInstants();
    if (start && end && end <= start) {
      setError("implementationEnd", "The end must be after the start.");
      return false;
    }
    clearError("implementationEnd");
    return true;
  }

  function autoMeetingTitle() {
    if (meetingTitleAuto) {
      const title = controls.changeTitle.value.trim();
      controls.meetingTitle.value = title ? MEETING_TITLE_PREFIX + title : "";
    }
  }

  function autoMeetingDefaults() {
    if (controls.meetingRequired.value !== "yes") return;
    if (!controls.meetingDate.value && controls.implementationBeginDate.value && controls.implementationBeginTime.value) {
      controls.meetingDate.value = `${controls.implementationBeginDate.value}T${controls.implementationBeginTime.value}`;
    }
    if (durationAuto) {
      const { start, end } = windowInstants();
      const minutes = minutesBetween(start, end);
      if (minutes >= MIN_DURATION && minutes <= MAX_DURATION && minutes % 15 === 0) {
        controls.meetingDuration.value = String(minutes);
      }
    }
  }

  function showMeeting() {
    meetingDetails.hidden = controls.meetingRequired.value !== "yes";
    locationField.hidden = controls.meetingLocationType.value !== "custom";
    autoMeetingDefaults();
  }

  controls.changeTitle.addEventListener("input", () => {
    autoMeetingTitle();
    if (controls.changeTitle.value.trim()) clearError("changeTitle");
  });
  controls.meetingTitle.addEventListener("input", () => {
    const title = controls.changeTitle.value.trim();
    meetingTitleAuto = !controls.meetingTitle.value || controls.meetingTitle.value === MEETING_TITLE_PREFIX + title;
  });
  controls.meetingDuration.addEventListener("input", () => {
    durationAuto = false;
  });
  for (const key of ["implementationBeginDate", "implementationBeginTime", "implementationEndDate", "implementationEndTime", "timezone"]) {
    controls[key].addEventListener("change", () => {
      if (key !== "timezone") windowDefaulted = false;
      else if (windowDefaulted) {
        // Untouched defaults follow the zone: "tomorrow" is tomorrow where the change happens.
        controls.implementationBeginDate.value = dayInZone(zone(), 1);
        controls.implementationEndDate.value = controls.implementationBeginDate.value;
      }
      if (key === "implementationBeginDate" && !controls.implementationEndDate.value) {
        controls.implementationEndDate.value = controls.implementationBeginDate.value;
      }
      if (key.startsWith("implementationBegin")) clearError("implementationStart");
      showPreview();
      checkWindow();
    });
  }
  controls.meetingRequired.addEventListener("change", showMeeting);
  controls.meetingLocationType.addEventListener("change", showMeeting);
  picker.addEventListener("change", () => {
    if (boxes().some((box) => box.checked)) clearError("customers");
  });
  for (const [id] of TEXTS) {
    controls[id].addEventListener("input", () => {
      if (controls[id].value.trim()) clearError(id);
    });
  }

  function setCustomers(codes, { additive = false } = {}) {
    const wanted = new Set(codes || []);
    for (const box of boxes()) {
      if (wanted.has(box.value)) box.checked = true;
      else if (!additive) box.checked = false;
    }
    // The picker counts on "change"; one event updates it.
    const first = boxes()[0];
    if (first) first.dispatchEvent(new Event("change", { bubbles: true }));
    const known = new Set(customers.map((customer) => customer.code));
    return [...wanted].filter((code) => !known.has(code));
  }

  /** Empty form: tomorrow 10:00–17:00 in the default zone, no meeting. */
  function reset() {
    for (const control of form.querySelectorAll("input, textarea")) {
      if (control.type === "checkbox") control.checked = false;
      else control.value = "";
    }
    for (const option of picker.querySelectorAll(".customer-option")) option.hidden = false;
    clearErrors();
    setCustomers([]);
    setZone(controls.timezone, defaultZone());
    const day = dayInZone(zone(), 1);
    controls.implementationBeginDate.value = day;
    controls.implementationEndDate.value = day;
    controls.implementationBeginTime.value = DEFAULT_BEGIN;
    controls.implementationEndTime.value = DEFAULT_END;
    windowDefaulted = true;
    controls.meetingRequired.value = "no";
    controls.meetingDuration.value = String(DEFAULT_DURATION);
    controls.meetingLocationType.value = "default";
    meetingTitleAuto = true;
    durationAuto = true;
    autoMeetingTitle();
    showMeeting();
    showPreview();
  }

  /**
   * Put `document` (a stored change) in the form. `copy`: a new change from it ("Copy of …", customers added to
   * those already ticked, no meeting). Returns the customer codes the configuration no longer knows.
   */
  function fill(document, { copy = false } = {}) {
    clearErrors();
    windowDefaulted = false;
    const documentZone = document.timezone && isZone(document.timezone) ? document.timezone : defaultZone();
    setZone(controls.timezone, documentZone);
    const title = document.changeTitle || document.title || "";
    controls.changeTitle.value = copy ? `Copy of ${title}` : title;
    controls.snowTicket.value = document.snowTicket || "";
    controls.jiraTicket.value = document.jiraTicket || "";
    for (const [id] of TEXTS) controls[id].value = document[id] || "";
    // The stored instants are the truth; the flat wall-clock fields only when an instant is missing.
    const begin = document.implementationStart
      ? dateToWallClock(document.implementationStart, documentZone)
      : { date: document.implementationBeginDate || "", time: document.implementationBeginTime || "" };
    const end = document.implementationEnd
      ? dateToWallClock(document.implementationEnd, documentZone)
      : { date: document.implementationEndDate || "", time: document.implementationEndTime || "" };
    controls.implementationBeginDate.value = begin.date;
    controls.implementationBeginTime.value = begin.time;
    controls.implementationEndDate.value = end.date;
    controls.implementationEndTime.value = end.time;
    const unknown = setCustomers(document.customers, { additive: copy });
    if (copy) {
      controls.meetingRequired.value = "no";
      controls.meetingDate.value = "";
      controls.meetingDuration.value = String(DEFAULT_DURATION);
      controls.attendees.value = "";
      controls.meetingLocationType.value = "default";
      controls.meetingLocation.value = "";
      meetingTitleAuto = true;
      durationAuto = true;
      autoMeetingTitle();
    } else {
      const wanted = document.meetingRequired || (document.include_meeting ? "yes" : "no");
      controls.meetingRequired.value = wanted === "yes" ? "yes" : "no";
      controls.meetingTitle.value = document.meetingTitle || "";
      meetingTitleAuto = !document.meetingTitle || document.meetingTitle === MEETING_TITLE_PREFIX + title;
      autoMeetingTitle();
      const meetingAt = document.meetingTime || document.meetingDate;
      const wall = meetingAt ? dateToWallClock(meetingAt, documentZone) : { date: "", time: "" };
      controls.meetingDate.value = wall.date ? `${wall.date}T${wall.time}` : "";
      const duration = Number.parseInt(document.meetingDuration, 10);
      controls.meetingDuration.value = String(Number.isFinite(duration) ? duration : DEFAULT_DURATION);
      durationAuto = !Number.isFinite(duration);
      controls.attendees.value = document.attendees || "";
      controls.meetingLocationType.value = document.meetingLocationType === "custom" ? "custom" : "default";
      controls.meetingLocation.value = document.meetingLocation || "";
    }
    showMeeting();
    showPreview();
    checkWindow();
    return unknown;
  }

  /** What the form says, in the API's terms (only the fields the form owns). */
  function values() {
    const z = zone();
    const { start, end } = windowInstants();
    const meeting = controls.meetingRequired.value === "yes";
    const fields = {
      object_type: "change",
      changeTitle: controls.changeTitle.value.trim(),
      customers: boxes()
        .filter((box) => box.checked)
        .map((box) => box.value)
        .sort(),
      snowTicket: controls.snowTicket.value.trim(),
      jiraTicket: controls.jiraTicket.value.trim(),
      implementationBeginDate: controls.implementationBeginDate.value,
      implementationBeginTime: controls.implementationBeginTime.value,
      implementationEndDate: controls.implementationEndDate.value,
      implementationEndTime: controls.implementationEndTime.value,
      timezone: z,
      implementationStart: toIso(start),
      implementationEnd: toIso(end),
      meetingRequired: meeting ? "yes" : "no",
      include_meeting: meeting,
    };
    for (const [id] of TEXTS) fields[id] = controls[id].value;
    if (meeting) {
      const wall = splitLocal(controls.meetingDate.value);
      const at = toIso(wallClockToDate(wall.date, wall.time, z));
      Object.assign(fields, {
        meetingTitle: controls.meetingTitle.value.trim(),
        meetingDate: at,
        meetingTime: at,
        meetingDuration: Number.parseInt(controls.meetingDuration.value, 10) || DEFAULT_DURATION,
        attendees: controls.attendees.value.trim(),
        meetingLocationType: controls.meetingLocationType.value,
        meetingLocation: controls.meetingLocationType.value === "custom" ? controls.meetingLocation.value.trim() : "",
      });
    }
    return fields;
  }

  /**
   * Check the form and show every problem by its field. `complete`: everything a submission needs; otherwise
   * what a draft needs (a title, and a window that ends after it starts). Focuses the first problem.
   */
  function validate({ complete = true } = {}) {
    clearErrors();
    const problems = [];
    const need = (key, ok, message) => {
      if (!ok) problems.push([key, message]);
    };
    need("changeTitle", controls.changeTitle.value.trim(), "Enter a title.");
    if (complete) {
      need("customers", boxes().some((box) => box.checked), "Choose at least one customer.");
      for (const [id, label] of TEXTS) need(id, controls[id].value.trim(), `Enter the ${label.toLowerCase()}.`);
      need(
        "implementationStart",
        controls.implementationBeginDate.value && controls.implementationBeginTime.value,
        "Enter the start date and time.",
      );
      need(
        "implementationEnd",
        controls.implementationEndDate.value && controls.implementationEndTime.value,
        "Enter the end date and time.",
      );
    }
    const { start, end } = windowInstants();
    if (start && end && end <= start) problems.push(["implementationEnd", "The end must be after the start."]);
    if (controls.meetingRequired.value === "yes") {
      const minutes = Number(controls.meetingDuration.value);
      need(
        "meetingDuration",
        Number.isInteger(minutes) && minutes >= MIN_DURATION && minutes <= MAX_DURATION,
        `Enter a duration from ${MIN_DURATION} to ${MAX_DURATION} minutes.`,
      );
      if (controls.meetingLocationType.value === "custom") {
        need("meetingLocation", controls.meetingLocation.value.trim(), "Enter the meeting location.");
      }
    }
    const shown = new Set();
    for (const [key, message] of problems) {
      if (!shown.has(key)) setError(key, message);
      shown.add(key);
    }
    focusFirstError();
    return problems.length === 0;
  }

  function focusFirstError() {
    const first = form.querySelector('[aria-invalid="true"]');
    if (first) first.focus();
  }

  /** The API's 422 problems by their fields; returns the ones no field could show. */
  function showProblems(problems) {
    clearErrors();
    const leftOver = [];
    for (const problem of problems || []) {
      const raw = String(problem.field || "").split(".")[0];
      const key = PROBLEM_ALIASES[raw] || raw;
      if (key === "meetingDate" || key.startsWith("meeting") || key === "attendees") {
        controls.meetingRequired.value = "yes";
        showMeeting();
      }
      if (!setError(key, problem.message)) leftOver.push(problem);
    }
    focusFirstError();
    return leftOver;
  }

  function setDisabled(disabled) {
    for (const control of form.querySelectorAll("input, select, textarea, button")) control.disabled = disabled;
  }

  reset();
  return { form, controls, fill, reset, values, validate, showProblems, clearErrors, setDisabled, customersFieldset: picker };
}

function summaryField(label, value) {
  if (value === undefined || value === null || value === "") return null;
  return [el("dt", {}, label), el("dd", {}, value)];
}

/** A read-only account of a change (an old version, for instance), built from text nodes only. */
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
      summaryField("Title", document.changeTitle),
      summaryField("Customers", (document.customers || []).map((code) => customerName(customers, code)).join(", ")),
      summaryField("ServiceNow ticket", document.snowTicket),
      summaryField("Jira ticket", document.jiraTicket),
      summaryField("Window starts", formatInBothZones(document.implementationStart, zone)),
      summaryField("Window ends", formatInBothZones(document.implementationEnd, zone)),
      summaryField("Timezone", zone),
      summaryField("Meeting", meeting ? document.meetingTitle || "yes" : "no"),
      summaryField("Modified by", document.modifiedBy),
      summaryField("Modified", document.modifiedAt ? formatInstant(document.modifiedAt) : null),
    ),
    TEXTS.map(([id, label]) =>
      document[id]
        ? el("section", { className: "detail-section" }, el("h3", {}, label), el("p", { className: "prose" }, document[id]))
        : null,
    ),
  );
}
