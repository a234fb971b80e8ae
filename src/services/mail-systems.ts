/**
 * Mail systems connected to the gateway (UGEM), as the API serves them: organisations see their own, STS and
 * the auditor all, telecom operators none (`mail.read`). STS suspends, releases and deletes held mail
 * (`mail.write`, UGEM p.12) through the running policy service, which holds the queue ids and talks to
 * Postfix; the service persists the suspension, notifies the owner and STS through the outbox and appends
 * the audit entry (ports in mail-store.ts), attributed to the acting account.
 *
 * Those actions run outside the request's transaction: the policy service writes through its own (the
 * embedded store has one connection, and postsuper must not run inside a database transaction).
 */
import { sql, type ExpressionBuilder, type Selectable } from "kysely";
import type { Store } from "../store/db.js";
import type { Database, MailSystemTable } from "../store/schema.js";
import { Problem } from "../contract/problem.js";
import { scopeOf, type Principal } from "../domain/authz.js";
import { dkimRecordFor } from "../mail/auth/dkim-keys.js";
import { MailSystemNotFoundError, MailSystemNotSuspendedError, type MailPolicyService } from "../mail/policy/server.js";
import { inTx, iso, requirePermission, type Ctx } from "./context.js";

/** What the API needs from the running mail control plane. */
export type MailControl = Pick<MailPolicyService, "suspend" | "release" | "deleteHeld" | "state" | "reload">;

const controls = new WeakMap<Store, MailControl>();

/** The all-in-one registers its policy service here when the mail gateway runs; null unregisters. */
export function configureMailControl(store: Store, control: MailControl | null): void {
  if (control) controls.set(store, control);
  else controls.delete(store);
}

function control(store: Store): MailControl {
  const c = controls.get(store);
  if (!c) throw new Problem("QQ_ERR_MAIL_GATEWAY_NOT_RUNNING", "suspensions are handled by the node that runs Postfix and the policy service; configure `mail` there");
  return c;
}

type SystemRow = Selectable<MailSystemTable>;

function scoped(p: Principal) {
  const s = scopeOf(p);
  return (eb: ExpressionBuilder<Database, "mail_system">) =>
    s.kind === "all" ? eb.val(true) : s.kind === "organisation" ? eb("mail_system.organisation_id", "=", s.organisationId) : eb.val(false);
}

async function systemViews(ctx: Ctx, rows: SystemRow[]) {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const domains = await ctx.tx
    .selectFrom("mail_domain")
    .innerJoin("application", "application.id", "mail_domain.application_id")
    .select(["mail_domain.mail_system_id", "mail_domain.domain", "mail_domain.application_id", "mail_domain.dkim_selector", "mail_domain.connected_at", "application.number", "application.state"])
    .where("mail_domain.mail_system_id", "in", ids)
    .where("mail_domain.disconnected_at", "is", null)
    .orderBy("mail_domain.domain")
    .execute();
  const open = await suspensionRows(ctx, { systemIds: ids, open: true });
  return rows.map((r) => {
    const ds = domains.filter((d) => d.mail_system_id === r.id);
    const s = open.find((o) => o.mailSystemId === r.id);
    return {
      id: r.id,
      organisationId: r.organisation_id,
      name: r.name,
      owner: r.owner,
      ownerEmail: r.owner_email,
      status: r.status as "active" | "suspended" | "disconnected",
      domains: ds.map((d) => ({ domain: d.domain, applicationId: d.application_id, applicationNumber: d.number, applicationState: d.state, dkimSelector: d.dkim_selector, connectedAt: iso(d.connected_at) })),
      serverAddresses: r.server_addresses,
      inbound: { host: r.inbound_host, port: r.inbound_port },
      limits: r.limits,
      connectedAt: iso(r.connected_at),
      disconnectedAt: r.disconnected_at ? iso(r.disconnected_at) : null,
      disconnectReason: r.disconnect_reason,
      disconnectionPending: ds.some((d) => d.state === "disconnection-pending"),
      suspension: s ?? null,
    };
  });
}

