/**
 * The Kazakh working-day calendar (five-day week, Saturday and Sunday off).
 *
 * Primitives: `buildCalendar` → `Calendar` (an immutable value), `dayInfo(date, cal)`, `isWorkingDay(date, cal)`.
 *
 * How a day is classified, first match wins:
 *
 *   override            an STS correction (`calendar_day` row)        → exactly the kind it names
 *   decreed working day a weekend day a transfer order made working   → working
 *   decreed day off     the weekday a transfer order made a day off   → not working
 *   holiday             statutory list, Kurban Ait, one-off changes   → not working
 *   carry-over          Law «On holidays» art. 5, see below            → not working
 *   weekend             Saturday, Sunday                               → not working
 *   working             anything else                                  → working
 *
 * Carry-over (Law «On holidays» art. 5: "when a day off and a holiday coincide, the working day following the
 * holiday is a day off"): only national and state holidays carry over. 7 January and the first day of Kurban Ait
 * are days off under Labour Code art. 84 p.5, not state holidays, and never carry over (MTSZN, 2024 and 2025). The
 * holidays are taken in date order and each weekend holiday takes the first weekday after it that is not a holiday,
 * not a decreed day off and not already taken, so consecutive holidays across a weekend stack up: Nauryz 2026
 * (Sat 21, Sun 22, Mon 23 March) gives 24 and 25 March, as the official 2026 calendar does.
 *
 * A year without data still gets the statutory holidays and the carry-over, plus Kurban Ait ESTIMATED from the
 * Umm al-Qura calendar in ICU (10 Dhu al-Hijjah; it matched the official date in 2023–2026); its days say
 * `verified: false` so callers can warn that the official calendar has not been checked.
 */
import { fromDayNumber, isoWeekday, parseCivilDate, toDayNumber, yearOf, type CivilDate } from "./civil-date.js";
import { DateOutOfRangeError, CalendarDataError } from "./errors.js";
import {
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_YEAR,
  parseOverride,
  parseYearData,
  type DayKind,
  type DayOverride,
  type YearData,
} from "./year-data.js";
import { STATUTORY_HOLIDAYS } from "./data/index.js";

export interface DayInfo {
  readonly date: CivilDate;
  readonly kind: DayKind;
  /** True for `working` and `decreed-working-day` (or an override of either kind). */
  readonly working: boolean;
  readonly name?: string;
  /** Stable key of the holiday (`nauryz`, `kurban-ait` …), also on the carry-over day it caused. */
  readonly holidayId?: string;
  /** On a carry-over day: the weekend holiday it replaces. */
  readonly carriedFrom?: CivilDate;
  /** The act behind the day: transfer order, law article, STS correction. */
  readonly reference?: string;
  /** Kurban Ait computed from the lunar calendar because the year has no data. */
  readonly estimated?: boolean;
  /** The day comes from an STS override. */
  readonly overridden?: boolean;
  /** The year is backed by data checked against the official production calendar. */
  readonly verified: boolean;
}

export interface CalendarInput {
  /** Year data: the shipped `SHIPPED_YEARS` and/or years STS supplied. Parsed strictly. */
  readonly years?: readonly unknown[];
  /** STS corrections per date, applied last. */
  readonly overrides?: readonly unknown[];
}

interface Holiday {
  names: string[];
  id: string;
  carriesOver: boolean;
  reference: string;
  estimated: boolean;
}

type Mark = Omit<DayInfo, "date" | "working" | "verified">;

const WORKING_KINDS: ReadonlySet<DayKind> = new Set(["working", "decreed-working-day"]);

function isWeekend(dayNumber: number): boolean {
  return isoWeekday(dayNumber) >= 6;
}

