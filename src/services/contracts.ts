import { sql, type ExpressionBuilder } from "kysely";
import type { Database } from "../store/schema.js";
import type { Contract, ContractCreate, ContractQuery, ContractUpdate } from "../contract/contracts.js";
import { Problem } from "../contract/problem.js";
import { scopeOf, type Principal } from "../domain/authz.js";
import { iso, requirePermission, isUniqueViolation, type Ctx } from "./context.js";

export function toContract(r: any): Contract {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    operatorId: r.operator_id,
    number: r.number,
    signedOn: r.signed_on,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    status: r.status,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function contractScope(p: Principal) {
  const s = scopeOf(p);
  return (eb: ExpressionBuilder<Database, "contract">) =>
    s.kind === "all" ? eb.val(true) : s.kind === "operator" ? eb("contract.operator_id", "=", s.operatorId) : eb("contract.organisation_id", "=", s.organisationId);
}

export async function listContracts(ctx: Ctx, q: ContractQuery) {
  requirePermission(ctx.principal, "contract.read");
  let base = ctx.tx.selectFrom("contract").where(contractScope(ctx.principal));
  if (q.organisationId) base = base.where("organisation_id", "=", q.organisationId);
  if (q.operatorId) base = base.where("operator_id", "=", q.operatorId);
  if (q.status) base = base.where("status", "=", q.status);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("created_at", "desc").orderBy("id").limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toContract), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function getContract(ctx: Ctx, id: string): Promise<Contract> {
  requirePermission(ctx.principal, "contract.read");
  const r = await ctx.tx.selectFrom("contract").selectAll().where("id", "=", id).where(contractScope(ctx.principal)).executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `contract ${id} not found`);
  return toContract(r);
}

export async function createContract(ctx: Ctx, input: ContractCreate): Promise<Contract> {
  requirePermission(ctx.principal, "contract.write");
  const s = scopeOf(ctx.principal);
  if (s.kind === "operator" && input.operatorId !== s.operatorId) throw new Problem("QQ_ERR_FORBIDDEN", "operator staff record contracts of their own operator only");
  if (s.kind === "organisation") throw new Problem("QQ_ERR_FORBIDDEN", "organisation staff may not record contracts");
  const org = await ctx.tx.selectFrom("organisation").select(["id"]).where("id", "=", input.organisationId).executeTakeFirst();
  if (!org) throw new Problem("QQ_ERR_VALIDATION", `organisation ${input.organisationId} does not exist`, { errors: [{ path: "/organisationId", message: "unknown organisation" }] });
  const op = await ctx.tx.selectFrom("telecom_operator").select(["id"]).where("id", "=", input.operatorId).executeTakeFirst();
  if (!op) throw new Problem("QQ_ERR_VALIDATION", `telecom operator ${input.operatorId} does not exist`, { errors: [{ path: "/operatorId", message: "unknown operator" }] });
  if (input.validTo && input.validTo < input.validFrom) throw new Problem("QQ_ERR_VALIDATION", "validTo is before validFrom", { errors: [{ path: "/validTo", message: "before validFrom" }] });
  try {
    const r = await ctx.tx
      .insertInto("contract")
      .values({
        organisation_id: input.organisationId,
        operator_id: input.operatorId,
        number: input.number,
        signed_on: input.signedOn ?? null,
        valid_from: input.validFrom,
        valid_to: input.validTo ?? null,
        status: input.status ?? "active",
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const c = toContract(r);
    await ctx.audit({ action: "contract.create", entityType: "contract", entityId: c.id, after: c });
    return c;
  } catch (e) {
    if (isUniqueViolation(e)) throw new Problem("QQ_ERR_DUPLICATE", `contract number ${input.number} already exists for this operator`);
    throw e;
  }
}

export async function updateContract(ctx: Ctx, id: string, input: ContractUpdate): Promise<Contract> {
  requirePermission(ctx.principal, "contract.write");
  if (scopeOf(ctx.principal).kind === "organisation") throw new Problem("QQ_ERR_FORBIDDEN", "organisation staff may not change contracts");
  const before = await getContract(ctx, id);
  const validFrom = input.validFrom ?? before.validFrom;
  const validTo = input.validTo === undefined ? before.validTo : input.validTo;
  if (validTo && validTo < validFrom) throw new Problem("QQ_ERR_VALIDATION", "validTo is before validFrom", { errors: [{ path: "/validTo", message: "before validFrom" }] });
  const r = await ctx.tx
    .updateTable("contract")
    .set({
      ...(input.signedOn !== undefined ? { signed_on: input.signedOn } : {}),
      valid_from: validFrom,
      valid_to: validTo,
      ...(input.status !== undefined ? { status: input.status } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = toContract(r);
  await ctx.audit({ action: "contract.update", entityType: "contract", entityId: id, before, after });
  return after;
}
