/**
 * Dates and numbers in the chosen language through Intl. Civil dates (YYYY-MM-DD) are days in
 * Asia/Almaty, as the working-day calendar defines them; instants are shown in Asia/Almaty too, since
 * every deadline of the Rules is counted there. When the browser has no Kazakh locale data, Kazakh
 * dates use the CLDR names in kk-dates.ts and numbers the same separators as Russian (CLDR kk and ru
 * agree: no-break space for groups, comma for decimals).
 */
import { currentLanguage } from "./index.js";
import { KK_MONTHS, KK_WEEKDAYS_SHORT, kkDate } from "./kk-dates.js";

export const TIME_ZONE = "Asia/Almaty";

const KK_IN_BROWSER = (() => {
  try {
    return /[а-яәғқңөұүһі]/i.test(new Intl.DateTimeFormat("kk", { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2026, 2, 15))));
  } catch {
    return false;
  }
})();

const fallbackKk = () => currentLanguage() === "kk" && !KK_IN_BROWSER;

const locale = () => {
  const l = currentLanguage();
  return l === "kk" ? "kk-KZ" : l === "ru" ? "ru-RU" : "en-GB";
};

/** A civil date at noon UTC stays on the same calendar day in any zone a formatter might use. */
function civil(d: string): Date {
  return new Date(`${d}T12:00:00Z`);
}

export function formatDate(d: string | null | undefined, style: "short" | "long" = "long"): string {
  if (!d) return "—";
  const [y, m, day] = d.slice(0, 10).split("-").map(Number) as [number, number, number];
  if (fallbackKk()) return style === "long" ? kkDate.long(y, m, day) : kkDate.dayMonth(m, day);
  const opts: Intl.DateTimeFormatOptions = style === "long" ? { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" } : { day: "numeric", month: "short", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale(), opts).format(civil(d.slice(0, 10)));
}

export function formatDateTime(instant: string | null | undefined): string {
  if (!instant) return "—";
  const at = new Date(instant);
  if (fallbackKk()) {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(at)
        .map((x) => [x.type, x.value]),
    );
    return kkDate.mediumDateTime(Number(p.year), Number(p.month), Number(p.day), p.hour ?? "00", p.minute ?? "00");
  }
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short", timeZone: TIME_ZONE }).format(at);
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(fallbackKk() ? "ru-RU" : locale()).format(n);
}

export function monthName(month: number): string {
  if (fallbackKk()) return KK_MONTHS[month - 1]!;
  return new Intl.DateTimeFormat(locale(), { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2026, month - 1, 15)));
}

/** Monday-first short weekday names. */
export function weekdayNames(): string[] {
  if (fallbackKk()) return [...KK_WEEKDAYS_SHORT];
  const f = new Intl.DateTimeFormat(locale(), { weekday: "short", timeZone: "UTC" });
  return Array.from({ length: 7 }, (_, i) => f.format(new Date(Date.UTC(2026, 0, 5 + i))));
}

/** Today's civil date in Asia/Almaty. */
export function todayInAlmaty(now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}
