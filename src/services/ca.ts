/**
 * The gateway CA in the control plane (Rules p.21–23). Every lifecycle step — generate, publish, activate,
 * rotate, revoke, and the steps a rotation schedules — is one transaction holding the CA change, one audit
 * entry per certificate version it wrote (fingerprints, ids, states; never key material) and its outbox rows.
 *
 *   p.21  STS generates the root, passes it to the telecom operators and keeps it valid: publishing a root
 *         e-mails every operator (SHA-256 fingerprint, validity, where to download it, the install bundles);
 *         expiry alerts at 30/14/7 days go to the STS administrators and the STS duty address.
 *   p.22  operators pass it to their organisations: the root and its bundles are readable by every role.
 *   p.23  organisations install it: Windows, macOS, Firefox, Debian and RHEL bundles (src/ca/bundles.ts).
 *
 * The pure CA (src/ca) decides; this module only runs it on the store (PgCaStore over the action's
 * transaction) and records what happened. CA writers serialise on one advisory lock, so two replicas cannot
 * both initialise or both rotate.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import type { Store } from "../store/db.js";
import type { Sealer } from "../secrets/sealer.js";
import type { Config } from "../config.js";
import type { App } from "../api/server.js";
import type {
  CaActivateRequest,
  CaCertificate,
  CaCertificateDetail,
  CaCertificateList,
  CaInitRequest,
  CaPair,
  CaRevokeRequest,
  CaRoot,
  CaRotateRequest,
  CaRotateResult,
  CaScheduledStep,
} from "../contract/ca.js";
import { Problem } from "../contract/problem.js";
import { scopeOf, systemPrincipal } from "../domain/authz.js";
import { enqueue } from "../outbox/outbox.js";
import { PgCaStore, type CaCertificateRow } from "../store/ca-store.js";
import { CaAuthority } from "../ca/authority/index.js";
import { allBundles, describeRoot } from "../ca/bundles.js";
import { CaNotFoundError } from "../ca/errors.js";
import { DEFAULT_EPOCH_SECONDS, LeafCache, epochOf, type MintedLeaf } from "../ca/leaf.js";
import { dueAlerts, type AlertThreshold, type CaEvent, type CaLifecycle, type CaState } from "../ca/lifecycle.js";
import { ensureLeafKeys, initCa, openIssuingCa, rotateCa, transitionCa, type CaGenerationOptions, type CaServiceDeps } from "../ca/service.js";
import type { CaCertificateRecord, CaStore, LeafKeyRecord } from "../ca/store.js";
import { toPem } from "../ca/x509.js";
import { inTx, iso, requirePermission, type Ctx } from "./context.js";
import { closeRootDistribution, openRootDistribution } from "../workflows/root-distribution.js";

// ------------------------------------------------------------------------------------ process wiring

/** What the CA actions need from the process: the sealer for new keys, the STS duty address, the public URL. */
export interface CaRuntime {
  /** Seals new CA and leaf keys; null in a process without the master key (generation is then refused). */
  sealer: Sealer | null;
  /** STS duty address (configuration `notifications.stsAddress`) for expiry alerts. */
  stsAddress: string | null;
  /** Base URL of the portal for links in e-mails; null → links are paths on the portal. */
  baseUrl: () => string | null;
}

const runtimes = new WeakMap<Store, CaRuntime>();

/** Binds the CA runtime to a store (the all-in-one at start; tests for their own store). */
export function configureCa(store: Store, patch: Partial<CaRuntime>): CaRuntime {
  const next = { ...caRuntime(store), ...patch };
  runtimes.set(store, next);
  return next;
}

export function caRuntime(store: Store): CaRuntime {
  return runtimes.get(store) ?? { sealer: null, stsAddress: null, baseUrl: () => null };
}

/** What one CA action may use: the sealer (generation only) and the base URL of the links it e-mails. */
export interface CaActionEnv {
  readonly sealer?: Sealer | null;
  readonly baseUrl?: string | null;
}

export function caEnv(store: Store): CaActionEnv {
  const r = caRuntime(store);
  return { sealer: r.sealer, baseUrl: r.baseUrl() };
}

// ------------------------------------------------------------------------------------------- views

const CA_LOCK = 727040;
const DISTRIBUTED: readonly CaState[] = ["published", "active", "retiring"];

function isoLifecycle(lc: CaLifecycle): Record<string, string> {
  return Object.fromEntries(Object.entries(lc).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : String(v)]));
}

/** What the audit chain records of a certificate: identity, fingerprints and state — never key material. */
function auditView(r: CaCertificateRow | CaCertificateRecord) {
  return {
    id: r.id,
    kind: r.kind,
    parentId: r.parentId,
    state: r.lifecycle.state,
    version: r.version,
    subject: r.subject,
    serialHex: r.serialHex,
    sha256: r.sha256,
    keyAlgorithm: r.keyAlgorithm,
    notBefore: r.notBefore.toISOString(),
    notAfter: r.notAfter.toISOString(),
    excludedDns: [...r.excludedDns],
    lifecycle: isoLifecycle(r.lifecycle),
  };
}

