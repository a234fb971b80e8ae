/**
 * Kazakh date names and patterns from CLDR (locale "kk"), for browsers whose ICU data has no Kazakh:
 * Debian's Chromium, for one, formats kk dates as "2026 M03 12". Where the browser has the data,
 * format.ts uses Intl and this file is not consulted.
 */
export const KK_MONTHS = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"] as const;
export const KK_MONTHS_SHORT = ["қаң.", "ақп.", "нау.", "сәу.", "мам.", "мау.", "шіл.", "там.", "қыр.", "қаз.", "қар.", "жел."] as const;
/** Monday first */
export const KK_WEEKDAYS_SHORT = ["дс", "сс", "ср", "бс", "жм", "сб", "жс"] as const;

/** CLDR kk: long date "y 'ж'. d MMMM", day and month "d MMM", medium date "y 'ж'. dd MMM", time "HH:mm". */
export const kkDate = {
  long: (y: number, m: number, d: number) => `${y} ж. ${d} ${KK_MONTHS[m - 1]}`,
  dayMonth: (m: number, d: number) => `${d} ${KK_MONTHS_SHORT[m - 1]}`,
  mediumDateTime: (y: number, m: number, d: number, hh: string, mm: string) => `${y} ж. ${String(d).padStart(2, "0")} ${KK_MONTHS_SHORT[m - 1]}, ${hh}:${mm}`,
};
