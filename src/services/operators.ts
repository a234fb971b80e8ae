import { sql, type ExpressionBuilder } from "kysely";
import type { Database } from "../store/schema.js";
import type { TelecomOperator, TelecomOperatorCreate, TelecomOperatorQuery, TelecomOperatorUpdate } from "../contract/operators.js";
import { Problem } from "../contract/problem.js";
import { scopeOf, type Principal } from "../domain/authz.js";
import { containsPattern, iso, namesPatch, requirePermission, isUniqueViolation, type Ctx } from "./context.js";
import { checkBin } from "./organisations.js";

export function toOperator(r: any): TelecomOperator {
  return {
    id: r.id,
    bin: r.bin,
    nameKk: r.name_kk,
    nameRu: r.name_ru,
    nameEn: r.name_en,
    asns: (r.asns ?? []).map(Number),
    notificationEmails: r.notification_emails ?? [],
    contacts: r.contacts,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** Operator staff see only their operator; organisation staff the operators they hold a contract with. */
export function operatorScope(p: Principal) {
  const s = scopeOf(p);
  return (eb: ExpressionBuilder<Database, "telecom_operator">) => {
    if (s.kind === "all") return eb.val(true);
    if (s.kind === "operator") return eb("telecom_operator.id", "=", s.operatorId);
    return eb.exists(
      eb.selectFrom("contract").select("contract.id").whereRef("contract.operator_id", "=", "telecom_operator.id").where("contract.organisation_id", "=", s.organisationId),
    );
  };
}

export async function listOperators(ctx: Ctx, q: TelecomOperatorQuery) {
  requirePermission(ctx.principal, "operator.read");
  let base = ctx.tx.selectFrom("telecom_operator").where(operatorScope(ctx.principal));
  if (q.q) {
    const like = containsPattern(q.q);
    base = base.where((eb) => eb.or([eb("bin", "like", like), eb("name_kk", "ilike", like), eb("name_ru", "ilike", like), eb("name_en", "ilike", like)]));
  }
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("name_en").orderBy("id").limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toOperator), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function getOperator(ctx: Ctx, id: string): Promise<TelecomOperator> {
  requirePermission(ctx.principal, "operator.read");
  const r = await ctx.tx.selectFrom("telecom_operator").selectAll().where("id", "=", id).where(operatorScope(ctx.principal)).executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `telecom operator ${id} not found`);
  return toOperator(r);
}

export async function createOperator(ctx: Ctx, input: TelecomOperatorCreate): Promise<TelecomOperator> {
  requirePermission(ctx.principal, "operator.write");
  checkBin(input.bin);
  try {
    const r = await ctx.tx
      .insertInto("telecom_operator")
      .values({
        bin: input.bin,
        name_kk: input.nameKk,
        name_ru: input.nameRu,
        name_en: input.nameEn,
        asns: input.asns ?? [],
        notification_emails: input.notificationEmails,
        contacts: JSON.stringify(input.contacts ?? []),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const o = toOperator(r);
    await ctx.audit({ action: "operator.create", entityType: "telecom_operator", entityId: o.id, after: o });
    return o;
  } catch (e) {
    if (isUniqueViolation(e)) throw new Problem("QQ_ERR_DUPLICATE", `a telecom operator with BIN ${input.bin} already exists`);
    throw e;
  }
}

export async function updateOperator(ctx: Ctx, id: string, input: TelecomOperatorUpdate): Promise<TelecomOperator> {
  requirePermission(ctx.principal, "operator.write");
  const before = await getOperator(ctx, id);
  const r = await ctx.tx
    .updateTable("telecom_operator")
    .set({
      ...namesPatch(input),
      ...(input.asns !== undefined ? { asns: input.asns } : {}),
      ...(input.notificationEmails !== undefined ? { notification_emails: input.notificationEmails } : {}),
      ...(input.contacts !== undefined ? { contacts: JSON.stringify(input.contacts) } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const after = toOperator(r);
  await ctx.audit({ action: "operator.update", entityType: "telecom_operator", entityId: id, before, after });
  return after;
}