function toApi(r: CaCertificateRow, scheduled: CaScheduledStep[] = []): CaCertificate {
  const lc = r.lifecycle;
  return {
    id: r.id,
    kind: r.kind,
    parentId: r.parentId,
    state: lc.state,
    subject: r.subject,
    serialHex: r.serialHex,
    keyAlgorithm: r.keyAlgorithm,
    sha256: r.sha256,
    sha1: r.sha1,
    notBefore: iso(r.notBefore),
    notAfter: iso(r.notAfter),
    excludedDns: [...r.excludedDns],
    generatedAt: iso(lc.generatedAt),
    publishedAt: lc.publishedAt ? iso(lc.publishedAt) : null,
    activatedAt: lc.activatedAt ? iso(lc.activatedAt) : null,
    retiringAt: lc.retiringAt ? iso(lc.retiringAt) : null,
    revokedAt: lc.revokedAt ? iso(lc.revokedAt) : null,
    revocationReason: lc.revocationReason ?? null,
    version: r.version,
    scheduled: scheduled.filter((s) => s.certificateId === r.id),
  };
}

async function pendingSteps(tx: Transaction<Database>): Promise<CaScheduledStep[]> {
  const rows = await tx.selectFrom("ca_rotation_step").selectAll().where("status", "=", "pending").orderBy("due_at").orderBy("ordinal").execute();
  return rows.map((s) => ({ id: s.id, rotationId: s.rotation_id, certificateId: s.certificate_id, event: s.event as CaScheduledStep["event"], at: iso(s.due_at) }));
}

/** STS staff and the auditor see every certificate; operators and organisations see what was distributed. */
const seesEverything = (ctx: Ctx): boolean => scopeOf(ctx.principal).kind === "all";
const visible = (ctx: Ctx, r: CaCertificateRow): boolean => seesEverything(ctx) || r.lifecycle.state !== "generated";

export async function listCaCertificates(ctx: Ctx): Promise<CaCertificateList> {
  requirePermission(ctx.principal, "ca.read");
  const steps = await pendingSteps(ctx.tx);
  const rows = (await new PgCaStore(ctx.tx).listViews()).filter((r) => visible(ctx, r));
  return { items: rows.map((r) => toApi(r, steps)) };
}

export async function getCaCertificate(ctx: Ctx, id: string): Promise<CaCertificateDetail> {
  requirePermission(ctx.principal, "ca.read");
  const store = new PgCaStore(ctx.tx);
  const r = await store.getView(id);
  if (!r || !visible(ctx, r)) throw new Problem("QQ_ERR_NOT_FOUND", `CA certificate ${id} not found`);
  const history = (await store.history(id)).map((h) => ({ version: h.version, state: h.state, at: lastTransitionAt(h.lifecycle) }));
  return { ...toApi(r, await pendingSteps(ctx.tx)), pem: toPem(r.der), history };
}

function lastTransitionAt(lc: Record<string, unknown>): string {
  const times = ["generatedAt", "publishedAt", "activatedAt", "retiringAt", "revokedAt"].map((k) => lc[k]).filter((v): v is string => typeof v === "string");
  return times.sort().at(-1) ?? new Date(0).toISOString();
}

// ------------------------------------------------------------------------------------------ actions

/**
 * The CA store of one action: the PgCaStore on the action's transaction, writing one audit entry per
 * certificate version and announcing every newly published root — so the cascades of src/ca/service.ts (a
 * root carries its intermediates) and the steps a rotation applies are each audited, in order.
 */
class AuditedCaStore implements CaStore {
  constructor(
    readonly inner: PgCaStore,
    private readonly ctx: Ctx,
    private readonly env: CaActionEnv,
    private readonly cause: string,
  ) {}

  async insertCertificate(record: CaCertificateRecord): Promise<void> {
    await this.inner.insertCertificate(record);
    await this.ctx.audit({ action: "ca.generate", entityType: "ca_certificate", entityId: record.id, after: { ...auditView(record), cause: this.cause } });
  }

  getCertificate(id: string): Promise<CaCertificateRecord | undefined> {
    return this.inner.getCertificate(id);
  }

  listCertificates(filter?: { kind?: "root" | "intermediate" }): Promise<CaCertificateRecord[]> {
    return this.inner.listCertificates(filter);
  }

  async updateLifecycle(id: string, expectedVersion: number, lifecycle: CaLifecycle): Promise<CaCertificateRecord> {
    const before = await this.inner.getView(id);
    const after = await this.inner.updateLifecycle(id, expectedVersion, lifecycle);
    const action = { published: "ca.publish", active: "ca.activate", retiring: "ca.retire", revoked: "ca.revoke", generated: "ca.update" }[after.lifecycle.state];
    await this.ctx.audit({ action, entityType: "ca_certificate", entityId: id, before: before ? auditView(before) : null, after: { ...auditView(after), cause: this.cause } });
    if (after.kind === "root" && after.lifecycle.publishedAt && !before?.lifecycle.publishedAt) await announceRoot(this.ctx, this.env, after);
    // A root replaced (retiring) or revoked is no longer to be passed on: its open acknowledgements close.
    if (after.kind === "root" && (after.lifecycle.state === "retiring" || after.lifecycle.state === "revoked") && before?.lifecycle.state !== after.lifecycle.state) {
      await closeRootDistribution(this.ctx.tx, id, this.ctx.now);
    }
    return after;
  }

  putLeafKeysIfAbsent(record: LeafKeyRecord): Promise<LeafKeyRecord> {
    return this.inner.putLeafKeysIfAbsent(record);
  }

  getLeafKeys(epoch: number, epochSeconds: number): Promise<LeafKeyRecord | undefined> {
    return this.inner.getLeafKeys(epoch, epochSeconds);
  }
}

