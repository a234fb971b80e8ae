import { sql } from "kysely";
import { randomBytes, createHash } from "node:crypto";
import type { Account, AccountCreate, AccountUpdate } from "../contract/accounts.js";
import { Problem } from "../contract/problem.js";
import type { Principal, Role } from "../domain/authz.js";
import { iso, requirePermission, isUniqueViolation, type Ctx } from "./context.js";
import { hashPassword, verifyPassword } from "./passwords.js";

export function toAccount(r: any): Account {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    role: r.role,
    operatorId: r.operator_id,
    organisationId: r.organisation_id,
    disabled: r.disabled,
    mustChangePassword: r.must_change_password,
    createdAt: iso(r.created_at),
  };
}

export function principalOf(r: { id: string; username: string; role: string; operator_id: string | null; organisation_id: string | null }, via: Principal["via"]): Principal {
  return { accountId: r.id, username: r.username, role: r.role as Role, operatorId: r.operator_id, organisationId: r.organisation_id, via };
}

export async function listAccounts(ctx: Ctx, q: { limit: number; offset: number; role?: string }) {
  requirePermission(ctx.principal, "account.read");
  let base = ctx.tx.selectFrom("account");
  if (q.role) base = base.where("role", "=", q.role);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("username").limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toAccount), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function createAccount(ctx: Ctx, input: AccountCreate, opts: { mustChangePassword?: boolean } = {}): Promise<Account> {
  requirePermission(ctx.principal, "account.write");
  const needsOperator = input.role === "operator_staff";
  const needsOrganisation = input.role === "organisation_staff";
  if (needsOperator !== (input.operatorId !== undefined)) throw new Problem("QQ_ERR_VALIDATION", "operatorId is required for operator_staff and only for it", { errors: [{ path: "/operatorId", message: "scope mismatch" }] });
  if (needsOrganisation !== (input.organisationId !== undefined)) throw new Problem("QQ_ERR_VALIDATION", "organisationId is required for organisation_staff and only for it", { errors: [{ path: "/organisationId", message: "scope mismatch" }] });
  if (input.operatorId && !(await ctx.tx.selectFrom("telecom_operator").select("id").where("id", "=", input.operatorId).executeTakeFirst())) {
    throw new Problem("QQ_ERR_VALIDATION", `telecom operator ${input.operatorId} does not exist`, { errors: [{ path: "/operatorId", message: "unknown operator" }] });
  }
  if (input.organisationId && !(await ctx.tx.selectFrom("organisation").select("id").where("id", "=", input.organisationId).executeTakeFirst())) {
    throw new Problem("QQ_ERR_VALIDATION", `organisation ${input.organisationId} does not exist`, { errors: [{ path: "/organisationId", message: "unknown organisation" }] });
  }
  try {
    const r = await ctx.tx
      .insertInto("account")
      .values({
        username: input.username,
        display_name: input.displayName,
        email: input.email ?? null,
        password_hash: await hashPassword(input.password),
        role: input.role,
        operator_id: input.operatorId ?? null,
        organisation_id: input.organisationId ?? null,
        must_change_password: opts.mustChangePassword ?? false,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const a = toAccount(r);
    await ctx.audit({ action: "account.create", entityType: "account", entityId: a.id, after: a });
    return a;
  } catch (e) {
    if (isUniqueViolation(e)) throw new Problem("QQ_ERR_DUPLICATE", `username ${input.username} is taken`);
    throw e;
  }
}

export async function updateAccount(ctx: Ctx, id: string, input: AccountUpdate): Promise<Account> {
  requirePermission(ctx.principal, "account.write");
  const row = await ctx.tx.selectFrom("account").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new Problem("QQ_ERR_NOT_FOUND", `account ${id} not found`);
  const before = toAccount(row);
  const r = await ctx.tx
    .updateTable("account")
    .set({
      ...(input.displayName !== undefined ? { display_name: input.displayName } : {}),
      ...(input.email !== undefined ? { email: input.email } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      ...(input.password !== undefined ? { password_hash: await hashPassword(input.password), must_change_password: true } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (input.disabled || input.password !== undefined) {
    await ctx.tx.deleteFrom("session").where("account_id", "=", id).execute();
  }
  const after = toAccount(r);
  // The password itself never enters the audit log; only the fact that it was reset.
  await ctx.audit({ action: input.password !== undefined ? "account.password-reset" : "account.update", entityType: "account", entityId: id, before, after });
  return after;
}

export async function changeOwnPassword(ctx: Ctx, current: string, next: string): Promise<void> {
  const row = await ctx.tx.selectFrom("account").selectAll().where("id", "=", ctx.principal.accountId).executeTakeFirst();
  if (!row || !(await verifyPassword(current, row.password_hash))) throw new Problem("QQ_ERR_BAD_CREDENTIALS", "current password is wrong");
  if (current === next) throw new Problem("QQ_ERR_VALIDATION", "the new password must differ from the current one", { errors: [{ path: "/newPassword", message: "same as current" }] });
  await ctx.tx.updateTable("account").set({ password_hash: await hashPassword(next), must_change_password: false, updated_at: sql<Date>`now()` }).where("id", "=", row.id).execute();
  await ctx.audit({ action: "account.password-change", entityType: "account", entityId: row.id });
}

export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}
