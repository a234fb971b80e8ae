/**
 * The tamper-evident audit chain. Each entry's body is canonical JSON (sorted keys, no whitespace) and
 *   hash_n = SHA-256( hash_{n-1} ‖ "\n" ‖ body_n ),   hash_0 = GENESIS
 * so editing any entry changes its hash, deleting one leaves a gap in `seq`, and cutting the tail leaves the
 * head record pointing past the last entry. Verification is pure: it takes the rows and the head.
 */
import { createHash } from "node:crypto";

export const GENESIS = "0".repeat(64);

export interface AuditBody {
  seq: number;
  at: string;
  actor: { id: string; username: string; role: string; via: string };
  action: string;
  entityType: string | null;
  entityId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("non-finite number in audit body");
    if (typeof value === "bigint") return JSON.stringify(value.toString());
    return JSON.stringify(value);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  const keys = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson((value as Record<string, unknown>)[k])).join(",") + "}";
}

export function chainHash(prevHash: string, body: string): string {
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

export interface StoredAuditRow {
  seq: number;
  body: string;
  prevHash: string;
  hash: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
}

export type VerifyResult =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; brokenAt: number; reason: "gap" | "hash-mismatch" | "prev-mismatch" | "column-mismatch" | "head-mismatch" | "unparsable" };

/** Verify rows in ascending `seq` order against the chain head. Stops at the first break. */
export function verifyChain(rows: Iterable<StoredAuditRow>, head: { seq: number; hash: string }): VerifyResult {
  let expectedSeq = 1;
  let prev = GENESIS;
  let n = 0;
  for (const r of rows) {
    if (r.seq !== expectedSeq) return { ok: false, entries: n, brokenAt: expectedSeq, reason: "gap" };
    if (r.prevHash !== prev) return { ok: false, entries: n, brokenAt: r.seq, reason: "prev-mismatch" };
    if (chainHash(prev, r.body) !== r.hash) return { ok: false, entries: n, brokenAt: r.seq, reason: "hash-mismatch" };
    let body: AuditBody;
    try {
      body = JSON.parse(r.body) as AuditBody;
    } catch {
      return { ok: false, entries: n, brokenAt: r.seq, reason: "unparsable" };
    }
    // The indexed columns are copies for querying; they must say what the hashed body says.
    if (body.seq !== r.seq || body.action !== r.action || body.entityType !== r.entityType || body.entityId !== r.entityId) {
      return { ok: false, entries: n, brokenAt: r.seq, reason: "column-mismatch" };
    }
    prev = r.hash;
    expectedSeq++;
    n++;
  }
  if (head.seq !== n || head.hash !== prev) return { ok: false, entries: n, brokenAt: n + 1, reason: "head-mismatch" };
  return { ok: true, entries: n, headHash: prev };
}
