/**
 * The mail gateway's ports over the store (UGEM p.9, p.11, p.12):
 *
 *   storeMailSystems   MailSystemsPort (the mail-gateway workflow connects / disconnects a domain, inside the
 *                      transaction of its event) + MailSystemDirectory (the policy service lists systems and
 *                      persists suspensions) + the DKIM keys of connected domains, opened for signing
 *   mailOutbox         Outbox port: notices to the owner and STS go through the durable outbox
 *   mailAudit          Audit port: entries in the hash-chained audit log, attributed to the acting account
 *                      (or to the system actor `mail-detector` for automatic suspensions)
 *
 * One mail system per organisation's server: a domain connected with server addresses that an active
 * system of the same organisation already has is added to that system (same inbound host required); an
 * address or domain that belongs to another system is refused (409), so the policy snapshot never sees the
 * conflict it would refuse.
 */
import { createPublicKey, randomUUID } from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import type { Sealer } from "../secrets/sealer.js";
import type { MailSystemConnection, MailSystemsPort } from "../workflows/ports.js";
import type { Audit, MailSuspension, MailSystem, MailSystemDirectory, Outbox, SuspensionChange } from "../mail/ports.js";
import { generateDkimKey } from "../mail/auth/dkim-keys.js";
import { normaliseDomain, normaliseIp } from "../mail/policy/lib/address.js";
import { Problem } from "../contract/problem.js";
import { systemPrincipal, type Principal, type Role } from "../domain/authz.js";
import { appendAudit } from "../store/audit.js";
import { enqueue } from "../outbox/outbox.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Sealing context of a domain's DKIM private key: a sealed key copied to another row does not open. */
export function dkimKeyContext(mailDomainId: string): string {
  return `dkim-key:${mailDomainId}`;
}