const noSealer: Sealer = {
  seal() {
    throw new Problem("QQ_ERR_NOT_READY", "this process has no master key; the CA cannot seal new keys");
  },
  open() {
    throw new Problem("QQ_ERR_NOT_READY", "this process has no master key; the CA cannot open its keys");
  },
};

function requireSealer(env: CaActionEnv): Sealer {
  if (!env.sealer) throw new Problem("QQ_ERR_NOT_READY", "the master key is not configured in this process; CA keys cannot be generated or opened");
  return env.sealer;
}

async function caAction<T>(ctx: Ctx, env: CaActionEnv, cause: string, run: (deps: CaServiceDeps & { store: AuditedCaStore }) => Promise<T>): Promise<T> {
  // One CA writer at a time across replicas: init and rotate check-then-insert.
  await sql`select pg_advisory_xact_lock(${CA_LOCK})`.execute(ctx.tx);
  const store = new AuditedCaStore(new PgCaStore(ctx.tx), ctx, env, cause);
  try {
    return await run({ store, sealer: env.sealer ?? noSealer, now: () => ctx.now });
  } catch (e) {
    // planRotation refuses bad arguments with a RangeError before any key exists.
    if (e instanceof RangeError) throw new Problem("QQ_ERR_VALIDATION", e.message);
    throw e;
  }
}

function generationOptions(input: CaInitRequest): CaGenerationOptions {
  return {
    ...(input.rootAlgorithm ? { rootAlgorithm: input.rootAlgorithm } : {}),
    ...(input.rootValidityDays ? { rootValidityDays: input.rootValidityDays } : {}),
    ...(input.intermediateValidityDays ? { intermediateValidityDays: input.intermediateValidityDays } : {}),
    ...(input.bankDomains ? { bankDomains: input.bankDomains } : {}),
  };
}

async function viewOf(ctx: Ctx, store: PgCaStore, id: string): Promise<CaCertificate> {
  const r = await store.getView(id);
  if (!r) throw new Problem("QQ_ERR_NOT_FOUND", `CA certificate ${id} not found`);
  return toApi(r, await pendingSteps(ctx.tx));
}

/** Generate (`qaqpa ca init`): the first root and its issuing intermediate, both `generated`. */
export async function initCaCertificates(ctx: Ctx, env: CaActionEnv, input: CaInitRequest = {}): Promise<CaPair> {
  requirePermission(ctx.principal, "ca.write");
  requireSealer(env);
  return caAction(ctx, env, "init", async (deps) => {
    const live = (await deps.store.inner.listViews({ kind: "root" })).find((r) => r.lifecycle.state !== "revoked");
    if (live) {
      throw new Problem("QQ_ERR_CA_ALREADY_INITIALISED", `the CA is already initialised: root ${live.id} is ${live.lifecycle.state}; rotate it instead`, { rootId: live.id, state: live.lifecycle.state });
    }
    const pair = await initCa(deps, generationOptions(input));
    return { root: await viewOf(ctx, deps.store.inner, pair.root.id), intermediate: await viewOf(ctx, deps.store.inner, pair.intermediate.id) };
  });
}

/** Publish a root to the telecom operators (p.21): one e-mail per operator, and the distribution workflow. */
export async function publishCaRoot(ctx: Ctx, env: CaActionEnv, id: string): Promise<CaCertificate> {
  return transitionAction(ctx, env, id, { type: "publish" }, "publish");
}

/** Activate: issuance may start under this certificate (a root activates its newest intermediate with it). */
export async function activateCaCertificate(ctx: Ctx, env: CaActionEnv, id: string, input: CaActivateRequest = {}): Promise<CaCertificate> {
  return transitionAction(ctx, env, id, { type: "activate" }, "activate", input.minPublicationLeadDays !== undefined ? { minPublicationLeadDays: input.minPublicationLeadDays } : {});
}

/** Revoke (terminal, RFC 5280 §5.3.1 reason); a root takes its intermediates along. */
export async function revokeCaCertificate(ctx: Ctx, env: CaActionEnv, id: string, input: CaRevokeRequest): Promise<CaCertificate> {
  return transitionAction(ctx, env, id, { type: "revoke", reason: input.reason }, "revoke");
}

async function transitionAction(ctx: Ctx, env: CaActionEnv, id: string, event: CaEvent, cause: string, opts: { minPublicationLeadDays?: number } = {}): Promise<CaCertificate> {
  requirePermission(ctx.principal, "ca.write");
  return caAction(ctx, env, cause, async (deps) => {
    if (!(await deps.store.inner.getView(id))) throw new Problem("QQ_ERR_NOT_FOUND", `CA certificate ${id} not found`);
    await transitionCa(deps, id, event, opts);
    if (event.type === "revoke") await cancelStepsOf(ctx, deps.store.inner, id);
    return viewOf(ctx, deps.store.inner, id);
  });
}

/**
 * A manual revocation cancels what a rotation still planned for the certificate (and its intermediates). If
 * the certificate was a rotation's successor, the whole rotation is cancelled: retiring the predecessor of a
 * revoked successor would leave the gateway nothing to issue under.
 */
