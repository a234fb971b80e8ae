/**
 * Applications (p.3(8), the APS): submission, events, reading, timeline. The adapter around the pure engine
 * (src/domain/workflows): it loads the application and its history, asks the engine, and writes the event,
 * the new state, the effects (outbox, policy rows, tasks, wake-up jobs) and the audit entry in the one
 * transaction of the request.
 *
 * Checks, in order, on every event: permission (route) → scope (404 outside it) → who the caller is to this
 * application (applicant or STS) → version (optional optimistic check) → event data schema → the state
 * machine (409 with the events allowed now).
 *
 * Secrets (Appendix 3 item 7, Appendix 4 items 7 and 11) are sealed on receipt under a context bound to the
 * application and field, removed from the stored document, and shown only as sealed field names — in
 * responses and in the audit log alike.
 */
import { createHash, randomUUID } from "node:crypto";
import { sql, type Selectable, type Transaction } from "kysely";
import { Value } from "@sinclair/typebox/value";
import { FormatRegistry } from "@sinclair/typebox";
import type { ApplicationTable, Database } from "../store/schema.js";
import { Problem } from "../contract/problem.js";
import { DOCUMENTS, EVENT_DATA, SECRET_FIELDS, type ApplicationQuery, type ApplicationView as ApiView } from "../contract/applications.js";
import { scopeOf, systemPrincipal, type Principal } from "../domain/authz.js";
import { canonicalJson } from "../domain/audit-chain.js";
import { addCalendarDays, civilDateOf, startOfCivilDay, type Calendar } from "../domain/working-days/index.js";
import {
  WORKFLOWS,
  NUMBER_PREFIX,
  allowedEvents,
  deadlinesOf,
  resubmissionAllowedFrom,
  step,
  submit,
  wake,
  wakeupsFor,
  NOTE_EVENTS,
  type ApplicationKind,
  type ApplicationView,
  type Deadline,
  type EventActor,
  type WorkflowDefinition,
  type WorkflowEvent,
} from "../domain/workflows/index.js";
import { parseAddress, parsePrefix } from "../domain/catalogue/prefix.js";
import { isMailGatewayEligible, type OrganisationClass } from "../domain/organisation.js";
import { lateness } from "../domain/workflows/resource-change.js";
import { appendAudit } from "../store/audit.js";
import { loadCalendar } from "./calendar.js";
import { iso, type Ctx } from "./context.js";
import { requireSealer, workflowRuntime } from "../workflows/runtime.js";
import { runEffects } from "./applications-effects.js";
import { verifyApplicationSignature } from "./applications-signature.js";

export type ApplicationRow = Selectable<ApplicationTable>;

// The API validates with ajv's formats; documents that come in another way (inbound mail, the CA, the public
// form) are checked here with TypeBox, which knows no formats until they are registered.
const FORMATS: Record<string, (v: string) => boolean> = {
  email: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  "date-time": (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
};
for (const [name, check] of Object.entries(FORMATS)) if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);

const STS_ROLES = new Set(["sts_admin", "sts_engineer", "sts_duty_officer"]);

// ─── reading ────────────────────────────────────────────────────────────────────────────────────────────────

export function applicationScope(p: Principal) {
  const s = scopeOf(p);
  return (eb: any) => (s.kind === "all" ? eb.val(true) : s.kind === "operator" ? eb("application.operator_id", "=", s.operatorId) : eb("application.organisation_id", "=", s.organisationId));
}

export function domainView(r: ApplicationRow): ApplicationView {
  return { id: r.id, kind: r.kind as ApplicationKind, number: r.number, state: r.state, organisationId: r.organisation_id, operatorId: r.operator_id, payload: r.payload, submittedAt: iso(r.submitted_at) };
}

type EventRow = { seq: number; type: string; at: Date | string; actor: unknown; data: WorkflowEvent["data"] };
const toEvent = (e: EventRow): WorkflowEvent => ({ seq: e.seq, type: e.type, at: iso(e.at), actor: e.actor as EventActor, data: e.data });

export async function loadHistory(tx: Transaction<Database>, applicationId: string): Promise<WorkflowEvent[]> {
  const rows = await tx.selectFrom("application_event").selectAll().where("application_id", "=", applicationId).orderBy("seq").execute();
  return rows.map(toEvent);
}

