/**
 * The application inbox: every application in the caller's scope with its next deadline, filterable by
 * kind, state, number and "overdue" — a deadline is derived from the history and the calendar, never stored
 * (domain/workflows/types.ts), so the overdue filter is applied after the deadlines are computed and the
 * page is cut afterwards. Sorted as an inbox is read: the soonest deadline first, applications without an
 * open deadline last (newest first). The same rows export as CSV.
 */
import type { ApplicationKind } from "../domain/workflows/types.js";
import type { InboxFilters } from "../contract/application-inbox.js";
import { WORKFLOWS, deadlinesOf } from "../domain/workflows/index.js";
import { loadCalendar } from "./calendar.js";
import { containsPattern, iso, requirePermission, type Ctx } from "./context.js";
import { applicationScope, domainView, loadHistory } from "./applications.js";

export interface InboxRow {
  id: string;
  kind: string;
  number: string;
  state: string;
  organisationId: string | null;
  operatorId: string | null;
  submittedAt: string;
  updatedAt: string;
  nextDeadline: { kind: string; paragraph: string; party: string; description: string; startDate: string; dueDate: string; expiresAt: string; remindAt: string | null; overdue: boolean } | null;
}

export async function inboxRows(ctx: Ctx, q: InboxFilters): Promise<InboxRow[]> {
  requirePermission(ctx.principal, "application.read");
  let base = ctx.tx.selectFrom("application").where(applicationScope(ctx.principal));
  if (q.kind) base = base.where("kind", "=", q.kind);
  if (q.state) base = base.where("state", "=", q.state);
  if (q.organisationId) base = base.where("organisation_id", "=", q.organisationId);
  if (q.operatorId) base = base.where("operator_id", "=", q.operatorId);
  if (q.q) base = base.where("number", "ilike", containsPattern(q.q.trim()));
  const rows = await base.selectAll().orderBy("submitted_at", "desc").orderBy("number", "desc").execute();
  const cal = await loadCalendar(ctx.tx);
  const now = ctx.now.getTime();
  const out: InboxRow[] = [];
  for (const r of rows) {
    const def = WORKFLOWS[r.kind as ApplicationKind];
    const ds = def.final.includes(r.state) ? [] : deadlinesOf(def, domainView(r), await loadHistory(ctx.tx, r.id), cal).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
    const d = ds[0];
    const next = d ? { kind: d.kind, paragraph: d.paragraph, party: d.party, description: d.description, startDate: d.startDate, dueDate: d.dueDate, expiresAt: d.expiresAt, remindAt: d.remindAt, overdue: now >= Date.parse(d.expiresAt) } : null;
    if (q.overdue && !ds.some((x) => now >= Date.parse(x.expiresAt))) continue;
    out.push({ id: r.id, kind: r.kind, number: r.number, state: r.state, organisationId: r.organisation_id, operatorId: r.operator_id, submittedAt: iso(r.submitted_at), updatedAt: iso(r.updated_at), nextDeadline: next });
  }
  // Stable: rows without a deadline keep the newest-first order of the query.
  return out.sort((a, b) => (a.nextDeadline && b.nextDeadline ? a.nextDeadline.expiresAt.localeCompare(b.nextDeadline.expiresAt) : a.nextDeadline ? -1 : b.nextDeadline ? 1 : 0));
}

export async function applicationInbox(ctx: Ctx, q: InboxFilters & { limit: number; offset: number }) {
  const rows = await inboxRows(ctx, q);
  return { items: rows.slice(q.offset, q.offset + q.limit), total: rows.length, limit: q.limit, offset: q.offset };
}

const CSV_COLUMNS = ["number", "kind", "state", "organisation_id", "operator_id", "submitted_at", "next_deadline", "paragraph", "party", "due_date", "overdue"] as const;

function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export async function applicationInboxCsv(ctx: Ctx, q: InboxFilters): Promise<string> {
  const rows = await inboxRows(ctx, q);
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows) {
    const d = r.nextDeadline;
    lines.push([r.number, r.kind, r.state, r.organisationId ?? "", r.operatorId ?? "", r.submittedAt, d?.kind ?? "", d?.paragraph ?? "", d?.party ?? "", d?.dueDate ?? "", d ? String(d.overdue) : ""].map(cell).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}