/** Selector of keys generated this month ("q202612"): a rotation later gets a new selector, old records stay valid. */
export function dkimSelectorFor(now: Date): string {
  return `q${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
}

export interface DkimSigningKey {
  readonly domain: string;
  readonly selector: string;
  readonly privateKeyPem: string;
}

export interface StoreMailSystems extends MailSystemsPort, MailSystemDirectory {
  /** Open DKIM keys of the connected domains (for the signer); never leaves the process. */
  dkimKeys(): Promise<DkimSigningKey[]>;
  /** Changes whenever a system or its domains or suspension change: the control plane polls it. */
  version(): Promise<string>;
}

export interface StoreMailOptions {
  sealer: Sealer;
  clock?: () => Date;
}

function suspensionOf(r: { since: Date; reasons: unknown[]; suspended_by: string; note: string | null; held_queue_ids: string[]; counters: Record<string, unknown> }): MailSuspension {
  return {
    since: r.since.toISOString(),
    reasons: r.reasons as MailSuspension["reasons"],
    by: r.suspended_by,
    ...(r.note ? { note: r.note } : {}),
    heldQueueIds: r.held_queue_ids,
    ...(Object.keys(r.counters).length > 0 ? { counters: r.counters as unknown as NonNullable<MailSuspension["counters"]> } : {}),
  };
}

/** The live (not disconnected) mail systems with their connected domains and open suspension. */
export async function loadMailSystems(db: Db, where?: { ids?: string[] }): Promise<MailSystem[]> {
  let q = db.selectFrom("mail_system").selectAll().where("status", "<>", "disconnected");
  if (where?.ids) q = where.ids.length === 0 ? q.where(sql<boolean>`false`) : q.where("id", "in", where.ids);
  const systems = await q.orderBy("connected_at").execute();
  if (systems.length === 0) return [];
  const ids = systems.map((s) => s.id);
  const domains = await db.selectFrom("mail_domain").select(["mail_system_id", "domain"]).where("mail_system_id", "in", ids).where("disconnected_at", "is", null).orderBy("domain").execute();
  const open = await db.selectFrom("mail_suspension").selectAll().where("mail_system_id", "in", ids).where("released_at", "is", null).execute();
  return systems.map((s) => {
    const susp = open.find((o) => o.mail_system_id === s.id);
    return {
      id: s.id,
      organisationId: s.organisation_id,
      name: s.name,
      domains: domains.filter((d) => d.mail_system_id === s.id).map((d) => d.domain),
      serverAddresses: s.server_addresses,
      inbound: { host: s.inbound_host, port: s.inbound_port },
      ownerEmail: s.owner_email,
      ...(Object.keys(s.limits).length > 0 ? { limits: s.limits } : {}),
      suspension: susp ? suspensionOf(susp) : null,
    };
  });
}

function normalisedConnection(c: MailSystemConnection): { domain: string; addresses: string[]; inboundHost: string; inboundPort: number } {
  const domain = normaliseDomain(c.domain);
  if (!domain) throw new Problem("QQ_ERR_VALIDATION", `not a mail domain: ${JSON.stringify(c.domain)}`);
  const addresses: string[] = [];
  for (const a of c.serverAddresses) {
    const n = normaliseIp(a);
    if (!n) throw new Problem("QQ_ERR_VALIDATION", `not a mail server address: ${JSON.stringify(a)}`);
    if (!addresses.includes(n)) addresses.push(n);
  }
  if (addresses.length === 0) throw new Problem("QQ_ERR_VALIDATION", "a mail system needs at least one server address");
  const inboundHost = normaliseIp(c.inbound.host) ?? normaliseDomain(c.inbound.host);
  if (!inboundHost || !Number.isInteger(c.inbound.port) || c.inbound.port < 1 || c.inbound.port > 65535) {
    throw new Problem("QQ_ERR_VALIDATION", `not an inbound server: ${JSON.stringify(c.inbound)}`);
  }
  return { domain, addresses, inboundHost, inboundPort: c.inbound.port };
}

export function storeMailSystems(db: Kysely<Database>, opts: StoreMailOptions): StoreMailSystems {
  const clock = opts.clock ?? (() => new Date());

  async function touch(tx: Db, systemId: string, now: Date) {
    await tx.updateTable("mail_system").set({ updated_at: now }).where("id", "=", systemId).execute();
  }

  return {
    async connect(tx, c) {
      const now = clock();
      const n = normalisedConnection(c);
      const existing = await tx.selectFrom("mail_domain").select(["mail_system_id", "application_id"]).where("domain", "=", n.domain).where("disconnected_at", "is", null).executeTakeFirst();
      if (existing) {
        if (existing.application_id === c.applicationId) return { mailSystemId: existing.mail_system_id };
        throw new Problem("QQ_ERR_CONFLICT", `the domain ${n.domain} is already connected to the mail gateway`);
      }
      // Serialise connections: two concurrent connects must not both miss each other's addresses.
      await sql`select pg_advisory_xact_lock(hashtext('qaqpa.mail_system'))`.execute(tx);
      const sharing = await tx
        .selectFrom("mail_system")
        .selectAll()
        .where("status", "<>", "disconnected")
        .where(sql<boolean>`server_addresses && ${sql.val(n.addresses)}::text[]`)
        .execute();
      let systemId: string;
      const foreign = sharing.find((s) => s.organisation_id !== c.organisationId);
      if (foreign) throw new Problem("QQ_ERR_CONFLICT", `a server address of ${n.domain} belongs to another organisation's mail system`);
      if (sharing.length > 1) throw new Problem("QQ_ERR_CONFLICT", `the server addresses of ${n.domain} span ${sharing.length} mail systems of the organisation`);
      const same = sharing[0];
      if (same) {
        if (same.inbound_host !== n.inboundHost || same.inbound_port !== n.inboundPort) {
          throw new Problem("QQ_ERR_CONFLICT", `${n.domain} shares server addresses with the mail system "${same.name}" but names another inbound server (${n.inboundHost}:${n.inboundPort}, not ${same.inbound_host}:${same.inbound_port})`);
        }
        systemId = same.id;
        const union = [...same.server_addresses, ...n.addresses.filter((a) => !same.server_addresses.includes(a))];
        await tx.updateTable("mail_system").set({ server_addresses: union, updated_at: now }).where("id", "=", systemId).execute();
      } else {
        const row = await tx
          .insertInto("mail_system")
          .values({
            organisation_id: c.organisationId,
            name: c.name,
            owner: c.owner,
            owner_email: c.ownerEmail,
            server_addresses: n.addresses,
            inbound_host: n.inboundHost,
            inbound_port: n.inboundPort,
            status: "active",
            connected_at: now,
            updated_at: now,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        systemId = row.id;
      }
      const id = randomUUID();
      const key = await generateDkimKey(n.domain, dkimSelectorFor(now));
      await tx
        .insertInto("mail_domain")
        .values({
          id,
          mail_system_id: systemId,
          application_id: c.applicationId,
          domain: n.domain,
          dkim_selector: key.selector,
          dkim_sealed_key: opts.sealer.seal(key.privateKeyPem, dkimKeyContext(id)),
          dkim_public_key: createPublicKey(key.privateKeyPem).export({ format: "pem", type: "spki" }).toString(),
          connected_at: now,
        })
        .execute();
      return { mailSystemId: systemId };
    },

    async disconnect(tx, input) {
      const now = clock();
      const d = await tx.updateTable("mail_domain").set({ disconnected_at: now }).where("application_id", "=", input.applicationId).where("disconnected_at", "is", null).returning("mail_system_id").executeTakeFirst();
      if (!d) return;
      const left = await tx.selectFrom("mail_domain").select(sql<number>`count(*)::int`.as("n")).where("mail_system_id", "=", d.mail_system_id).where("disconnected_at", "is", null).executeTakeFirstOrThrow();
      if (left.n === 0) {
        await tx.updateTable("mail_system").set({ status: "disconnected", disconnected_at: now, disconnect_reason: input.reason, updated_at: now }).where("id", "=", d.mail_system_id).execute();
      } else {
        await touch(tx, d.mail_system_id, now);
      }
    },

    list: () => loadMailSystems(db),

    async setSuspension(systemId, s, change?: SuspensionChange) {
      const now = clock();
      await db.transaction().execute(async (tx) => {
        const sys = await tx.selectFrom("mail_system").select(["id", "status"]).where("id", "=", systemId).forUpdate().executeTakeFirst();
        if (!sys) throw new Error(`unknown mail system ${systemId}`);
        const open = await tx.selectFrom("mail_suspension").select(["id", "held_queue_ids"]).where("mail_system_id", "=", systemId).where("released_at", "is", null).executeTakeFirst();
        if (s === null) {
          if (open) {
            await tx
              .updateTable("mail_suspension")
              .set({ released_at: now, released_by: change?.by ?? null, released_count: change?.count ?? null })
              .where("id", "=", open.id)
              .execute();
          }
          if (sys.status === "suspended") await tx.updateTable("mail_system").set({ status: "active", updated_at: now }).where("id", "=", systemId).execute();
          return;
        }
        if (open) {
          await tx
            .updateTable("mail_suspension")
            .set({
              held_queue_ids: [...s.heldQueueIds],
              ...(change?.kind === "deleted" ? { deleted_at: now, deleted_by: change.by, deleted_count: change.count } : {}),
            })
            .where("id", "=", open.id)
            .execute();
        } else {
          await tx
            .insertInto("mail_suspension")
            .values({
              mail_system_id: systemId,
              since: s.since,
              reasons: JSON.stringify(s.reasons),
              suspended_by: s.by,
              note: s.note ?? null,
              counters: JSON.stringify(s.counters ?? {}),
              held_queue_ids: [...s.heldQueueIds],
            })
            .execute();
        }
        if (sys.status === "active") await tx.updateTable("mail_system").set({ status: "suspended", updated_at: now }).where("id", "=", systemId).execute();
      });
    },

    async dkimKeys() {
      const rows = await db
        .selectFrom("mail_domain")
        .innerJoin("mail_system", "mail_system.id", "mail_domain.mail_system_id")
        .select(["mail_domain.id", "mail_domain.domain", "mail_domain.dkim_selector", "mail_domain.dkim_sealed_key"])
        .where("mail_domain.disconnected_at", "is", null)
        .where("mail_system.status", "<>", "disconnected")
        .execute();
      return rows.map((r) => ({ domain: r.domain, selector: r.dkim_selector, privateKeyPem: opts.sealer.open(r.dkim_sealed_key, dkimKeyContext(r.id)).toString("utf8") }));
    },

    async version() {
      const r = await db
        .selectFrom("mail_system")
        .select([sql<number>`count(*)::int`.as("n"), sql<string | null>`max(updated_at)::text`.as("at")])
        .executeTakeFirstOrThrow();
      return `${r.n}:${r.at ?? ""}`;
    },
  };
}

