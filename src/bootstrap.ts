/**
 * First start: the first STS administrator. Its password comes from QAQPA_ADMIN_PASSWORD or is generated and
 * printed once; it is never written to a log.
 */
import { randomBytes } from "node:crypto";
import type { Store } from "./store/db.js";
import { systemPrincipal } from "./domain/authz.js";
import { inTx } from "./services/context.js";
import { createAccount } from "./services/accounts.js";

export async function ensureAdmin(store: Store, password?: string): Promise<{ created: boolean; username: string; password?: string }> {
  const existing = await store.db.selectFrom("account").select("username").where("role", "=", "sts_admin").executeTakeFirst();
  if (existing) return { created: false, username: existing.username };
  const pw = password ?? randomBytes(18).toString("base64url");
  await inTx(store, systemPrincipal("bootstrap"), null, (ctx) =>
    createAccount(ctx, { username: "admin", displayName: "STS administrator", role: "sts_admin", password: pw }, { mustChangePassword: password === undefined }),
  );
  return { created: true, username: "admin", password: password === undefined ? pw : undefined };
}
