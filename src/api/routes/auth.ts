import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx, principalOrThrow } from "../server.js";
import { Account, ApiToken, ApiTokenCreate, ApiTokenCreated, Login, LoginResult, PasswordChange } from "../../contract/accounts.js";
import { IdParams } from "../../contract/common.js";
import { login, logout, sessionCookie } from "../auth.js";
import { changeOwnPassword, newSecretToken, tokenHash, toAccount } from "../../services/accounts.js";
import { Problem } from "../../contract/problem.js";
import { iso } from "../../services/context.js";

const tags = ["auth"];

export function authRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route({ method: "POST", url: "/api/auth/login", access: "public", schema: { tags, summary: "Log in with a password; sets the session cookie", body: Login, response: { 200: LoginResult } } }, async (req, reply) => {
      const r = await login(deps.store, req.body.username, req.body.password, req.ip);
      reply.header("set-cookie", sessionCookie(r.sessionId, r.maxAgeSeconds, deps.secureCookies ?? false));
      return { account: r.account, csrfToken: r.csrfToken };
    });

    route({ method: "POST", url: "/api/auth/logout", access: "authenticated", schema: { tags, summary: "End the session", response: { 204: Type.Null() } } }, async (req, reply) => {
      await logout(deps.store, req);
      reply.header("set-cookie", sessionCookie("", 0, deps.secureCookies ?? false));
      return reply.code(204).send();
    });

    route({ method: "GET", url: "/api/auth/me", access: "authenticated", schema: { tags, summary: "The calling account", response: { 200: Account } } }, async (req) => {
      const p = principalOrThrow(req);
      const row = await deps.store.db.selectFrom("account").selectAll().where("id", "=", p.accountId).executeTakeFirst();
      if (!row) throw new Problem("QQ_ERR_UNAUTHENTICATED");
      return toAccount(row);
    });

    route({ method: "POST", url: "/api/auth/password", access: "authenticated", schema: { tags, summary: "Change one's own password", body: PasswordChange, response: { 204: Type.Null() } } }, async (req, reply) => {
      await tx(deps, req, (ctx) => changeOwnPassword(ctx, req.body.currentPassword, req.body.newPassword));
      return reply.code(204).send();
    });

    route({ method: "GET", url: "/api/tokens", access: "authenticated", schema: { tags, summary: "The caller's API tokens", response: { 200: Type.Array(ApiToken) } } }, async (req) => {
      const p = principalOrThrow(req);
      const rows = await deps.store.db.selectFrom("api_token").selectAll().where("account_id", "=", p.accountId).where("revoked_at", "is", null).orderBy("created_at").execute();
      return rows.map((r) => ({ id: r.id, name: r.name, createdAt: iso(r.created_at), expiresAt: r.expires_at ? iso(r.expires_at) : null, lastUsedAt: r.last_used_at ? iso(r.last_used_at) : null }));
    });

    route({ method: "POST", url: "/api/tokens", access: "authenticated", schema: { tags, summary: "Create an API token for the caller (shown once)", body: ApiTokenCreate, response: { 201: ApiTokenCreated } } }, async (req, reply) => {
      const token = newSecretToken("qqt");
      const created = await tx(deps, req, async (ctx) => {
        const r = await ctx.tx
          .insertInto("api_token")
          .values({ account_id: ctx.principal.accountId, name: req.body.name, token_hash: tokenHash(token), expires_at: req.body.expiresAt ?? null })
          .returningAll()
          .executeTakeFirstOrThrow();
        await ctx.audit({ action: "api-token.create", entityType: "api_token", entityId: r.id, after: { name: r.name, expiresAt: r.expires_at } });
        return r;
      });
      // The token is shown once: no cache along the way may keep it.
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .send({ id: created.id, name: created.name, createdAt: iso(created.created_at), expiresAt: created.expires_at ? iso(created.expires_at) : null, lastUsedAt: null, token });
    });

    route({ method: "DELETE", url: "/api/tokens/:id", access: "authenticated", schema: { tags, summary: "Revoke one of the caller's API tokens", params: IdParams, response: { 204: Type.Null() } } }, async (req, reply) => {
      await tx(deps, req, async (ctx) => {
        const r = await ctx.tx.updateTable("api_token").set({ revoked_at: new Date() }).where("id", "=", req.params.id).where("account_id", "=", ctx.principal.accountId).where("revoked_at", "is", null).returning("id").executeTakeFirst();
        if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `API token ${req.params.id} not found`);
        await ctx.audit({ action: "api-token.revoke", entityType: "api_token", entityId: r.id });
      });
      return reply.code(204).send();
    });
  };
}
