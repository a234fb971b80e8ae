/**
 * Civil dates: a day of the calendar written `YYYY-MM-DD`, with no time of day and no zone.
 *
 * Primitives: `CivilDate` (a branded string, so a checked date cannot be confused with any string),
 * `parseCivilDate`, `addCalendarDays`, and the day number (days since 1970-01-01) that all arithmetic runs on.
 * Arithmetic goes through `Date.UTC`, which has no zone and no daylight saving, so adding days here can never be
 * off by one around a clock change. The zone matters only where an instant becomes a civil date: `almaty.ts`.
 */
import { DateOutOfRangeError, InvalidDateError, InvalidDayCountError } from "./errors.js";

declare const civilDateBrand: unique symbol;
/** A `YYYY-MM-DD` string that has been checked to name a real day. Assignable to `string`. */
export type CivilDate = string & { readonly [civilDateBrand]: true };

/** Outer bounds of any civil date handled here; the calendar itself answers for a narrower range. */
export const CIVIL_FIRST_YEAR = 1900;
export const CIVIL_LAST_YEAR = 2199;

const DAY_MS = 86_400_000;
const SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Checks `value` is a real `YYYY-MM-DD` day; throws `InvalidDateError` (or `DateOutOfRangeError`) otherwise. */
export function parseCivilDate(value: unknown): CivilDate {
  if (typeof value !== "string") throw new InvalidDateError(`expected a YYYY-MM-DD string, got ${describe(value)}`);
  const m = SHAPE.exec(value);
  if (!m) throw new InvalidDateError(`not a YYYY-MM-DD date: ${JSON.stringify(value)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) throw new InvalidDateError(`no month ${month} in ${value}`);
  if (day < 1 || day > daysInMonth(year, month)) throw new InvalidDateError(`no such day: ${value}`);
  if (year < CIVIL_FIRST_YEAR || year > CIVIL_LAST_YEAR) {
    throw new DateOutOfRangeError(`${value} is outside ${CIVIL_FIRST_YEAR}–${CIVIL_LAST_YEAR}`);
  }
  return value as CivilDate;
}

export function isCivilDate(value: unknown): value is CivilDate {
  try {
    parseCivilDate(value);
    return true;
  } catch {
    return false;
  }
}

/** Days since 1970-01-01 (negative before it). */
export function toDayNumber(date: CivilDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

export function fromDayNumber(dayNumber: number): CivilDate {
  return parseCivilDate(new Date(dayNumber * DAY_MS).toISOString().slice(0, 10));
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(dayNumber: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

export function yearOf(date: CivilDate): number {
  return Number(date.slice(0, 4));
}

/**
 * The date `n` calendar days after `date` (before it when `n` is negative). With the day-0 convention of
 * `addWorkingDays`, a period of N calendar days "from" an event ends on `addCalendarDays(event, N)`.
 */
export function addCalendarDays(date: string, n: number): CivilDate {
  const d = parseCivilDate(date);
  if (!Number.isSafeInteger(n)) throw new InvalidDayCountError(`day count must be an integer, got ${describe(n)}`);
  const target = toDayNumber(d) + n;
  const first = Date.UTC(CIVIL_FIRST_YEAR, 0, 1) / DAY_MS;
  const last = Date.UTC(CIVIL_LAST_YEAR, 11, 31) / DAY_MS;
  if (target < first || target > last) {
    throw new DateOutOfRangeError(`${d} ${n >= 0 ? "+" : "-"} ${Math.abs(n)} days is outside ${CIVIL_FIRST_YEAR}–${CIVIL_LAST_YEAR}`);
  }
  return fromDayNumber(target);
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null) return "null";
  if (value instanceof Date) return "a Date";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