/** The histories of many applications in one pass per few thousand ids (the same events as loadHistory each). */
export async function loadHistories(tx: Transaction<Database>, applicationIds: readonly string[]): Promise<Map<string, WorkflowEvent[]>> {
  const out = new Map<string, WorkflowEvent[]>(applicationIds.map((id) => [id, []]));
  const CHUNK = 5000;
  for (let i = 0; i < applicationIds.length; i += CHUNK) {
    const rows = await tx.selectFrom("application_event").selectAll().where("application_id", "in", applicationIds.slice(i, i + CHUNK)).orderBy("application_id").orderBy("seq").execute();
    for (const e of rows) out.get(e.application_id)!.push(toEvent(e));
  }
  return out;
}

/** The application in the caller's scope, or 404 (an application outside the scope does not exist for them). */
export async function findApplication(ctx: Ctx, id: string, forUpdate = false): Promise<ApplicationRow> {
  let q = ctx.tx.selectFrom("application").selectAll().where("id", "=", id).where(applicationScope(ctx.principal));
  if (forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `application ${id} not found`);
  return r;
}

/** Who the principal is to this application: its applicant, STS staff, or nobody who may act. */
export function actorOf(p: Principal, r: Pick<ApplicationRow, "organisation_id" | "operator_id" | "applicant_type">): EventActor | null {
  const base = { id: p.accountId, name: p.username, role: p.role };
  if (p.via === "system") return { ...base, kind: "system" };
  if (STS_ROLES.has(p.role)) return { ...base, kind: "sts" };
  if (p.role === "organisation_staff" && r.applicant_type === "organisation" && p.organisationId === r.organisation_id) return { ...base, kind: "applicant" };
  if (p.role === "operator_staff" && r.applicant_type === "operator" && p.operatorId === r.operator_id) return { ...base, kind: "applicant" };
  return null;
}

function deadlineView(d: Deadline, now: Date) {
  return { ...d, overdue: now.getTime() >= Date.parse(d.expiresAt) };
}

function signatureView(r: ApplicationRow): ApiView["signature"] {
  const s = r.signature_result as (Record<string, unknown> & { ok?: boolean }) | null;
  if (!s) return null;
  return {
    verified: s.ok === true,
    signerBin: (s.signerBin as string | null) ?? null,
    signerIin: (s.signerIin as string | null) ?? null,
    subject: String(s.subject ?? ""),
    issuer: String(s.issuer ?? ""),
    serial: String(s.serial ?? ""),
    algorithm: String(s.algorithm ?? ""),
    signingTime: (s.signingTime as string | null) ?? null,
    verifiedAt: String(s.verifiedAt ?? ""),
  };
}

async function tasksOf(tx: Transaction<Database>, applicationId: string) {
  const rows = await tx.selectFrom("workflow_task").selectAll().where("application_id", "=", applicationId).orderBy("created_at").orderBy("key").execute();
  return rows.map(toTask);
}

export function toTask(t: { id: string; application_id: string; title: string; state: string; created_at: Date; done_at: Date | string | null; done_by: string | null }) {
  return { id: t.id, applicationId: t.application_id, title: t.title, state: t.state, createdAt: iso(t.created_at), doneAt: t.done_at ? iso(t.done_at) : null, doneBy: t.done_by };
}

export async function viewOf(ctx: Ctx, r: ApplicationRow, history?: WorkflowEvent[], cal?: Calendar): Promise<ApiView> {
  const def = WORKFLOWS[r.kind as ApplicationKind];
  const h = history ?? (await loadHistory(ctx.tx, r.id));
  const c = cal ?? (await loadCalendar(ctx.tx));
  const actor = actorOf(ctx.principal, r);
  const canAct = ctx.principal.role !== "auditor" && actor !== null;
  return {
    id: r.id,
    kind: r.kind,
    number: r.number,
    state: r.state,
    final: def.final.includes(r.state),
    applicantType: r.applicant_type,
    organisationId: r.organisation_id,
    operatorId: r.operator_id,
    submittedAt: iso(r.submitted_at),
    updatedAt: iso(r.updated_at),
    version: r.version,
    document: r.payload,
    sealedFields: Object.keys(r.sealed ?? {}).sort(),
    signature: signatureView(r),
    deadlines: deadlinesOf(def, domainView(r), h, c).map((d) => deadlineView(d, ctx.now)),
    allowedEvents: canAct ? allowedEvents(def, r.state, actor.kind) : [],
    tasks: await tasksOf(ctx.tx, r.id),
  };
}

