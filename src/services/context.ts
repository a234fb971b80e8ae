/**
 * The context every control-plane service runs in: one transaction, the acting principal, the request id
 * and the clock. Services check role/scope, ask the domain, write, and append the audit entry — all inside
 * the one transaction, so a failure anywhere writes nothing.
 */
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import type { Store } from "../store/db.js";
import { can, type Permission, type Principal } from "../domain/authz.js";
import { Problem } from "../contract/problem.js";
import { appendAudit, type AuditInput } from "../store/audit.js";

export interface Ctx {
  tx: Transaction<Database>;
  principal: Principal;
  requestId: string | null;
  now: Date;
  audit(input: AuditInput): Promise<number>;
}

export function requirePermission(p: Principal, permission: Permission): void {
  if (!can(p, permission)) throw new Problem("QQ_ERR_FORBIDDEN", `role ${p.role} may not ${permission}`);
}

export async function inTx<T>(store: Store, principal: Principal, requestId: string | null, fn: (ctx: Ctx) => Promise<T>, now = new Date()): Promise<T> {
  return store.db.transaction().execute(async (tx) => {
    const ctx: Ctx = { tx, principal, requestId, now, audit: (input) => appendAudit(tx, principal, { requestId, ...input }, now) };
    return fn(ctx);
  });
}

export function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

/** Postgres unique-violation → a domain problem, so a race between two creators ends in 409, not 500. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "23505";
}

/** A LIKE pattern that finds `text` anywhere, with the pattern characters in it taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[%_\\]/g, "\\$&")}%`;
}

/** The name columns an update touches: only the languages the request names. */
export function namesPatch(input: { nameKk?: string; nameRu?: string; nameEn?: string }): { name_kk?: string; name_ru?: string; name_en?: string } {
  return {
    ...(input.nameKk !== undefined ? { name_kk: input.nameKk } : {}),
    ...(input.nameRu !== undefined ? { name_ru: input.nameRu } : {}),
    ...(input.nameEn !== undefined ? { name_en: input.nameEn } : {}),
  };
}