async function cancelStepsOf(ctx: Ctx, store: PgCaStore, id: string): Promise<void> {
  const ids = [id, ...(await store.listViews({ kind: "intermediate" })).filter((c) => c.parentId === id).map((c) => c.id)];
  const steps = await ctx.tx.selectFrom("ca_rotation_step").selectAll().where("status", "=", "pending").where("certificate_id", "in", ids).execute();
  if (steps.length === 0) return;
  const rotations = [...new Set(steps.filter((s) => (s.event as { type?: string }).type === "activate").map((s) => s.rotation_id))];
  let q = ctx.tx.updateTable("ca_rotation_step").set({ status: "skipped", last_error: `cancelled: certificate ${id} was revoked` }).where("status", "=", "pending");
  q = rotations.length ? q.where((eb) => eb.or([eb("certificate_id", "in", ids), eb("rotation_id", "in", rotations)])) : q.where("certificate_id", "in", ids);
  const cancelled = await q.returning(["id", "rotation_id", "certificate_id", "event", "due_at"]).execute();
  await ctx.audit({ action: "ca.rotation-cancel", entityType: "ca_certificate", entityId: id, after: { steps: cancelled.map((s) => ({ id: s.id, rotationId: s.rotation_id, certificateId: s.certificate_id, event: s.event, dueAt: iso(s.due_at) })) } });
}

/**
 * Rotate (`qaqpa ca rotate`): a new root + intermediate (or a new intermediate) while the current one stays
 * active. The steps due now are applied (a new root is published to the operators at once); the rest — the
 * switch after the publication lead, the old certificate retiring, its revocation after the overlap — are
 * stored and applied by the hourly CA duty (`applyDueCaSteps`).
 */
export async function rotateCaCertificates(ctx: Ctx, env: CaActionEnv, input: Partial<CaRotateRequest> = {}): Promise<CaRotateResult> {
  requirePermission(ctx.principal, "ca.write");
  requireSealer(env);
  return caAction(ctx, env, "rotate", async (deps) => {
    const open = await ctx.tx.selectFrom("ca_rotation_step").select(["rotation_id", "due_at"]).where("status", "=", "pending").orderBy("due_at").executeTakeFirst();
    if (open) {
      throw new Problem("QQ_ERR_CONFLICT", `a rotation is in progress (next step due ${iso(open.due_at)}); let it finish, or revoke its new certificate to cancel it`, { rotationId: open.rotation_id });
    }
    if ((await deps.store.inner.listViews({ kind: "root", states: ["active"] })).length === 0) {
      throw new Problem("QQ_ERR_CA_NO_ACTIVE_ROOT", "there is no active root to rotate; initialise, publish and activate one first");
    }
    const scope = input.scope ?? "root";
    const predecessor = await currentOf(deps.store.inner, scope);
    const r = await rotateCa(deps, {
      ...generationOptions(input),
      scope,
      ...(input.publicationLeadDays !== undefined ? { publicationLeadDays: input.publicationLeadDays } : {}),
      ...(input.overlapDays !== undefined ? { overlapDays: input.overlapDays } : {}),
    });
    const rotationId = randomUUID();
    const newId = r.created.root?.id ?? r.created.intermediate.id;
    const oldId = predecessor?.id ?? null;
    for (const [ordinal, s] of r.pending.entries()) {
      await ctx.tx.insertInto("ca_rotation_step").values({ rotation_id: rotationId, certificate_id: s.id, ordinal, event: JSON.stringify(s.event), due_at: s.at }).execute();
    }
    await ctx.audit({
      action: "ca.rotate",
      entityType: "ca_certificate",
      entityId: newId,
      after: { rotationId, scope, successor: newId, predecessor: oldId, switchAt: iso(r.plan.switchAt), warnings: r.plan.warnings, pending: r.pending.map((s) => ({ certificateId: s.id, event: s.event, at: iso(s.at) })) },
    });
    const steps = await pendingSteps(ctx.tx);
    const view = async (id: string) => toApi((await deps.store.inner.getView(id))!, steps);
    return {
      rotationId,
      created: { ...(r.created.root ? { root: await view(r.created.root.id) } : {}), intermediate: await view(r.created.intermediate.id) },
      applied: r.applied.map((s) => ({ certificateId: s.target === "new" ? newId : (oldId ?? newId), event: s.event, at: iso(s.at) })),
      pending: steps.filter((s) => s.rotationId === rotationId),
      switchAt: iso(r.plan.switchAt),
      warnings: [...r.plan.warnings],
    };
  });
}

/** The certificate a rotation replaces: the newest active root, or its newest active intermediate. */
async function currentOf(store: PgCaStore, scope: "root" | "intermediate"): Promise<CaCertificateRow | undefined> {
  const newest = (rs: CaCertificateRow[]) => rs.reduce<CaCertificateRow | undefined>((a, r) => (!a || r.lifecycle.generatedAt.getTime() >= a.lifecycle.generatedAt.getTime() ? r : a), undefined);
  const root = newest(await store.listViews({ kind: "root", states: ["active"] }));
  if (!root || scope === "root") return root;
  return newest((await store.listViews({ kind: "intermediate", states: ["active"] })).filter((i) => i.parentId === root.id));
}

// ------------------------------------------------------------------------------- operator notice (p.21)

