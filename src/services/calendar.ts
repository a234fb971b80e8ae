/**
 * The working-day calendar as the control plane serves it: the shipped, verified years, replaced year by year
 * by data STS uploads, plus STS per-day overrides. Every deadline in the workflows is computed on this.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import {
  buildCalendar,
  dayInfo,
  parseOverride,
  parseYearData,
  addWorkingDays,
  endOfCivilDay,
  workingDaysInMonth,
  isVerifiedYear,
  parseCivilDate,
  SHIPPED_YEARS,
  type Calendar,
  type DayInfo,
} from "../domain/working-days/index.js";
import { requirePermission, type Ctx } from "./context.js";
import { Problem } from "../contract/problem.js";

export async function loadCalendar(db: Kysely<Database> | Transaction<Database>): Promise<Calendar> {
  const stored = await db.selectFrom("calendar_year").select(["year", "data"]).execute();
  const byYear = new Map<number, unknown>((SHIPPED_YEARS as readonly { year: number }[]).map((y) => [y.year, y]));
  for (const r of stored) byYear.set(r.year, r.data);
  const overrides = await db.selectFrom("calendar_day").selectAll().orderBy("date").execute();
  return buildCalendar({
    years: [...byYear.values()],
    overrides: overrides.map((o) => ({ date: o.date, kind: o.kind, ...(o.name ? { name: o.name } : {}), ...(o.source ? { reference: o.source } : {}) })),
  });
}

export async function yearView(ctx: Ctx, year: number) {
  requirePermission(ctx.principal, "calendar.read");
  const cal = await loadCalendar(ctx.tx);
  const days: DayInfo[] = [];
  const first = parseCivilDate(`${year}-01-01`);
  for (let d = new Date(`${first}T00:00:00Z`); d.getUTCFullYear() === year; d.setUTCDate(d.getUTCDate() + 1)) {
    days.push(dayInfo(d.toISOString().slice(0, 10), cal));
  }
  const perMonth = Array.from({ length: 12 }, (_, m) => workingDaysInMonth(year, m + 1, cal));
  return { year, verified: isVerifiedYear(year, cal), workingDays: perMonth.reduce((a, b) => a + b, 0), workingDaysPerMonth: perMonth, days };
}

export async function deadline(ctx: Ctx, from: string, workingDays: number) {
  requirePermission(ctx.principal, "calendar.read");
  const cal = await loadCalendar(ctx.tx);
  const due = addWorkingDays(from, workingDays, cal);
  return { from, workingDays, due, expiresAt: endOfCivilDay(due).toISOString(), timeZone: "Asia/Almaty", verified: isVerifiedYear(Number(due.slice(0, 4)), cal) };
}

export async function setDayOverride(ctx: Ctx, date: string, body: { kind: string; name?: string; reference?: string }) {
  requirePermission(ctx.principal, "calendar.write");
  const o = parseOverride({ date, ...body });
  const before = await ctx.tx.selectFrom("calendar_day").selectAll().where("date", "=", o.date).executeTakeFirst();
  await ctx.tx
    .insertInto("calendar_day")
    .values({ date: o.date, kind: o.kind, name: o.name ?? null, source: o.reference ?? null, updated_by: ctx.principal.username })
    .onConflict((oc) => oc.column("date").doUpdateSet({ kind: o.kind, name: o.name ?? null, source: o.reference ?? null, updated_by: ctx.principal.username }))
    .execute();
  // Rebuild to reject an override that contradicts the rest of the calendar before it commits.
  await loadCalendar(ctx.tx);
  await ctx.audit({ action: "calendar.day-set", entityType: "calendar_day", entityId: o.date, before: before ?? null, after: o });
  return dayInfo(o.date, await loadCalendar(ctx.tx));
}

export async function deleteDayOverride(ctx: Ctx, date: string) {
  requirePermission(ctx.principal, "calendar.write");
  const d = parseCivilDate(date);
  const before = await ctx.tx.selectFrom("calendar_day").selectAll().where("date", "=", d).executeTakeFirst();
  if (!before) throw new Problem("QQ_ERR_NOT_FOUND", `no override on ${d}`);
  await ctx.tx.deleteFrom("calendar_day").where("date", "=", d).execute();
  await ctx.audit({ action: "calendar.day-delete", entityType: "calendar_day", entityId: d, before });
}

export async function putYearData(ctx: Ctx, year: number, data: unknown) {
  requirePermission(ctx.principal, "calendar.write");
  const y = parseYearData(data);
  if (y.year !== year) throw new Problem("QQ_ERR_VALIDATION", `the body is year ${y.year}, the path says ${year}`);
  const before = await ctx.tx.selectFrom("calendar_year").select("data").where("year", "=", year).executeTakeFirst();
  await ctx.tx
    .insertInto("calendar_year")
    .values({ year, data: JSON.stringify(data), updated_by: ctx.principal.username })
    .onConflict((oc) => oc.column("year").doUpdateSet({ data: JSON.stringify(data), updated_by: ctx.principal.username }))
    .execute();
  await loadCalendar(ctx.tx);
  await ctx.audit({ action: "calendar.year-set", entityType: "calendar_year", entityId: String(year), before: before?.data ?? null, after: data });
  return yearView(ctx, year);
}
