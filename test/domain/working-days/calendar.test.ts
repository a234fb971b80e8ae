import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Calendar,
  buildCalendar,
  dayInfo,
  estimateKurbanAit,
  isVerifiedYear,
  isWorkingDay,
  type DayInfo,
} from "../../../src/domain/working-days/calendar.js";
import { SHIPPED_YEARS } from "../../../src/domain/working-days/data/index.js";
import { CalendarDataError, DateOutOfRangeError, InvalidDateError } from "../../../src/domain/working-days/errors.js";

const cal = buildCalendar({ years: SHIPPED_YEARS });

type Expect = Partial<Omit<DayInfo, "date" | "carriedFrom">> & { carriedFrom?: string };
const days: [string, Expect, string][] = [
  // 2026 — official production calendar of MTSZN, corrected for the Constitution of 15 March 2026
  ["2026-01-01", { kind: "holiday", holidayId: "new-year", working: false }, "New Year"],
  ["2026-01-03", { kind: "weekend", working: false }, "Saturday, no transfer in 2026"],
  ["2026-01-05", { kind: "working", working: true }, "Monday after the New Year weekend"],
  ["2026-01-07", { kind: "holiday", holidayId: "orthodox-christmas" }, "Orthodox Christmas on a Wednesday"],
  ["2026-03-09", { kind: "carry-over", carriedFrom: "2026-03-08", holidayId: "womens-day" }, "8 March was a Sunday"],
  ["2026-03-21", { kind: "holiday", holidayId: "nauryz" }, "Nauryz on a Saturday"],
  ["2026-03-23", { kind: "holiday", holidayId: "nauryz" }, "Nauryz on a Monday"],
  ["2026-03-24", { kind: "carry-over", carriedFrom: "2026-03-21" }, "Saturday's Nauryz day skips Monday 23 (itself Nauryz)"],
  ["2026-03-25", { kind: "carry-over", carriedFrom: "2026-03-22" }, "Sunday's Nauryz day stacks after it"],
  ["2026-03-26", { kind: "working" }, "back to work"],
  ["2026-05-11", { kind: "carry-over", carriedFrom: "2026-05-09", holidayId: "victory-day" }, "Victory Day on a Saturday"],
  ["2026-05-27", { kind: "holiday", holidayId: "kurban-ait", name: "Kurban Ait (first day)" }, "Kurban Ait from the 2026 data"],
  ["2026-08-30", { kind: "weekend" }, "no longer Constitution Day"],
  ["2026-08-31", { kind: "working", working: true }, "so no carry-over either (MTSZN, March 2026)"],
  ["2026-10-26", { kind: "carry-over", carriedFrom: "2026-10-25", holidayId: "republic-day" }, "Republic Day on a Sunday"],
  ["2026-12-16", { kind: "holiday", holidayId: "independence-day" }, "Independence Day"],
  // 2025
  ["2025-01-03", { kind: "decreed-day-off", working: false }, "Order No. 436: Friday made a day of rest"],
  ["2025-01-05", { kind: "decreed-working-day", working: true }, "Order No. 436: Sunday made a working day"],
  ["2025-03-10", { kind: "carry-over", carriedFrom: "2025-03-08" }, "8 March on a Saturday"],
  ["2025-03-24", { kind: "carry-over", carriedFrom: "2025-03-22" }, "Nauryz Saturday"],
  ["2025-03-25", { kind: "carry-over", carriedFrom: "2025-03-23" }, "Nauryz Sunday"],
  ["2025-06-06", { kind: "holiday", holidayId: "kurban-ait" }, "Kurban Ait on a Friday"],
  ["2025-07-07", { kind: "carry-over", carriedFrom: "2025-07-06", holidayId: "capital-day" }, "Capital Day on a Sunday"],
  ["2025-09-01", { kind: "carry-over", carriedFrom: "2025-08-30", holidayId: "constitution-day" }, "30 August still Constitution Day in 2025"],
  ["2025-10-27", { kind: "carry-over", carriedFrom: "2025-10-25" }, "Republic Day on a Saturday"],
  // 2024
  ["2024-01-07", { kind: "holiday", holidayId: "orthodox-christmas" }, "Christmas on a Sunday"],
  ["2024-01-08", { kind: "working" }, "religious days off do not carry over (Labour Code art. 84 p.5)"],
  ["2024-03-25", { kind: "carry-over", carriedFrom: "2024-03-23" }, "Nauryz Saturday"],
  ["2024-05-04", { kind: "decreed-working-day", working: true }, "MTSZN order of 17 April 2024: Saturday worked"],
  ["2024-05-08", { kind: "decreed-day-off", working: false }, "… for Wednesday 8 May off"],
  ["2024-06-16", { kind: "holiday", holidayId: "kurban-ait" }, "Kurban Ait on a Sunday"],
  ["2024-06-17", { kind: "working", working: true }, "not carried over, though first announced for this day"],
  ["2024-07-08", { kind: "carry-over", carriedFrom: "2024-07-06" }, "Capital Day on a Saturday"],
  // years without data: statutory holidays and carry-over only, flagged unverified
  ["2023-01-03", { kind: "carry-over", carriedFrom: "2023-01-01", verified: false }, "1 January on a Sunday, 2 January itself a holiday"],
  ["2023-01-07", { kind: "holiday", verified: false }, "Christmas on a Saturday"],
  ["2023-01-09", { kind: "working", verified: false }, "not carried over"],
  ["2023-06-28", { kind: "holiday", holidayId: "kurban-ait", estimated: true, verified: false }, "estimated Kurban Ait (matches 2023)"],
  ["2027-03-15", { kind: "holiday", holidayId: "constitution-day", verified: false }, "the new Constitution Day"],
  ["2027-05-16", { kind: "holiday", estimated: true, name: "Kurban Ait (first day, estimated)" }, "estimated Kurban Ait on a Sunday"],
  ["2027-05-17", { kind: "working" }, "no carry-over for it"],
  ["2027-08-30", { kind: "working" }, "30 August is an ordinary Monday"],
  ["2028-01-03", { kind: "carry-over", carriedFrom: "2028-01-01" }, "New Year on Saturday"],
  ["2028-01-04", { kind: "carry-over", carriedFrom: "2028-01-02" }, "and Sunday"],
];
for (const [date, expect, why] of days) {
  test(`ok/${date} is ${expect.kind} — ${why}`, () => {
    const info = dayInfo(date, cal);
    assert.equal(info.date, date);
    for (const [k, v] of Object.entries(expect)) assert.deepEqual(info[k as keyof DayInfo], v, `${k} of ${date}`);
    assert.equal(isWorkingDay(date, cal), info.working);
    assert.equal(info.working, info.kind === "working" || info.kind === "decreed-working-day");
  });
}

