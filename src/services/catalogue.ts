/**
 * The IP address catalogue (p.13): prefixes of organisations, kept by their telecom operators.
 *
 * Rules enforced here, in the transaction of the change:
 *  - a prefix is canonical (parsePrefix) — host bits set, leading zeros, mapped IPv6 are refused with a reason;
 *  - it may not overlap a prefix of another organisation (checked with the `&&` operator on the gist index);
 *    nesting inside the same organisation's prefix is allowed, an identical prefix is a duplicate;
 *  - the organisation must hold a contract with the operator (p.4: the contract is the ground for connection);
 *  - operator staff act for their own operator only.
 * Every change writes an audit entry with before/after, which is the prefix's history.
 */
import { sql, type ExpressionBuilder } from "kysely";
import type { Database } from "../store/schema.js";
import type { CataloguePrefix, CataloguePrefixCreate, CataloguePrefixUpdate, CatalogueQuery, LookupResult } from "../contract/catalogue.js";
import { Problem } from "../contract/problem.js";
import { scopeOf, type Principal } from "../domain/authz.js";
import { parseAddress, parsePrefix, type Prefix } from "../domain/catalogue/prefix.js";
import { iso, requirePermission, isUniqueViolation, type Ctx } from "./context.js";
import { reconcileUnknownSources } from "./unknown-sources.js";