/** Files of a root, one entry per file name (the same .crt serves Firefox, Debian and RHEL). */
function rootFiles(der: Buffer) {
  const byName = new Map<string, { filename: string; contentType: string; body: Buffer; platforms: string[]; installPaths: string[] }>();
  for (const [platform, files] of Object.entries(allBundles(der))) {
    for (const f of files) {
      const e = byName.get(f.filename) ?? { filename: f.filename, contentType: f.contentType, body: Buffer.isBuffer(f.body) ? f.body : Buffer.from(f.body, "utf8"), platforms: [], installPaths: [] };
      if (!e.platforms.includes(platform)) e.platforms.push(platform);
      if (f.installPath && !e.installPaths.includes(f.installPath)) e.installPaths.push(f.installPath);
      byName.set(f.filename, e);
    }
  }
  return [...byName.values()];
}

const fileUrl = (id: string, filename: string): string => `/api/ca/root/files/${encodeURIComponent(filename)}?id=${id}`;

const PLATFORM_TITLES: Record<string, string> = {
  common: "Any system",
  windows: "Windows",
  macos: "macOS / iOS",
  firefox: "Firefox",
  debian: "Debian / Ubuntu",
  rhel: "RHEL family",
};

function rootPublishedMail(operatorName: string, root: CaCertificateRecord, base: string | null) {
  const r = describeRoot(root.der);
  const files = rootFiles(root.der);
  const link = (p: string) => (base ? `${base.replace(/\/+$/, "")}${p}` : p);
  const lines = [
    `To ${operatorName},`,
    "",
    "STS has generated a new root certificate of the unified gateway to Internet access (UGIA) and informs you of it",
    "(Rules, p.21). Please pass it to the organisations you connect (p.22); they install it on their workstations (p.23).",
    "",
    `Subject:      ${r.subject}`,
    `SHA-256:      ${r.sha256}`,
    `SHA-1:        ${r.sha1}`,
    `Valid from:   ${r.notBefore.toISOString()}`,
    `Valid until:  ${r.notAfter.toISOString()}`,
    `Certificate:  ${root.id}`,
    "",
    `Download it on the qaqpa portal (sign in as operator staff): ${link("/ca")}`,
    `or directly: ${link(fileUrl(root.id, `qaqpa-${r.fp8}.pem`))}`,
    "",
    "Install bundles:",
    ...Object.keys(PLATFORM_TITLES).map((p) => `  ${PLATFORM_TITLES[p]}: ${files.filter((f) => f.platforms.includes(p)).map((f) => f.filename).join(", ")}`),
    "",
    "Before passing the certificate on, compare its SHA-256 fingerprint with the one above, for example:",
    `  openssl x509 -in qaqpa-${r.fp8}.pem -noout -fingerprint -sha256`,
    "The install scripts refuse a certificate with another fingerprint.",
    "",
  ];
  return { subject: `New UGIA root certificate ${r.fp8}: pass it to your organisations (Rules p.21–22)`, bodyText: lines.join("\n") };
}

/**
 * p.21: every telecom operator is informed of a new root, once per operator and certificate, and the
 * root-distribution workflow (p.21–22) opens one application per operator for its acknowledgement that the
 * root was passed on — in the publishing transaction.
 */
async function announceRoot(ctx: Ctx, env: CaActionEnv, root: CaCertificateRecord): Promise<void> {
  const operators = await ctx.tx.selectFrom("telecom_operator").select(["id", "name_en", "notification_emails"]).orderBy("name_en").execute();
  const notified: string[] = [];
  const withoutAddress: string[] = [];
  for (const op of operators) {
    const recipients = [...new Set(op.notification_emails)];
    if (recipients.length === 0) {
      withoutAddress.push(op.id);
      continue;
    }
    const mail = rootPublishedMail(op.name_en, root, env.baseUrl ?? null);
    await enqueue(ctx.tx, {
      recipients,
      ...mail,
      dedupeKey: `ca-root-published:${root.id}:${op.id}`,
      related: { kind: "ca.root-published", certificateId: root.id, operatorId: op.id, sha256: root.sha256 },
    });
    notified.push(op.id);
  }
  await ctx.audit({ action: "ca.announce", entityType: "ca_certificate", entityId: root.id, after: { sha256: root.sha256, operatorsNotified: notified, operatorsWithoutAddress: withoutAddress } });
  await openRootDistribution(ctx.tx, { certificateId: root.id, fingerprint: root.sha256 }, ctx.now);
}

// ----------------------------------------------------------------------------- downloads (p.22–23)

/**
 * The root to distribute: by id, or the newest published or active one (during a rotation's lead that is the
 * new root, which operators hand out while the old one still issues). Operators and organisations get only
 * roots that were distributed; STS staff may fetch a generated root to check it before publishing.
 */
async function distributableRoot(ctx: Ctx, id: string | undefined): Promise<CaCertificateRow> {
  const store = new PgCaStore(ctx.tx);
  if (id) {
    const r = await store.getView(id);
    if (!r || r.kind !== "root" || (!seesEverything(ctx) && !DISTRIBUTED.includes(r.lifecycle.state))) throw new Problem("QQ_ERR_NOT_FOUND", `root certificate ${id} not found`);
    return r;
  }
  const newest = (rs: CaCertificateRow[]) => rs.reduce<CaCertificateRow | undefined>((a, r) => (!a || r.lifecycle.generatedAt.getTime() >= a.lifecycle.generatedAt.getTime() ? r : a), undefined);
  const root = newest(await store.listViews({ kind: "root", states: ["published", "active"] })) ?? (seesEverything(ctx) ? newest(await store.listViews({ kind: "root", states: ["generated"] })) : undefined);
  if (!root) throw new Problem("QQ_ERR_CA_NOT_INITIALISED", "no root certificate has been published yet");
  return root;
}

