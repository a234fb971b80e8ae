/**
 * Reports for STS and the auditor, built from aggregates only: the decision log grouped by action, TLS
 * action, reason and category; application and incident states; unknown source addresses by state. No
 * query here selects a source address, a path or a person — the transparency report and the dashboard are
 * counts (the Rules give no one a view of a person's browsing).
 */
import { sql } from "kysely";
import { WORKFLOWS } from "../domain/workflows/index.js";
import { deadlinesOf } from "../domain/workflows/engine.js";
import type { ApplicationKind } from "../domain/workflows/types.js";
import { addCalendarDays, addWorkingDays, civilDateOf, endOfCivilDay, startOfCivilDay } from "../domain/working-days/index.js";
import { isProtectedCategory } from "../categories/taxonomy.js";
import { Problem } from "../contract/problem.js";
import type { OverviewReport, TransparencyReport } from "../contract/reports.js";
import { applicationStats, domainView, loadHistories } from "./applications.js";
import { loadCalendar } from "./calendar.js";
import { requirePermission, type Ctx } from "./context.js";

/** Working days of the dashboard's "this week": the next five after today. */
const WEEK_WORKING_DAYS = 5;
const MAX_REPORT_DAYS = 3660;

/** A decided connection is blocked, or allowed and then decrypted (bump), passed through (splice) or plain. */
function flowKind(action: string, tls: string | null): "blocked" | "inspected" | "spliced" | "plain" {
  return action === "block" ? "blocked" : tls === "bump" ? "inspected" : tls === "splice" ? "spliced" : "plain";
}

function period(from: string, to: string): { start: Date; end: Date } {
  if (from > to) throw new Problem("QQ_ERR_VALIDATION", "from is after to", { errors: [{ path: "/from", message: "after to" }] });
  const start = startOfCivilDay(from);
  const end = endOfCivilDay(to);
  if (end.getTime() - start.getTime() > MAX_REPORT_DAYS * 86_400_000) throw new Problem("QQ_ERR_VALIDATION", `at most ${MAX_REPORT_DAYS} days`, { errors: [{ path: "/to", message: "period too long" }] });
  return { start, end };
}

/**
 * The transparency report: connections inspected (bumped) vs spliced vs plain by category, blocks by reason,
 * unknown-address blocks (p.13), and the re-categorisation requests (complaints, p.20) and their outcomes.
 */
export async function transparencyReport(ctx: Ctx, from: string, to: string): Promise<TransparencyReport> {
  requirePermission(ctx.principal, "report.read");
  const { start, end } = period(from, to);
  const flows = await ctx.tx
    .selectFrom("decision_log")
    .select(["kind", "action", "reason", "tls", (eb) => eb.fn.countAll<number>().as("n")])
    .where("at", ">=", start)
    .where("at", "<", end)
    .groupBy(["kind", "action", "reason", "tls"])
    .execute();
  const byCat = await sql<{ category: string; action: string; tls: string | null; n: number }>`
    select c.category, d.action, d.tls, count(*)::int as n
    from decision_log d, unnest(d.categories) as c(category)
    where d.kind = 'connection' and d.at >= ${start} and d.at < ${end}
    group by c.category, d.action, d.tls
  `.execute(ctx.tx);

  // Per Almaty day: hours in SQL (the zone's offset is whole hours, so an hour never straddles two days).
  const hours = await sql<{ h: Date | string; action: string; tls: string | null; n: number }>`
    select date_trunc('hour', at) as h, action, tls, count(*)::int as n from decision_log
    where kind = 'connection' and at >= ${start} and at < ${end} group by 1, 2, 3
  `.execute(ctx.tx);
  const days = new Map<string, TransparencyReport["daily"][number]>();
  for (let d = from; d <= to; d = addCalendarDays(d, 1)) days.set(d, { date: d, inspected: 0, spliced: 0, plain: 0, blocked: 0 });
  for (const r of hours.rows) {
    const day = days.get(civilDateOf(new Date(r.h)));
    if (day) day[flowKind(r.action, r.tls)] += Number(r.n);
  }

  const f = { total: 0, inspected: 0, spliced: 0, plain: 0, blocked: 0, unknownSourceBlocked: 0, requests: 0, requestsBlocked: 0 };
  const reasons = new Map<string, number>();
  for (const r of flows) {
    const n = Number(r.n);
    if (r.action === "block") reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + n);
    if (r.kind === "request") {
      f.requests += n;
      if (r.action === "block") f.requestsBlocked += n;
      continue;
    }
    f.total += n;
    f[flowKind(r.action, r.tls)] += n;
    if (r.reason === "unknown-source-blocked") f.unknownSourceBlocked += n;
  }
  const cats = new Map<string, TransparencyReport["byCategory"][number]>();
  for (const r of byCat.rows) {
    const c = cats.get(r.category) ?? { category: r.category, protected: isProtectedCategory(r.category), inspected: 0, spliced: 0, plain: 0, blocked: 0 };
    c[flowKind(r.action, r.tls)] += Number(r.n);
    cats.set(r.category, c);
  }
  const stats = await applicationStats(ctx, from, to);
  return {
    from,
    to,
    generatedAt: ctx.now.toISOString(),
    flows: f,
    daily: [...days.values()],
    byCategory: [...cats.values()].sort((a, b) => b.inspected + b.spliced + b.plain + b.blocked - (a.inspected + a.spliced + a.plain + a.blocked) || a.category.localeCompare(b.category)),
    blocksByReason: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    complaints: stats.recategorisation,
  };
}

