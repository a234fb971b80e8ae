/**
 * Information security incidents (p.14): reported by a telecom operator or an organisation to the STS duty
 * service, through the API or by e-mail to the duty address. Both paths create the same `incident`
 * application; the duty officer works the queue (`incidentQueue`): unacknowledged first, by severity, then
 * by how soon the acknowledgement term passes.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import { Problem } from "../contract/problem.js";
import { systemPrincipal } from "../domain/authz.js";
import { WORKFLOWS, deadlinesOf } from "../domain/workflows/index.js";
import { SEVERITIES, severityOf } from "../domain/workflows/incident.js";
import { appendAudit } from "../store/audit.js";
import { loadCalendar } from "./calendar.js";
import { iso, requirePermission, type Ctx } from "./context.js";
import { applicationScope, domainView, loadHistory, submitApplication, type SubmitInput } from "./applications.js";

export async function reportIncident(ctx: Ctx, input: SubmitInput) {
  requirePermission(ctx.principal, "incident.report");
  return submitApplication(ctx, "incident", input);
}

export async function incidentQueue(ctx: Ctx, q: { state?: string; limit: number; offset: number }) {
  requirePermission(ctx.principal, "incident.read");
  let base = ctx.tx.selectFrom("application").where("kind", "=", "incident").where(applicationScope(ctx.principal));
  if (q.state) base = base.where("state", "=", q.state);
  const rows = await base.selectAll().execute();
  const cal = await loadCalendar(ctx.tx);
  const items = [];
  for (const r of rows) {
    const history = await loadHistory(ctx.tx, r.id);
    const ack = deadlinesOf(WORKFLOWS.incident, domainView(r), history, cal).find((d) => d.kind === "acknowledgement") ?? null;
    items.push({
      id: r.id,
      number: r.number,
      state: r.state,
      severity: severityOf(r.payload, history),
      title: String(r.payload.title),
      source: r.external_ref?.startsWith("mail:") ? "email" : "api",
      organisationId: r.organisation_id,
      operatorId: r.operator_id,
      reportedAt: iso(r.submitted_at),
      acknowledgeBy: ack?.expiresAt ?? null,
      overdue: ack ? ctx.now.getTime() >= Date.parse(ack.expiresAt) : false,
    });
  }
  const stateRank = (s: string) => (s === "reported" ? 0 : s === "acknowledged" ? 1 : 2);
  items.sort(
    (a, b) =>
      stateRank(a.state) - stateRank(b.state) ||
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      (a.acknowledgeBy ?? "9").localeCompare(b.acknowledgeBy ?? "9") ||
      a.reportedAt.localeCompare(b.reportedAt),
  );
  return { items: items.slice(q.offset, q.offset + q.limit), total: items.length, limit: q.limit, offset: q.offset };
}

/** What the mail gateway hands over for a message to the duty address (already parsed, already accepted). */
export interface ParsedMail {
  /** Message-ID header: the same message delivered twice makes one incident */
  messageId: string;
  /** envelope or header sender address */
  from: string;
  subject: string;
  /** the text body (the plain part, or the HTML part rendered to text) */
  text: string;
  receivedAt: Date;
}

/**
 * Inbound mail to the duty address (p.14: "by email support@sts.kz") becomes an incident. The sender is
 * attributed to an organisation or operator when its address is known (an account, an organisation contact,
 * an operator notification address); otherwise the incident is unattributed and the duty officer sees the
 * sender's address. Severity starts at medium: the duty officer re-classifies.
 */
export async function incidentFromEmail(db: Kysely<Database> | Transaction<Database>, mail: ParsedMail): Promise<{ id: string; number: string; created: boolean }> {
  const run = async (tx: Transaction<Database>) => {
    const ref = `mail:${mail.messageId.trim().slice(0, 900)}`;
    const existing = await tx.selectFrom("application").select(["id", "number"]).where("external_ref", "=", ref).executeTakeFirst();
    if (existing) return { ...existing, created: false };
    const from = mail.from.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(from)) throw new Problem("QQ_ERR_VALIDATION", `not a sender address: ${mail.from}`);
    const account = await tx.selectFrom("account").select(["organisation_id", "operator_id"]).where((eb) => eb(eb.fn("lower", ["email"]), "=", from)).where("disabled", "=", false).executeTakeFirst();
    let organisationId = account?.organisation_id ?? null;
    let operatorId = account?.operator_id ?? null;
    if (!organisationId && !operatorId) {
      const org = await tx.selectFrom("organisation").select("id").where((eb) => eb("contacts", "@>", JSON.stringify([{ email: from }]) as never)).executeTakeFirst();
      organisationId = org?.id ?? null;
    }
    if (!organisationId && !operatorId) {
      const op = await tx.selectFrom("telecom_operator").select("id").where((eb) => eb(eb.val(from), "=", eb.fn.any("notification_emails"))).executeTakeFirst();
      operatorId = op?.id ?? null;
    }
    const type = organisationId ? "organisation" : operatorId ? "operator" : "public";
    const principal = systemPrincipal("inbound-mail");
    const now = mail.receivedAt;
    const ctx: Ctx = { tx, principal, requestId: null, now, audit: (input) => appendAudit(tx, principal, input, now) };
    const document = {
      title: (mail.subject.trim() || "(no subject)").slice(0, 300),
      description: (mail.text.trim() || "(empty message)").slice(0, 20_000),
      severity: "medium",
    };
    const view = await submitApplication(ctx, "incident", { document }, {
      applicant: { type, organisationId, operatorId },
      externalRef: ref,
      actor: { kind: type === "public" ? "public" : "applicant", id: `mail:${from}`, name: from, role: "e-mail" },
    });
    // The reporter's address is where acknowledgements go; kept beside the document, not inside it.
    await tx.updateTable("application").set({ payload: JSON.stringify({ ...document, reporterEmail: from }) }).where("id", "=", view.id).execute();
    return { id: view.id, number: view.number, created: true };
  };
  return db.isTransaction ? run(db as Transaction<Database>) : db.transaction().execute(run);
}

