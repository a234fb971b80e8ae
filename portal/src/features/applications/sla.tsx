/**
 * SLA timers of the inbox and of an application: "N working days left (due 12 Mar, Asia/Almaty)" from the
 * deadline the API derived (due date, instant it passes, who must act), the days left counted on the
 * working-day calendar. Hour terms (p.14: the incident acknowledgement) show the instant they pass.
 */
import { useTranslation } from "react-i18next";
import { DeadlineText, workingDaysLeft } from "../../components/deadline.js";
import { formatDateTime, todayInAlmaty, TIME_ZONE } from "../../i18n/format.js";
import { useLoad } from "../../hooks.js";
import type { DeadlineInfo } from "./api.js";
import { localParagraph } from "./paragraph.js";

/** Working days left to each due date (one calendar lookup per distinct date). */
export function useDaysLeft(dues: string[]): Record<string, number> {
  const key = [...new Set(dues)].sort().join(",");
  const r = useLoad(async (signal) => {
    const today = todayInAlmaty();
    const out: Record<string, number> = {};
    for (const d of key ? key.split(",") : []) out[d] = await workingDaysLeft(today, d, signal);
    return out;
  }, [key]);
  return r.data ?? {};
}

/** "Until 12 Mar 2026, 14:00 (Asia/Almaty)", or that it passed then. */
export function hourTerm(t: (k: string, o: Record<string, string>) => string, passed: boolean, at: string): string {
  const o = { at: formatDateTime(at), tz: TIME_ZONE };
  return passed ? t("apps.hourTermPassed", o) : t("apps.hourTerm", o);
}

/** A term counted in days ends at midnight in Almaty (19:00 UTC); any other instant is an hour term. */
const isHourTerm = (d: DeadlineInfo) => !d.expiresAt.endsWith("T19:00:00.000Z");

export function SlaTimer({ deadline, left }: { deadline: DeadlineInfo; left: number | undefined }) {
  const { t } = useTranslation();
  const party = t(`appParty.${deadline.party}`);
  let text;
  if (isHourTerm(deadline)) {
    text = <span className={`deadline${deadline.overdue ? " deadline-overdue" : ""}`}>{hourTerm(t, deadline.overdue, deadline.expiresAt)}</span>;
  } else if (left === undefined) {
    text = <span className="deadline">{t("common.loading")}</span>;
  } else {
    // The API says whether the instant has passed; the count of days follows the calendar.
    const shown = deadline.overdue && left >= 0 ? -1 : left;
    text = <DeadlineText deadline={{ from: deadline.startDate, workingDays: 0, due: deadline.dueDate, expiresAt: deadline.expiresAt, timeZone: TIME_ZONE, verified: true }} left={shown} />;
  }
  return (
    <span className="sla">
      {text}
      <span className="sla-meta">
        {party} · {localParagraph(t, deadline.paragraph)}
      </span>
    </span>
  );
}