/** The durable outbox as the policy service's notification port. */
export function mailOutbox(db: Kysely<Database>): Outbox {
  return {
    async notify(to, subject, body) {
      await enqueue(db, { recipients: [to], subject, bodyText: body, related: { kind: "mail-system" } });
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The principal an action of the policy service is recorded under: the account that asked, or the detector. */
async function actorOf(db: Db, by: unknown): Promise<Principal> {
  if (typeof by === "string" && UUID.test(by)) {
    const a = await db.selectFrom("account").select(["id", "username", "role", "operator_id", "organisation_id"]).where("id", "=", by).executeTakeFirst();
    if (a) return { accountId: a.id, username: a.username, role: a.role as Role, operatorId: a.operator_id, organisationId: a.organisation_id, via: "session" };
  }
  return systemPrincipal(by === "detector" ? "mail-detector" : "mail-gateway");
}

/** The audit chain as the policy service's audit port. */
export function mailAudit(db: Kysely<Database>, clock: () => Date = () => new Date()): Audit {
  return {
    async record(action, entity, before, after) {
      const a = (after ?? {}) as { by?: unknown; suspension?: { by?: unknown } };
      await db.transaction().execute(async (tx) => {
        const actor = await actorOf(tx, a.by ?? a.suspension?.by);
        await appendAudit(tx, actor, { action, entityType: entity.type, entityId: entity.id, before, after }, clock());
      });
    },
  };
}
