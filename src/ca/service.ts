/**
 * CA service: the operations `qaqpa ca init|rotate|export` (and the API and scheduler) call. It ties the pure
 * parts (authority, lifecycle, bundles) to the store port and the sealer; it never returns a sealed or plain
 * key — callers get `CaCertificateView`s, bundles, or an `Issuer` object that keeps its key private.
 *
 * Lifecycle changes are compare-and-swap on the record version. A root's transition carries its
 * intermediates along: activating a root activates its newest generated intermediate, retiring it retires its
 * active intermediates, revoking it revokes all of them.
 */
import type { Sealer } from "../secrets/sealer.js";
import { createIntermediate, createRoot, type GeneratedCa } from "./authority/hierarchy.js";
import { generateLeafKeys, openLeafKeys } from "./authority/leaf-keys.js";
import { allBundles, describeRoot, type BundleFile, type MobileconfigOptions, type RootExport } from "./bundles.js";
import { CaConflictError, CaNotFoundError, IllegalCaTransitionError } from "./errors.js";
import { FileKeyIssuer } from "./issuers/file-key.js";
import type { Issuer } from "./issuers/issuer.js";
import type { CaKeyAlgorithm } from "./keys.js";
import { DEFAULT_EPOCH_SECONDS, type LeafKeySet } from "./leaf.js";
import { DAY_MS, planRotation, transition, type CaEvent, type RotationOptions, type RotationPlan, type RotationStep } from "./lifecycle.js";
import type { CaCertificateRecord, CaCertificateView, CaStore } from "./store.js";
import { toPem, type DistinguishedName } from "./x509.js";

export interface CaServiceDeps {
  readonly store: CaStore;
  readonly sealer: Sealer;
  readonly now?: () => Date;
}

export interface CaGenerationOptions {
  /** Root key algorithm; default ECDSA P-384. */
  readonly rootAlgorithm?: CaKeyAlgorithm;
  readonly rootValidityDays?: number;
  readonly intermediateValidityDays?: number;
  /** Overrides of the subject (country, organisation, unit, common name). */
  readonly rootSubject?: DistinguishedName;
  readonly intermediateSubject?: DistinguishedName;
  /** Bank domains excluded by the intermediate besides gov.kz/egov.kz; default DEFAULT_BANK_DOMAINS. */
  readonly bankDomains?: readonly string[];
  /** Excluded subtrees written into the root itself; default gov.kz, egov.kz. */
  readonly rootNameConstraints?: readonly string[];
}

export interface CaPair {
  readonly root: CaCertificateView;
  readonly intermediate: CaCertificateView;
}

export function toView(r: CaCertificateRecord): CaCertificateView {
  const { sealedKey: _sealed, der, ...rest } = r;
  return { ...rest, pem: toPem(der) };
}

const clock = (deps: CaServiceDeps): Date => (deps.now ? deps.now() : new Date());
const newest = (rs: CaCertificateRecord[]): CaCertificateRecord | undefined =>
  [...rs].sort((a, b) => b.lifecycle.generatedAt.getTime() - a.lifecycle.generatedAt.getTime())[0];

async function generatePair(deps: CaServiceDeps, opts: CaGenerationOptions, now: Date): Promise<{ root: GeneratedCa; intermediate: GeneratedCa }> {
  const root = await createRoot(deps.sealer, {
    now,
    ...(opts.rootAlgorithm ? { algorithm: opts.rootAlgorithm } : {}),
    ...(opts.rootValidityDays ? { validityDays: opts.rootValidityDays } : {}),
    ...(opts.rootSubject ? { subject: opts.rootSubject } : {}),
    ...(opts.rootNameConstraints ? { nameConstraints: opts.rootNameConstraints } : {}),
  });
  const intermediate = await createIntermediate(deps.sealer, root, intermediateOpts(opts, now));
  return { root, intermediate };
}

function intermediateOpts(opts: CaGenerationOptions, now: Date) {
  return {
    now,
    ...(opts.intermediateValidityDays ? { validityDays: opts.intermediateValidityDays } : {}),
    ...(opts.intermediateSubject ? { subject: opts.intermediateSubject } : {}),
    ...(opts.bankDomains ? { bankDomains: opts.bankDomains } : {}),
  };
}

/**
 * `qaqpa ca init`: generates the first root and its issuing intermediate, both `generated`. Publishing the
 * root to operators (p.21) and activating it are separate steps (`transitionCa`) because publication starts
 * the root-distribution workflow. Refuses when a root that is not revoked already exists.
 */