async function suspensionRows(ctx: Ctx, q: { systemIds?: string[]; open?: boolean; limit?: number; offset?: number }) {
  let base = ctx.tx.selectFrom("mail_suspension").innerJoin("mail_system", "mail_system.id", "mail_suspension.mail_system_id").where(scoped(ctx.principal));
  if (q.systemIds) base = base.where("mail_suspension.mail_system_id", "in", q.systemIds);
  if (q.open) base = base.where("mail_suspension.released_at", "is", null);
  let rows = base.selectAll("mail_suspension").select(["mail_system.name", "mail_system.organisation_id"]).orderBy("mail_suspension.since", "desc").orderBy("mail_suspension.id");
  if (q.limit !== undefined) rows = rows.limit(q.limit).offset(q.offset ?? 0);
  return (await rows.execute()).map((s) => ({
    id: s.id,
    mailSystemId: s.mail_system_id,
    mailSystemName: s.name,
    organisationId: s.organisation_id,
    since: iso(s.since),
    reasons: s.reasons as { code: string; observed: number; limit: number }[],
    suspendedBy: s.suspended_by,
    note: s.note,
    counters: s.counters,
    heldQueueIds: s.held_queue_ids,
    releasedAt: s.released_at ? iso(s.released_at) : null,
    releasedBy: s.released_by,
    releasedCount: s.released_count,
    deletedAt: s.deleted_at ? iso(s.deleted_at) : null,
    deletedBy: s.deleted_by,
    deletedCount: s.deleted_count,
  }));
}

async function findSystem(ctx: Ctx, id: string) {
  const r = await ctx.tx.selectFrom("mail_system").selectAll().where("id", "=", id).where(scoped(ctx.principal)).executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_MAIL_SYSTEM_NOT_FOUND", `mail system ${id}`);
  return r;
}

export async function listMailSystems(ctx: Ctx, q: { status?: string; limit: number; offset: number }) {
  requirePermission(ctx.principal, "mail.read");
  let base = ctx.tx.selectFrom("mail_system").where(scoped(ctx.principal));
  if (q.status) base = base.where("status", "=", q.status);
  const { n } = await base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
  const rows = await base.selectAll().orderBy("name").orderBy("id").limit(q.limit).offset(q.offset).execute();
  return { items: await systemViews(ctx, rows), total: n, limit: q.limit, offset: q.offset };
}

export async function getMailSystem(ctx: Ctx, id: string) {
  requirePermission(ctx.principal, "mail.read");
  return (await systemViews(ctx, [await findSystem(ctx, id)]))[0]!;
}

export async function listMailSuspensions(ctx: Ctx, q: { mailSystemId?: string; open?: boolean; limit: number; offset: number }) {
  requirePermission(ctx.principal, "mail.read");
  const ids = q.mailSystemId ? [q.mailSystemId] : undefined;
  let count = ctx.tx.selectFrom("mail_suspension").innerJoin("mail_system", "mail_system.id", "mail_suspension.mail_system_id").where(scoped(ctx.principal));
  if (ids) count = count.where("mail_suspension.mail_system_id", "in", ids);
  if (q.open) count = count.where("mail_suspension.released_at", "is", null);
  const { n } = await count.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
  const items = await suspensionRows(ctx, { ...(ids ? { systemIds: ids } : {}), ...(q.open ? { open: true } : {}), limit: q.limit, offset: q.offset });
  return { items, total: n, limit: q.limit, offset: q.offset };
}

/** The DKIM TXT records the owner publishes for each connected domain (RFC 6376 §3.6.1). */
export async function mailDkimRecords(ctx: Ctx, id: string) {
  requirePermission(ctx.principal, "mail.read");
  const sys = await findSystem(ctx, id);
  const rows = await ctx.tx.selectFrom("mail_domain").select(["domain", "dkim_selector", "dkim_public_key"]).where("mail_system_id", "=", sys.id).where("disconnected_at", "is", null).orderBy("domain").execute();
  return {
    mailSystemId: sys.id,
    records: rows.map((r) => {
      const rec = dkimRecordFor(r.domain, r.dkim_selector, r.dkim_public_key);
      return { ...rec, txtStrings: [...rec.txtStrings] };
    }),
  };
}