function dn(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

function yearOfDay(dayNumber: number): number {
  return new Date(dayNumber * 86_400_000).getUTCFullYear();
}

const UMALQURA = new Intl.DateTimeFormat("en-u-ca-islamic-umalqura", { timeZone: "UTC", month: "numeric", day: "numeric" });

/**
 * Days of `year` that are 10 Dhu al-Hijjah in the Umm al-Qura calendar (two in 2039 and 2072, when the lunar year
 * wraps inside one Gregorian year). Empty when the formatter is not an Umm al-Qura one: a Node built without full
 * ICU silently falls back to the Gregorian calendar and would answer 10 December. `format` is a seam for that case.
 */
export function estimateKurbanAit(year: number, format: Intl.DateTimeFormat = UMALQURA): CivilDate[] {
  if (format.resolvedOptions().calendar !== "islamic-umalqura") return [];
  const out: CivilDate[] = [];
  for (let d = dn(year, 1, 1), end = dn(year, 12, 31); d <= end; d++) {
    let month = "";
    let day = "";
    for (const p of format.formatToParts(d * 86_400_000)) {
      if (p.type === "month") month = p.value;
      else if (p.type === "day") day = p.value;
    }
    if (month === "12" && day === "10") out.push(fromDayNumber(d));
  }
  return out;
}

export class Calendar {
  readonly #years: ReadonlyMap<number, YearData>;
  readonly #overrides: ReadonlyMap<number, DayOverride>;
  readonly #holidays = new Map<number, ReadonlyMap<number, Holiday>>();
  readonly #marks = new Map<number, ReadonlyMap<number, Mark>>();

  /** Use `buildCalendar`. */
  constructor(years: readonly YearData[], overrides: readonly DayOverride[]) {
    const ym = new Map<number, YearData>();
    for (const y of years) {
      if (ym.has(y.year)) throw new CalendarDataError(`year[${y.year}]: given twice`);
      ym.set(y.year, y);
    }
    const om = new Map<number, DayOverride>();
    for (const o of overrides) {
      const n = toDayNumber(o.date);
      if (om.has(n)) throw new CalendarDataError(`overrides: ${o.date} given twice`);
      om.set(n, o);
    }
    this.#years = ym;
    this.#overrides = om;
    for (const y of ym.values()) this.#checkTransfers(y);
  }

  /** Years backed by data checked against the official production calendar, ascending. */
  get verifiedYears(): readonly number[] {
    return [...this.#years.values()].filter((y) => y.verified).map((y) => y.year).sort((a, b) => a - b);
  }

  yearData(year: number): YearData | undefined {
    return this.#years.get(year);
  }

  isVerifiedYear(year: number): boolean {
    return this.#years.get(year)?.verified === true;
  }

  /** Classification of a day by its day number; callers have range-checked it. */
  infoAt(dayNumber: number): DayInfo {
    const date = fromDayNumber(dayNumber);
    const verified = this.isVerifiedYear(yearOf(date));
    const o = this.#overrides.get(dayNumber);
    if (o) {
      return Object.freeze({
        date,
        kind: o.kind,
        working: WORKING_KINDS.has(o.kind),
        ...(o.name ? { name: o.name } : {}),
        ...(o.reference ? { reference: o.reference } : {}),
        overridden: true,
        verified,
      });
    }
    const m = this.#marksOf(yearOf(date)).get(dayNumber);
    if (m) return Object.freeze({ date, ...m, working: WORKING_KINDS.has(m.kind), verified });
    const kind: DayKind = isWeekend(dayNumber) ? "weekend" : "working";
    return Object.freeze({ date, kind, working: kind === "working", verified });
  }

  isWorkingAt(dayNumber: number): boolean {
    const o = this.#overrides.get(dayNumber);
    if (o) return WORKING_KINDS.has(o.kind);
    const m = this.#marksOf(yearOfDay(dayNumber)).get(dayNumber);
    if (m) return WORKING_KINDS.has(m.kind);
    return !isWeekend(dayNumber);
  }

  /** Holidays of a year (statutory, Kurban Ait, one-off changes), before carry-over. */
  #holidaysOf(year: number): ReadonlyMap<number, Holiday> {
    const cached = this.#holidays.get(year);
    if (cached) return cached;
    const out = new Map<number, Holiday>();
    const add = (d: number, h: Holiday): void => {
      const prev = out.get(d);
      if (!prev) out.set(d, h);
      else {
        // Two holidays on one day (e.g. Kurban Ait on 1 May): one day off, and it carries over if either does.
        prev.names.push(...h.names);
        prev.carriesOver ||= h.carriesOver;
        prev.reference = `${prev.reference}; ${h.reference}`;
      }
    };
    for (const h of STATUTORY_HOLIDAYS) {
      if ((h.since ?? -Infinity) <= year && year <= (h.until ?? Infinity)) {
        add(dn(year, h.month, h.day), { names: [h.name], id: h.id, carriesOver: h.carriesOver, reference: h.basis, estimated: false });
      }
    }
    const data = this.#years.get(year);
    const kurban = data ? data.kurbanAit.dates : estimateKurbanAit(year);
    for (const d of kurban) {
      add(toDayNumber(d), {
        names: [data ? "Kurban Ait (first day)" : "Kurban Ait (first day, estimated)"],
        id: "kurban-ait",
        carriesOver: false, // Labour Code art. 84 p.5: a day off, not a state holiday
        reference: data ? data.kurbanAit.reference : "estimated: 10 Dhu al-Hijjah, Umm al-Qura calendar",
        estimated: !data,
      });
    }
    for (const c of data?.changes ?? []) {
      const d = toDayNumber(c.date);
      if (c.change === "remove-holiday") {
        if (!out.delete(d)) throw new CalendarDataError(`year[${year}].changes: no holiday on ${c.date} to remove`);
      } else {
        add(d, { names: [c.name], id: c.id ?? "one-off", carriesOver: c.carriesOver, reference: c.reference, estimated: false });
      }
    }
    this.#holidays.set(year, out);
    return out;
  }

  #checkTransfers(y: YearData): void {
    const holidays = this.#holidaysOf(y.year);
    const seen = new Set<number>();
    for (const t of y.transfers) {
      for (const d of [t.dayOff, t.workingDay]) {
        const n = toDayNumber(d);
        if (holidays.has(n)) throw new CalendarDataError(`year[${y.year}].transfers: ${d} is a holiday`);
        if (seen.has(n)) throw new CalendarDataError(`year[${y.year}].transfers: ${d} is transferred twice`);
        seen.add(n);
      }
    }
  }

  /** Everything that is not a plain weekday or weekend in `year`. Looks one year back and ahead for carry-over. */
  #marksOf(year: number): ReadonlyMap<number, Mark> {
    const cached = this.#marks.get(year);
    if (cached) return cached;
    const years = [year - 1, year, year + 1].filter((y) => y >= CALENDAR_FIRST_YEAR - 1 && y <= CALENDAR_LAST_YEAR + 1);
    const holidays = new Map<number, Holiday>();
    const decreedOff = new Set<number>();
    const marks = new Map<number, Mark>();
    for (const y of years) {
      for (const [d, h] of this.#holidaysOf(y)) holidays.set(d, h);
      for (const t of this.#years.get(y)?.transfers ?? []) {
        decreedOff.add(toDayNumber(t.dayOff));
        if (y === year) {
          marks.set(toDayNumber(t.workingDay), {
            kind: "decreed-working-day",
            name: `Working day; its day of rest moved to ${t.dayOff}`,
            reference: t.reference,
          });
          marks.set(toDayNumber(t.dayOff), {
            kind: "decreed-day-off",
            name: `Day of rest transferred from ${t.workingDay}`,
            reference: t.reference,
          });
        }
      }
    }
    const taken = new Set<number>();
    for (const [d, h] of [...holidays].sort((a, b) => a[0] - b[0])) {
      if (yearOfDay(d) === year) {
        marks.set(d, {
          kind: "holiday",
          name: h.names.join("; "),
          holidayId: h.id,
          reference: h.reference,
          ...(h.estimated ? { estimated: true } : {}),
        });
      }
      if (!h.carriesOver || !isWeekend(d)) continue;
      let t = d + 1;
      while (isWeekend(t) || holidays.has(t) || decreedOff.has(t) || taken.has(t)) t++;
      taken.add(t);
      if (yearOfDay(t) === year) {
        marks.set(t, {
          kind: "carry-over",
          name: `Day off carried over from ${h.names.join("; ")} (${fromDayNumber(d)})`,
          holidayId: h.id,
          carriedFrom: fromDayNumber(d),
          reference: "Law «On holidays» art. 5",
        });
      }
    }
    this.#marks.set(year, marks);
    return marks;
  }
}

