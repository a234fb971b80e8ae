/**
 * Kazakh working-day calendar: pure (no I/O), used for every deadline of the Rules (10, 7 and 5 working days;
 * 30 and 60 calendar days). How it works, its sources and how STS adds a year: docs/calendar.md.
 *
 *   const cal = buildCalendar({ years: SHIPPED_YEARS, overrides });
 *   const due = addWorkingDays(civilDateOf(receivedAt), 10, cal);   // p.6: day of receipt = day 0
 *   const expiresAt = endOfCivilDay(due);                           // exclusive instant, Asia/Almaty
 */
export { type CivilDate, parseCivilDate, isCivilDate, addCalendarDays } from "./civil-date.js";
export { TIME_ZONE, civilDateOf, startOfCivilDay, endOfCivilDay } from "./almaty.js";
export {
  type DayInfo,
  type CalendarInput,
  Calendar,
  buildCalendar,
  dayInfo,
  isWorkingDay,
  isVerifiedYear,
  estimateKurbanAit,
} from "./calendar.js";
export { addWorkingDays, workingDaysBetween, firstWorkingDayFrom, workingDaysInMonth } from "./deadlines.js";
export {
  type DayKind,
  type DayOverride,
  type YearData,
  type YearChange,
  type Transfer,
  type StatutoryHoliday,
  DAY_KINDS,
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_YEAR,
  parseYearData,
  parseOverride,
} from "./year-data.js";
export { SHIPPED_YEARS, STATUTORY_HOLIDAYS } from "./data/index.js";
export {
  CalendarError,
  InvalidDateError,
  DateOutOfRangeError,
  InvalidDayCountError,
  CalendarDataError,
} from "./errors.js";
