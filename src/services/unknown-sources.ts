/**
 * Unknown source addresses (p.13). The gateway reports, in batches, traffic from addresses that are not in
 * the IP address catalogue (`recordDetections`). New addresses are grouped per telecom operator into ONE
 * notice e-mail listing them (`notifyOperator`, run by the scheduler a few minutes after the first
 * detection, so a burst becomes one e-mail). Five working days after the notice every address still outside
 * the catalogue is blocked (`blockOverdue`), and an address is unblocked — resolved — as soon as the
 * catalogue covers it (`reconcileUnknownSources`, called by every catalogue change and by the sweep).
 * The gateway reads the blocks for its snapshot with `blockedSources`.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import { Problem } from "../contract/problem.js";
import { scopeOf, systemPrincipal } from "../domain/authz.js";
import { parseAddress } from "../domain/catalogue/prefix.js";
import { endOfCivilDay } from "../domain/working-days/index.js";
import { blockDueOf, blockedText, noticeText, UNKNOWN_SOURCE_STATES } from "../domain/workflows/unknown-source.js";
import { appendAudit } from "../store/audit.js";
import { enqueue } from "../outbox/outbox.js";
import { enqueueJob } from "../workflows/scheduler.js";
import { loadCalendar } from "./calendar.js";
import { workflowRuntime } from "../workflows/runtime.js";
import { iso, requirePermission, type Ctx } from "./context.js";

export const NOTIFY_JOB = "unknown-sources.notify";
export const BLOCK_JOB = "unknown-sources.block";
/** Detections of one operator within this window go out in one notice. */
export const NOTICE_WINDOW_MS = 10 * 60_000;

export interface Detection {
  address: string;
  at: Date | string;
  hits: number;
  operatorId?: string | null;
}

type Db = Kysely<Database> | Transaction<Database>;

