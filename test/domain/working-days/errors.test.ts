import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CalendarDataError,
  CalendarError,
  DateOutOfRangeError,
  InvalidDateError,
  InvalidDayCountError,
} from "../../../src/domain/working-days/errors.js";

const table: [new (m: string) => CalendarError, string, string, number][] = [
  [CalendarError, "CalendarError", "QQ_ERR_CALENDAR", 400],
  [InvalidDateError, "InvalidDateError", "QQ_ERR_INVALID_DATE", 400],
  [DateOutOfRangeError, "DateOutOfRangeError", "QQ_ERR_DATE_OUT_OF_RANGE", 422],
  [InvalidDayCountError, "InvalidDayCountError", "QQ_ERR_INVALID_DAY_COUNT", 400],
  [CalendarDataError, "CalendarDataError", "QQ_ERR_CALENDAR_DATA", 422],
];
for (const [Cls, name, code, status] of table) {
  test(`ok/${name} carries ${code} and HTTP ${status}`, () => {
    const e = new Cls("why");
    assert.ok(e instanceof CalendarError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, name);
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    assert.equal(e.message, "why");
  });
}
