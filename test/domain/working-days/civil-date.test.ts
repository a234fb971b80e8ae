import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addCalendarDays,
  daysInMonth,
  describe as describeValue,
  fromDayNumber,
  isCivilDate,
  isoWeekday,
  parseCivilDate,
  toDayNumber,
  yearOf,
} from "../../../src/domain/working-days/civil-date.js";
import { DateOutOfRangeError, InvalidDateError, InvalidDayCountError } from "../../../src/domain/working-days/errors.js";

for (const ok of ["2024-02-29", "2025-12-31", "1900-01-01", "2199-12-31", "2026-03-15"]) {
  test(`ok/parses ${ok}`, () => {
    assert.equal(parseCivilDate(ok), ok);
    assert.equal(isCivilDate(ok), true);
  });
}

const invalid: [string, unknown][] = [
  ["not a date", "tomorrow"],
  ["30 February", "2025-02-30"],
  ["29 February of a common year", "2025-02-29"],
  ["month 13", "2025-13-01"],
  ["month 0", "2025-00-10"],
  ["day 0", "2025-01-00"],
  ["a time attached", "2025-01-01T00:00:00Z"],
  ["one-digit month", "2025-1-01"],
  ["a number", 20250101],
  ["a Date", new Date("2025-01-01")],
  ["null", null],
  ["undefined", undefined],
];
for (const [what, value] of invalid) {
  test(`fail/${what} is an InvalidDateError`, () => {
    assert.throws(() => parseCivilDate(value), InvalidDateError);
    assert.equal(isCivilDate(value), false);
  });
}

for (const out of ["1899-12-31", "2200-01-01"]) {
  test(`fail/${out} is outside the civil range`, () => {
    assert.throws(() => parseCivilDate(out), DateOutOfRangeError);
  });
}

test("ok/day numbers round-trip and 1970-01-01 is day 0, a Thursday", () => {
  assert.equal(toDayNumber(parseCivilDate("1970-01-01")), 0);
  assert.equal(isoWeekday(0), 4);
  assert.equal(isoWeekday(-1), 3);
  assert.equal(isoWeekday(toDayNumber(parseCivilDate("2026-03-21"))), 6); // Saturday
  assert.equal(isoWeekday(toDayNumber(parseCivilDate("2026-03-22"))), 7); // Sunday
  assert.equal(fromDayNumber(toDayNumber(parseCivilDate("2024-02-29"))), "2024-02-29");
  assert.equal(yearOf(parseCivilDate("2026-01-01")), 2026);
});

test("ok/daysInMonth knows leap years", () => {
  assert.equal(daysInMonth(2024, 2), 29);
  assert.equal(daysInMonth(2025, 2), 28);
  assert.equal(daysInMonth(2100, 2), 28);
  assert.equal(daysInMonth(2000, 2), 29);
  assert.equal(daysInMonth(2025, 12), 31);
});

const calendarDays: [string, number, string][] = [
  ["2025-12-29", 3, "2026-01-01"],
  ["2024-02-28", 1, "2024-02-29"],
  ["2025-02-28", 1, "2025-03-01"],
  ["2025-03-07", 30, "2025-04-06"],
  ["2025-01-31", 60, "2025-04-01"],
  ["2026-01-10", -10, "2025-12-31"],
  ["2026-05-01", 0, "2026-05-01"],
];
for (const [from, n, to] of calendarDays) {
  test(`ok/addCalendarDays ${from} ${n >= 0 ? "+" : ""}${n} = ${to}`, () => {
    assert.equal(addCalendarDays(from, n), to);
  });
}

test("fail/addCalendarDays refuses bad counts and bad dates", () => {
  assert.throws(() => addCalendarDays("2025-01-01", 1.5), InvalidDayCountError);
  assert.throws(() => addCalendarDays("2025-01-01", Number.NaN), InvalidDayCountError);
  assert.throws(() => addCalendarDays("2025-01-01", Number.POSITIVE_INFINITY), InvalidDayCountError);
  assert.throws(() => addCalendarDays("2025-02-30", 1), InvalidDateError);
  assert.throws(() => addCalendarDays("2199-12-31", 1), DateOutOfRangeError);
  assert.throws(() => addCalendarDays("1900-01-01", -1), DateOutOfRangeError);
});

test("ok/describe names what it was given without dumping it", () => {
  assert.equal(describeValue("x"), '"x"');
  assert.equal(describeValue(3), "3");
  assert.equal(describeValue(true), "true");
  assert.equal(describeValue(1n), "1");
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue(new Date(0)), "a Date");
  assert.equal(describeValue({ a: 1 }), "object");
  assert.equal(describeValue([1]), "an array");
  assert.equal(describeValue(undefined), "undefined");
});