test("ok/every shipped year is verified, others are not", () => {
  assert.deepEqual(cal.verifiedYears, [2024, 2025, 2026]);
  assert.equal(isVerifiedYear(2025, cal), true);
  assert.equal(isVerifiedYear(2027, cal), false);
  assert.equal(dayInfo("2026-06-01", cal).verified, true);
  assert.equal(cal.yearData(2025)?.transfers.length, 1);
  assert.equal(cal.yearData(2030), undefined);
});

test("ok/a calendar without year data still has the law, every year unverified", () => {
  const bare = buildCalendar();
  assert.deepEqual(bare.verifiedYears, []);
  assert.equal(dayInfo("2025-01-03", bare).kind, "working"); // the 2025 transfer is year data
  assert.equal(dayInfo("2025-03-24", bare).kind, "carry-over");
  assert.equal(dayInfo("2025-06-06", bare).estimated, true);
  assert.ok(bare instanceof Calendar);
});

test("ok/an unverified year with data says so", () => {
  const y = { year: 2027, verified: false, kurbanAit: { dates: ["2027-05-16"], reference: "DUMK" }, transfers: [] };
  const c = buildCalendar({ years: [y] });
  assert.equal(isVerifiedYear(2027, c), false);
  assert.equal(dayInfo("2027-05-16", c).estimated, undefined);
  assert.deepEqual(c.verifiedYears, []);
});

