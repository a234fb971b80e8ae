import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_YEAR,
  DAY_KINDS,
  parseOverride,
  parseStatutoryHolidays,
  parseYearData,
} from "../../../src/domain/working-days/year-data.js";
import { CalendarDataError } from "../../../src/domain/working-days/errors.js";

/** A well-formed year; each fail/ case below breaks one thing in it. */
function year(): Record<string, unknown> {
  return {
    year: 2025,
    verified: true,
    kurbanAit: { dates: ["2025-06-06"], reference: "MTSZN", url: "https://example.kz/k" },
    transfers: [{ dayOff: "2025-01-03", workingDay: "2025-01-05", reference: "Order No. 436", url: "https://example.kz/t" }],
    changes: [{ date: "2025-11-03", change: "add-holiday", id: "extra", name: "Extra day", carriesOver: true, reference: "Law" }],
    officialWorkingDays: { perMonth: [20, 20, 17, 22, 19, 20, 22, 21, 21, 22, 20, 22], reference: "MTSZN", url: "https://example.kz/b", note: "n" },
    sources: [{ title: "t", url: "https://example.kz" }],
    notes: ["a note"],
  };
}

test("ok/a full year parses and is frozen", () => {
  const y = parseYearData(year());
  assert.equal(y.year, 2025);
  assert.equal(y.verified, true);
  assert.deepEqual(y.kurbanAit, { dates: ["2025-06-06"], reference: "MTSZN", url: "https://example.kz/k" });
  assert.deepEqual(y.transfers, [{ dayOff: "2025-01-03", workingDay: "2025-01-05", reference: "Order No. 436", url: "https://example.kz/t" }]);
  assert.deepEqual(y.changes, [{ date: "2025-11-03", change: "add-holiday", id: "extra", name: "Extra day", carriesOver: true, reference: "Law" }]);
  assert.equal(y.officialWorkingDays?.perMonth.length, 12);
  assert.equal(y.officialWorkingDays?.note, "n");
  assert.deepEqual(y.notes, ["a note"]);
  assert.ok(Object.isFrozen(y) && Object.isFrozen(y.transfers) && Object.isFrozen(y.kurbanAit.dates));
});

test("ok/optional parts may be left out", () => {
  const y = year();
  delete y.changes;
  delete y.officialWorkingDays;
  delete y.sources;
  delete y.notes;
  (y.kurbanAit as Record<string, unknown>).url = undefined;
  (y.transfers as Record<string, unknown>[])[0]!.url = undefined;
  const p = parseYearData(y);
  assert.deepEqual(p.changes, []);
  assert.equal(p.officialWorkingDays, undefined);
  assert.deepEqual(p.sources, []);
  assert.equal("url" in p.kurbanAit, false);
  assert.equal("url" in p.transfers[0]!, false);
});

test("ok/a one-off change defaults to not carrying over and may omit its id", () => {
  const y = year();
  y.changes = [{ date: "2025-11-03", change: "remove-holiday", name: "x", reference: "r" }];
  assert.deepEqual(parseYearData(y).changes, [{ date: "2025-11-03", change: "remove-holiday", name: "x", carriesOver: false, reference: "r" }]);
});

test("ok/an official count without url or note", () => {
  const y = year();
  y.officialWorkingDays = { perMonth: Array(12).fill(20), reference: "r" };
  assert.deepEqual(parseYearData(y).officialWorkingDays, { perMonth: Array(12).fill(20), reference: "r" });
});

const broken: [string, (y: Record<string, any>) => void, RegExp][] = [
  ["an unknown key", (y) => (y.holidays = []), /year\.holidays: unknown key/],
  ["a year before the calendar", (y) => (y.year = 2022), /year\.year/],
  ["a year after the calendar", (y) => (y.year = 2101), /year\.year/],
  ["a fractional year", (y) => (y.year = 2025.5), /year\.year/],
  ["verified is a string", (y) => (y.verified = "yes"), /verified: expected true or false/],
  ["no Kurban Ait date", (y) => (y.kurbanAit.dates = []), /one or two dates/],
  ["three Kurban Ait dates", (y) => (y.kurbanAit.dates = ["2025-06-06", "2025-06-07", "2025-06-08"]), /one or two dates/],
  ["Kurban Ait in another year", (y) => (y.kurbanAit.dates = ["2026-05-27"]), /is not in 2025/],
  ["Kurban Ait on 30 February", (y) => (y.kurbanAit.dates = ["2025-02-30"]), /kurbanAit\.dates\[0\]: no such day/],
  ["Kurban Ait without a reference", (y) => (y.kurbanAit.reference = " "), /kurbanAit\.reference/],
  ["transfers is not an array", (y) => (y.transfers = {}), /transfers: expected an array/],
  ["a decreed day off on a Sunday", (y) => (y.transfers[0].dayOff = "2025-01-05"), /already a weekend day/],
  ["a decreed working day on a Friday", (y) => (y.transfers[0].workingDay = "2025-01-03"), /not a Saturday or Sunday/],
  ["a transfer into another year", (y) => (y.transfers[0].workingDay = "2024-12-28"), /is not in 2025/],
  ["a transfer with an extra key", (y) => (y.transfers[0].decree = "x"), /transfers\[0\]\.decree: unknown key/],
  ["a change of unknown type", (y) => (y.changes[0].change = "move"), /add-holiday or remove-holiday/],
  ["a change with carriesOver = 1", (y) => (y.changes[0].carriesOver = 1), /carriesOver/],
  ["eleven monthly counts", (y) => y.officialWorkingDays.perMonth.pop(), /expected 12 numbers/],
  ["a monthly count of 32", (y) => (y.officialWorkingDays.perMonth[0] = 32), /perMonth\[0\]/],
  ["a source without url", (y) => (y.sources = [{ title: "t" }]), /sources\[0\]\.url/],
  ["a note that is a number", (y) => (y.notes = [1]), /notes\[0\]/],
  ["a url that is empty", (y) => (y.kurbanAit.url = ""), /kurbanAit\.url/],
];
for (const [what, breakIt, message] of broken) {
  test(`fail/year data with ${what}`, () => {
    const y = year();
    breakIt(y);
    assert.throws(() => parseYearData(y), (e: unknown) => e instanceof CalendarDataError && message.test(e.message));
  });
}

