// The implementation window of a change: wall-clock dates and times in a chosen IANA zone, shown back in the
// viewer's time and in UTC, converted to UTC instants for the API. The end must come after the start, checked
// as the user types.
import { clear, el } from "../dom.js";
import { errorSlot, field, group, input } from "../form/fields.js";
import { rule } from "../form/problems.js";
import { dateToWallClock, dayInZone, defaultZone, formatInstant, isZone, toIso, viewerZone, wallClockToDate } from "../time.js";
import { setZone, zoneSelect } from "../zone-select.js";

const DEFAULT_BEGIN = "10:00";
const DEFAULT_END = "17:00";
export const END_BEFORE_START = "The end must be after the start.";

/** The window's fieldset and its controller; `display` shows its problems. */
export function implementationWindow(display) {
  const controls = {
    timezone: zoneSelect("timezone"),
    implementationBeginDate: input("implementationBeginDate", "date"),
    implementationBeginTime: input("implementationBeginTime", "time"),
    implementationEndDate: input("implementationEndDate", "date"),
    implementationEndTime: input("implementationEndTime", "time"),
  };
  const preview = el("div", { className: "zone-preview", id: "windowPreview", "aria-live": "polite" });
  // Untouched defaults ("tomorrow") follow the zone: tomorrow is tomorrow where the change happens.
  let defaulted = true;
  const fieldset = group(
    "Implementation window",
    [
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
    ],
    { id: "windowFieldset" },
  );

  const zone = () => controls.timezone.value || defaultZone();

  function instants() {
    const z = zone();
    return {
      start: wallClockToDate(controls.implementationBeginDate.value, controls.implementationBeginTime.value, z),
      end: wallClockToDate(controls.implementationEndDate.value, controls.implementationEndTime.value, z),
    };
  }

  function showPreview() {
    const { start, end } = instants();
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

  const endsAfterStart = () => {
    const { start, end } = instants();
    return !(start && end && end <= start);
  };

  function checkOrder() {
    if (endsAfterStart()) display.clear("implementationEnd");
    else display.show("implementationEnd", END_BEFORE_START);
  }

  for (const [key, control] of Object.entries(controls)) {
    control.addEventListener("change", () => {
      if (key !== "timezone") defaulted = false;
      else if (defaulted) {
        controls.implementationBeginDate.value = dayInZone(zone(), 1);
        controls.implementationEndDate.value = controls.implementationBeginDate.value;
      }
      if (key === "implementationBeginDate" && !controls.implementationEndDate.value) {
        controls.implementationEndDate.value = controls.implementationBeginDate.value;
      }
      showPreview();
      checkOrder();
    });
  }

  const has = (date, time) => () => Boolean(controls[date].value && controls[time].value);
  const beginControls = () => [controls.implementationBeginDate, controls.implementationBeginTime];
  const endControls = () => [controls.implementationEndDate, controls.implementationEndTime];
  const rules = [
    rule("implementationStart", beginControls, has("implementationBeginDate", "implementationBeginTime"), "Enter the start date and time."),
    rule("implementationEnd", endControls, has("implementationEndDate", "implementationEndTime"), "Enter the end date and time."),
    rule("implementationEnd", endControls, endsAfterStart, END_BEFORE_START, { draft: true }),
  ];

  return {
    fieldset,
    controls,
    zone,
    instants,
    rules,
    targets: { implementationStart: beginControls, implementationEnd: endControls },
    /** Tomorrow 10:00–17:00 in the default zone. */
    reset() {
      setZone(controls.timezone, defaultZone());
      const day = dayInZone(zone(), 1);
      controls.implementationBeginDate.value = day;
      controls.implementationEndDate.value = day;
      controls.implementationBeginTime.value = DEFAULT_BEGIN;
      controls.implementationEndTime.value = DEFAULT_END;
      defaulted = true;
      showPreview();
    },
    /** A stored change's window, in its own zone (the instants are the truth; the flat fields if one is missing). */
    fill(document) {
      defaulted = false;
      const own = document.timezone && isZone(document.timezone) ? document.timezone : defaultZone();
      setZone(controls.timezone, own);
      const begin = document.implementationStart
        ? dateToWallClock(document.implementationStart, own)
        : { date: document.implementationBeginDate || "", time: document.implementationBeginTime || "" };
      const end = document.implementationEnd
        ? dateToWallClock(document.implementationEnd, own)
        : { date: document.implementationEndDate || "", time: document.implementationEndTime || "" };
      controls.implementationBeginDate.value = begin.date;
      controls.implementationBeginTime.value = begin.time;
      controls.implementationEndDate.value = end.date;
      controls.implementationEndTime.value = end.time;
      showPreview();
      checkOrder();
    },
    values() {
      const { start, end } = instants();
      return {
        implementationBeginDate: controls.implementationBeginDate.value,
        implementationBeginTime: controls.implementationBeginTime.value,
        implementationEndDate: controls.implementationEndDate.value,
        implementationEndTime: controls.implementationEndTime.value,
        timezone: zone(),
        implementationStart: toIso(start),
        implementationEnd: toIso(end),
      };
    },
  };
}