export async function initCa(deps: CaServiceDeps, opts: CaGenerationOptions = {}): Promise<CaPair> {
  const roots = await deps.store.listCertificates({ kind: "root" });
  const live = roots.find((r) => r.lifecycle.state !== "revoked");
  if (live) throw new CaConflictError(`the CA is already initialised (root ${live.id} is ${live.lifecycle.state}); use rotate`);
  const now = clock(deps);
  const { root, intermediate } = await generatePair(deps, opts, now);
  await deps.store.insertCertificate(root.record);
  await deps.store.insertCertificate(intermediate.record);
  return { root: toView(root.record), intermediate: toView(intermediate.record) };
}

export interface RotateCaOptions extends CaGenerationOptions, RotationOptions {
  /** `root` (default): new root + intermediate, distributed to workstations. `intermediate`: new issuing CA under the active root, e.g. after the bank list changed. */
  readonly scope?: "root" | "intermediate";
}

export interface RotateCaResult {
  readonly created: { readonly root?: CaCertificateView; readonly intermediate: CaCertificateView };
  readonly plan: RotationPlan;
  /** Steps due now, already applied. */
  readonly applied: readonly RotationStep[];
  /** Steps for the scheduler: apply each with `transitionCa` at `at`. */
  readonly pending: readonly (RotationStep & { readonly id: string })[];
}

/**
 * `qaqpa ca rotate`: generates the successor while the current certificate is active, applies the plan's steps
 * that are due now (publishing a new root, or switching intermediates) and returns the rest with record ids.
 */
export async function rotateCa(deps: CaServiceDeps, opts: RotateCaOptions = {}): Promise<RotateCaResult> {
  const now = clock(deps);
  const activeRoot = newest((await deps.store.listCertificates({ kind: "root" })).filter((r) => r.lifecycle.state === "active"));
  if (!activeRoot) throw new CaNotFoundError("no active root to rotate; use init, then publish and activate");
  const scope = opts.scope ?? "root";
  const current = scope === "root" ? activeRoot : await activeIntermediateOf(deps, activeRoot.id);
  if (!current) throw new CaNotFoundError("the active root has no active intermediate to rotate");
  // Planning first: it refuses (RangeError) before any key is generated when rotation is not allowed.
  const plan = planRotation(current, now, opts);
  let created: { root?: CaCertificateRecord; intermediate: CaCertificateRecord };
  if (scope === "root") {
    const pair = await generatePair(deps, opts, now);
    created = { root: pair.root.record, intermediate: pair.intermediate.record };
  } else {
    const rootIssuer = FileKeyIssuer.open(deps.sealer, activeRoot.id, activeRoot.sealedKey);
    const intermediate = await createIntermediate(deps.sealer, { record: activeRoot, issuer: rootIssuer }, intermediateOpts(opts, now));
    created = { intermediate: intermediate.record };
  }
  if (created.root) await deps.store.insertCertificate(created.root);
  await deps.store.insertCertificate(created.intermediate);

  const newId = created.root?.id ?? created.intermediate.id;
  const applied: RotationStep[] = [];
  const pending: (RotationStep & { id: string })[] = [];
  for (const step of plan.steps) {
    const id = step.target === "new" ? newId : current.id;
    if (step.at.getTime() <= now.getTime()) {
      await transitionCa(deps, id, step.event);
      applied.push(step);
    } else pending.push({ ...step, id });
  }
  return {
    created: { ...(created.root ? { root: toView(created.root) } : {}), intermediate: toView(created.intermediate) },
    plan,
    applied,
    pending,
  };
}

async function activeIntermediateOf(deps: CaServiceDeps, rootId: string): Promise<CaCertificateRecord | undefined> {
  const children = (await deps.store.listCertificates({ kind: "intermediate" })).filter((r) => r.parentId === rootId);
  return newest(children.filter((r) => r.lifecycle.state === "active"));
}

export interface TransitionCaOptions {
  /** Minimum days between publishing and activating a root (p.22–23 installation time). Default 0. */
  readonly minPublicationLeadDays?: number;
}

