/**
 * The gateway policy rows the workflows produce: access policies (p.15-1: the categories and network
 * addresses an organisation asked for, open for one calendar year) and exceptions (p.15-2: named services
 * such as a VPN or a remote-access product, until a date). `gatewayPolicies` is what the gateway compiles
 * into its snapshot; the list functions are the API's.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import { scopeOf, type Principal } from "../domain/authz.js";
import { civilDateOf } from "../domain/working-days/index.js";
import { iso, requirePermission, type Ctx } from "./context.js";

export interface GatewayAccessPolicy {
  organisationId: string;
  applicationId: string;
  categories: string[];
  /** source networks of the organisation the policy applies to */
  networks: string[];
  validFrom: string;
  /** last day in force (inclusive, Asia/Almaty) */
  validTo: string;
}

export interface GatewayException {
  organisationId: string;
  applicationId: string;
  services: { name: string; kind: "vpn" | "remote-access" | "other"; product?: string }[];
  destinations: string[];
  networks: string[];
  /** last day in force (inclusive, Asia/Almaty) */
  expiresOn: string;
}

/**
 * Access policies and exceptions in force on the Almaty date of `now`. The scheduler ends rows whose term
 * passed, but the gateway should not depend on it having run: the dates are checked here too.
 */
export async function gatewayPolicies(db: Kysely<Database> | Transaction<Database>, now = new Date()): Promise<{ accessPolicies: GatewayAccessPolicy[]; exceptions: GatewayException[] }> {
  const today = civilDateOf(now);
  const ap = await db.selectFrom("access_policy").selectAll().where("status", "=", "active").where("valid_from", "<=", today).where("valid_to", ">=", today).orderBy("organisation_id").execute();
  const ex = await db.selectFrom("policy_exception").selectAll().where("status", "=", "active").where("expires_on", ">=", today).orderBy("organisation_id").execute();
  return {
    accessPolicies: ap.map((r) => ({ organisationId: r.organisation_id, applicationId: r.application_id, categories: r.categories, networks: r.networks, validFrom: r.valid_from, validTo: r.valid_to })),
    exceptions: ex.map((r) => ({ organisationId: r.organisation_id, applicationId: r.application_id, services: r.services as GatewayException["services"], destinations: r.destinations, networks: r.networks, expiresOn: r.expires_on })),
  };
}

/** Organisation staff see their organisation's rows; operator staff those of organisations they hold a contract with. */
function organisationsVisible(p: Principal) {
  const s = scopeOf(p);
  return (eb: any, column: string) =>
    s.kind === "all"
      ? eb.val(true)
      : s.kind === "organisation"
        ? eb(column, "=", s.organisationId)
        : eb(column, "in", eb.selectFrom("contract").select("organisation_id").where("operator_id", "=", s.operatorId));
}

export async function listAccessPolicies(ctx: Ctx, q: { organisationId?: string; status?: string; limit: number; offset: number }) {
  requirePermission(ctx.principal, "policy.read");
  const visible = organisationsVisible(ctx.principal);
  let base = ctx.tx.selectFrom("access_policy").where((eb) => visible(eb, "access_policy.organisation_id"));
  if (q.organisationId) base = base.where("organisation_id", "=", q.organisationId);
  if (q.status) base = base.where("status", "=", q.status);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("created_at", "desc").limit(q.limit).offset(q.offset).execute();
  return {
    items: rows.map((r) => ({ id: r.id, organisationId: r.organisation_id, applicationId: r.application_id, categories: r.categories, networks: r.networks, validFrom: r.valid_from, validTo: r.valid_to, status: r.status, createdAt: iso(r.created_at), endedAt: r.ended_at ? iso(r.ended_at) : null })),
    total: Number(n),
    limit: q.limit,
    offset: q.offset,
  };
}

export async function listExceptions(ctx: Ctx, q: { organisationId?: string; status?: string; limit: number; offset: number }) {
  requirePermission(ctx.principal, "policy.read");
  const visible = organisationsVisible(ctx.principal);
  let base = ctx.tx.selectFrom("policy_exception").where((eb) => visible(eb, "policy_exception.organisation_id"));
  if (q.organisationId) base = base.where("organisation_id", "=", q.organisationId);
  if (q.status) base = base.where("status", "=", q.status);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("created_at", "desc").limit(q.limit).offset(q.offset).execute();
  return {
    items: rows.map((r) => ({ id: r.id, organisationId: r.organisation_id, applicationId: r.application_id, services: r.services, destinations: r.destinations, networks: r.networks, expiresOn: r.expires_on, status: r.status, createdAt: iso(r.created_at), endedAt: r.ended_at ? iso(r.ended_at) : null })),
    total: Number(n),
    limit: q.limit,
    offset: q.offset,
  };
}

