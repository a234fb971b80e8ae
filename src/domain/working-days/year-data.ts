/**
 * The data the calendar is built from, and its strict parsers.
 *
 * Primitives: `StatutoryHoliday` (a fixed-date holiday of the law, with the years it applies to), `YearData` (what
 * changes every year: the first day of Kurban Ait, decreed transfers, one-off changes, the official monthly counts)
 * and `DayOverride` (a correction STS makes through the API). Everything that reaches the calendar passes through
 * a parser here, the shipped JSON included, so a typo in a data file or an API payload fails with a
 * `CalendarDataError` naming the field instead of silently moving a deadline. Unknown keys are rejected (STYLE.md,
 * habit 7).
 */
import { isoWeekday, parseCivilDate, toDayNumber, yearOf, describe, type CivilDate } from "./civil-date.js";
import { CalendarDataError, CalendarError } from "./errors.js";

/** First and last year the calendar answers for. 2023 is the first year of today's holiday list (law of 2022). */
export const CALENDAR_FIRST_YEAR = 2023;
export const CALENDAR_LAST_YEAR = 2100;

export const DAY_KINDS = ["working", "weekend", "holiday", "carry-over", "decreed-day-off", "decreed-working-day"] as const;
export type DayKind = (typeof DAY_KINDS)[number];

export interface StatutoryHoliday {
  /** Stable key for translations and for telling the two Constitution Days apart from other holidays. */
  readonly id: string;
  readonly month: number;
  readonly day: number;
  readonly name: string;
  /** Law «On holidays» art. 5: a national or state holiday on a Saturday or Sunday gives the next working day off. */
  readonly carriesOver: boolean;
  /** First and last year it applies (inclusive); absent = open. */
  readonly since?: number;
  readonly until?: number;
  readonly basis: string;
}

export interface Transfer {
  /** The weekday (Mon–Fri) that becomes a day of rest. */
  readonly dayOff: CivilDate;
  /** The Saturday or Sunday that becomes a working day. */
  readonly workingDay: CivilDate;
  readonly reference: string;
  readonly url?: string;
}

export interface YearChange {
  readonly date: CivilDate;
  /** `add-holiday`: a one-off holiday of that year; `remove-holiday`: a statutory holiday that does not apply. */
  readonly change: "add-holiday" | "remove-holiday";
  readonly id?: string;
  readonly name: string;
  readonly carriesOver: boolean;
  readonly reference: string;
}

export interface YearData {
  readonly year: number;
  /** True when checked against the official production calendar of MTSZN for that year. */
  readonly verified: boolean;
  /** First day(s) of Kurban Ait (two in a Gregorian year when the lunar year wraps, e.g. January and December). */
  readonly kurbanAit: { readonly dates: readonly CivilDate[]; readonly reference: string; readonly url?: string };
  readonly transfers: readonly Transfer[];
  readonly changes: readonly YearChange[];
  /** Working days per month on a five-day week as the official production calendar gives them. */
  readonly officialWorkingDays?: { readonly perMonth: readonly number[]; readonly reference: string; readonly url?: string; readonly note?: string };
  readonly sources: readonly { readonly title: string; readonly url: string }[];
  readonly notes: readonly string[];
}

export interface DayOverride {
  readonly date: CivilDate;
  readonly kind: DayKind;
  readonly name?: string;
  readonly reference?: string;
}

type Obj = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new CalendarDataError(`${path}: ${message}`);
}

function obj(v: unknown, path: string, allowed: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `expected an object, got ${describe(v)}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(`${path}.${k}`, "unknown key");
  return v as Obj;
}

function arr(v: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(v)) fail(path, `expected an array, got ${describe(v)}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== "string" || v.trim() === "") fail(path, "expected a non-empty string");
  return v;
}

function optStr(v: unknown, path: string): string | undefined {
  return v === undefined ? undefined : str(v, path);
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, `expected true or false, got ${describe(v)}`);
  return v;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(path, `expected an integer in ${min}–${max}, got ${describe(v)}`);
  return v;
}