export async function getApplication(ctx: Ctx, id: string): Promise<ApiView> {
  return viewOf(ctx, await findApplication(ctx, id));
}

export async function listApplications(ctx: Ctx, q: ApplicationQuery) {
  let base = ctx.tx.selectFrom("application").where(applicationScope(ctx.principal));
  if (q.kind) base = base.where("kind", "=", q.kind);
  if (q.state) base = base.where("state", "=", q.state);
  if (q.organisationId) base = base.where("organisation_id", "=", q.organisationId);
  if (q.operatorId) base = base.where("operator_id", "=", q.operatorId);
  const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
  const rows = await base.selectAll().orderBy("submitted_at", "desc").orderBy("number", "desc").limit(q.limit).offset(q.offset).execute();
  const cal = await loadCalendar(ctx.tx);
  const items = [];
  for (const r of rows) {
    const def = WORKFLOWS[r.kind as ApplicationKind];
    const ds = deadlinesOf(def, domainView(r), await loadHistory(ctx.tx, r.id), cal).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
    items.push({ id: r.id, kind: r.kind, number: r.number, state: r.state, organisationId: r.organisation_id, operatorId: r.operator_id, submittedAt: iso(r.submitted_at), updatedAt: iso(r.updated_at), nextDeadline: ds[0] ? deadlineView(ds[0], ctx.now) : null });
  }
  return { items, total: Number(n), limit: q.limit, offset: q.offset };
}

/** The timeline an applicant reads: every event with who acted (STS staff by role, not by name) and the paragraph. */
export async function timeline(ctx: Ctx, id: string) {
  const r = await findApplication(ctx, id);
  const def = WORKFLOWS[r.kind as ApplicationKind];
  const history = await loadHistory(ctx.tx, r.id);
  const cal = await loadCalendar(ctx.tx);
  const sts = scopeOf(ctx.principal).kind === "all";
  return {
    number: r.number,
    state: r.state,
    events: history.map((e) => ({
      seq: e.seq,
      type: e.type,
      at: e.at,
      actor: { kind: e.actor.kind, name: e.actor.kind === "sts" && !sts ? "STS" : e.actor.name },
      paragraph: (e.data.paragraph as string | undefined) ?? def.transitions.find((t) => t.event === e.type)?.paragraph ?? (e.type === "submitted" ? def.paragraph : null),
      data: e.data,
    })),
    deadlines: deadlinesOf(def, domainView(r), history, cal).map((d) => deadlineView(d, ctx.now)),
  };
}

// ─── writing ────────────────────────────────────────────────────────────────────────────────────────────────

function getPath(o: Record<string, unknown>, path: string): unknown {
  return path.split(".").reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined), o);
}
function deletePath(o: Record<string, unknown>, path: string): void {
  const keys = path.split(".");
  const last = keys.pop()!;
  const parent = keys.reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined), o);
  if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[last];
}

/** The document with every secret replaced by a marker: what the audit log records. */
export function redacted(kind: ApplicationKind, document: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(document);
  for (const f of SECRET_FIELDS[kind] ?? []) {
    if (getPath(copy, f) === undefined) continue;
    const keys = f.split(".");
    const last = keys.pop()!;
    const parent = keys.reduce<any>((x, k) => x[k], copy);
    parent[last] = "[sealed]";
  }
  return copy;
}

export function sealContext(applicationId: string, field: string): string {
  return `application:${applicationId}:${field}`;
}

function validationProblem(errors: { path: string; message: string }[]): Problem {
  return new Problem("QQ_ERR_VALIDATION", errors.map((e) => `${e.path} ${e.message}`).join("; "), { errors });
}

interface Applicant {
  type: "organisation" | "operator" | "public";
  organisationId: string | null;
  operatorId: string | null;
}

