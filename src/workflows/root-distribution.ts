/**
 * Root certificate distribution (p.21–22): when STS publishes a new root of the gateway CA, every telecom
 * operator is notified and gets one `root-distribution` application to acknowledge that it passed the root on
 * to its organisations. The CA calls `openRootDistribution` in the transaction that publishes the root.
 */
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import { systemPrincipal } from "../domain/authz.js";
import { appendAudit } from "../store/audit.js";
import type { Ctx } from "../services/context.js";
import { applySystemEvent, submitApplication } from "../services/applications.js";

/**
 * One application per operator, idempotent: calling it again for the same certificate opens nothing new
 * (an operator added later gets its application on the next call). Returns the application numbers opened.
 */
export async function openRootDistribution(tx: Transaction<Database>, root: { certificateId: string; fingerprint: string }, now = new Date()): Promise<string[]> {
  const principal = systemPrincipal("root-distribution");
  const ctx: Ctx = { tx, principal, requestId: null, now, audit: (input) => appendAudit(tx, principal, input, now) };
  const operators = await tx.selectFrom("telecom_operator").select("id").orderBy("name_en").execute();
  const opened: string[] = [];
  for (const op of operators) {
    const ref = `root:${root.certificateId}:${op.id}`;
    const exists = await tx.selectFrom("application").select("id").where("external_ref", "=", ref).executeTakeFirst();
    if (exists) continue;
    const v = await submitApplication(ctx, "root-distribution", { document: { certificateId: root.certificateId, fingerprint: root.fingerprint } }, {
      applicant: { type: "operator", organisationId: null, operatorId: op.id },
      externalRef: ref,
      actor: { kind: "system", id: "system:root-distribution", name: "STS", role: "system" },
    });
    opened.push(v.number);
  }
  return opened;
}

/** A root withdrawn before every operator acknowledged it (revoked, replaced): the open acknowledgements close. */
export async function closeRootDistribution(tx: Transaction<Database>, certificateId: string, now = new Date()): Promise<number> {
  const open = await tx.selectFrom("application").select("id").where("kind", "=", "root-distribution").where("state", "=", "notified").where("external_ref", "like", `root:${certificateId}:%`).execute();
  let n = 0;
  for (const a of open) if (await applySystemEvent(tx, a.id, "withdrawn", { certificateId }, now, "root-distribution")) n++;
  return n;
}
