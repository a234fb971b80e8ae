/**
 * Running the engine's effects inside the transaction of the event that produced them: notifications into
 * the outbox (deduplicated by the effect's key, so a repeated wake-up mails once), follow-up tasks, the
 * gateway policy rows of p.15-1 and p.15-2, the mail gateway port of UGEM p.9/p.11, and wake-up jobs.
 */
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import type { Effect } from "../domain/workflows/index.js";
import { enqueue } from "../outbox/outbox.js";
import { enqueueJob } from "../workflows/scheduler.js";
import { workflowRuntime } from "../workflows/runtime.js";
import type { ApplicationRow } from "./applications.js";
import { applySystemEvent } from "./applications.js";

export const WAKEUP_JOB = "application.wakeup";

export function wakeupKey(applicationId: string, deadline: string, dueAt: string, phase: string): string {
  return `deadline:${applicationId}:${deadline}:${dueAt}:${phase}`;
}

/** Where "the applicant" is reached: the operator's notification addresses or the organisation's contacts and staff. */
export async function applicantRecipients(tx: Transaction<Database>, r: ApplicationRow): Promise<string[]> {
  const out = new Set<string>();
  const p = r.payload as Record<string, unknown>;
  if (typeof p.contactEmail === "string") out.add(p.contactEmail);
  if (typeof p.reporterEmail === "string") out.add(p.reporterEmail);
  if (r.applicant_type === "operator" && r.operator_id) {
    const op = await tx.selectFrom("telecom_operator").select("notification_emails").where("id", "=", r.operator_id).executeTakeFirst();
    for (const e of op?.notification_emails ?? []) out.add(e);
    const staff = await tx.selectFrom("account").select("email").where("operator_id", "=", r.operator_id).where("disabled", "=", false).where("email", "is not", null).execute();
    for (const s of staff) out.add(s.email!);
  }
  if (r.applicant_type === "organisation" && r.organisation_id) {
    const org = await tx.selectFrom("organisation").select("contacts").where("id", "=", r.organisation_id).executeTakeFirst();
    for (const c of (org?.contacts ?? []) as { email?: string }[]) if (c.email) out.add(c.email);
    const staff = await tx.selectFrom("account").select("email").where("organisation_id", "=", r.organisation_id).where("disabled", "=", false).where("email", "is not", null).execute();
    for (const s of staff) out.add(s.email!);
  }
  for (const c of (p.contacts ?? []) as { email?: string }[]) if (c?.email) out.add(c.email);
  return [...out].sort();
}

/** Runs `effects`; returns how many new wake-up jobs were stored. */
export async function runEffects(tx: Transaction<Database>, r: ApplicationRow, effects: readonly Effect[], now: Date): Promise<number> {
  const rt = workflowRuntime();
  let jobs = 0;
  for (const e of effects) {
    switch (e.type) {
      case "notify": {
        let recipients = e.to === "sts" ? [rt.stsAddress] : e.to === "duty" ? [rt.dutyAddress] : await applicantRecipients(tx, r);
        let subject = e.subject;
        // An applicant with no address on record must not miss a notice silently: STS gets it to pass on.
        if (recipients.length === 0) {
          recipients = [rt.stsAddress];
          subject = `[no applicant address on record] ${subject}`;
        }
        await enqueue(tx, { recipients, subject, bodyText: e.body, dedupeKey: `wf:${e.key}`, related: { applicationId: r.id, number: r.number, kind: r.kind, to: e.to } });
        break;
      }
      case "task":
        await tx.insertInto("workflow_task").values({ application_id: r.id, key: e.key, title: e.title }).onConflict((oc) => oc.column("key").doNothing()).execute();
        break;
      case "wakeup":
        if (await enqueueJob(tx, { key: wakeupKey(r.id, e.deadline, e.dueAt, e.phase), kind: WAKEUP_JOB, runAt: e.at, applicationId: r.id, payload: { deadline: e.deadline, phase: e.phase, dueAt: e.dueAt } })) jobs++;
        break;
      case "apply-access-policy": {
        // p.15 "at least once a year": the newest applied list replaces the organisation's previous one.
        const previous = await tx.selectFrom("access_policy").select("application_id").where("organisation_id", "=", r.organisation_id!).where("status", "=", "active").where("application_id", "<>", r.id).execute();
        for (const p of previous) await applySystemEvent(tx, p.application_id, "superseded", { by: r.number }, now);
        const doc = r.payload as { categories: string[]; networks: string[] };
        await tx.insertInto("access_policy").values({ organisation_id: r.organisation_id!, application_id: r.id, categories: doc.categories, networks: doc.networks, valid_from: e.validFrom, valid_to: e.validTo }).execute();
        break;
      }
      case "end-access-policy":
        await tx.updateTable("access_policy").set({ status: e.status, ended_at: now }).where("application_id", "=", r.id).where("status", "=", "active").execute();
        break;
      case "grant-exception": {
        const doc = r.payload as { services: unknown[]; destinations: string[]; networks: string[] };
        await tx.insertInto("policy_exception").values({ organisation_id: r.organisation_id!, application_id: r.id, services: JSON.stringify(doc.services), destinations: doc.destinations, networks: doc.networks, expires_on: e.expiresOn }).execute();
        break;
      }
      case "end-exception":
        await tx.updateTable("policy_exception").set({ status: e.status, ended_at: now }).where("application_id", "=", r.id).where("status", "=", "active").execute();
        break;
      case "connect-mail-system": {
        const doc = r.payload as { domain: string; owner: string; serverAddresses: string[]; inbound?: { host: string; port: number }; contacts: { email?: string; fullName: string }[] };
        const org = await tx.selectFrom("organisation").select("name_en").where("id", "=", r.organisation_id!).executeTakeFirst();
        const ownerEmail = doc.contacts.find((c) => c.email)?.email ?? rt.stsAddress;
        await rt.mailSystems.connect(tx, {
          applicationId: r.id,
          organisationId: r.organisation_id!,
          domain: doc.domain.toLowerCase().replace(/\.$/, ""),
          owner: doc.owner,
          serverAddresses: doc.serverAddresses,
          inbound: doc.inbound ?? { host: doc.serverAddresses[0]!, port: 25 },
          ownerEmail,
          name: `${org?.name_en ?? doc.owner} mail`,
        });
        break;
      }
      case "disconnect-mail-system":
        await rt.mailSystems.disconnect(tx, { applicationId: r.id, reason: e.reason });
        break;
    }
  }
  return jobs;
}