function resolveApplicant(p: Principal, def: WorkflowDefinition, body: { organisationId?: string; operatorId?: string }): Applicant {
  const s = scopeOf(p);
  const wants = def.applicant;
  if (s.kind === "organisation") {
    if (wants === "operator") throw new Problem("QQ_ERR_FORBIDDEN", `${def.title} is submitted by a telecom operator (${def.paragraph})`);
    if ((body.organisationId && body.organisationId !== s.organisationId) || body.operatorId) throw new Problem("QQ_ERR_FORBIDDEN", "organisation staff submit for their own organisation only");
    return { type: wants === "public" ? "public" : "organisation", organisationId: s.organisationId, operatorId: null };
  }
  if (s.kind === "operator") {
    if (wants === "organisation") throw new Problem("QQ_ERR_FORBIDDEN", `${def.title} is submitted by the organisation (${def.paragraph})`);
    if ((body.operatorId && body.operatorId !== s.operatorId) || body.organisationId) throw new Problem("QQ_ERR_FORBIDDEN", "operator staff submit for their own operator only");
    return { type: wants === "public" ? "public" : "operator", organisationId: null, operatorId: s.operatorId };
  }
  // STS staff register an application received by official letter (UGEM p.7) on the applicant's behalf.
  if (wants === "public") return { type: "public", organisationId: body.organisationId ?? null, operatorId: body.operatorId ?? null };
  if (body.organisationId && body.operatorId) throw new Problem("QQ_ERR_VALIDATION", "name either organisationId or operatorId, not both");
  if (wants === "organisation" || (wants === "organisation-or-operator" && body.organisationId)) {
    if (!body.organisationId) throw new Problem("QQ_ERR_VALIDATION", "organisationId is required when STS staff register an application", { errors: [{ path: "/organisationId", message: "required for STS staff" }] });
    return { type: "organisation", organisationId: body.organisationId, operatorId: null };
  }
  if (!body.operatorId) throw new Problem("QQ_ERR_VALIDATION", "operatorId is required when STS staff register an application", { errors: [{ path: "/operatorId", message: "required for STS staff" }] });
  return { type: "operator", organisationId: null, operatorId: body.operatorId };
}

/** p.15, p.15-2: the organisation's network addresses must lie inside its catalogue prefixes (p.13). */
async function checkNetworks(tx: Transaction<Database>, organisationId: string, networks: readonly string[], field: string): Promise<void> {
  const errors: { path: string; message: string }[] = [];
  const canonical: string[] = [];
  networks.forEach((n, i) => {
    const p = parsePrefix(n);
    if (!p.ok) errors.push({ path: `/${field}/${i}`, message: p.message });
    else if (p.prefix.text !== n) errors.push({ path: `/${field}/${i}`, message: `write it as ${p.prefix.text}` });
    else canonical.push(n);
  });
  if (errors.length) throw validationProblem(errors);
  if (canonical.length === 0) return;
  const outside = await sql<{ n: string }>`
    select n::text as n from unnest(${canonical}::cidr[]) as n
    where not exists (select 1 from catalogue_prefix c where c.organisation_id = ${organisationId} and c.prefix >>= n)
  `.execute(tx);
  if (outside.rows.length) {
    throw new Problem("QQ_ERR_NOT_IN_CATALOGUE", `${outside.rows.map((r) => r.n).join(", ")} ${outside.rows.length === 1 ? "is" : "are"} not inside the organisation's prefixes in the IP address catalogue (p.13, p.15)`, {
      addresses: outside.rows.map((r) => r.n),
    });
  }
}

function checkAddresses(list: unknown, field: string): void {
  if (!Array.isArray(list)) return;
  const errors = list.flatMap((a, i) => {
    const r = parseAddress(String(a));
    return r.ok ? [] : [{ path: `/${field}/${i}`, message: r.message }];
  });
  if (errors.length) throw validationProblem(errors);
}

