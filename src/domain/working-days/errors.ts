/**
 * Errors of the working-day calendar. Each class carries a stable code (`QQ_ERR_*`) and the HTTP status the API
 * edge renders it with (STYLE.md, habit 11), so a bad date typed into the portal and a bad year file uploaded by
 * STS fail the same, explainable way.
 */

export class CalendarError extends Error {
  override name = "CalendarError";
  readonly code: string = "QQ_ERR_CALENDAR";
  readonly status: number = 400;
}

/** Not a `YYYY-MM-DD` civil date, a date that does not exist (2025-02-30), or an invalid instant. */
export class InvalidDateError extends CalendarError {
  override name = "InvalidDateError";
  override readonly code = "QQ_ERR_INVALID_DATE";
}

/** A valid date outside the range the calendar can answer for (see `CALENDAR_FIRST_YEAR`, `CALENDAR_LAST_YEAR`). */
export class DateOutOfRangeError extends CalendarError {
  override name = "DateOutOfRangeError";
  override readonly code = "QQ_ERR_DATE_OUT_OF_RANGE";
  override readonly status = 422;
}

/** A day count that is not a safe integer, or a negative one where only counting forward is defined. */
export class InvalidDayCountError extends CalendarError {
  override name = "InvalidDayCountError";
  override readonly code = "QQ_ERR_INVALID_DAY_COUNT";
}

/** Year data or overrides that contradict themselves or the law (e.g. a decreed day off on a Sunday). */
export class CalendarDataError extends CalendarError {
  override name = "CalendarDataError";
  override readonly code = "QQ_ERR_CALENDAR_DATA";
  override readonly status = 422;
}