export function toPrefix(r: any): CataloguePrefix {
  return {
    id: r.id,
    prefix: r.prefix,
    organisationId: r.organisation_id,
    operatorId: r.operator_id,
    contractId: r.contract_id,
    note: r.note,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function catalogueScope(p: Principal) {
  const s = scopeOf(p);
  return (eb: ExpressionBuilder<Database, "catalogue_prefix">) =>
    s.kind === "all" ? eb.val(true) : s.kind === "operator" ? eb("catalogue_prefix.operator_id", "=", s.operatorId) : eb("catalogue_prefix.organisation_id", "=", s.organisationId);
}

export function canonicalPrefix(text: string, field = "prefix"): Prefix {
  const r = parsePrefix(text);
  if (!r.ok) throw new Problem("QQ_ERR_VALIDATION", `${field}: ${r.message}`, { errors: [{ path: `/${field}`, code: r.code, message: r.message }] });
  return r.prefix;
}

/** Which operator acts: operator staff always act for their own; STS must name one. */
function actingOperator(ctx: Ctx, requested: string | undefined): string {
  const s = scopeOf(ctx.principal);
  if (s.kind === "operator") {
    if (requested && requested !== s.operatorId) throw new Problem("QQ_ERR_FORBIDDEN", "operator staff maintain their own operator's catalogue only");
    return s.operatorId;
  }
  if (s.kind === "organisation") throw new Problem("QQ_ERR_FORBIDDEN", "organisation staff may not change the catalogue");
  if (!requested) throw new Problem("QQ_ERR_VALIDATION", "operatorId is required", { errors: [{ path: "/operatorId", message: "required for STS staff" }] });
  return requested;
}

async function resolveContract(ctx: Ctx, organisationId: string, operatorId: string, contractId: string | null | undefined): Promise<string | null> {
  let q = ctx.tx.selectFrom("contract").select(["id", "status"]).where("organisation_id", "=", organisationId).where("operator_id", "=", operatorId);
  if (contractId) q = q.where("id", "=", contractId);
  const rows = await q.execute();
  const active = rows.find((r) => r.status === "active");
  if (!active) {
    throw new Problem(
      "QQ_ERR_CONFLICT",
      contractId ? `contract ${contractId} is not an active contract between this organisation and operator` : "the organisation has no active contract with this telecom operator (p.4)",
    );
  }
  return contractId ? active.id : (rows.length === 1 ? active.id : null);
}

export async function findOverlaps(ctx: Ctx, prefix: string, organisationId: string, excludeId?: string) {
  let q = ctx.tx
    .selectFrom("catalogue_prefix")
    .innerJoin("organisation", "organisation.id", "catalogue_prefix.organisation_id")
    .select(["catalogue_prefix.id", "catalogue_prefix.prefix", "catalogue_prefix.organisation_id", "organisation.bin", "organisation.name_en"])
    .where(sql<boolean>`catalogue_prefix.prefix && ${prefix}::cidr`);
  if (excludeId) q = q.where("catalogue_prefix.id", "<>", excludeId);
  const rows = await q.execute();
  return rows.map((r) => ({ id: r.id, prefix: r.prefix, organisationId: r.organisation_id, organisationBin: r.bin, organisationName: r.name_en, sameOrganisation: r.organisation_id === organisationId }));
}

function overlapProblem(prefix: string, conflicts: Awaited<ReturnType<typeof findOverlaps>>): Problem | undefined {
  const dup = conflicts.find((c) => c.prefix === prefix);
  if (dup) return new Problem("QQ_ERR_DUPLICATE", `prefix ${prefix} is already in the catalogue`, { conflicts: [dup] });
  const foreign = conflicts.filter((c) => !c.sameOrganisation);
  if (foreign.length > 0) {
    const c = foreign[0]!;
    return new Problem("QQ_ERR_CATALOGUE_OVERLAP", `prefix ${prefix} overlaps ${c.prefix} of organisation ${c.organisationName} (BIN ${c.organisationBin})`, { conflicts: foreign });
  }
  return undefined;
}

export async function listPrefixes(ctx: Ctx, q: CatalogueQuery) {
  requirePermission(ctx.principal, "catalogue.read");
  let base = ctx.tx.selectFrom("catalogue_prefix").where(catalogueScope(ctx.principal));
  if (q.organisationId) base = base.where("organisation_id", "=", q.organisationId);
  if (q.operatorId) base = base.where("operator_id", "=", q.operatorId);
  if (q.within) base = base.where(sql<boolean>`prefix <<= ${canonicalPrefix(q.within, "within").text}::cidr`);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("prefix").limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toPrefix), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function getPrefix(ctx: Ctx, id: string): Promise<CataloguePrefix> {
  requirePermission(ctx.principal, "catalogue.read");
  const r = await ctx.tx.selectFrom("catalogue_prefix").selectAll().where("id", "=", id).where(catalogueScope(ctx.principal)).executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `catalogue prefix ${id} not found`);
  return toPrefix(r);
}

export async function createPrefix(ctx: Ctx, input: CataloguePrefixCreate): Promise<CataloguePrefix> {
  requirePermission(ctx.principal, "catalogue.write");
  const p = canonicalPrefix(input.prefix);
  const operatorId = actingOperator(ctx, input.operatorId);
  const org = await ctx.tx.selectFrom("organisation").select("id").where("id", "=", input.organisationId).executeTakeFirst();
  if (!org) throw new Problem("QQ_ERR_VALIDATION", `organisation ${input.organisationId} does not exist`, { errors: [{ path: "/organisationId", message: "unknown organisation" }] });
  const contractId = await resolveContract(ctx, input.organisationId, operatorId, input.contractId);
  // Serialise catalogue writers so two concurrent inserts cannot both pass the overlap check.
  await sql`select pg_advisory_xact_lock(727013)`.execute(ctx.tx);
  const problem = overlapProblem(p.text, await findOverlaps(ctx, p.text, input.organisationId));
  if (problem) throw problem;
  try {
    const r = await ctx.tx
      .insertInto("catalogue_prefix")
      .values({ prefix: p.text, organisation_id: input.organisationId, operator_id: operatorId, contract_id: contractId, note: input.note ?? null })
      .returningAll()
      .executeTakeFirstOrThrow();
    const out = toPrefix(r);
    await ctx.audit({ action: "catalogue.create", entityType: "catalogue_prefix", entityId: out.id, after: out });
    // p.13: an address the catalogue now covers is no longer unknown — unblocked at once if it was blocked.
    await reconcileUnknownSources(ctx.tx, ctx.now);
    return out;
  } catch (e) {
    if (isUniqueViolation(e)) throw new Problem("QQ_ERR_DUPLICATE", `prefix ${p.text} is already in the catalogue`);
    throw e;
  }
}

export async function updatePrefix(ctx: Ctx, id: string, input: CataloguePrefixUpdate): Promise<CataloguePrefix> {
  requirePermission(ctx.principal, "catalogue.write");
  const before = await getPrefix(ctx, id);
  actingOperator(ctx, before.operatorId);
  const organisationId = input.organisationId ?? before.organisationId;
  const contractId = input.organisationId !== undefined || input.contractId !== undefined
    ? await resolveContract(ctx, organisationId, before.operatorId, input.contractId === undefined ? undefined : input.contractId)
    : before.contractId;
  if (organisationId !== before.organisationId) {
    await sql`select pg_advisory_xact_lock(727013)`.execute(ctx.tx);
    const problem = overlapProblem("", await findOverlaps(ctx, before.prefix, organisationId, id));
    if (problem) throw problem;
  }
  const r = await ctx.tx
    .updateTable("catalogue_prefix")
    .set({ organisation_id: organisationId, contract_id: contractId, ...(input.note !== undefined ? { note: input.note } : {}), updated_at: sql<Date>`now()` })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = toPrefix(r);
  await ctx.audit({ action: "catalogue.update", entityType: "catalogue_prefix", entityId: id, before, after });
  return after;
}

export async function deletePrefix(ctx: Ctx, id: string): Promise<void> {
  requirePermission(ctx.principal, "catalogue.write");
  const before = await getPrefix(ctx, id);
  actingOperator(ctx, before.operatorId);
  await ctx.tx.deleteFrom("catalogue_prefix").where("id", "=", id).execute();
  await ctx.audit({ action: "catalogue.delete", entityType: "catalogue_prefix", entityId: id, before });
}

/** Longest-prefix match in the store (the control-plane path; the data plane uses the in-memory table). */
export async function lookupAddress(ctx: Ctx, address: string): Promise<LookupResult> {
  requirePermission(ctx.principal, "catalogue.read");
  const a = parseAddress(address);
  if (!a.ok) throw new Problem("QQ_ERR_VALIDATION", `address: ${a.message}`, { errors: [{ path: "/address", code: a.code, message: a.message }] });
  const r = await ctx.tx
    .selectFrom("catalogue_prefix")
    .selectAll()
    .where(sql<boolean>`prefix >>= ${a.address.text}::inet`)
    .orderBy(sql`masklen(prefix)`, "desc")
    .limit(1)
    .executeTakeFirst();
  // A match outside the caller's scope is reported as no match: the caller learns nothing about other operators.
  const s = scopeOf(ctx.principal);
  const visible = r && (s.kind === "all" || (s.kind === "operator" ? r.operator_id === s.operatorId : r.organisation_id === s.organisationId));
  return { address: a.address.text, match: visible ? { prefixId: r.id, prefix: r.prefix, organisationId: r.organisation_id, operatorId: r.operator_id } : null };
}

export async function prefixHistory(ctx: Ctx, id: string) {
  requirePermission(ctx.principal, "catalogue.read");
  // Scope: a deleted prefix has no row, so history visibility is decided from its audit entries' operator.
  const rows = await ctx.tx.selectFrom("audit_entry").select(["seq", "body"]).where("entity_type", "=", "catalogue_prefix").where("entity_id", "=", id).orderBy("seq").execute();
  const entries = rows.map((r) => JSON.parse(r.body) as { seq: number; at: string; action: string; actor: any; before: any; after: any });
  const s = scopeOf(ctx.principal);
  const visible = entries.filter((e) => {
    const v = (e.after ?? e.before) as CataloguePrefix | null;
    if (!v || s.kind === "all") return true;
    return s.kind === "operator" ? v.operatorId === s.operatorId : v.organisationId === s.organisationId;
  });
  if (visible.length === 0) throw new Problem("QQ_ERR_NOT_FOUND", `catalogue prefix ${id} not found`);
  return visible.map((e) => ({ seq: e.seq, at: e.at, action: e.action, actor: e.actor, before: e.before, after: e.after }));
}
