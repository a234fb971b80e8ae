/**
 * Appending to and verifying the audit chain in the store. `appendAudit` must be called inside the transaction
 * of the change it records: the entry and the change commit or roll back together.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./schema.js";
import type { Principal } from "../domain/authz.js";
import { canonicalJson, chainHash, verifyChain, type AuditBody, type VerifyResult } from "../domain/audit-chain.js";

export interface AuditInput {
  action: string;
  entityType?: string | null;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

function auditBody(seq: number, actor: Principal, input: AuditInput, now: Date): AuditBody {
  return {
    seq,
    at: now.toISOString(),
    actor: { id: actor.accountId, username: actor.username, role: actor.role, via: actor.via },
    action: input.action,
    entityType: input.entityType ?? null,
    entityId: input.entityId ?? null,
    before: input.before ?? null,
    after: input.after ?? null,
    requestId: input.requestId ?? null,
  };
}

export async function appendAudit(tx: Transaction<Database>, actor: Principal, input: AuditInput, now = new Date()): Promise<number> {
  // The single head row serialises appends: concurrent writers queue here instead of forking the chain.
  const head = await tx.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).forUpdate().executeTakeFirstOrThrow();
  const seq = Number(head.seq) + 1;
  const body = auditBody(seq, actor, input, now);
  const text = canonicalJson(body);
  const hash = chainHash(head.hash, text);
  await tx
    .insertInto("audit_entry")
    .values({ seq, at: now, action: body.action, entity_type: body.entityType, entity_id: body.entityId, actor_id: actor.accountId, body: text, prev_hash: head.hash, hash })
    .execute();
  await tx.updateTable("audit_head").set({ seq, hash }).where("id", "=", 1).execute();
  return seq;
}

/**
 * Append many entries under one head lock with multi-row inserts: a 100,000-row catalogue import must not
 * cost 300,000 statements. The chain is the same as with one-by-one appends.
 */
export async function appendAuditBatch(tx: Transaction<Database>, actor: Principal, inputs: AuditInput[], now = new Date()): Promise<void> {
  if (inputs.length === 0) return;
  const head = await tx.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).forUpdate().executeTakeFirstOrThrow();
  let seq = Number(head.seq);
  let prev = head.hash;
  const rows = inputs.map((input) => {
    seq++;
    const body = auditBody(seq, actor, input, now);
    const text = canonicalJson(body);
    const hash = chainHash(prev, text);
    const row = { seq, at: now, action: body.action, entity_type: body.entityType, entity_id: body.entityId, actor_id: actor.accountId, body: text, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  // Arrays through unnest: a handful of bind parameters per chunk instead of ten per row.
  // Chunks of 2,000: larger text arrays cost more to escape than they save in statements (measured).
  for (let i = 0; i < rows.length; i += 1000) {
    const c = rows.slice(i, i + 1000);
    await sql`
      insert into audit_entry (seq, at, action, entity_type, entity_id, actor_id, body, prev_hash, hash)
      select * from unnest(
        ${c.map((r) => r.seq)}::bigint[], ${c.map((r) => r.at)}::timestamptz[], ${c.map((r) => r.action)}::text[],
        ${c.map((r) => r.entity_type)}::text[], ${c.map((r) => r.entity_id)}::text[], ${c.map((r) => r.actor_id)}::text[],
        ${c.map((r) => r.body)}::text[], ${c.map((r) => r.prev_hash)}::text[], ${c.map((r) => r.hash)}::text[])`.execute(tx);
  }
  await tx.updateTable("audit_head").set({ seq, hash: prev }).where("id", "=", 1).execute();
}

export async function verifyAudit(db: Kysely<Database>, batch = 5000): Promise<VerifyResult> {
  const head = await db.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirstOrThrow();
  async function* rows() {
    let after = 0;
    for (;;) {
      const page = await db
        .selectFrom("audit_entry")
        .select(["seq", "body", "prev_hash", "hash", "action", "entity_type", "entity_id"])
        .where("seq", ">", after)
        .orderBy("seq")
        .limit(batch)
        .execute();
      for (const r of page) {
        yield { seq: Number(r.seq), body: r.body, prevHash: r.prev_hash, hash: r.hash, action: r.action, entityType: r.entity_type, entityId: r.entity_id };
      }
      if (page.length < batch) return;
      after = Number(page[page.length - 1]!.seq);
    }
  }
  // verifyChain is synchronous over an iterable; collect in bounded pages (the chain is append-only metadata).
  const all = [];
  for await (const r of rows()) all.push(r);
  return verifyChain(all, { seq: Number(head.seq), hash: head.hash });
}
