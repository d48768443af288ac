// The calendar's days: civil-date arithmetic, and events and freezes placed on the days they touch in a zone.
import assert from "node:assert/strict";
import { test } from "node:test";

import { addDays, addMonths, daysTouched, endOfMonth, startOfWeek, weekdayOf } from "../../../web/assets/js/lib/calendar/days.js";
import { byDay } from "../../../web/assets/js/lib/calendar/entries.js";

test("weeks start on Monday and months end where they end", () => {
  assert.equal(weekdayOf("2030-01-07"), 0);
  assert.equal(startOfWeek("2030-01-13"), "2030-01-07");
  assert.equal(addDays("2030-02-28", 1), "2030-03-01");
  assert.equal(addMonths("2030-01-31", 1), "2030-02-28");
  assert.equal(endOfMonth("2032-02-10"), "2032-02-29");
});

test("a window lands on the days it touches in the viewer's zone, an exclusive end at midnight on none", () => {
  assert.deepEqual(daysTouched("2030-01-07T23:30:00Z", "2030-01-08T00:30:00Z", "UTC"), ["2030-01-07", "2030-01-08"]);
  assert.deepEqual(daysTouched("2030-01-07T23:30:00Z", "2030-01-08T00:30:00Z", "Asia/Tokyo"), ["2030-01-08"]);
  assert.deepEqual(daysTouched("2030-01-07T10:00:00Z", "2030-01-08T00:00:00Z", "UTC"), ["2030-01-07"]);
});

test("each day of a view holds its events in order and the freezes over it", () => {
  const data = {
    events: [
      { id: "CHG-b", start: "2030-01-07T12:00:00Z", end: "2030-01-07T13:00:00Z" },
      { id: "CHG-a", start: "2030-01-07T09:00:00Z", end: "2030-01-08T10:00:00Z" },
    ],
    freezes: [{ name: "Year-end", start: "2030-01-08T00:00:00Z", end: "2030-01-10T00:00:00Z" }],
  };
  const days = byDay(data, ["2030-01-07", "2030-01-08", "2030-01-09", "2030-01-10"], "UTC");
  assert.deepEqual(days.get("2030-01-07").events.map((event) => event.id), ["CHG-a", "CHG-b"]);
  assert.deepEqual(days.get("2030-01-08").events.map((event) => event.id), ["CHG-a"]);
  assert.deepEqual([...days.values()].map((day) => day.freezes.length), [0, 1, 1, 0]);
});
