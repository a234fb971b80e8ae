/**
 * Who is calling: a session cookie (portal; mutating calls also need the X-CSRF-Token header) or an API token
 * (machines; `Authorization: Bearer qqt_…`). Tokens and session ids are stored only as SHA-256 hashes.
 */
import { randomBytes } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Store } from "../store/db.js";
import type { Principal } from "../domain/authz.js";
import { Problem } from "../contract/problem.js";
import { principalOf, tokenHash, toAccount } from "../services/accounts.js";
import { verifyPassword } from "../services/passwords.js";
import { appendAudit } from "../store/audit.js";

export const SESSION_COOKIE = "qaqpa_session";
const SESSION_TTL_MS = 12 * 3600 * 1000;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function authenticate(store: Store, req: FastifyRequest): Promise<Principal | null> {
  const authz = req.headers.authorization;
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m) throw new Problem("QQ_ERR_UNAUTHENTICATED", "Authorization must be 'Bearer <token>'");
    const row = await store.db
      .selectFrom("api_token")
      .innerJoin("account", "account.id", "api_token.account_id")
      .select(["account.id", "account.username", "account.role", "account.operator_id", "account.organisation_id", "account.disabled", "api_token.id as token_id", "api_token.expires_at", "api_token.revoked_at"])
      .where("api_token.token_hash", "=", tokenHash(m[1]!))
      .executeTakeFirst();
    if (!row || row.disabled || row.revoked_at || (row.expires_at && row.expires_at.getTime() < Date.now())) {
      throw new Problem("QQ_ERR_UNAUTHENTICATED", "the API token is unknown, revoked or expired");
    }
    await store.db.updateTable("api_token").set({ last_used_at: new Date() }).where("id", "=", row.token_id).execute();
    return principalOf(row, "token");
  }
  const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (!sid) return null;
  const row = await store.db
    .selectFrom("session")
    .innerJoin("account", "account.id", "session.account_id")
    .select(["account.id", "account.username", "account.role", "account.operator_id", "account.organisation_id", "account.disabled", "session.csrf_token", "session.expires_at"])
    .where("session.id", "=", tokenHash(sid))
    .executeTakeFirst();
  if (!row || row.disabled || row.expires_at.getTime() < Date.now()) return null;
  if (MUTATING.has(req.method)) {
    const sent = req.headers["x-csrf-token"];
    if (typeof sent !== "string" || sent !== row.csrf_token) throw new Problem("QQ_ERR_CSRF", "mutating calls with a session cookie need the X-CSRF-Token header from login");
  }
  return principalOf(row, "session");
}

/** Failed logins per (username, address): after 10 in 15 minutes the pair is refused until the window passes. */
const failures = new Map<string, { n: number; since: number }>();
const WINDOW_MS = 15 * 60 * 1000;

export async function login(store: Store, username: string, password: string, address: string) {
  const key = `${username}\u0000${address}`;
  const f = failures.get(key);
  if (f && Date.now() - f.since < WINDOW_MS && f.n >= 10) throw new Problem("QQ_ERR_RATE_LIMITED", "too many failed logins; try again later");
  const row = await store.db.selectFrom("account").selectAll().where("username", "=", username).executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? null);
  if (!row || !ok || row.disabled) {
    const cur = f && Date.now() - f.since < WINDOW_MS ? f : { n: 0, since: Date.now() };
    cur.n++;
    failures.set(key, cur);
    throw new Problem("QQ_ERR_BAD_CREDENTIALS");
  }
  failures.delete(key);
  const sid = randomBytes(32).toString("base64url");
  const csrf = randomBytes(24).toString("base64url");
  await store.db.transaction().execute(async (tx) => {
    await tx.deleteFrom("session").where("expires_at", "<", new Date()).execute();
    await tx.insertInto("session").values({ id: tokenHash(sid), account_id: row.id, csrf_token: csrf, expires_at: new Date(Date.now() + SESSION_TTL_MS) }).execute();
    await appendAudit(tx, principalOf(row, "session"), { action: "account.login", entityType: "account", entityId: row.id });
  });
  return { sessionId: sid, csrfToken: csrf, account: toAccount(row), maxAgeSeconds: SESSION_TTL_MS / 1000 };
}

export async function logout(store: Store, req: FastifyRequest): Promise<void> {
  const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (sid) await store.db.deleteFrom("session").where("id", "=", tokenHash(sid)).execute();
}

export function sessionCookie(value: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}