function rootInfo(root: CaCertificateRow): CaRoot {
  const d = describeRoot(root.der);
  return {
    id: root.id,
    state: root.lifecycle.state,
    subject: d.subject,
    sha256: d.sha256,
    sha1: d.sha1,
    fp8: d.fp8,
    notBefore: iso(d.notBefore),
    notAfter: iso(d.notAfter),
    files: rootFiles(root.der).map((f) => ({ filename: f.filename, contentType: f.contentType, platforms: f.platforms, installPaths: f.installPaths, size: f.body.length, url: fileUrl(root.id, f.filename) })),
  };
}

export async function getCaRoot(ctx: Ctx, id?: string): Promise<CaRoot> {
  requirePermission(ctx.principal, "ca.read");
  return rootInfo(await distributableRoot(ctx, id));
}

export interface CaDownload {
  readonly filename: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** One file of the root: `{ format: "pem" | "der" }` or a bundle file by name. */
export async function getCaRootFile(ctx: Ctx, which: { format: "pem" | "der" } | { filename: string }, id?: string): Promise<CaDownload> {
  requirePermission(ctx.principal, "ca.read");
  const root = await distributableRoot(ctx, id);
  const files = rootFiles(root.der);
  const fp8 = describeRoot(root.der).fp8;
  const name = "format" in which ? `qaqpa-${fp8}.${which.format}` : which.filename;
  const f = files.find((x) => x.filename === name);
  if (!f) throw new Problem("QQ_ERR_NOT_FOUND", `root ${root.id} has no file ${name}`, { files: files.map((x) => x.filename) });
  return { filename: f.filename, contentType: f.contentType, body: f.body };
}

/** Every file of a root for `qaqpa ca export`, with the record's state. */
export async function exportCaRoot(ctx: Ctx, id?: string): Promise<{ root: CaRoot; files: CaDownload[] }> {
  requirePermission(ctx.principal, "ca.read");
  const row = await distributableRoot(ctx, id);
  return { root: rootInfo(row), files: rootFiles(row.der).map((f) => ({ filename: f.filename, contentType: f.contentType, body: f.body })) };
}

// ------------------------------------------------------------------------------------- CA duties

export interface CaExpiryAlertResult {
  readonly certificateId: string;
  readonly kind: "root" | "intermediate";
  readonly threshold: AlertThreshold;
  readonly daysLeft: number;
  readonly notAfter: string;
  /** false: this alert was already in the outbox (another run or replica sent it). */
  readonly enqueued: boolean;
}

/**
 * Expiry alerts (p.21: STS "ensures the validity" of the root): at 30, 14 and 7 days before notAfter of a
 * published or active certificate, one e-mail to the STS administrators and the STS duty address. The
 * outbox dedupe key (certificate, tier) makes it idempotent — any number of runs, on any number of replicas,
 * send each tier once — and `dueAlerts` sends only the most urgent tier reached, so a control plane that was
 * down for weeks sends one alert, not a burst.
 */
export async function checkCaExpiry(store: Store, now: Date = new Date(), opts: { stsAddress?: string | null } = {}): Promise<CaExpiryAlertResult[]> {
  const stsAddress = opts.stsAddress !== undefined ? opts.stsAddress : caRuntime(store).stsAddress;
  return inTx(
    store,
    systemPrincipal("ca-expiry"),
    null,
    async (ctx) => {
      const certs = await new PgCaStore(ctx.tx).listViews({ states: ["published", "active"] });
      if (certs.length === 0) return [];
      const admins = await ctx.tx.selectFrom("account").select("email").where("role", "=", "sts_admin").where("disabled", "=", false).where("email", "is not", null).orderBy("username").execute();
      const recipients = [...new Set([...admins.map((a) => a.email!), ...(stsAddress ? [stsAddress] : [])])];
      const sentKeys = new Set(
        (await ctx.tx.selectFrom("outbox_message").select("dedupe_key").where("dedupe_key", "like", "ca-expiry:%").execute()).map((r) => r.dedupe_key),
      );
      const out: CaExpiryAlertResult[] = [];
      for (const c of certs) {
        const already = ([30, 14, 7] as const).filter((t) => sentKeys.has(`ca-expiry:${c.id}:${t}`));
        const [alert] = dueAlerts({ notAfter: c.notAfter, state: c.lifecycle.state }, now, already);
        if (!alert || recipients.length === 0) continue;
        const what = c.kind === "root" ? "root certificate" : "issuing intermediate certificate";
        const fp8 = c.sha256.replaceAll(":", "").slice(0, 8).toLowerCase();
        const when = alert.expired ? "has expired" : `expires in ${alert.daysLeft} day${alert.daysLeft === 1 ? "" : "s"}`;
        const id = await enqueue(ctx.tx, {
          recipients,
          subject: `UGIA ${what} ${fp8} ${when} (${alert.threshold}-day alert)`,
          bodyText: [
            `The gateway's ${what} ${when}: not after ${c.notAfter.toISOString()} (Rules p.21: STS keeps the root valid).`,
            "",
            `Certificate:  ${c.id} (${c.lifecycle.state})`,
            `Subject:      ${c.subject}`,
            `SHA-256:      ${c.sha256}`,
            "",
            c.kind === "root"
              ? "Rotate it now (`qaqpa ca rotate` or the portal): operators need the publication lead to pass the new root on (p.22) and organisations to install it (p.23)."
              : "Rotate the intermediate (`qaqpa ca rotate --scope intermediate`); the root on the workstations stays the same.",
            "",
          ].join("\n"),
          dedupeKey: `ca-expiry:${c.id}:${alert.threshold}`,
          related: { kind: "ca.expiry", certificateId: c.id, threshold: alert.threshold },
        });
        if (id) {
          await ctx.audit({ action: "ca.expiry-alert", entityType: "ca_certificate", entityId: c.id, after: { threshold: alert.threshold, daysLeft: alert.daysLeft, notAfter: c.notAfter.toISOString(), recipients } });
        }
        out.push({ certificateId: c.id, kind: c.kind, threshold: alert.threshold, daysLeft: alert.daysLeft, notAfter: c.notAfter.toISOString(), enqueued: id !== null });
      }
      return out;
    },
    now,
  );
}

export interface AppliedCaStep {
  readonly id: string;
  readonly certificateId: string;
  readonly event: CaEvent;
  readonly status: "applied" | "skipped";
  readonly error?: string;
}

/**
 * Applies the rotation steps that have fallen due, oldest first, each in its own transaction as the system
 * actor `ca-rotation`. A step that can no longer apply (its certificate was revoked by hand, a lifecycle
 * rule refuses) is skipped together with the rest of its rotation.
 */
export async function applyDueCaSteps(store: Store, now: Date = new Date()): Promise<AppliedCaStep[]> {
  const due = await store.db.selectFrom("ca_rotation_step").select("id").where("status", "=", "pending").where("due_at", "<=", now).orderBy("due_at").orderBy("ordinal").execute();
  const out: AppliedCaStep[] = [];
  for (const { id } of due) {
    const r = await inTx(
      store,
      systemPrincipal("ca-rotation"),
      null,
      async (ctx): Promise<AppliedCaStep | null> => {
        await sql`select pg_advisory_xact_lock(${CA_LOCK})`.execute(ctx.tx);
        // Re-read under the lock: another replica may have applied or skipped it meanwhile.
        const step = await ctx.tx.selectFrom("ca_rotation_step").selectAll().where("id", "=", id).where("status", "=", "pending").executeTakeFirst();
        if (!step) return null;
        const event = step.event as unknown as CaEvent;
        await sql`savepoint ca_step`.execute(ctx.tx);
        try {
          await caAction(ctx, caEnv(store), `rotation ${step.rotation_id}`, (deps) => transitionCa(deps, step.certificate_id, event));
          await ctx.tx.updateTable("ca_rotation_step").set({ status: "applied", applied_at: now }).where("id", "=", id).execute();
          return { id, certificateId: step.certificate_id, event, status: "applied" };
        } catch (e) {
          if (!(e instanceof Problem)) throw e;
          // Undo whatever the refused step wrote before it was refused; the skip is recorded instead.
          await sql`rollback to savepoint ca_step`.execute(ctx.tx);
          const error = `${e.code}: ${e.message}`;
          await ctx.tx
            .updateTable("ca_rotation_step")
            .set({ status: "skipped", last_error: error.slice(0, 500) })
            .where("rotation_id", "=", step.rotation_id)
            .where("status", "=", "pending")
            .execute();
          await ctx.audit({ action: "ca.rotation-skip", entityType: "ca_certificate", entityId: step.certificate_id, after: { rotationId: step.rotation_id, stepId: id, event, error } });
          return { id, certificateId: step.certificate_id, event, status: "skipped", error };
        }
      },
      now,
    );
    if (r) out.push(r);
  }
  return out;
}

/** One run of the CA's periodic duties: due rotation steps first (they change what expires), then alerts. */
export async function runCaDuties(store: Store, now: Date = new Date()): Promise<{ steps: AppliedCaStep[]; alerts: CaExpiryAlertResult[] }> {
  const steps = await applyDueCaSteps(store, now);
  const alerts = await checkCaExpiry(store, now);
  return { steps, alerts };
}

/**
 * Wires the CA into the all-in-one: binds the sealer, the STS duty address and the public URL to the store
 * for the API's CA routes, and runs `runCaDuties` hourly (first run shortly after start) on unref'd timers
 * that the API's close — `stop()` of the all-in-one — clears. Call it before the API listens.
 */
export function startCaDuties(opts: { api: App; store: Store; sealer: Sealer; config: Config; intervalMs?: number; firstRunMs?: number }): void {
  const { api, store, sealer, config } = opts;
  configureCa(store, {
    sealer,
    stsAddress: config.notifications.stsAddress,
    baseUrl: () => {
      if (config.http.publicUrl) return config.http.publicUrl;
      const a = api.server.address();
      if (!a || typeof a === "string") return null;
      return `http://${config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host}:${a.port}`;
    },
  });
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = runCaDuties(store)
      .catch((err: unknown) => api.log.error({ err }, "CA duties failed; retrying at the next run"))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(tick, opts.firstRunMs ?? 30_000);
  first.unref();
  const timer = setInterval(tick, opts.intervalMs ?? 3_600_000);
  timer.unref();
  api.addHook("onClose", async () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    await running;
  });
}

