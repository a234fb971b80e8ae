/**
 * The shipped data against the official production calendars of MTSZN (five-day week): working days per month.
 * Sources and the months confirmed one by one are listed in each data file and in docs/calendar.md.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SHIPPED_YEARS, STATUTORY_HOLIDAYS } from "../../../src/domain/working-days/data/index.js";
import { buildCalendar } from "../../../src/domain/working-days/calendar.js";
import { workingDaysInMonth } from "../../../src/domain/working-days/deadlines.js";

const cal = buildCalendar({ years: SHIPPED_YEARS });

const OFFICIAL: Record<number, { perMonth: number[]; total: number; note: string }> = {
  // MTSZN balance of working time for 2024: 21 21 17 22 20 19 22 21 21 22 21 21 = 248, printed with Kurban Ait on
  // Monday 17 June. Kurban Ait fell on Sunday 16 June (MTSZN, 7 June 2024): June 20, year 249.
  2024: { perMonth: [21, 21, 17, 22, 20, 20, 22, 21, 21, 22, 21, 21], total: 249, note: "June corrected 19 → 20" },
  // MTSZN production calendar for 2025: 246 working days, 119 days of rest.
  2025: { perMonth: [20, 20, 17, 22, 19, 20, 22, 21, 21, 22, 20, 22], total: 246, note: "as published" },
  // MTSZN production calendar for 2026 (5 December 2025): 246, with August 20. The Constitution of 15 March 2026
  // ended 30 August as a holiday, so Monday 31 August is worked: August 21, year 247.
  2026: { perMonth: [19, 20, 18, 22, 17, 22, 22, 21, 22, 21, 21, 22], total: 247, note: "August corrected 20 → 21" },
};
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

for (const [year, official] of Object.entries(OFFICIAL)) {
  official.perMonth.forEach((expected, i) => {
    test(`ok/${year} ${MONTHS[i]} has ${expected} working days`, () => {
      assert.equal(workingDaysInMonth(Number(year), i + 1, cal), expected);
    });
  });
  test(`ok/${year} has ${official.total} working days (${official.note})`, () => {
    assert.equal(official.perMonth.reduce((a, b) => a + b, 0), official.total);
    const computed = MONTHS.map((_, i) => workingDaysInMonth(Number(year), i + 1, cal));
    assert.deepEqual(computed, official.perMonth);
  });
}

test("ok/2026 as first published (30 August still a holiday) had 246 working days, August 20", () => {
  const published = buildCalendar({ years: SHIPPED_YEARS, overrides: [{ date: "2026-08-31", kind: "carry-over" }] });
  assert.equal(workingDaysInMonth(2026, 8, published), 20);
  assert.equal(MONTHS.reduce((n, _, i) => n + workingDaysInMonth(2026, i + 1, published), 0), 246);
});

test("ok/2024 as first published (Kurban Ait on Monday 17 June) had 248 working days, June 19", () => {
  const published = buildCalendar({ years: SHIPPED_YEARS, overrides: [{ date: "2024-06-17", kind: "holiday" }] });
  assert.equal(workingDaysInMonth(2024, 6, published), 19);
  assert.equal(MONTHS.reduce((n, _, i) => n + workingDaysInMonth(2024, i + 1, published), 0), 248);
});

test("ok/every shipped year matches the official counts recorded in its own data file", () => {
  for (const y of SHIPPED_YEARS) {
    assert.ok(y.officialWorkingDays, `${y.year} records the official counts`);
    const computed = MONTHS.map((_, i) => workingDaysInMonth(y.year, i + 1, cal));
    assert.deepEqual(computed, y.officialWorkingDays.perMonth, `${y.year}`);
  }
});

test("ok/every shipped year is verified, sourced, and in order", () => {
  assert.deepEqual(
    SHIPPED_YEARS.map((y) => y.year),
    [2024, 2025, 2026],
  );
  for (const y of SHIPPED_YEARS) {
    assert.equal(y.verified, true);
    assert.ok(y.sources.length > 0);
    for (const s of y.sources) assert.match(s.url, /^https:\/\//);
  }
});

test("ok/every year file in data/ is listed in data/index.ts", () => {
  const dir = fileURLToPath(new URL("../../../src/domain/working-days/data/", import.meta.url));
  const files = readdirSync(dir).filter((f) => /^\d{4}\.json$/.test(f)).map((f) => Number(f.slice(0, 4)));
  assert.deepEqual(files.sort(), SHIPPED_YEARS.map((y) => y.year).sort());
});

test("ok/the statutory list: 13 holidays over 15 days, Constitution Day moved from 30 August to 15 March", () => {
  assert.equal(STATUTORY_HOLIDAYS.length, 15);
  const cons = STATUTORY_HOLIDAYS.filter((h) => h.id === "constitution-day");
  assert.deepEqual(
    cons.map((h) => [h.month, h.day, h.since, h.until]),
    [
      [3, 15, 2027, undefined],
      [8, 30, undefined, 2025],
    ],
  );
  const religious = STATUTORY_HOLIDAYS.filter((h) => !h.carriesOver).map((h) => h.id);
  assert.deepEqual(religious, ["orthodox-christmas"]);
});