/**
 * Builds a calendar from year data and STS overrides. Both are parsed strictly (`CalendarDataError` on any
 * problem), so the same function serves the shipped files and what STS sends through the API.
 *
 *   buildCalendar({ years: SHIPPED_YEARS, overrides: rowsOf("calendar_day") })
 */
export function buildCalendar(input: CalendarInput = {}): Calendar {
  const years = (input.years ?? []).map((y) => parseYearData(y));
  const overrides = (input.overrides ?? []).map((o, i) => parseOverride(o, i));
  return new Calendar(years, overrides);
}

/** Range-checks a civil date for calendar questions and returns its day number. */
export function calendarDayNumber(date: string): number {
  const d = parseCivilDate(date);
  const y = yearOf(d);
  if (y < CALENDAR_FIRST_YEAR || y > CALENDAR_LAST_YEAR) {
    throw new DateOutOfRangeError(`${d}: the calendar covers ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}`);
  }
  return toDayNumber(d);
}

export function dayInfo(date: string, cal: Calendar): DayInfo {
  return cal.infoAt(calendarDayNumber(date));
}

export function isWorkingDay(date: string, cal: Calendar): boolean {
  return cal.isWorkingAt(calendarDayNumber(date));
}

/** True when `year` is backed by data checked against the official production calendar; warn otherwise. */
export function isVerifiedYear(year: number, cal: Calendar): boolean {
  return cal.isVerifiedYear(year);
}