function date(v: unknown, path: string): CivilDate {
  try {
    return parseCivilDate(v);
  } catch (e) {
    // parseCivilDate throws only InvalidDateError or DateOutOfRangeError; re-raise as a data error with the path.
    return fail(path, (e as CalendarError).message);
  }
}

function inRange(year: number, path: string): number {
  if (year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR) fail(path, `year ${year} is outside ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}`);
  return year;
}

function isWeekendDate(d: CivilDate): boolean {
  return isoWeekday(toDayNumber(d)) >= 6;
}

export function parseStatutoryHolidays(input: unknown): readonly StatutoryHoliday[] {
  const root = obj(input, "statutory", ["description", "sources", "holidays"]);
  return Object.freeze(
    arr(root.holidays, "statutory.holidays").map((h, i) => {
      const p = `statutory.holidays[${i}]`;
      const o = obj(h, p, ["id", "month", "day", "name", "carriesOver", "since", "until", "basis"]);
      const month = int(o.month, `${p}.month`, 1, 12);
      const day = int(o.day, `${p}.day`, 1, 31);
      // 2024 is a leap year, so this admits 29 February and rejects 30 February.
      date(`2024-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`, `${p}.day`);
      const since = o.since === undefined ? undefined : int(o.since, `${p}.since`, 1990, CALENDAR_LAST_YEAR);
      const until = o.until === undefined ? undefined : int(o.until, `${p}.until`, 1990, CALENDAR_LAST_YEAR);
      if (since !== undefined && until !== undefined && since > until) fail(p, "since is after until");
      return Object.freeze({
        id: str(o.id, `${p}.id`),
        month,
        day,
        name: str(o.name, `${p}.name`),
        carriesOver: bool(o.carriesOver, `${p}.carriesOver`),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        basis: str(o.basis, `${p}.basis`),
      });
    }),
  );
}

/**
 * Parses one year of data. Checks what can be checked without the rest of the calendar: dates exist and lie in
 * that year, a transfer moves a day of rest from a weekend day to a weekday. Conflicts with holidays are checked
 * when the calendar is built.
 */