export async function mailSystemStats(store: Store, ctx: Ctx, id: string, q: { hours: number }) {
  requirePermission(ctx.principal, "mail.read");
  const sys = await findSystem(ctx, id);
  const since = new Date(ctx.now.getTime() - q.hours * 3_600_000);
  const rows = await ctx.tx.selectFrom("mail_delivery_stat").selectAll().where("mail_system_id", "=", sys.id).where("hour", ">=", since).orderBy("hour", "desc").execute();
  const totals = { sent: 0, deferred: 0, bounced: 0, other: 0 };
  for (const r of rows) {
    totals.sent += r.sent;
    totals.deferred += r.deferred;
    totals.bounced += r.bounced;
    totals.other += r.other;
  }
  let live = null;
  const c = controls.get(store);
  if (c && sys.status !== "disconnected") {
    try {
      const s = c.state(sys.id);
      const held = s.suspension?.heldQueueIds.length ?? 0;
      live = {
        suspended: s.suspended,
        queued: s.trackedQueueIds + held,
        held,
        messagesLastMinute: s.messagesLastMinute,
        messagesLastHour: s.messagesLastHour,
        recipientsLastHour: s.recipientsLastHour,
        baselinePerMinute: s.baselinePerMinute,
        deliveriesLastHour: { ...s.deliveriesLastHour },
      };
    } catch (e) {
      if (!(e instanceof MailSystemNotFoundError)) throw e;
    }
  }
  return { mailSystemId: sys.id, hours: rows.map((r) => ({ hour: iso(r.hour), sent: r.sent, deferred: r.deferred, bounced: r.bounced, other: r.other })), totals, live };
}

/** Authentication results of the inbound mail for a system's domains, newest first (metadata only). */
export async function mailAuthResults(ctx: Ctx, id: string, q: { dmarc?: string; limit: number; offset: number }) {
  requirePermission(ctx.principal, "mail.read");
  const sys = await findSystem(ctx, id);
  let base = ctx.tx.selectFrom("mail_auth_result").where("mail_system_id", "=", sys.id);
  if (q.dmarc) base = base.where("dmarc", "=", q.dmarc);
  const { n } = await base.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
  const rows = await base.selectAll().orderBy("received_at", "desc").orderBy("id").limit(q.limit).offset(q.offset).execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      receivedAt: iso(r.received_at),
      clientAddress: r.client_address,
      helo: r.helo,
      mailFrom: r.mail_from,
      headerFromDomain: r.header_from_domain,
      messageId: r.message_id,
      spf: r.spf,
      dkim: r.dkim,
      dkimDomains: r.dkim_domains,
      dmarc: r.dmarc,
      dmarcPolicy: r.dmarc_policy,
    })),
    total: n,
    limit: q.limit,
    offset: q.offset,
  };
}

type Action = "suspend" | "release" | "delete-held";

/**
 * Suspend (by STS, with a note), release or delete held mail. Checks permission and scope in a read
 * transaction, asks the policy service (which persists, notifies and audits), then reads the result.
 */
export async function actOnMailSystem(store: Store, principal: Principal, requestId: string | null, id: string, action: Action, note?: string) {
  await inTx(store, principal, requestId, async (ctx) => {
    requirePermission(ctx.principal, "mail.write");
    const sys = await findSystem(ctx, id);
    if (sys.status === "disconnected") throw new Problem("QQ_ERR_CONFLICT", `mail system ${sys.name} is disconnected`);
  });
  const c = control(store);
  let queueIds: readonly string[];
  try {
    // The service knows the systems it loaded; a system connected a moment ago may not be in it yet.
    await c.reload();
    const actor = { by: principal.accountId, ...(note ? { note } : {}) };
    if (action === "suspend") queueIds = (await c.suspend(id, actor)).held;
    else if (action === "release") queueIds = (await c.release(id, actor)).released;
    else queueIds = (await c.deleteHeld(id, actor)).deleted;
  } catch (e) {
    if (e instanceof MailSystemNotSuspendedError) throw new Problem("QQ_ERR_MAIL_SYSTEM_NOT_SUSPENDED", `mail system ${id} is not suspended`);
    if (e instanceof MailSystemNotFoundError) throw new Problem("QQ_ERR_MAIL_SYSTEM_NOT_FOUND", `mail system ${id} is not served by the running mail gateway`);
    throw e;
  }
  const mailSystem = await inTx(store, principal, requestId, (ctx) => getMailSystem(ctx, id));
  return { mailSystem, queueIds: [...queueIds] };
}
