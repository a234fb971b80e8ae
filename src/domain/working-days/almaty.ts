/**
 * Instants ↔ civil dates in Asia/Almaty, the zone every deadline of the Rules is counted in.
 *
 * Primitives: `civilDateOf(instant)`, `startOfCivilDay(date)`, `endOfCivilDay(date)`.
 *
 * The offset is never hard-coded: Kazakhstan moved Almaty from UTC+6 to UTC+5 at 00:00 on 1 March 2024
 * (Government decree No. 20 of 19 January 2024, amending decree No. 1749 of 23 November 2000 "On the procedure
 * of time reckoning"; tzdata 2024a), and older instants carry older offsets.
 * Everything goes through `Intl.DateTimeFormat` with `timeZone: "Asia/Almaty"`, i.e. the tz database that ships
 * with Node's ICU. At that change the clock went from 23:59:59 (+06) back to 23:00 (+05) on 29 February, so
 * 29 February 2024 lasted 25 hours in Almaty; the functions below get that right because they ask the database
 * instead of assuming a day is 24 hours long.
 */
import { addCalendarDays, parseCivilDate, type CivilDate } from "./civil-date.js";
import { InvalidDateError } from "./errors.js";

export const TIME_ZONE = "Asia/Almaty";

const HOUR_MS = 3_600_000;
const FORMAT = new Intl.DateTimeFormat("en-US", {
  timeZone: TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

function wallDate(ms: number): string {
  let y = "";
  let m = "";
  let d = "";
  for (const p of FORMAT.formatToParts(ms)) {
    if (p.type === "year") y = p.value;
    else if (p.type === "month") m = p.value;
    else if (p.type === "day") d = p.value;
  }
  return `${y.padStart(4, "0")}-${m}-${d}`;
}

/** The Almaty civil date at `instant`. */
export function civilDateOf(instant: Date): CivilDate {
  if (!(instant instanceof Date) || !Number.isFinite(instant.getTime())) {
    throw new InvalidDateError("expected a valid Date instant");
  }
  return parseCivilDate(wallDate(instant.getTime()));
}

/**
 * The first instant whose Almaty civil date is `date` (its local midnight, wherever the tz database puts it).
 *
 * Found by bisection between UTC midnight −16 h and +16 h, which brackets local midnight for any offset Almaty
 * has had. Bisection relies only on the civil date never going backwards as time goes forward, which holds for
 * every Almaty transition in the tz database (all of them move the clock within one date or forward across one).
 */
export function startOfCivilDay(date: string): Date {
  const d = parseCivilDate(date);
  const utcMidnight = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  let lo = utcMidnight - 16 * HOUR_MS; // wallDate(lo) < d
  let hi = utcMidnight + 16 * HOUR_MS; // wallDate(hi) >= d
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallDate(mid) < d) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}

/**
 * The instant a deadline falling on `date` expires: the start of the NEXT Almaty civil day, as an EXCLUSIVE bound.
 * An act at instant `t` is in time iff `t < endOfCivilDay(date)`.
 *
 * Why exclusive rather than 23:59:59.999: it is exact at any clock resolution, it is the natural `run_at` for the
 * scheduler job that fires when the deadline passes, and it stays right on days that are not 24 hours long
 * (29 February 2024 in Almaty).
 */
export function endOfCivilDay(date: string): Date {
  return startOfCivilDay(addCalendarDays(date, 1));
}
