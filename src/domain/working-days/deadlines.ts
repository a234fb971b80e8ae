/**
 * Deadline arithmetic over the working-day calendar.
 *
 * Primitives: `addWorkingDays`, `workingDaysBetween`, `firstWorkingDayFrom`, `workingDaysInMonth`.
 *
 * The day-0 convention. The Rules count "within N working days from the date of receipt" (p.6, p.10, p.17,
 * UGEM p.8–10) and "within N working days after receiving" (p.7, p.13, p.16). Both are read the same way, by the
 * general rule of the Civil Code of the RK for terms defined by a period (General Part, chapter on terms): the
 * term starts on the day after the calendar date or event that begins it. So the day of receipt is day 0
 * (whatever kind of day it is) and the deadline is the Nth working day after it. Reading "from the date" as
 * counting the day of receipt itself would shorten every deadline by a day; docs/calendar.md records the choice.
 *
 *   receipt Fri 2025-03-07 (day 0)
 *   Sat 8 Mar holiday · Sun 9 · Mon 10 carry-over of 8 March
 *   Tue 11 ─ 1 · Wed 12 ─ 2 · Thu 13 ─ 3 · Fri 14 ─ 4 · Mon 17 ─ 5 · … · Thu 20 ─ 8
 *   Fri 21 Nauryz · Sat 22 · Sun 23 · Mon 24, Tue 25 carry-overs of 22 and 23 March
 *   Wed 26 ─ 9 · Thu 27 ─ 10  ⇒  a 10-working-day deadline (p.6) falls on 2025-03-27
 *
 * The act is in time until the deadline day ends in Almaty: `endOfCivilDay(deadline)`, an exclusive bound.
 */
import { fromDayNumber, parseCivilDate, type CivilDate } from "./civil-date.js";
import { calendarDayNumber, type Calendar } from "./calendar.js";
import { DateOutOfRangeError, InvalidDayCountError } from "./errors.js";
import { CALENDAR_LAST_YEAR } from "./year-data.js";

const LAST_DAY = Date.UTC(CALENDAR_LAST_YEAR, 11, 31) / 86_400_000;

/**
 * The Nth working day after `date` (day 0). `n = 0` returns `date` itself, whatever kind of day it is. Counting
 * backwards is not defined by the Rules and is refused (`InvalidDayCountError`) rather than guessed.
 */
export function addWorkingDays(date: string, n: number, cal: Calendar): CivilDate {
  let d = calendarDayNumber(date);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidDayCountError(`working-day count must be a non-negative integer, got ${String(n)}`);
  }
  for (let left = n; left > 0; ) {
    d++;
    if (d > LAST_DAY) throw new DateOutOfRangeError(`${date} + ${n} working days is past the end of ${CALENDAR_LAST_YEAR}`);
    if (cal.isWorkingAt(d)) left--;
  }
  return fromDayNumber(d);
}

/**
 * Working days from `a` to `b` under the same convention: the working days after `a` up to and including `b`;
 * negative when `b` is before `a`. So `workingDaysBetween(d, addWorkingDays(d, n, cal), cal) === n`, and
 * `workingDaysBetween(a, b) === -workingDaysBetween(b, a)`.
 */
export function workingDaysBetween(a: string, b: string, cal: Calendar): number {
  const from = calendarDayNumber(a);
  const to = calendarDayNumber(b);
  const [lo, hi, sign] = from <= to ? [from, to, 1] : [to, from, -1];
  let count = 0;
  for (let d = lo + 1; d <= hi; d++) if (cal.isWorkingAt(d)) count++;
  return count === 0 ? 0 : sign * count; // never -0
}

/**
 * `date` if it is a working day, else the next working day. For calendar-day periods whose last day must be a
 * working day (a workflow decides whether a given term rolls forward; `addCalendarDays` never does).
 */
export function firstWorkingDayFrom(date: string, cal: Calendar): CivilDate {
  let d = calendarDayNumber(date);
  while (!cal.isWorkingAt(d)) {
    d++;
    if (d > LAST_DAY) throw new DateOutOfRangeError(`no working day after ${date} before the end of ${CALENDAR_LAST_YEAR}`);
  }
  return fromDayNumber(d);
}

/** Working days in a month (five-day week) — the figure the official production calendar publishes. */
export function workingDaysInMonth(year: number, month: number, cal: Calendar): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new InvalidDayCountError(`no month ${String(month)}`);
  const first = calendarDayNumber(parseCivilDate(`${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-01`));
  const last = Date.UTC(year, month, 0) / 86_400_000;
  let count = 0;
  for (let d = first; d <= last; d++) if (cal.isWorkingAt(d)) count++;
  return count;
}
