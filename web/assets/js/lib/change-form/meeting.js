// The meeting of a change: whether there is one, and its title, start, length, attendees and place. Until the
// user edits them, the title follows the change's title and the start and length follow the window.
import { el } from "../dom.js";
import { errorSlot, field, group, input, select } from "../form/fields.js";
import { rule } from "../form/problems.js";
import { dateToWallClock, minutesBetween, toIso, wallClockToDate } from "../time.js";

export const MEETING_TITLE_PREFIX = "Change Implementation Meeting: ";
const DEFAULT_DURATION = 60;
const MIN_DURATION = 15;
const MAX_DURATION = 480;

function splitLocal(value) {
  const [date, time] = String(value || "").split("T");
  return { date: date || "", time: (time || "").slice(0, 5) };
}

/** The meeting's fieldset and controller, given the change's title control and its window (`schedule`). */
export function changeMeeting(titleControl, schedule) {
  const controls = {
    meetingRequired: select("meetingRequired", [
      ["no", "No meeting"],
      ["yes", "Yes: schedule a meeting when the change is approved"],
    ]),
    meetingTitle: input("meetingTitle", "text", { maxlength: 300, autocomplete: "off" }),
    meetingDate: input("meetingDate", "datetime-local"),
    meetingDuration: input("meetingDuration", "number", { min: MIN_DURATION, max: MAX_DURATION, step: 15 }),
    attendees: input("attendees", "text", { autocomplete: "off" }),
    meetingLocationType: select("meetingLocationType", [
      ["default", "Microsoft Teams"],
      ["custom", "Another location"],
    ]),
    meetingLocation: input("meetingLocation", "text", { maxlength: 300, autocomplete: "off" }),
  };
  const locationField = field(controls.meetingLocation, "Meeting location", {
    hint: "A room or an address, when the meeting is not on Microsoft Teams.",
  });
  const details = el(
    "div",
    { id: "meetingDetails", hidden: true },
    field(controls.meetingTitle, "Meeting title", { hint: "Filled in from the change title until you edit it." }),
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
  const fieldset = group("Meeting", [
    field(controls.meetingRequired, "Meeting", {
      hint: "After approval a meeting is scheduled and the customers' subscribers are invited.",
      errorKey: "include_meeting",
    }),
    errorSlot("include_meeting"),
    details,
  ]);
  let titleFollows = true;
  let durationFollows = true;
  const wanted = () => controls.meetingRequired.value === "yes";

  function followTitle() {
    if (!titleFollows) return;
    const title = titleControl.value.trim();
    controls.meetingTitle.value = title ? MEETING_TITLE_PREFIX + title : "";
  }

  function followWindow() {
    if (!wanted()) return;
    const begin = schedule.controls;
    if (!controls.meetingDate.value && begin.implementationBeginDate.value && begin.implementationBeginTime.value) {
      controls.meetingDate.value = `${begin.implementationBeginDate.value}T${begin.implementationBeginTime.value}`;
    }
    if (durationFollows) {
      const { start, end } = schedule.instants();
      const minutes = minutesBetween(start, end);
      if (minutes >= MIN_DURATION && minutes <= MAX_DURATION && minutes % 15 === 0) {
        controls.meetingDuration.value = String(minutes);
      }
    }
  }

  function show() {
    details.hidden = !wanted();
    locationField.hidden = controls.meetingLocationType.value !== "custom";
    followWindow();
  }

  titleControl.addEventListener("input", followTitle);
  controls.meetingTitle.addEventListener("input", () => {
    const title = titleControl.value.trim();
    titleFollows = !controls.meetingTitle.value || controls.meetingTitle.value === MEETING_TITLE_PREFIX + title;
  });
  controls.meetingDuration.addEventListener("input", () => {
    durationFollows = false;
  });
  controls.meetingRequired.addEventListener("change", show);
  controls.meetingLocationType.addEventListener("change", show);

  function setNone() {
    controls.meetingRequired.value = "no";
    controls.meetingDate.value = "";
    controls.meetingDuration.value = String(DEFAULT_DURATION);
    controls.attendees.value = "";
    controls.meetingLocationType.value = "default";
    controls.meetingLocation.value = "";
    titleFollows = true;
    durationFollows = true;
    followTitle();
    show();
  }

  return {
    fieldset,
    controls,
    rules: [
      rule(
        "meetingDuration",
        () => [controls.meetingDuration],
        () => {
          const minutes = Number(controls.meetingDuration.value);
          return !wanted() || (Number.isInteger(minutes) && minutes >= MIN_DURATION && minutes <= MAX_DURATION);
        },
        `Enter a duration from ${MIN_DURATION} to ${MAX_DURATION} minutes.`,
        { draft: true },
      ),
      rule(
        "meetingLocation",
        () => [controls.meetingLocation],
        () => !wanted() || controls.meetingLocationType.value !== "custom" || Boolean(controls.meetingLocation.value.trim()),
        "Enter the meeting location.",
        { draft: true },
      ),
    ],
    targets: { include_meeting: () => [controls.meetingRequired] },
    /** No meeting (a new change, or a copy: a copy never takes its source's meeting). */
    reset: setNone,
    /** Open the meeting's fields: the API reported a problem in one of them. */
    reveal() {
      controls.meetingRequired.value = "yes";
      show();
    },
    fill(document, zone) {
      const title = document.changeTitle || document.title || "";
      const chosen = document.meetingRequired || (document.include_meeting ? "yes" : "no");
      controls.meetingRequired.value = chosen === "yes" ? "yes" : "no";
      controls.meetingTitle.value = document.meetingTitle || "";
      titleFollows = !document.meetingTitle || document.meetingTitle === MEETING_TITLE_PREFIX + title;
      followTitle();
      const at = document.meetingTime || document.meetingDate;
      const wall = at ? dateToWallClock(at, zone) : { date: "", time: "" };
      controls.meetingDate.value = wall.date ? `${wall.date}T${wall.time}` : "";
      const duration = Number.parseInt(document.meetingDuration, 10);
      controls.meetingDuration.value = String(Number.isFinite(duration) ? duration : DEFAULT_DURATION);
      durationFollows = !Number.isFinite(duration);
      controls.attendees.value = document.attendees || "";
      controls.meetingLocationType.value = document.meetingLocationType === "custom" ? "custom" : "default";
      controls.meetingLocation.value = document.meetingLocation || "";
      show();
    },
    /** The API's meeting fields; only `meetingRequired`/`include_meeting` when there is none. */
    values(zone) {
      const fields = { meetingRequired: wanted() ? "yes" : "no", include_meeting: wanted() };
      if (!wanted()) return fields;
      const wall = splitLocal(controls.meetingDate.value);
      const at = toIso(wallClockToDate(wall.date, wall.time, zone));
      return {
        ...fields,
        meetingTitle: controls.meetingTitle.value.trim(),
        meetingDate: at,
        meetingTime: at,
        meetingDuration: Number.parseInt(controls.meetingDuration.value, 10) || DEFAULT_DURATION,
        attendees: controls.attendees.value.trim(),
        meetingLocationType: controls.meetingLocationType.value,
        meetingLocation: controls.meetingLocationType.value === "custom" ? controls.meetingLocation.value.trim() : "",
      };
    },
  };
}