test("fail/year data that is not an object at all", () => {
  for (const v of [null, "2025", 2025, [year()]]) {
    assert.throws(() => parseYearData(v), (e: unknown) => e instanceof CalendarDataError && /year: expected an object/.test(e.message));
  }
});

test("ok/overrides parse with and without name and reference", () => {
  assert.deepEqual(parseOverride({ date: "2026-05-28", kind: "holiday", name: "Kurban Ait moved", reference: "DUMK" }), {
    date: "2026-05-28",
    kind: "holiday",
    name: "Kurban Ait moved",
    reference: "DUMK",
  });
  assert.deepEqual(parseOverride({ date: "2026-05-27", kind: "working" }), { date: "2026-05-27", kind: "working" });
  for (const kind of DAY_KINDS) assert.equal(parseOverride({ date: "2026-01-05", kind }).kind, kind);
});

const badOverrides: [string, unknown, RegExp][] = [
  ["an unknown kind", { date: "2026-01-05", kind: "day-off" }, /overrides\[3\]\.kind: expected one of/],
  ["no kind", { date: "2026-01-05" }, /kind/],
  ["an impossible date", { date: "2026-02-29", kind: "holiday" }, /overrides\[3\]\.date: no such day/],
  ["a date before the calendar", { date: "2022-12-31", kind: "holiday" }, /outside 2023–2100/],
  ["an extra key", { date: "2026-01-05", kind: "holiday", by: "me" }, /overrides\[3\]\.by: unknown key/],
  ["an empty name", { date: "2026-01-05", kind: "holiday", name: "" }, /name/],
];
for (const [what, input, message] of badOverrides) {
  test(`fail/override with ${what}`, () => {
    assert.throws(() => parseOverride(input, 3), (e: unknown) => e instanceof CalendarDataError && message.test(e.message));
  });
}

test("ok/the statutory list parses, with open and closed year ranges", () => {
  const list = parseStatutoryHolidays({
    description: "d",
    sources: [],
    holidays: [
      { id: "a", month: 2, day: 29, name: "A", carriesOver: true, basis: "b" },
      { id: "b", month: 8, day: 30, name: "B", carriesOver: true, until: 2025, since: 1996, basis: "b" },
    ],
  });
  assert.deepEqual(list[0], { id: "a", month: 2, day: 29, name: "A", carriesOver: true, basis: "b" });
  assert.equal(list[1]?.until, 2025);
  assert.equal(list[1]?.since, 1996);
});

const badStatutory: [string, unknown, RegExp][] = [
  ["30 February", { id: "a", month: 2, day: 30, name: "A", carriesOver: true, basis: "b" }, /holidays\[0\]\.day/],
  ["month 13", { id: "a", month: 13, day: 1, name: "A", carriesOver: true, basis: "b" }, /holidays\[0\]\.month/],
  ["since after until", { id: "a", month: 1, day: 1, name: "A", carriesOver: true, since: 2027, until: 2025, basis: "b" }, /since is after until/],
  ["no basis", { id: "a", month: 1, day: 1, name: "A", carriesOver: true }, /basis/],
  ["an unknown key", { id: "a", month: 1, day: 1, name: "A", carriesOver: true, basis: "b", moves: true }, /unknown key/],
];
for (const [what, holiday, message] of badStatutory) {
  test(`fail/statutory holiday with ${what}`, () => {
    assert.throws(() => parseStatutoryHolidays({ holidays: [holiday] }), (e: unknown) => e instanceof CalendarDataError && message.test(e.message));
  });
}

test("ok/the calendar range is 2023–2100", () => {
  assert.equal(CALENDAR_FIRST_YEAR, 2023);
  assert.equal(CALENDAR_LAST_YEAR, 2100);
});