test("ok/overrides from STS win over everything and are marked", () => {
  // The 2024 case: Kurban Ait moved by a day after the calendar was published.
  const c = buildCalendar({
    years: SHIPPED_YEARS,
    overrides: [
      { date: "2026-05-27", kind: "working", reference: "DUMK: Kurban Ait moved" },
      { date: "2026-05-28", kind: "holiday", name: "Kurban Ait (first day)", reference: "DUMK: Kurban Ait moved" },
      { date: "2026-06-06", kind: "decreed-working-day", name: "Working Saturday" },
      { date: "2026-06-08", kind: "decreed-day-off" },
      { date: "2026-06-10", kind: "weekend" },
    ],
  });
  assert.deepEqual(dayInfo("2026-05-27", c), { date: "2026-05-27", kind: "working", working: true, reference: "DUMK: Kurban Ait moved", overridden: true, verified: true });
  assert.equal(dayInfo("2026-05-28", c).kind, "holiday");
  assert.equal(dayInfo("2026-05-28", c).name, "Kurban Ait (first day)");
  assert.equal(isWorkingDay("2026-05-28", c), false);
  assert.equal(isWorkingDay("2026-06-06", c), true);
  assert.equal(isWorkingDay("2026-06-08", c), false);
  assert.equal(isWorkingDay("2026-06-10", c), false);
  assert.equal(dayInfo("2026-06-10", c).overridden, true);
  // The shipped calendar is not touched by another calendar's overrides.
  assert.equal(isWorkingDay("2026-05-28", cal), true);
});

test("fail/the same override date twice", () => {
  assert.throws(
    () => buildCalendar({ overrides: [{ date: "2026-01-05", kind: "holiday" }, { date: "2026-01-05", kind: "working" }] }),
    (e: unknown) => e instanceof CalendarDataError && /2026-01-05 given twice/.test(e.message),
  );
});

test("fail/the same year twice", () => {
  assert.throws(() => buildCalendar({ years: [...SHIPPED_YEARS, SHIPPED_YEARS[0]] }), /year\[2024\]: given twice/);
});

const base = (changes: unknown[] = [], transfers: unknown[] = [], year = 2030) => ({
  year,
  verified: false,
  kurbanAit: { dates: [`${year}-04-13`], reference: "test" },
  transfers,
  changes,
});

test("ok/a one-off change removes a statutory holiday for one year only", () => {
  const c = buildCalendar({ years: [base([{ date: "2030-05-07", change: "remove-holiday", name: "Defender Day not a day off", reference: "test" }])] });
  assert.equal(dayInfo("2030-05-07", c).kind, "working");
  assert.equal(dayInfo("2031-05-07", c).kind, "holiday");
});

test("ok/a one-off holiday on a Saturday carries over when it says so, and not otherwise", () => {
  const c = buildCalendar({
    years: [
      base([
        { date: "2030-06-01", change: "add-holiday", id: "jubilee", name: "Jubilee", carriesOver: true, reference: "decree" },
        { date: "2030-06-08", change: "add-holiday", name: "Memorial", reference: "decree" },
      ]),
    ],
  });
  assert.deepEqual(
    { ...dayInfo("2030-06-01", c) },
    { date: "2030-06-01", kind: "holiday", name: "Jubilee", holidayId: "jubilee", reference: "decree", working: false, verified: false },
  );
  assert.equal(dayInfo("2030-06-03", c).kind, "carry-over");
  assert.equal(dayInfo("2030-06-08", c).holidayId, "one-off");
  assert.equal(dayInfo("2030-06-10", c).kind, "working");
});