/** p.17, p.18, UGEM p.10: a new application for the same resource only after thirty calendar days. */
async function checkLockOut(ctx: Ctx, def: WorkflowDefinition, applicant: Applicant, document: Record<string, unknown>): Promise<void> {
  if (!def.resubmitLockDays || !applicant.organisationId) return;
  const last = await ctx.tx
    .selectFrom("application_event as e")
    .innerJoin("application as a", "a.id", "e.application_id")
    .select(["e.at", "a.number"])
    .where("a.kind", "=", def.kind)
    .where("a.organisation_id", "=", applicant.organisationId)
    .where(sql<boolean>`lower(a.payload->>'domain') = lower(${String(document.domain ?? "")})`)
    .where("e.type", "=", "rejected")
    .orderBy("e.at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!last) return;
  const allowedFrom = resubmissionAllowedFrom(iso(last.at), def.resubmitLockDays);
  if (civilDateOf(ctx.now) < allowedFrom) {
    throw new Problem(
      "QQ_ERR_RESUBMISSION_LOCKED",
      `application ${last.number} for ${String(document.domain)} was rejected on ${civilDateOf(new Date(last.at))}; a new application is accepted from ${allowedFrom}, after ${def.resubmitLockDays} calendar days (${def.paragraph})`,
      { allowedFrom, rejectedApplication: last.number },
    );
  }
}

async function nextNumber(tx: Transaction<Database>, kind: ApplicationKind, now: Date): Promise<string> {
  const { rows } = await sql<{ n: number }>`select nextval('application_number_seq')::int as n`.execute(tx);
  return `${NUMBER_PREFIX[kind]}-${civilDateOf(now).slice(0, 4)}-${String(rows[0]!.n).padStart(6, "0")}`;
}

async function insertEvent(tx: Transaction<Database>, applicationId: string, e: WorkflowEvent): Promise<void> {
  await tx.insertInto("application_event").values({ application_id: applicationId, seq: e.seq, type: e.type, actor: JSON.stringify(e.actor), at: new Date(e.at), data: JSON.stringify(e.data) }).execute();
}

export interface SubmitInput {
  document: Record<string, unknown>;
  signature?: string;
  organisationId?: string;
  operatorId?: string;
}

export interface SubmitOptions {
  /** who the applicant is when no principal scope says it (public requests, inbound mail, root distribution) */
  applicant?: Applicant;
  externalRef?: string;
  publicTokenHash?: string;
  actor?: EventActor;
}

/** Submit an application of `kind`. Everything — checks, seals, signature, event, effects, audit — in ctx.tx. */
export async function submitApplication(ctx: Ctx, kind: ApplicationKind, input: SubmitInput, opts: SubmitOptions = {}): Promise<ApiView> {
  const def = WORKFLOWS[kind];
  const applicant = opts.applicant ?? resolveApplicant(ctx.principal, def, input);
  const document = structuredClone(input.document);
  if (!Value.Check(DOCUMENTS[kind], document)) {
    const errors = [...Value.Errors(DOCUMENTS[kind], document)].slice(0, 10).map((e) => ({ path: e.path || "/", message: e.message }));
    throw validationProblem(errors);
  }
  const cal = await loadCalendar(ctx.tx);
  const now = ctx.now;
  const submittedAt = now.toISOString();
  const errors = def.validate?.(document, submittedAt, cal) ?? [];
  if (errors.length) throw validationProblem(errors);

  let organisation: { id: string; bin: string; class: string; name_en: string } | undefined;
  if (applicant.organisationId) {
    organisation = await ctx.tx.selectFrom("organisation").select(["id", "bin", "class", "name_en"]).where("id", "=", applicant.organisationId).executeTakeFirst();
    if (!organisation) throw new Problem("QQ_ERR_VALIDATION", `organisation ${applicant.organisationId} does not exist`, { errors: [{ path: "/organisationId", message: "unknown organisation" }] });
  }
  if (applicant.operatorId) {
    const op = await ctx.tx.selectFrom("telecom_operator").select("id").where("id", "=", applicant.operatorId).executeTakeFirst();
    if (!op) throw new Problem("QQ_ERR_VALIDATION", `telecom operator ${applicant.operatorId} does not exist`, { errors: [{ path: "/operatorId", message: "unknown telecom operator" }] });
  }

  if (kind === "access-policy" || kind === "exception") await checkNetworks(ctx.tx, applicant.organisationId!, document.networks as string[], "document/networks");
  checkAddresses(document.ipAddresses, "document/ipAddresses");
  checkAddresses(document.serverAddresses, "document/serverAddresses");
  checkAddresses(document.affectedAddresses, "document/affectedAddresses");
  await checkLockOut(ctx, def, applicant, document);

  // EDS (p.15, p.15-2): over the canonical JSON of the document, by the applicant organisation (its BIN).
  let signatureResult: Record<string, unknown> | null = null;
  if (def.signature === "required" && !input.signature) throw new Problem("QQ_ERR_EDS_SIGNATURE_REQUIRED", `${def.title} must be signed with the EDS of the legal entity (${def.paragraph}): send the detached CMS signature over the canonical JSON of the document`);
  if (input.signature) {
    if (def.signature === "none") throw new Problem("QQ_ERR_VALIDATION", `${def.title} is not a signed application`, { errors: [{ path: "/signature", message: "not accepted for this kind" }] });
    signatureResult = await verifyApplicationSignature(ctx.tx, { content: Buffer.from(canonicalJson(document), "utf8"), signature: input.signature, expectedBin: organisation?.bin, now });
  }

  // Seal the secrets under a context bound to this application and field; keep only their names.
  const id = randomUUID();
  const sealed: Record<string, string> = {};
  for (const f of SECRET_FIELDS[kind] ?? []) {
    const v = getPath(document, f);
    if (v === undefined) continue;
    sealed[f] = requireSealer().seal(String(v), sealContext(id, f));
    deletePath(document, f);
  }

  const number = await nextNumber(ctx.tx, kind, now);
  const actor: EventActor = opts.actor ?? actorOf(ctx.principal, { organisation_id: applicant.organisationId, operator_id: applicant.operatorId, applicant_type: applicant.type }) ?? { kind: "public", id: ctx.principal.accountId, name: ctx.principal.username, role: ctx.principal.role };
  const view: ApplicationView = { id, kind, number, state: def.initial, organisationId: applicant.organisationId, operatorId: applicant.operatorId, payload: document, submittedAt };
  const r = submit(def, view, { type: "submitted", at: submittedAt, actor }, cal);
  await ctx.tx
    .insertInto("application")
    .values({
      id,
      kind,
      number,
      applicant_type: applicant.type,
      organisation_id: applicant.organisationId,
      operator_id: applicant.operatorId,
      state: r.state,
      payload: JSON.stringify(document),
      sealed: JSON.stringify(sealed),
      signature: input.signature ?? null,
      signature_result: signatureResult ? JSON.stringify(signatureResult) : null,
      external_ref: opts.externalRef ?? null,
      public_token_hash: opts.publicTokenHash ?? null,
      submitted_by: ctx.principal.accountId,
      submitted_at: now,
    })
    .execute();
  const history: WorkflowEvent[] = [r.event];
  await insertEvent(ctx.tx, id, r.event);
  const note = async (type: string, data: Record<string, unknown>) => {
    const e: WorkflowEvent = { seq: history.length + 1, type, at: submittedAt, actor: { kind: "system", id: "system:aps", name: "APS", role: "system" }, data };
    history.push(e);
    await insertEvent(ctx.tx, id, e);
  };
  if (signatureResult) await note("signature-verified", { signerBin: signatureResult.signerBin, subject: signatureResult.subject, serial: signatureResult.serial, algorithm: signatureResult.algorithm, paragraph: def.paragraph });
  if (kind === "mail-gateway-connection" && organisation) {
    const eligible = isMailGatewayEligible(organisation.class as OrganisationClass);
    await note("eligibility-checked", { eligible, class: organisation.class, paragraph: "UGEM p.8" });
  }
  if (kind === "resource-change") {
    const l = lateness(String(document.changedOn), submittedAt, cal);
    if (l.late) await note("flagged-late", { workingDays: l.workingDays, allowed: 5, paragraph: "p.19" });
  }
  const row = await ctx.tx.selectFrom("application").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  await runEffects(ctx.tx, row, r.effects, now);
  await ctx.audit({
    action: "application.submit",
    entityType: "application",
    entityId: id,
    after: { number, kind, state: r.state, organisationId: applicant.organisationId, operatorId: applicant.operatorId, document: redacted(kind, input.document), sealedFields: Object.keys(sealed), signature: signatureResult ? { verified: true, signerBin: signatureResult.signerBin, serial: signatureResult.serial } : null },
  });
  return viewOf(ctx, row, history, cal);
}

/** Record an event on an application (a transition), as the calling principal. */
export async function recordEvent(ctx: Ctx, id: string, body: { type: string; data?: Record<string, unknown>; expectedVersion?: number }): Promise<ApiView> {
  const r = await findApplication(ctx, id, true);
  const actor = actorOf(ctx.principal, r);
  if (!actor || ctx.principal.role === "auditor") throw new Problem("QQ_ERR_FORBIDDEN", `you may read application ${r.number} but not act on it`);
  if (body.expectedVersion !== undefined && body.expectedVersion !== r.version) {
    throw new Problem("QQ_ERR_STALE_VERSION", `application ${r.number} is at version ${r.version}, not ${body.expectedVersion}; read it again`, { version: r.version });
  }
  const def = WORKFLOWS[r.kind as ApplicationKind];
  const data = body.data ?? {};
  const schema = EVENT_DATA[body.type];
  if (schema && !Value.Check(schema, data)) {
    const errors = [...Value.Errors(schema, data)].slice(0, 10).map((e) => ({ path: `/data${e.path}`, message: e.message }));
    throw validationProblem(errors);
  }
  if (r.kind === "resource-change" && body.type === "completed") {
    const open = await ctx.tx.selectFrom("workflow_task").select("title").where("application_id", "=", r.id).where("state", "=", "open").execute();
    if (open.length) throw new Problem("QQ_ERR_CONFLICT", `${open.length} follow-up task(s) are still open: ${open.map((t) => t.title).join("; ")}`, { openTasks: open.map((t) => t.title) });
  }
  const history = await loadHistory(ctx.tx, r.id);
  const cal = await loadCalendar(ctx.tx);
  const res = step(def, domainView(r), history, { type: body.type, at: ctx.now.toISOString(), actor, data }, cal);
  if (!res.ok) {
    const allowed = res.allowed;
    if (res.reason === "illegal") {
      throw new Problem("QQ_ERR_ILLEGAL_TRANSITION", `${res.message}; allowed now: ${allowed.length ? allowed.join(", ") : "none"}`, { state: r.state, allowed });
    }
    throw new Problem("QQ_ERR_CONFLICT", res.message, { state: r.state, allowed });
  }
  const updated = await applyStep(ctx.tx, r, res.state, [res.event], res.effects, ctx.now);
  await ctx.audit({ action: `application.${body.type}`, entityType: "application", entityId: r.id, before: { number: r.number, state: r.state, version: r.version }, after: { number: r.number, state: res.state, version: updated.version, event: res.event.type, data } });
  return viewOf(ctx, updated, [...history, res.event], cal);
}

/** Write events and the new state (version + 1), then run the effects. */
export async function applyStep(tx: Transaction<Database>, r: ApplicationRow, state: string, events: WorkflowEvent[], effects: Parameters<typeof runEffects>[2], now: Date): Promise<ApplicationRow> {
  for (const e of events) await insertEvent(tx, r.id, e);
  const updated = await tx
    .updateTable("application")
    .set({ state, version: sql`version + 1`, updated_at: now })
    .where("id", "=", r.id)
    .where("version", "=", r.version)
    .returningAll()
    .executeTakeFirst();
  if (!updated) throw new Problem("QQ_ERR_STALE_VERSION", `application ${r.number} changed concurrently; try again`);
  await runEffects(tx, updated, effects, now);
  return updated;
}

/** A system event (automatic transition) on an application, audited as the system. */
export async function applySystemEvent(tx: Transaction<Database>, applicationId: string, type: string, data: Record<string, unknown>, now: Date, job = "workflows"): Promise<boolean> {
  const r = await tx.selectFrom("application").selectAll().where("id", "=", applicationId).forUpdate().executeTakeFirst();
  if (!r) return false;
  const def = WORKFLOWS[r.kind as ApplicationKind];
  const history = await loadHistory(tx, r.id);
  const cal = await loadCalendar(tx);
  const actor: EventActor = { kind: "system", id: `system:${job}`, name: job, role: "system" };
  const res = step(def, domainView(r), history, { type, at: now.toISOString(), actor, data }, cal);
  if (!res.ok) return false;
  await applyStep(tx, r, res.state, [res.event], res.effects, now);
  await appendAudit(tx, systemPrincipal(job), { action: `application.${type}`, entityType: "application", entityId: r.id, before: { number: r.number, state: r.state }, after: { number: r.number, state: res.state, data } }, now);
  return true;
}

/**
 * UGEM p.11: when an organisation stops being of a class the mail gateway serves (or is disconnected), each of
 * its connected mail systems goes to `disconnection-pending`, and STS agrees the date with it. Call it in the
 * transaction of the organisation change. Returns the application numbers affected.
 */
export async function mailDisconnectionOnStatusChange(tx: Transaction<Database>, organisationId: string, reason: string, now = new Date()): Promise<string[]> {
  const rows = await tx.selectFrom("application").select(["id", "number"]).where("kind", "=", "mail-gateway-connection").where("organisation_id", "=", organisationId).where("state", "=", "connected").execute();
  const done: string[] = [];
  for (const r of rows) if (await applySystemEvent(tx, r.id, "disconnection-requested", { reason, paragraph: "UGEM p.11" }, now, "organisation-status")) done.push(r.number);
  return done;
}

/** The scheduler delivers a wake-up (job kind `application.wakeup`). Stale ones do nothing. */
export async function handleWakeup(tx: Transaction<Database>, applicationId: string, w: { deadline: string; phase: "remind" | "expire"; dueAt: string }, now: Date): Promise<string> {
  const r = await tx.selectFrom("application").selectAll().where("id", "=", applicationId).forUpdate().executeTakeFirst();
  if (!r) return "gone";
  const def = WORKFLOWS[r.kind as ApplicationKind];
  const history = await loadHistory(tx, r.id);
  const cal = await loadCalendar(tx);
  const res = wake(def, domainView(r), history, w, now.toISOString(), cal);
  if (res.kind === "stale") return `stale: ${res.why}`;
  await applyStep(tx, r, res.state, res.events, res.effects, now);
  const e = res.events[0]!;
  await appendAudit(tx, systemPrincipal("scheduler"), { action: `application.${e.type}`, entityType: "application", entityId: r.id, before: { number: r.number, state: r.state }, after: { number: r.number, state: res.state, deadline: w.deadline, phase: w.phase, dueAt: w.dueAt } }, now);
  return e.type;
}

/** Re-request the wake-ups of every open application (idempotent): after a calendar correction, a restore, a lost job. */
export async function resyncWakeups(tx: Transaction<Database>, now: Date): Promise<number> {
  const cal = await loadCalendar(tx);
  const rows = await tx.selectFrom("application").selectAll().execute();
  let n = 0;
  for (const r of rows) {
    const def = WORKFLOWS[r.kind as ApplicationKind];
    if (def.final.includes(r.state)) continue;
    const history = await loadHistory(tx, r.id);
    n += await runEffects(tx, r, wakeupsFor(deadlinesOf(def, domainView(r), history, cal)), now);
  }
  return n;
}

/** Transparency counts per kind and state, overdue deadlines now, and the re-categorisation outcomes. */
export async function applicationStats(ctx: Ctx, from: string, to: string) {
  const byKind = await ctx.tx
    .selectFrom("application")
    .select(["kind", "state", (eb) => eb.fn.countAll<number>().as("count")])
    .where("submitted_at", ">=", startOfCivilDay(from))
    .where("submitted_at", "<", startOfCivilDay(addCalendarDays(to, 1)))
    .groupBy(["kind", "state"])
    .orderBy("kind")
    .orderBy("state")
    .execute();
  const cal = await loadCalendar(ctx.tx);
  const overdue = new Map<string, number>();
  for (const r of await ctx.tx.selectFrom("application").selectAll().execute()) {
    const def = WORKFLOWS[r.kind as ApplicationKind];
    for (const d of deadlinesOf(def, domainView(r), await loadHistory(ctx.tx, r.id), cal)) {
      if (ctx.now.getTime() >= Date.parse(d.expiresAt)) overdue.set(`${r.kind}\u0000${d.kind}`, (overdue.get(`${r.kind}\u0000${d.kind}`) ?? 0) + 1);
    }
  }
  const rq = byKind.filter((x) => x.kind === "recategorisation");
  const count = (s: string) => Number(rq.find((x) => x.state === s)?.count ?? 0);
  const decidedInTime = await sql<{ n: number }>`
    select count(*)::int as n from application a join application_event e on e.application_id = a.id and e.type = 'decided'
    where a.kind = 'recategorisation' and a.submitted_at >= ${startOfCivilDay(from)} and a.submitted_at < ${startOfCivilDay(addCalendarDays(to, 1))}
      and not exists (select 1 from application_event o where o.application_id = a.id and o.type = 'deadline-overdue')
  `.execute(ctx.tx);
  return {
    from,
    to,
    byKind: byKind.map((x) => ({ kind: x.kind, state: x.state, count: Number(x.count) })),
    overdue: [...overdue].map(([k, count]) => ({ kind: k.split("\u0000")[0]!, deadline: k.split("\u0000")[1]!, count })),
    recategorisation: { submitted: rq.reduce((a, x) => a + Number(x.count), 0), granted: count("granted"), denied: count("denied"), pending: count("submitted"), decidedInTime: decidedInTime.rows[0]?.n ?? 0 },
  };
}

export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export { NOTE_EVENTS, workflowRuntime };