function inTransaction<T>(db: Db, fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

export function noticeJobKey(operatorId: string, now: Date): string {
  return `unknown-sources:notify:${operatorId}:${Math.floor(now.getTime() / NOTICE_WINDOW_MS)}`;
}

async function scheduleNotice(tx: Transaction<Database>, operatorId: string, now: Date): Promise<void> {
  const bucket = Math.floor(now.getTime() / NOTICE_WINDOW_MS);
  await enqueueJob(tx, { key: noticeJobKey(operatorId, now), kind: NOTIFY_JOB, runAt: new Date((bucket + 1) * NOTICE_WINDOW_MS), payload: { operatorId } });
}

/**
 * Record a batch of detections from the gateway. Addresses inside the catalogue and unparsable ones are
 * ignored; a resolved address seen again outside the catalogue starts over (a new notice). Idempotent for
 * the notices: the notice job of an operator is keyed by its time window.
 */
export async function recordDetections(db: Db, batch: readonly Detection[], now = new Date()): Promise<{ recorded: number; ignored: number }> {
  const merged = new Map<string, { address: string; first: Date; last: Date; hits: number; operatorId: string | null }>();
  let ignored = 0;
  for (const d of batch) {
    const a = parseAddress(d.address);
    if (!a.ok || !Number.isFinite(d.hits) || d.hits < 0) {
      ignored++;
      continue;
    }
    const at = new Date(d.at);
    const m = merged.get(a.address.text);
    if (m) {
      m.first = at < m.first ? at : m.first;
      m.last = at > m.last ? at : m.last;
      m.hits += Math.floor(d.hits);
      m.operatorId ??= d.operatorId ?? null;
    } else merged.set(a.address.text, { address: a.address.text, first: at, last: at, hits: Math.floor(d.hits), operatorId: d.operatorId ?? null });
  }
  if (merged.size === 0) return { recorded: 0, ignored };
  return inTransaction(db, async (tx) => {
    const all = [...merged.values()];
    const covered = await sql<{ a: string }>`
      select host(a) as a from unnest(${all.map((x) => x.address)}::inet[]) as a
      where exists (select 1 from catalogue_prefix c where c.prefix >>= a)
    `.execute(tx);
    const inCatalogue = new Set(covered.rows.map((r) => r.a));
    const fresh = all.filter((x) => !inCatalogue.has(x.address));
    ignored += all.length - fresh.length;
    if (fresh.length === 0) return { recorded: 0, ignored };
    const rows = await tx
      .insertInto("unknown_source")
      .values(fresh.map((x) => ({ address: x.address, first_seen: x.first, last_seen: x.last, hits: x.hits, operator_id: x.operatorId })))
      .onConflict((oc) =>
        oc.column("address").doUpdateSet({
          last_seen: sql`greatest(unknown_source.last_seen, excluded.last_seen)`,
          hits: sql`unknown_source.hits + excluded.hits`,
          operator_id: sql`coalesce(unknown_source.operator_id, excluded.operator_id)`,
          // Seen again after it was resolved: a new episode, a new notice (p.13).
          state: sql`case when unknown_source.state = 'resolved' then 'detected' else unknown_source.state end`,
          first_seen: sql`case when unknown_source.state = 'resolved' then excluded.first_seen else unknown_source.first_seen end`,
          notified_at: sql`case when unknown_source.state = 'resolved' then null else unknown_source.notified_at end`,
          block_due: sql`case when unknown_source.state = 'resolved' then null else unknown_source.block_due end`,
          blocked_at: sql`case when unknown_source.state = 'resolved' then null else unknown_source.blocked_at end`,
          resolved_at: sql`case when unknown_source.state = 'resolved' then null else unknown_source.resolved_at end`,
        }),
      )
      .returning(["operator_id", "state", sql<boolean>`(xmax = 0)`.as("inserted")])
      .execute();
    const operators = new Set(rows.filter((r) => r.state === "detected" && r.operator_id).map((r) => r.operator_id!));
    for (const op of operators) await scheduleNotice(tx, op, now);
    // The gateway may not know which operator's channel an address came from: STS hears of new ones and attributes them.
    if (rows.some((r) => r.inserted && !r.operator_id)) await scheduleNotice(tx, UNATTRIBUTED, now);
    return { recorded: fresh.length, ignored };
  });
}

/** The notice job's operator id for detections without an operator: they are listed to STS for attribution. */
export const UNATTRIBUTED = "unattributed";

/** The p.13 notice to one operator: one e-mail listing every detected address not yet notified. */
export async function notifyOperator(tx: Transaction<Database>, operatorId: string, now: Date): Promise<string[]> {
  await reconcileUnknownSources(tx, now);
  if (operatorId === UNATTRIBUTED) {
    const rows = await tx.selectFrom("unknown_source").select([sql<string>`host(address)`.as("address")]).where("operator_id", "is", null).where("state", "=", "detected").orderBy("address").execute();
    if (rows.length === 0) return [];
    const addresses = rows.map((r) => r.address);
    await enqueue(tx, {
      recipients: [workflowRuntime().stsAddress],
      subject: `UGIA: ${addresses.length} unknown source address${addresses.length === 1 ? "" : "es"} without a telecom operator`,
      bodyText: `The gateway saw traffic from these addresses, which are not in the IP address catalogue, and could not tell which telecom operator's channel it came through. Attribute each to its operator (POST /api/unknown-sources/assign) so the operator is notified (p.13).\n\n${addresses.join("\n")}\n`,
      dedupeKey: `p13:unattributed:${now.toISOString()}`,
      related: { addresses, paragraph: "p.13" },
    });
    return addresses;
  }
  const rows = await tx.selectFrom("unknown_source").selectAll().where("operator_id", "=", operatorId).where("state", "=", "detected").orderBy("address").forUpdate().execute();
  if (rows.length === 0) return [];
  const op = await tx.selectFrom("telecom_operator").select(["name_en", "notification_emails"]).where("id", "=", operatorId).executeTakeFirstOrThrow();
  const cal = await loadCalendar(tx);
  const blockDue = blockDueOf(now, cal);
  const addresses = rows.map((r) => r.address);
  const text = noticeText(op.name_en, rows.map((r) => ({ address: r.address, firstSeen: new Date(r.first_seen), lastSeen: new Date(r.last_seen), hits: Number(r.hits) })), blockDue);
  await enqueue(tx, { recipients: op.notification_emails, subject: text.subject, bodyText: text.body, dedupeKey: `p13:notice:${operatorId}:${now.toISOString()}`, related: { operatorId, addresses, blockDue, paragraph: "p.13" } });
  await tx.updateTable("unknown_source").set({ state: "notified", notified_at: now, block_due: blockDue }).where("address", "in", addresses).execute();
  await enqueueJob(tx, { key: `unknown-sources:block:${operatorId}:${endOfCivilDay(blockDue).toISOString()}`, kind: BLOCK_JOB, runAt: endOfCivilDay(blockDue), payload: { operatorId } });
  await appendAudit(tx, systemPrincipal("unknown-sources"), { action: "unknown-source.notified", entityType: "telecom_operator", entityId: operatorId, after: { addresses, blockDue, recipients: op.notification_emails } }, now);
  return addresses;
}

/** At the deadline: every notified address of the operator still outside the catalogue becomes blocked (p.13). */
export async function blockOverdue(tx: Transaction<Database>, operatorId: string, now: Date): Promise<string[]> {
  await reconcileUnknownSources(tx, now);
  const rows = await tx.selectFrom("unknown_source").selectAll().where("operator_id", "=", operatorId).where("state", "=", "notified").forUpdate().execute();
  const cal = await loadCalendar(tx);
  const blocked: string[] = [];
  for (const r of rows) {
    // Recomputed from the notice and today's calendar: a decreed day off added since the notice moves it.
    const due = blockDueOf(new Date(r.notified_at!), cal);
    const at = endOfCivilDay(due);
    if (now < at) {
      if (due !== r.block_due) await tx.updateTable("unknown_source").set({ block_due: due }).where("address", "=", r.address).execute();
      await enqueueJob(tx, { key: `unknown-sources:block:${operatorId}:${at.toISOString()}`, kind: BLOCK_JOB, runAt: at, payload: { operatorId } });
      continue;
    }
    blocked.push(r.address);
  }
  if (blocked.length === 0) return [];
  await tx.updateTable("unknown_source").set({ state: "blocked", blocked_at: now }).where("address", "in", blocked).execute();
  const op = await tx.selectFrom("telecom_operator").select(["name_en", "notification_emails"]).where("id", "=", operatorId).executeTakeFirstOrThrow();
  const text = blockedText(op.name_en, blocked);
  await enqueue(tx, { recipients: op.notification_emails, subject: text.subject, bodyText: text.body, dedupeKey: `p13:blocked:${operatorId}:${now.toISOString()}`, related: { operatorId, addresses: blocked, paragraph: "p.13" } });
  await appendAudit(tx, systemPrincipal("unknown-sources"), { action: "unknown-source.blocked", entityType: "telecom_operator", entityId: operatorId, after: { addresses: blocked } }, now);
  return blocked;
}

/**
 * Resolve every open unknown source the catalogue now covers; blocked ones are thereby unblocked (p.13: "IP
 * addresses shall be unblocked after the telecom operator updates the data"). Call it in the transaction of
 * every catalogue change; the sweep calls it too.
 */
export async function reconcileUnknownSources(tx: Transaction<Database>, now = new Date()): Promise<{ resolved: string[]; unblocked: string[] }> {
  const { rows } = await sql<{ address: string; previous: string }>`
    with hit as (
      select u.address, u.state from unknown_source u
      where u.state <> 'resolved' and exists (select 1 from catalogue_prefix c where c.prefix >>= u.address)
      for update of u
    )
    update unknown_source u set state = 'resolved', resolved_at = ${now}
    from hit where u.address = hit.address
    returning host(u.address) as address, hit.state as previous
  `.execute(tx);
  if (rows.length === 0) return { resolved: [], unblocked: [] };
  const resolved = rows.map((r) => r.address).sort();
  const unblocked = rows.filter((r) => r.previous === "blocked").map((r) => r.address).sort();
  await appendAudit(tx, systemPrincipal("unknown-sources"), { action: "unknown-source.resolved", entityType: "unknown_source", entityId: null, after: { resolved, unblocked } }, now);
  return { resolved, unblocked };
}

/** The blocks the gateway puts in its policy snapshot (p.13). */
export async function blockedSources(db: Db): Promise<{ address: string; operatorId: string | null; blockedAt: string; blockDue: string | null }[]> {
  const rows = await db.selectFrom("unknown_source").select([sql<string>`host(address)`.as("address"), "operator_id", "blocked_at", "block_due"]).where("state", "=", "blocked").orderBy("address").execute();
  return rows.map((r) => ({ address: r.address, operatorId: r.operator_id, blockedAt: iso(r.blocked_at!), blockDue: r.block_due }));
}

/** Operators with detections waiting for a notice, and notified addresses whose block job is missing: re-requested. */
export async function sweepUnknownSources(tx: Transaction<Database>, now: Date): Promise<void> {
  await reconcileUnknownSources(tx, now);
  const waiting = await tx.selectFrom("unknown_source").select("operator_id").distinct().where("state", "=", "detected").where("operator_id", "is not", null).execute();
  for (const w of waiting) await scheduleNotice(tx, w.operator_id!, now);
  const notified = await tx.selectFrom("unknown_source").select("operator_id").distinct().where("state", "=", "notified").where("operator_id", "is not", null).execute();
  for (const n of notified) await enqueueJob(tx, { key: `unknown-sources:block-check:${n.operator_id}:${Math.floor(now.getTime() / 3_600_000)}`, kind: BLOCK_JOB, runAt: now, payload: { operatorId: n.operator_id } });
}

// ─── API ────────────────────────────────────────────────────────────────────────────────────────────────────

function toView(r: { address: string; first_seen: Date; last_seen: Date; hits: number; operator_id: string | null; state: string; notified_at: Date | string | null; block_due: string | null; blocked_at: Date | string | null; resolved_at: Date | string | null }) {
  return {
    address: r.address,
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    hits: Number(r.hits),
    operatorId: r.operator_id,
    state: r.state,
    notifiedAt: r.notified_at ? iso(r.notified_at) : null,
    blockDue: r.block_due,
    blockedAt: r.blocked_at ? iso(r.blocked_at) : null,
    resolvedAt: r.resolved_at ? iso(r.resolved_at) : null,
  };
}

export async function listUnknownSources(ctx: Ctx, q: { state?: string; operatorId?: string; limit: number; offset: number }) {
  requirePermission(ctx.principal, "unknown-source.read");
  const s = scopeOf(ctx.principal);
  let base = ctx.tx.selectFrom("unknown_source");
  if (s.kind === "operator") base = base.where("operator_id", "=", s.operatorId);
  else if (s.kind === "organisation") base = base.where(sql<boolean>`false`);
  if (q.state) {
    if (!(UNKNOWN_SOURCE_STATES as readonly string[]).includes(q.state)) throw new Problem("QQ_ERR_VALIDATION", `state must be one of ${UNKNOWN_SOURCE_STATES.join(", ")}`);
    base = base.where("state", "=", q.state);
  }
  if (q.operatorId) base = base.where("operator_id", "=", q.operatorId);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base
    .select([sql<string>`host(address)`.as("address"), "first_seen", "last_seen", "hits", "operator_id", "state", "notified_at", "block_due", "blocked_at", "resolved_at"])
    .orderBy("last_seen", "desc")
    .orderBy("address")
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  return { items: rows.map(toView), total: Number(n), limit: q.limit, offset: q.offset };
}

/** STS attributes a detection the gateway could not attribute to an operator; the operator is then notified. */
export async function assignOperator(ctx: Ctx, address: string, operatorId: string) {
  requirePermission(ctx.principal, "unknown-source.write");
  const a = parseAddress(address);
  if (!a.ok) throw new Problem("QQ_ERR_VALIDATION", `address: ${a.message}`, { errors: [{ path: "/address", message: a.message }] });
  const op = await ctx.tx.selectFrom("telecom_operator").select("id").where("id", "=", operatorId).executeTakeFirst();
  if (!op) throw new Problem("QQ_ERR_VALIDATION", `telecom operator ${operatorId} does not exist`, { errors: [{ path: "/operatorId", message: "unknown telecom operator" }] });
  const before = await ctx.tx.selectFrom("unknown_source").select([sql<string>`host(address)`.as("address"), "first_seen", "last_seen", "hits", "operator_id", "state", "notified_at", "block_due", "blocked_at", "resolved_at"]).where(sql<boolean>`address = ${a.address.text}::inet`).forUpdate().executeTakeFirst();
  if (!before) throw new Problem("QQ_ERR_NOT_FOUND", `no unknown source ${a.address.text}`);
  if (before.state !== "detected") throw new Problem("QQ_ERR_CONFLICT", `${a.address.text} is ${before.state}; only a detected address not yet notified can be attributed`);
  await ctx.tx.updateTable("unknown_source").set({ operator_id: operatorId }).where(sql<boolean>`address = ${a.address.text}::inet`).execute();
  await scheduleNotice(ctx.tx, operatorId, ctx.now);
  const after = { ...toView(before), operatorId };
  await ctx.audit({ action: "unknown-source.assign", entityType: "unknown_source", entityId: a.address.text, before: toView(before), after });
  return after;
}