test("ok/carry-over crosses the year boundary", () => {
  // 31 December 2033 is a Saturday; 1–2 January 2034 are holidays (Sunday, Monday).
  const c = buildCalendar({ years: [base([{ date: "2033-12-31", change: "add-holiday", name: "Eve", carriesOver: true, reference: "test" }], [], 2033)] });
  assert.equal(dayInfo("2034-01-02", c).kind, "holiday");
  assert.equal(dayInfo("2034-01-03", c).carriedFrom, "2033-12-31");
  assert.equal(dayInfo("2034-01-04", c).carriedFrom, "2034-01-01");
  assert.equal(dayInfo("2034-01-05", c).kind, "working");
});

test("ok/Kurban Ait on a statutory holiday: one day, both names, and it carries over for the statutory one", () => {
  const c = buildCalendar({ years: [{ year: 2027, verified: false, kurbanAit: { dates: ["2027-05-09"], reference: "test" }, transfers: [] }] });
  const info = dayInfo("2027-05-09", c);
  assert.equal(info.name, "Victory Day; Kurban Ait (first day)");
  assert.equal(info.reference, "Law «On holidays» art. 3; test");
  assert.equal(dayInfo("2027-05-10", c).kind, "carry-over");
});

test("ok/a carry-over skips a decreed day off", () => {
  // 6 July 2030 is a Saturday; a (fictional) decree already makes Monday 8 July a day of rest.
  const c = buildCalendar({ years: [base([], [{ dayOff: "2030-07-08", workingDay: "2030-07-13", reference: "test" }])] });
  assert.equal(dayInfo("2030-07-08", c).kind, "decreed-day-off");
  assert.equal(dayInfo("2030-07-09", c).carriedFrom, "2030-07-06");
  assert.equal(dayInfo("2030-07-13", c).kind, "decreed-working-day");
});

const badTransfers: [string, unknown[], RegExp][] = [
  ["a day off on a holiday", [{ dayOff: "2030-05-07", workingDay: "2030-05-04", reference: "t" }], /2030-05-07 is a holiday/],
  ["a working day on a holiday", [{ dayOff: "2030-05-08", workingDay: "2030-03-23", reference: "t" }], /2030-03-23 is a holiday/],
  [
    "the same day twice",
    [
      { dayOff: "2030-05-08", workingDay: "2030-05-04", reference: "t" },
      { dayOff: "2030-05-10", workingDay: "2030-05-04", reference: "t" },
    ],
    /2030-05-04 is transferred twice/,
  ],
];
for (const [what, transfers, message] of badTransfers) {
  test(`fail/a transfer with ${what}`, () => {
    assert.throws(() => buildCalendar({ years: [base([], transfers)] }), (e: unknown) => e instanceof CalendarDataError && message.test(e.message));
  });
}

test("fail/removing a holiday that is not there", () => {
  assert.throws(
    () => buildCalendar({ years: [base([{ date: "2030-05-08", change: "remove-holiday", name: "x", reference: "t" }])] }),
    /no holiday on 2030-05-08 to remove/,
  );
});

test("fail/questions outside 2023–2100 or about days that do not exist", () => {
  assert.throws(() => dayInfo("2022-12-31", cal), DateOutOfRangeError);
  assert.throws(() => isWorkingDay("2101-01-01", cal), DateOutOfRangeError);
  assert.throws(() => isWorkingDay("2025-02-30", cal), InvalidDateError);
  assert.throws(() => dayInfo("25.12.2025", cal), InvalidDateError);
});

test("ok/Kurban Ait estimates match the official dates of 2023–2026 and wrap twice in 2039", () => {
  assert.deepEqual(estimateKurbanAit(2023), ["2023-06-28"]);
  for (const y of SHIPPED_YEARS) assert.deepEqual(estimateKurbanAit(y.year), y.kurbanAit.dates, `Kurban Ait ${y.year}`);
  assert.deepEqual(estimateKurbanAit(2039), ["2039-01-05", "2039-12-26"]);
});

test("ok/no estimate without an Umm al-Qura calendar (small-ICU builds)", () => {
  const gregorian = new Intl.DateTimeFormat("en-u-ca-gregory", { timeZone: "UTC", month: "numeric", day: "numeric" });
  assert.deepEqual(estimateKurbanAit(2030, gregorian), []);
});
