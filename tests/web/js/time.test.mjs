// Wall-clock times in IANA zones, as the change form converts them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dateToWallClock, formatWindow, toIso, wallClockToDate } from "../../../web/assets/js/lib/time.js";

test("a wall-clock time is read in the chosen zone, not the computer's", () => {
  assert.equal(toIso(wallClockToDate("2030-01-07", "10:00", "America/New_York")), "2030-01-07T15:00:00Z");
  assert.equal(toIso(wallClockToDate("2030-07-07", "10:00", "America/New_York")), "2030-07-07T14:00:00Z");
  assert.equal(toIso(wallClockToDate("2030-01-07", "09:00", "Asia/Tokyo")), "2030-01-07T00:00:00Z");
  assert.equal(toIso(wallClockToDate("2030-01-07", "09:00", "Asia/Kolkata")), "2030-01-07T03:30:00Z");
});

test("times beside a daylight-saving change land on the right side of it", () => {
  // Europe/London moves from GMT to BST at 01:00 UTC on 2030-03-31.
  assert.equal(toIso(wallClockToDate("2030-03-31", "00:30", "Europe/London")), "2030-03-31T00:30:00Z");
  assert.equal(toIso(wallClockToDate("2030-03-31", "02:30", "Europe/London")), "2030-03-31T01:30:00Z");
  assert.equal(toIso(wallClockToDate("2030-10-27", "12:00", "Europe/London")), "2030-10-27T12:00:00Z");
});

test("a stored instant reads back as the same wall clock in its zone", () => {
  assert.deepEqual(dateToWallClock("2030-01-07T00:00:00Z", "Asia/Tokyo"), { date: "2030-01-07", time: "09:00" });
  assert.deepEqual(dateToWallClock("2030-01-07T15:00:00Z", "America/New_York"), { date: "2030-01-07", time: "10:00" });
});

test("a missing date or time is no time at all", () => {
  assert.equal(wallClockToDate("", "10:00", "UTC"), null);
  assert.equal(wallClockToDate("2030-01-07", "", "UTC"), null);
});

test("a window is written in the viewer's zone, with the change's own zone beside it when that differs", () => {
  const start = "2030-01-07T15:00:00Z";
  const end = "2030-01-07T17:00:00Z";
  const inNewYork = formatWindow(start, end, "America/New_York", "America/New_York");
  assert.match(inNewYork, /Jan 7, 2030/);
  assert.match(inNewYork, /10:00\sAM\s?–\s?12:00\sPM/);
  assert.equal(inNewYork.match(/2030/g).length, 1, "one day is written once");
  const fromTokyo = formatWindow(start, end, "Asia/Tokyo", "America/New_York");
  assert.ok(fromTokyo.startsWith(inNewYork), fromTokyo);
  assert.match(fromTokyo, /\(.*Jan 8, 2030, 12:00.*2:00\sAM.*, Asia\/Tokyo\)$/);
  assert.equal(formatWindow(start, null, "UTC"), "not set");
});
