/**
 * Properties of the calendar (fast-check). Quick profile by default; QAQPA_DEEP_PROPERTIES=1 runs the deep one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DAY_KINDS,
  SHIPPED_YEARS,
  addCalendarDays,
  addWorkingDays,
  buildCalendar,
  civilDateOf,
  endOfCivilDay,
  isWorkingDay,
  startOfCivilDay,
  workingDaysBetween,
} from "../../../src/domain/working-days/index.js";

const numRuns = process.env.QAQPA_DEEP_PROPERTIES === "1" ? 20_000 : 200;
const cal = buildCalendar({ years: SHIPPED_YEARS });

// Any day 2023-01-01 … 2094 (leaves room for 800 working days before the calendar ends in 2100).
const date = fc.integer({ min: 0, max: 26_000 }).map((k) => addCalendarDays("2023-01-01", k));
const count = fc.integer({ min: 0, max: 400 });
const override = fc.record({ date: fc.integer({ min: 0, max: 1_500 }).map((k) => addCalendarDays("2024-01-01", k)), kind: fc.constantFrom(...DAY_KINDS) });
const overrides = fc.uniqueArray(override, { selector: (o) => o.date, maxLength: 30 });

test("ok/property: workingDaysBetween(d, addWorkingDays(d, n)) === n, and the result is a working day after d", () => {
  fc.assert(
    fc.property(date, count, (d, n) => {
      const due = addWorkingDays(d, n, cal);
      assert.equal(workingDaysBetween(d, due, cal), n);
      if (n > 0) {
        assert.equal(isWorkingDay(due, cal), true);
        assert.ok(due > d);
      } else assert.equal(due, d);
    }),
    { numRuns },
  );
});

test("ok/property: the same holds on calendars with arbitrary STS overrides", () => {
  fc.assert(
    fc.property(overrides, fc.integer({ min: 0, max: 1_400 }), fc.integer({ min: 1, max: 60 }), (os, k, n) => {
      const c = buildCalendar({ years: SHIPPED_YEARS, overrides: os });
      const d = addCalendarDays("2024-01-01", k);
      const due = addWorkingDays(d, n, c);
      assert.equal(workingDaysBetween(d, due, c), n);
      assert.equal(isWorkingDay(due, c), true);
    }),
    { numRuns: Math.ceil(numRuns / 4) },
  );
});

test("ok/property: counting in steps is counting at once", () => {
  fc.assert(
    fc.property(date, count, count, (d, n, m) => {
      assert.equal(addWorkingDays(addWorkingDays(d, n, cal), m, cal), addWorkingDays(d, n + m, cal));
    }),
    { numRuns },
  );
});

test("ok/property: workingDaysBetween is antisymmetric and additive", () => {
  const start = fc.integer({ min: 0, max: 27_000 });
  const offset = fc.integer({ min: -365, max: 365 });
  fc.assert(
    fc.property(start, offset, offset, (k, i, j) => {
      const a = addCalendarDays("2024-01-01", k);
      const b = addCalendarDays(a, i);
      const c = addCalendarDays(a, j);
      assert.equal(workingDaysBetween(a, b, cal), 0 - workingDaysBetween(b, a, cal));
      assert.equal(workingDaysBetween(a, c, cal), workingDaysBetween(a, b, cal) + workingDaysBetween(b, c, cal));
    }),
    { numRuns },
  );
});

test("ok/property: every instant lies inside its Almaty civil day, and days tile time", () => {
  // 2015 … 2035: before, across and after the change to UTC+5 on 1 March 2024.
  const instant = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) }).map((ms) => new Date(ms));
  fc.assert(
    fc.property(instant, (t) => {
      const d = civilDateOf(t);
      const start = startOfCivilDay(d).getTime();
      const end = endOfCivilDay(d).getTime();
      assert.ok(start <= t.getTime() && t.getTime() < end);
      assert.equal(startOfCivilDay(addCalendarDays(d, 1)).getTime(), end);
      const hours = (end - start) / 3_600_000;
      assert.ok(hours === 24 || (d === "2024-02-29" && hours === 25), `${d} lasts ${hours} h`);
    }),
    { numRuns },
  );
});
