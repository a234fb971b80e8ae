import { sql, type Transaction, type ExpressionBuilder } from "kysely";
import type { Database } from "../store/schema.js";
import type { Organisation, OrganisationCreate, OrganisationQuery, OrganisationUpdate } from "../contract/organisations.js";
import { Problem } from "../contract/problem.js";
import { scopeOf, type Principal } from "../domain/authz.js";
import { isExemptClass, isMailGatewayEligible, type OrganisationClass } from "../domain/organisation.js";
import { mailDisconnectionOnStatusChange } from "./applications.js";
import { isValidBin } from "../domain/catalogue/bin-check.js";
import { containsPattern, iso, namesPatch, requirePermission, isUniqueViolation, type Ctx } from "./context.js";

type Row = Database["organisation"] extends infer T ? { [K in keyof T]: any } : never;

export function toOrganisation(r: Row): Organisation {
  return {
    id: r.id,
    bin: r.bin,
    nameKk: r.name_kk,
    nameRu: r.name_ru,
    nameEn: r.name_en,
    class: r.class,
    exempt: isExemptClass(r.class as OrganisationClass),
    contacts: r.contacts,
    status: r.status,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** Operator staff see the organisations they serve (a contract or a catalogue prefix); organisation staff their own. */
export function organisationScope(p: Principal) {
  const s = scopeOf(p);
  return (eb: ExpressionBuilder<Database, "organisation">) => {
    if (s.kind === "all") return eb.val(true);
    if (s.kind === "organisation") return eb("organisation.id", "=", s.organisationId);
    return eb.or([
      eb.exists(eb.selectFrom("contract").select("contract.id").whereRef("contract.organisation_id", "=", "organisation.id").where("contract.operator_id", "=", s.operatorId)),
      eb.exists(eb.selectFrom("catalogue_prefix").select("catalogue_prefix.id").whereRef("catalogue_prefix.organisation_id", "=", "organisation.id").where("catalogue_prefix.operator_id", "=", s.operatorId)),
    ]);
  };
}

export function checkBin(bin: string, field = "bin"): void {
  if (!isValidBin(bin)) throw new Problem("QQ_ERR_VALIDATION", `${field} ${bin} has a wrong check digit`, { errors: [{ path: `/${field}`, message: "wrong check digit" }] });
}

export async function listOrganisations(ctx: Ctx, q: OrganisationQuery) {
  requirePermission(ctx.principal, "organisation.read");
  let base = ctx.tx.selectFrom("organisation").where(organisationScope(ctx.principal));
  if (q.q) {
    const like = containsPattern(q.q);
    base = base.where((eb) => eb.or([eb("bin", "like", like), eb("name_kk", "ilike", like), eb("name_ru", "ilike", like), eb("name_en", "ilike", like)]));
  }
  if (q.class) base = base.where("class", "=", q.class);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("name_en").orderBy("id").limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toOrganisation), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function getOrganisation(ctx: Ctx, id: string): Promise<Organisation> {
  requirePermission(ctx.principal, "organisation.read");
  const r = await ctx.tx.selectFrom("organisation").selectAll().where("id", "=", id).where(organisationScope(ctx.principal)).executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `organisation ${id} not found`);
  return toOrganisation(r);
}

export async function createOrganisation(ctx: Ctx, input: OrganisationCreate): Promise<Organisation> {
  requirePermission(ctx.principal, "organisation.write");
  checkBin(input.bin);
  try {
    const r = await ctx.tx
      .insertInto("organisation")
      .values({ bin: input.bin, name_kk: input.nameKk, name_ru: input.nameRu, name_en: input.nameEn, class: input.class, contacts: JSON.stringify(input.contacts ?? []), status: "active" })
      .returningAll()
      .executeTakeFirstOrThrow();
    const o = toOrganisation(r);
    await ctx.audit({ action: "organisation.create", entityType: "organisation", entityId: o.id, after: o });
    return o;
  } catch (e) {
    if (isUniqueViolation(e)) throw new Problem("QQ_ERR_DUPLICATE", `an organisation with BIN ${input.bin} already exists`);
    throw e;
  }
}

export async function updateOrganisation(ctx: Ctx, id: string, input: OrganisationUpdate): Promise<Organisation> {
  requirePermission(ctx.principal, "organisation.write");
  const before = await getOrganisation(ctx, id);
  const r = await ctx.tx
    .updateTable("organisation")
    .set({
      ...namesPatch(input),
      ...(input.class !== undefined ? { class: input.class } : {}),
      ...(input.contacts !== undefined ? { contacts: JSON.stringify(input.contacts) } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = toOrganisation(r);
  await ctx.audit({ action: "organisation.update", entityType: "organisation", entityId: id, before, after });
  // UGEM p.11: an organisation that is disconnected, or whose class is no longer one the mail gateway serves,
  // has its mail system disconnected through its mail-gateway application.
  const wasEligible = before.status === "active" && isMailGatewayEligible(before.class);
  const isEligible = after.status === "active" && isMailGatewayEligible(after.class);
  if (wasEligible && !isEligible) {
    await mailDisconnectionOnStatusChange(ctx.tx, id, after.status !== "active" ? "organisation disconnected" : `class changed to ${after.class}`, ctx.now);
  }
  return after;
}

export async function organisationIdByBin(tx: Transaction<Database>, bin: string): Promise<string | undefined> {
  return (await tx.selectFrom("organisation").select("id").where("bin", "=", bin).executeTakeFirst())?.id;
}
