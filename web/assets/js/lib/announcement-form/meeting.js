// The optional meeting of an announcement: its title (following the announcement's until edited), its start as
// wall-clock time in a chosen zone, its length, attendees and place.
import { el } from "../dom.js";
import { errorSlot, field, input } from "../form/fields.js";
import { rule } from "../form/problems.js";
import { dateToWallClock, formatInBothZones, toIso, viewerZone, wallClockToDate } from "../time.js";
import { setZone, zoneSelect } from "../zone-select.js";

const DEFAULT_DURATION = 60;
const DEFAULT_LOCATION = "Microsoft Teams";
const NO_MEETING = {
  meeting_title: null,
  meeting_date: null,
  meeting_timezone: null,
  meeting_duration: null,
  attendees: null,
  meeting_location: null,
};

export function meetingTitleFor(title) {
  return `Announcement Meeting: ${title}`;
}

/** The meeting's switch and fieldset, given the announcement's title control. */
export function announcementMeeting(titleControl) {
  const include = el("input", { type: "checkbox", id: "include_meeting", name: "include_meeting" });
  const controls = {
    meeting_title: input("meeting_title", "text", { maxlength: 300 }),
    meeting_day: input("meeting_day", "date"),
    meeting_time: input("meeting_time", "time"),
    meeting_timezone: zoneSelect("meeting_timezone"),
    meeting_duration: input("meeting_duration", "number", { min: 15, max: 480, step: 15 }),
    attendees: input("attendees", "text"),
    meeting_location: input("meeting_location", "text", { maxlength: 300 }),
  };
  const preview = el("p", { className: "zone-preview", id: "meetingPreview", "aria-live": "polite" });
  const fieldset = el(
    "fieldset",
    { id: "meeting-fieldset", className: "meeting-fields" },
    el("legend", {}, "Meeting"),
    field(controls.meeting_title, "Meeting title"),
    el(
      "div",
      { className: "row" },
      field(controls.meeting_day, "Date", { required: true, errorKey: "meeting_date" }),
      field(controls.meeting_time, "Start time", { required: true, errorKey: "meeting_date" }),
      field(controls.meeting_timezone, "Time zone"),
      field(controls.meeting_duration, "Duration (minutes)", { required: true, hint: "15 to 480, in steps of 15." }),
    ),
    errorSlot("meeting_date"),
    preview,
    field(controls.attendees, "Attendees", {
      hint: "Email addresses separated by commas; the customers' subscribers are invited anyway.",
    }),
    field(controls.meeting_location, "Location"),
  );
  const switchField = el("div", { className: "field field-check" }, el("label", { for: "include_meeting" }, include, " Include a meeting"));
  let titleFollows = true;

  const followTitle = () => {
    if (titleFollows) controls.meeting_title.value = titleControl.value.trim() ? meetingTitleFor(titleControl.value.trim()) : "";
  };
  const startsAt = () =>
    toIso(wallClockToDate(controls.meeting_day.value, controls.meeting_time.value, controls.meeting_timezone.value));
  const showPreview = () => {
    const at = startsAt();
    preview.textContent = at ? `Starts ${formatInBothZones(at, controls.meeting_timezone.value)}` : "Choose a date and a start time.";
  };
  const show = () => {
    fieldset.hidden = !include.checked;
    fieldset.disabled = !include.checked;
    if (include.checked) {
      followTitle();
      showPreview();
    }
  };
  titleControl.addEventListener("input", followTitle);
  controls.meeting_title.addEventListener("input", () => {
    titleFollows = controls.meeting_title.value === "" || controls.meeting_title.value === meetingTitleFor(titleControl.value.trim());
  });
  include.addEventListener("change", show);
  for (const control of [controls.meeting_day, controls.meeting_time, controls.meeting_timezone]) {
    control.addEventListener("change", showPreview);
  }

  const dayAndTime = () => [controls.meeting_day, controls.meeting_time];
  return {
    nodes: [switchField, fieldset],
    include,
    controls,
    rules: [
      rule("meeting_date", dayAndTime, () => !include.checked || Boolean(startsAt()), "Enter the meeting's date and start time."),
      rule(
        "meeting_duration",
        () => [controls.meeting_duration],
        () => {
          const minutes = Number(controls.meeting_duration.value);
          return !include.checked || (Number.isInteger(minutes) && minutes >= 15 && minutes <= 480);
        },
        "Enter a duration from 15 to 480 minutes.",
        { draft: true },
      ),
    ],
    targets: { meeting_date: dayAndTime },
    fill(document) {
      const zone = document.meeting_timezone || viewerZone();
      const wall = document.meeting_date ? dateToWallClock(document.meeting_date, zone) : { date: "", time: "" };
      include.checked = Boolean(document.include_meeting);
      controls.meeting_title.value = document.meeting_title || "";
      titleFollows = !document.meeting_title || document.meeting_title === meetingTitleFor(document.title || "");
      controls.meeting_day.value = wall.date;
      controls.meeting_time.value = wall.time;
      setZone(controls.meeting_timezone, zone);
      controls.meeting_duration.value = String(Number(document.meeting_duration) || DEFAULT_DURATION);
      controls.attendees.value = document.attendees || "";
      controls.meeting_location.value = document.meeting_location || DEFAULT_LOCATION;
      show();
    },
    values() {
      if (!include.checked) return { include_meeting: false, ...NO_MEETING };
      return {
        include_meeting: true,
        meeting_title: controls.meeting_title.value.trim() || meetingTitleFor(titleControl.value.trim()),
        meeting_date: startsAt(),
        meeting_timezone: controls.meeting_timezone.value,
        meeting_duration: Number(controls.meeting_duration.value) || DEFAULT_DURATION,
        attendees: controls.attendees.value.trim(),
        meeting_location: controls.meeting_location.value.trim(),
      };
    },
  };
}