export function parseYearData(input: unknown): YearData {
  const o = obj(input, "year", ["year", "verified", "kurbanAit", "transfers", "changes", "officialWorkingDays", "sources", "notes"]);
  const year = inRange(int(o.year, "year.year", CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR), "year.year");
  const p = `year[${year}]`;
  const sameYear = (d: CivilDate, path: string): CivilDate => (yearOf(d) === year ? d : fail(path, `${d} is not in ${year}`));

  const k = obj(o.kurbanAit, `${p}.kurbanAit`, ["dates", "reference", "url"]);
  const kurbanDates = arr(k.dates, `${p}.kurbanAit.dates`).map((d, i) => sameYear(date(d, `${p}.kurbanAit.dates[${i}]`), `${p}.kurbanAit.dates[${i}]`));
  if (kurbanDates.length < 1 || kurbanDates.length > 2) fail(`${p}.kurbanAit.dates`, "expected one or two dates");

  const transfers = arr(o.transfers, `${p}.transfers`).map((t, i) => {
    const tp = `${p}.transfers[${i}]`;
    const to = obj(t, tp, ["dayOff", "workingDay", "reference", "url"]);
    const dayOff = sameYear(date(to.dayOff, `${tp}.dayOff`), `${tp}.dayOff`);
    const workingDay = sameYear(date(to.workingDay, `${tp}.workingDay`), `${tp}.workingDay`);
    if (isWeekendDate(dayOff)) fail(`${tp}.dayOff`, `${dayOff} is already a weekend day`);
    if (!isWeekendDate(workingDay)) fail(`${tp}.workingDay`, `${workingDay} is not a Saturday or Sunday`);
    const url = optStr(to.url, `${tp}.url`);
    return Object.freeze({ dayOff, workingDay, reference: str(to.reference, `${tp}.reference`), ...(url ? { url } : {}) });
  });

  const changes = (o.changes === undefined ? [] : arr(o.changes, `${p}.changes`)).map((c, i) => {
    const cp = `${p}.changes[${i}]`;
    const co = obj(c, cp, ["date", "change", "id", "name", "carriesOver", "reference"]);
    if (co.change !== "add-holiday" && co.change !== "remove-holiday") fail(`${cp}.change`, `expected add-holiday or remove-holiday, got ${describe(co.change)}`);
    const id = optStr(co.id, `${cp}.id`);
    return Object.freeze({
      date: sameYear(date(co.date, `${cp}.date`), `${cp}.date`),
      change: co.change,
      ...(id ? { id } : {}),
      name: str(co.name, `${cp}.name`),
      carriesOver: co.carriesOver === undefined ? false : bool(co.carriesOver, `${cp}.carriesOver`),
      reference: str(co.reference, `${cp}.reference`),
    });
  });

  let officialWorkingDays: YearData["officialWorkingDays"];
  if (o.officialWorkingDays !== undefined) {
    const wp = `${p}.officialWorkingDays`;
    const w = obj(o.officialWorkingDays, wp, ["perMonth", "reference", "url", "note"]);
    const perMonth = arr(w.perMonth, `${wp}.perMonth`).map((n, i) => int(n, `${wp}.perMonth[${i}]`, 0, 31));
    if (perMonth.length !== 12) fail(`${wp}.perMonth`, "expected 12 numbers");
    const url = optStr(w.url, `${wp}.url`);
    const note = optStr(w.note, `${wp}.note`);
    officialWorkingDays = Object.freeze({
      perMonth: Object.freeze(perMonth),
      reference: str(w.reference, `${wp}.reference`),
      ...(url ? { url } : {}),
      ...(note ? { note } : {}),
    });
  }

  const sources = (o.sources === undefined ? [] : arr(o.sources, `${p}.sources`)).map((s, i) => {
    const so = obj(s, `${p}.sources[${i}]`, ["title", "url"]);
    return Object.freeze({ title: str(so.title, `${p}.sources[${i}].title`), url: str(so.url, `${p}.sources[${i}].url`) });
  });
  const notes = (o.notes === undefined ? [] : arr(o.notes, `${p}.notes`)).map((n, i) => str(n, `${p}.notes[${i}]`));
  const kurl = optStr(k.url, `${p}.kurbanAit.url`);

  return Object.freeze({
    year,
    verified: bool(o.verified, `${p}.verified`),
    kurbanAit: Object.freeze({ dates: Object.freeze(kurbanDates), reference: str(k.reference, `${p}.kurbanAit.reference`), ...(kurl ? { url: kurl } : {}) }),
    transfers: Object.freeze(transfers),
    changes: Object.freeze(changes),
    ...(officialWorkingDays ? { officialWorkingDays } : {}),
    sources: Object.freeze(sources),
    notes: Object.freeze(notes),
  });
}

/** Parses one STS correction: `{ date, kind, name?, reference? }`. */
export function parseOverride(input: unknown, index = 0): DayOverride {
  const p = `overrides[${index}]`;
  const o = obj(input, p, ["date", "kind", "name", "reference"]);
  const d = date(o.date, `${p}.date`);
  inRange(yearOf(d), `${p}.date`);
  if (typeof o.kind !== "string" || !(DAY_KINDS as readonly string[]).includes(o.kind)) {
    fail(`${p}.kind`, `expected one of ${DAY_KINDS.join(", ")}, got ${describe(o.kind)}`);
  }
  const name = optStr(o.name, `${p}.name`);
  const reference = optStr(o.reference, `${p}.reference`);
  return Object.freeze({ date: d, kind: o.kind as DayKind, ...(name ? { name } : {}), ...(reference ? { reference } : {}) });
}