/**
 * The STS dashboard: open applications by their nearest deadline (today, within five working days, overdue),
 * open incidents, unknown source addresses by state, and the last 24 hours of gateway traffic.
 */
export async function overviewReport(ctx: Ctx): Promise<OverviewReport> {
  requirePermission(ctx.principal, "report.read");
  const cal = await loadCalendar(ctx.tx);
  const today = civilDateOf(ctx.now);
  const weekEnd = addWorkingDays(today, WEEK_WORKING_DAYS, cal);
  const apps = { open: 0, dueToday: 0, dueThisWeek: 0, overdue: 0 };
  const incidents = { open: 0, unacknowledged: 0 };
  const rows = await ctx.tx.selectFrom("application").selectAll().execute();
  const open = rows.filter((r) => !WORKFLOWS[r.kind as ApplicationKind].final.includes(r.state));
  // One pass over the events of every open application (not one query per application).
  const histories = await loadHistories(ctx.tx, open.filter((r) => r.kind !== "incident").map((r) => r.id));
  for (const r of open) {
    if (r.kind === "incident") {
      incidents.open++;
      if (r.state === "reported") incidents.unacknowledged++;
      continue;
    }
    apps.open++;
    const def = WORKFLOWS[r.kind as ApplicationKind];
    const next = deadlinesOf(def, domainView(r), histories.get(r.id)!, cal).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))[0];
    if (!next) continue;
    if (ctx.now.getTime() >= Date.parse(next.expiresAt)) apps.overdue++;
    else if (next.dueDate <= today) apps.dueToday++;
    else if (next.dueDate <= weekEnd) apps.dueThisWeek++;
  }
  const unknown = { detected: 0, notified: 0, blocked: 0 };
  for (const r of await ctx.tx.selectFrom("unknown_source").select(["state", (eb) => eb.fn.countAll<number>().as("n")]).groupBy("state").execute()) {
    if (r.state === "detected" || r.state === "notified" || r.state === "blocked") unknown[r.state] = Number(r.n);
  }

  const HOUR = 3_600_000;
  const to = new Date(Math.floor(ctx.now.getTime() / HOUR) * HOUR + HOUR);
  const from = new Date(to.getTime() - 24 * HOUR);
  const hourly = await sql<{ h: Date | string; action: string; n: number }>`
    select date_trunc('hour', at) as h, action, count(*)::int as n from decision_log
    where at >= ${from} and at < ${to} group by 1, 2
  `.execute(ctx.tx);
  const buckets = Array.from({ length: 24 }, (_, i) => ({ at: new Date(from.getTime() + i * HOUR).toISOString(), allowed: 0, blocked: 0 }));
  for (const r of hourly.rows) {
    const b = buckets[Math.floor((new Date(r.h).getTime() - from.getTime()) / HOUR)];
    if (!b) continue;
    if (r.action === "block") b.blocked += Number(r.n);
    else b.allowed += Number(r.n);
  }
  const byCat = await sql<{ category: string; action: string; n: number }>`
    select c.category, d.action, count(*)::int as n
    from decision_log d, unnest(d.categories) as c(category)
    where d.at >= ${from} and d.at < ${to} group by 1, 2
  `.execute(ctx.tx);
  const cats = new Map<string, { category: string; allowed: number; blocked: number }>();
  for (const r of byCat.rows) {
    const c = cats.get(r.category) ?? { category: r.category, allowed: 0, blocked: 0 };
    if (r.action === "block") c.blocked += Number(r.n);
    else c.allowed += Number(r.n);
    cats.set(r.category, c);
  }
  const top = await ctx.tx
    .selectFrom("decision_log")
    .select(["host", (eb) => eb.fn.countAll<number>().as("n")])
    .where("at", ">=", from)
    .where("at", "<", to)
    .where("action", "=", "block")
    .where("host", "is not", null)
    .groupBy("host")
    .orderBy("n", "desc")
    .orderBy("host")
    .limit(10)
    .execute();
  return {
    generatedAt: ctx.now.toISOString(),
    today,
    applications: apps,
    incidents,
    unknownSources: unknown,
    traffic: {
      from: from.toISOString(),
      to: to.toISOString(),
      hourly: buckets,
      byCategory: [...cats.values()].sort((a, b) => b.allowed + b.blocked - (a.allowed + a.blocked) || a.category.localeCompare(b.category)).slice(0, 12),
      topBlocked: top.map((r) => ({ host: r.host!, count: Number(r.n) })),
    },
  };
}
