/**
 * "3 working days left (due 12 Mar, Asia/Almaty)". The due date comes from the control plane
 * (GET /api/calendar/deadline: day of receipt = day 0, Kazakh working days); the days left are counted on
 * the same calendar (GET /api/calendar/:year) from today in Asia/Almaty.
 */
import { useTranslation } from "react-i18next";
import { calendar, type Deadline } from "../api/resources.js";
import { formatDate, todayInAlmaty, TIME_ZONE } from "../i18n/format.js";
import { useLoad } from "../hooks.js";

/** Working days after `today` up to and including `due` (negative when overdue). */
export async function workingDaysLeft(today: string, due: string, signal?: AbortSignal): Promise<number> {
  const [a, b, sign] = today <= due ? [today, due, 1] : [due, today, -1];
  const years = new Set([Number(a.slice(0, 4)), Number(b.slice(0, 4))]);
  for (let y = Number(a.slice(0, 4)); y <= Number(b.slice(0, 4)); y++) years.add(y);
  let n = 0;
  for (const y of [...years].sort()) {
    const v = await calendar.year(y, signal);
    for (const d of v.days) if (d.working && d.date > a && d.date <= b) n++;
  }
  return sign * n;
}

export function DeadlineText({ deadline, left }: { deadline: Deadline; left: number }) {
  const { t } = useTranslation();
  const due = formatDate(deadline.due, "short");
  if (left < 0) return <span className="deadline deadline-overdue">{t("deadline.overdue", { count: -left, due, tz: TIME_ZONE })}</span>;
  if (left === 0) return <span className="deadline deadline-today">{t("deadline.dueToday", { due, tz: TIME_ZONE })}</span>;
  return <span className="deadline">{t("deadline.left", { count: left, due, tz: TIME_ZONE })}</span>;
}

export function DeadlineFrom({ from, workingDays }: { from: string; workingDays: number }) {
  const { t } = useTranslation();
  const r = useLoad(
    async (signal) => {
      const d = await calendar.deadline(from, workingDays, signal);
      return { d, left: await workingDaysLeft(todayInAlmaty(), d.due, signal) };
    },
    [from, workingDays],
  );
  if (r.loading) return <span className="deadline">{t("common.loading")}</span>;
  if (!r.data) return <span className="deadline">—</span>;
  return <DeadlineText deadline={r.data.d} left={r.data.left} />;
}
