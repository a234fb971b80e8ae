import { test } from "node:test";
import assert from "node:assert/strict";
import { TIME_ZONE, civilDateOf, endOfCivilDay, startOfCivilDay } from "../../../src/domain/working-days/almaty.js";
import { DateOutOfRangeError, InvalidDateError } from "../../../src/domain/working-days/errors.js";

// Almaty was UTC+6 until the clock went back one hour at 00:00 on 1 March 2024 (Government decree No. 20 of
// 19 January 2024). A fixed offset gets one side of that change wrong; these instants sit on both sides of it.
const instants: [string, string, string][] = [
  ["2024-01-10T18:30:00.000Z", "2024-01-11", "00:30 at UTC+6 (a fixed +5 would say the 10th)"],
  ["2025-01-10T18:30:00.000Z", "2025-01-10", "23:30 at UTC+5 (a fixed +6 would say the 11th)"],
  ["2024-02-28T17:59:59.999Z", "2024-02-28", "last instant of 28 February at UTC+6"],
  ["2024-02-28T18:00:00.000Z", "2024-02-29", "midnight at UTC+6"],
  ["2024-02-29T17:59:59.999Z", "2024-02-29", "23:59:59.999 at UTC+6, just before the change"],
  ["2024-02-29T18:00:00.000Z", "2024-02-29", "the clock shows 23:00 again, now at UTC+5"],
  ["2024-02-29T18:59:59.999Z", "2024-02-29", "end of the repeated hour"],
  ["2024-02-29T19:00:00.000Z", "2024-03-01", "midnight at UTC+5"],
  ["2025-12-31T18:59:59.999Z", "2025-12-31", "last instant of 2025"],
  ["2025-12-31T19:00:00.000Z", "2026-01-01", "first instant of 2026"],
];
for (const [iso, date, why] of instants) {
  test(`ok/civilDateOf ${iso} is ${date} — ${why}`, () => {
    assert.equal(civilDateOf(new Date(iso)), date);
  });
}

test("ok/the zone is Asia/Almaty", () => {
  assert.equal(TIME_ZONE, "Asia/Almaty");
});

const days: [string, string, string][] = [
  ["2024-02-28", "2024-02-27T18:00:00.000Z", "2024-02-28T18:00:00.000Z"],
  ["2024-02-29", "2024-02-28T18:00:00.000Z", "2024-02-29T19:00:00.000Z"],
  ["2024-03-01", "2024-02-29T19:00:00.000Z", "2024-03-01T19:00:00.000Z"],
  ["2025-12-31", "2025-12-30T19:00:00.000Z", "2025-12-31T19:00:00.000Z"],
  ["2026-03-21", "2026-03-20T19:00:00.000Z", "2026-03-21T19:00:00.000Z"],
];
for (const [date, start, end] of days) {
  test(`ok/${date} runs from ${start} to ${end} (exclusive)`, () => {
    assert.equal(startOfCivilDay(date).toISOString(), start);
    assert.equal(endOfCivilDay(date).toISOString(), end);
    assert.equal(civilDateOf(startOfCivilDay(date)), date);
    assert.equal(civilDateOf(new Date(endOfCivilDay(date).getTime() - 1)), date);
    assert.notEqual(civilDateOf(endOfCivilDay(date)), date);
    assert.notEqual(civilDateOf(new Date(startOfCivilDay(date).getTime() - 1)), date);
  });
}

test("ok/29 February 2024 lasted 25 hours in Almaty, 1 March 24", () => {
  const hours = (d: string) => (endOfCivilDay(d).getTime() - startOfCivilDay(d).getTime()) / 3_600_000;
  assert.equal(hours("2024-02-29"), 25);
  assert.equal(hours("2024-03-01"), 24);
  assert.equal(hours("2024-02-28"), 24);
});

test("fail/civilDateOf refuses what is not a valid instant", () => {
  assert.throws(() => civilDateOf(new Date(Number.NaN)), InvalidDateError);
  assert.throws(() => civilDateOf("2025-01-01" as unknown as Date), InvalidDateError);
  assert.throws(() => civilDateOf(new Date("2300-01-01T00:00:00Z")), DateOutOfRangeError);
});

test("fail/start and end of a day that does not exist or is out of range", () => {
  assert.throws(() => startOfCivilDay("2025-02-30"), InvalidDateError);
  assert.throws(() => endOfCivilDay("31.12.2025"), InvalidDateError);
  assert.throws(() => endOfCivilDay("2199-12-31"), DateOutOfRangeError);
});