// ------------------------------------------------------------------------------------- the gateway

export interface IssuingHandle {
  leaves: { get(name: string, keyType: "ecdsa" | "rsa"): Promise<MintedLeaf> };
  rootPem: string;
  intermediateId: string;
  close(): void;
}

/**
 * What the gateway mints leaves with: the active intermediate's issuer, the epoch's shared leaf keys, the
 * authority's name policy (`isProtected` is the gateway's protected-category matcher, p.20) and a LeafCache.
 * null when there is no active CA (the gateway then cannot bump and fails closed).
 */
export async function loadIssuing(store: Store, sealer: Sealer, isProtected: (name: string) => boolean): Promise<IssuingHandle | null> {
  return openIssuingHandle(store, sealer, isProtected);
}

export interface IssuingHandleOptions {
  /** Clock in ms (tests move it across epochs). */
  readonly now?: () => number;
  readonly epochSeconds?: number;
  /** How long before an epoch boundary the next epoch's keys are generated and stored. Default 10 min. */
  readonly prefetchMs?: number;
  /** After a failed refresh, keep the current keys this long before trying again. Default 60 s. */
  readonly retryMs?: number;
}

/**
 * `loadIssuing` with its clock and timings exposed. At an epoch boundary the first `get` switches the minter to
 * the new epoch's keys (ensureLeafKeys: every node gets the same pair) and re-reads the active intermediate, so
 * a completed rotation is picked up within one epoch; with no active intermediate left it refuses to mint.
 * The next epoch's keys are prepared ahead on an unref'd timer, so the RSA key generation stays off the
 * handshake path.
 */
