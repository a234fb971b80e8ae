/**
 * The shipped calendar data: the statutory holiday list and one file per year checked against the official
 * production calendar. Adding a year is a data change: drop `<year>.json` next to these and list it below (a test
 * fails if a file in this folder is not listed). STS can also supply a year at runtime, without a release, by
 * passing its `YearData` to `buildCalendar`.
 */
import { parseStatutoryHolidays, parseYearData, type StatutoryHoliday, type YearData } from "../year-data.js";
import statutory from "./statutory.json" with { type: "json" };
import y2024 from "./2024.json" with { type: "json" };
import y2025 from "./2025.json" with { type: "json" };
import y2026 from "./2026.json" with { type: "json" };

export const STATUTORY_HOLIDAYS: readonly StatutoryHoliday[] = parseStatutoryHolidays(statutory);

export const SHIPPED_YEARS: readonly YearData[] = Object.freeze([y2024, y2025, y2026].map((y) => parseYearData(y)));
