import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCalendar } from "../../../src/domain/working-days/calendar.js";
import { SHIPPED_YEARS } from "../../../src/domain/working-days/data/index.js";
import {
  addWorkingDays,
  firstWorkingDayFrom,
  workingDaysBetween,
  workingDaysInMonth,
} from "../../../src/domain/working-days/deadlines.js";
import { DateOutOfRangeError, InvalidDateError, InvalidDayCountError } from "../../../src/domain/working-days/errors.js";

const cal = buildCalendar({ years: SHIPPED_YEARS });

const add: [string, number, string, string][] = [
  ["2025-03-07", 10, "2025-03-27", "across 8 March (Sat → Mon 10) and Nauryz (Fri 21, carry-overs Mon 24, Tue 25)"],
  ["2025-12-29", 5, "2026-01-08", "across the year boundary, New Year and Orthodox Christmas"],
  ["2025-12-29", 10, "2026-01-15", "ten days from the same receipt"],
  ["2024-12-31", 3, "2025-01-08", "Friday 3 January off and Sunday 5 January worked (order No. 436)"],
  ["2024-05-03", 1, "2024-05-04", "Saturday 4 May 2024 was a working day"],
  ["2024-05-06", 2, "2024-05-13", "7 May holiday, 8 May decreed off, 9 May holiday"],
  ["2026-03-21", 1, "2026-03-26", "receipt on a holiday Saturday: day 0 is that Saturday"],
  ["2026-03-22", 0, "2026-03-22", "zero days is the day of receipt itself"],
  ["2026-08-28", 1, "2026-08-31", "31 August 2026 is a working day (no Constitution Day carry-over)"],
  ["2024-06-14", 1, "2024-06-17", "17 June 2024 was worked: Kurban Ait fell on Sunday 16"],
];
for (const [from, n, due, why] of add) {
  test(`ok/addWorkingDays ${from} + ${n} = ${due} — ${why}`, () => {
    assert.equal(addWorkingDays(from, n, cal), due);
    assert.equal(workingDaysBetween(from, due, cal), n);
  });
}

const badCounts: [string, unknown][] = [
  ["a negative", -1],
  ["a fractional", 1.5],
  ["a NaN", Number.NaN],
  ["an infinite", Number.POSITIVE_INFINITY],
  ["a string", "10"],
];
for (const [what, n] of badCounts) {
  test(`fail/addWorkingDays with ${what} count is an InvalidDayCountError`, () => {
    assert.throws(() => addWorkingDays("2025-03-07", n as number, cal), InvalidDayCountError);
  });
}

test("fail/addWorkingDays from a bad date, or past the calendar's end", () => {
  assert.throws(() => addWorkingDays("2025-02-30", 1, cal), InvalidDateError);
  assert.throws(() => addWorkingDays("not a date", 1, cal), InvalidDateError);
  assert.throws(() => addWorkingDays("2022-06-01", 1, cal), DateOutOfRangeError);
  assert.throws(() => addWorkingDays("2100-12-30", 5, cal), DateOutOfRangeError);
});

const between: [string, string, number][] = [
  ["2026-01-05", "2026-01-05", 0],
  ["2026-03-21", "2026-03-25", 0],
  ["2026-03-25", "2026-03-21", 0],
  ["2025-03-27", "2025-03-07", -10],
  ["2024-01-01", "2024-12-31", 249],
  ["2025-12-31", "2024-12-31", -246],
  ["2025-12-31", "2026-12-31", 247],
];
for (const [a, b, n] of between) {
  test(`ok/workingDaysBetween ${a} and ${b} is ${n}`, () => {
    assert.equal(workingDaysBetween(a, b, cal), n);
    assert.equal(workingDaysBetween(b, a, cal), 0 - n);
  });
}

test("fail/workingDaysBetween with a bad date", () => {
  assert.throws(() => workingDaysBetween("2025-01-01", "2025-13-01", cal), InvalidDateError);
  assert.throws(() => workingDaysBetween("2101-01-01", "2025-01-01", cal), DateOutOfRangeError);
});

const first: [string, string][] = [
  ["2026-03-21", "2026-03-26"],
  ["2026-03-26", "2026-03-26"],
  ["2025-01-04", "2025-01-05"],
  ["2025-12-31", "2025-12-31"],
];
for (const [from, to] of first) {
  test(`ok/firstWorkingDayFrom ${from} is ${to}`, () => {
    assert.equal(firstWorkingDayFrom(from, cal), to);
  });
}

test("fail/firstWorkingDayFrom runs out of calendar", () => {
  const c = buildCalendar({ overrides: [{ date: "2100-12-31", kind: "holiday", name: "test" }] });
  assert.throws(() => firstWorkingDayFrom("2100-12-31", c), DateOutOfRangeError);
  assert.throws(() => firstWorkingDayFrom("2025-02-29", c), InvalidDateError);
});

test("ok/workingDaysInMonth", () => {
  assert.equal(workingDaysInMonth(2024, 6, cal), 20);
  assert.equal(workingDaysInMonth(2026, 8, cal), 21);
  assert.equal(workingDaysInMonth(2025, 1, cal), 20);
});

test("fail/workingDaysInMonth with no such month or outside the calendar", () => {
  for (const m of [0, 13, 1.5]) assert.throws(() => workingDaysInMonth(2025, m, cal), InvalidDayCountError);
  assert.throws(() => workingDaysInMonth(2022, 12, cal), DateOutOfRangeError);
  assert.throws(() => workingDaysInMonth(2101, 1, cal), DateOutOfRangeError);
});