export async function openIssuingHandle(store: Store, sealer: Sealer, isProtected: (name: string) => boolean, opts: IssuingHandleOptions = {}): Promise<IssuingHandle | null> {
  const now = opts.now ?? Date.now;
  const epochSeconds = opts.epochSeconds ?? DEFAULT_EPOCH_SECONDS;
  const deps: CaServiceDeps = { store: new PgCaStore(store.db), sealer, now: () => new Date(now()) };
  const caStore = deps.store as PgCaStore;
  const authority = new CaAuthority({ isProtected });

  type Current = { intermediateId: string; rootPem: string; cache: LeafCache; epoch: number; useKeys(epoch: number): Promise<void> };
  async function build(epoch: number): Promise<Current | null> {
    let issuing;
    try {
      issuing = await openIssuingCa(deps);
    } catch (e) {
      if (e instanceof CaNotFoundError) return null;
      throw e;
    }
    const root = issuing.record.parentId ? await caStore.getView(issuing.record.parentId) : undefined;
    if (!root) throw new CaNotFoundError(`the root of intermediate ${issuing.record.id} is missing`);
    const minter = authority.leafMinter(issuing, await ensureLeafKeys(deps, epoch, epochSeconds));
    const c: Current = {
      intermediateId: issuing.record.id,
      rootPem: toPem(root.der),
      cache: new LeafCache(minter),
      epoch,
      async useKeys(e: number) {
        minter.useKeys(await ensureLeafKeys(deps, e, epochSeconds));
        c.epoch = e;
      },
    };
    return c;
  }

  let current = await build(epochOf(now(), epochSeconds));
  if (!current) return null;
  let last: Current = current;
  let refreshing: Promise<void> | undefined;
  let retryAt = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  async function refresh(epoch: number): Promise<void> {
    let id: string | null;
    try {
      id = (await openIssuingCa(deps)).record.id;
    } catch (e) {
      if (!(e instanceof CaNotFoundError)) throw e;
      id = null;
    }
    if (id === null) {
      current = null;
      retryAt = now() + (opts.retryMs ?? 60_000);
    } else if (current && id === current.intermediateId) await current.useKeys(epoch);
    else current = await build(epoch);
    if (current) last = current;
  }

  function schedulePrefetch(): void {
    if (closed) return;
    const periodMs = epochSeconds * 1000;
    const next = (epochOf(now(), epochSeconds) + 1) * periodMs;
    const delay = Math.max(1000, next - (opts.prefetchMs ?? 600_000) - now());
    timer = setTimeout(() => {
      ensureLeafKeys(deps, epochOf(now(), epochSeconds) + 1, epochSeconds)
        .catch(() => undefined) // the boundary's own refresh tries again
        .finally(() => {
          if (closed) return;
          // Past the prefetch point of this epoch: wait for the next one.
          timer = setTimeout(schedulePrefetch, Math.max(1000, next - now() + 1000));
          timer.unref();
        });
    }, delay);
    timer.unref();
  }
  schedulePrefetch();

  return {
    leaves: {
      async get(name: string, keyType: "ecdsa" | "rsa"): Promise<MintedLeaf> {
        if (closed) throw new CaNotFoundError("the issuing handle is closed");
        const epoch = epochOf(now(), epochSeconds);
        if ((!current || epoch !== current.epoch) && now() >= retryAt) {
          refreshing ??= refresh(epoch)
            .catch(() => {
              // Keep minting with the keys we have (leaves stay valid for days); try again shortly.
              retryAt = now() + (opts.retryMs ?? 60_000);
            })
            .finally(() => {
              refreshing = undefined;
            });
          await refreshing;
        }
        if (!current) throw new CaNotFoundError("no active issuing intermediate; the gateway cannot bump TLS (it fails closed)");
        return current.cache.get(name, keyType);
      },
    },
    get rootPem() {
      return last.rootPem;
    },
    get intermediateId() {
      return last.intermediateId;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