/** Applies one lifecycle event to a record (and its intermediates, for a root); returns the updated view. */
export async function transitionCa(deps: CaServiceDeps, id: string, event: CaEvent, opts: TransitionCaOptions = {}): Promise<CaCertificateView> {
  const now = clock(deps);
  const rec = await deps.store.getCertificate(id);
  if (!rec) throw new CaNotFoundError(`CA certificate ${id} not found`);
  if (rec.kind === "intermediate" && event.type === "activate") {
    const parent = rec.parentId ? await deps.store.getCertificate(rec.parentId) : undefined;
    if (parent?.lifecycle.state !== "active") throw new IllegalCaTransitionError("an intermediate is activated only under an active root");
  }
  const r = transition(rec, event, now, { minPublicationLeadMs: (opts.minPublicationLeadDays ?? 0) * DAY_MS });
  if (!r.ok) throw new IllegalCaTransitionError(`${rec.kind} ${id}: ${r.reason}`);
  const updated = await deps.store.updateLifecycle(id, rec.version, r.lifecycle);

  if (rec.kind === "root") {
    const children = (await deps.store.listCertificates({ kind: "intermediate" })).filter((c) => c.parentId === id);
    const follow = async (c: CaCertificateRecord, e: CaEvent): Promise<void> => {
      const cr = transition(c, e, now);
      if (cr.ok) await deps.store.updateLifecycle(c.id, c.version, cr.lifecycle);
    };
    if (event.type === "activate" && !children.some((c) => c.lifecycle.state === "active")) {
      const next = newest(children.filter((c) => c.lifecycle.state === "generated"));
      if (next) await follow(next, event);
    } else if (event.type === "retire") {
      for (const c of children.filter((c) => c.lifecycle.state === "active")) await follow(c, event);
    } else if (event.type === "revoke") {
      for (const c of children.filter((c) => c.lifecycle.state !== "revoked")) await follow(c, event);
    }
  }
  return toView(updated);
}

export interface ExportBundlesResult {
  readonly root: RootExport & { readonly id: string; readonly state: string };
  readonly bundles: ReturnType<typeof allBundles>;
  readonly files: readonly BundleFile[];
}

/**
 * `qaqpa ca export`: the install bundles of one root. Default: the newest root that is neither retiring nor
 * revoked — during a rotation that is the new root operators must distribute (p.21–22).
 */
export async function exportBundles(deps: CaServiceDeps, opts: { id?: string } & MobileconfigOptions = {}): Promise<ExportBundlesResult> {
  const roots = await deps.store.listCertificates({ kind: "root" });
  const root = opts.id
    ? roots.find((r) => r.id === opts.id)
    : newest(roots.filter((r) => r.lifecycle.state !== "retiring" && r.lifecycle.state !== "revoked"));
  if (!root) throw new CaNotFoundError(opts.id ? `root ${opts.id} not found` : "no root to export; run init first");
  const bundles = allBundles(root.der, opts);
  const seen = new Set<string>();
  const files = Object.values(bundles)
    .flat()
    .filter((f) => (seen.has(f.filename + (f.installPath ?? "")) ? false : (seen.add(f.filename + (f.installPath ?? "")), true)));
  return { root: { ...describeRoot(root.der), id: root.id, state: root.lifecycle.state }, bundles, files };
}

export interface IssuingCaHandle {
  readonly issuer: Issuer;
  readonly certificate: Buffer;
  readonly record: CaCertificateView;
}

/** The active intermediate under an active root, with its key opened in an issuer — for the leaf minter. */
export async function openIssuingCa(deps: CaServiceDeps): Promise<IssuingCaHandle> {
  const roots = (await deps.store.listCertificates({ kind: "root" })).filter((r) => r.lifecycle.state === "active");
  for (const root of [...roots].reverse()) {
    const inter = await activeIntermediateOf(deps, root.id);
    if (inter) return { issuer: FileKeyIssuer.open(deps.sealer, inter.id, inter.sealedKey), certificate: inter.der, record: toView(inter) };
  }
  throw new CaNotFoundError("no active issuing intermediate; the gateway cannot bump TLS (it fails closed)");
}

/** The leaf key pairs of an epoch, generating and storing them if no node has yet (first writer wins). */
export async function ensureLeafKeys(deps: CaServiceDeps, epoch: number, epochSeconds = DEFAULT_EPOCH_SECONDS): Promise<LeafKeySet> {
  const existing = await deps.store.getLeafKeys(epoch, epochSeconds);
  const record = existing ?? (await deps.store.putLeafKeysIfAbsent(generateLeafKeys(deps.sealer, epoch, epochSeconds, clock(deps))));
  return openLeafKeys(deps.sealer, record);
}
