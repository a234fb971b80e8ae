/**
 * Lifecycle of a CA certificate (Rules p.21: STS generates the root, hands it to telecom operators and keeps it
 * valid; p.22–23: operators pass it on and organisations install it). Pure: values in, values out, no clock
 * and no store — the service layer applies the result with compare-and-swap.
 *
 *                  publish               activate              retire               revoke
 *   generated ──────────────▶ published ───────────▶ active ─────────────▶ retiring ───────────▶ revoked
 *       │                         │                  ▲  │                                          ▲
 *       │  activate               │                  │  │                                          │
 *       ├─(intermediate only) ────┼──────────────────┘  │                                          │
 *       │                         │                     │                                          │
 *       └─────────────────────────┴─────────────────────┴────────────────── revoke ────────────────┘
 *
 * - publish: the root goes to operators (p.21); allowed while the certificate has not expired.
 * - activate: the gateway may issue under it; needs notBefore ≤ now < notAfter, and for a root a publication
 *   lead (operators and organisations need time to install it, p.22–23) when one is configured.
 * - retire: the overlap period — a successor is active, this one stays installed until revoked.
 * - revoke: terminal, with an RFC 5280 §5.3.1 CRLReason.
 *
 * Primitives: `transition`, `dueAlerts` (30/14/7-day expiry alerts), `planRotation`.
 */

export type CaKind = "root" | "intermediate";
export type CaState = "generated" | "published" | "active" | "retiring" | "revoked";
/** Subset of RFC 5280 §5.3.1 CRLReason that applies to a CA certificate. */
export type RevocationReason = "unspecified" | "keyCompromise" | "cACompromise" | "superseded" | "cessationOfOperation";

export type CaEvent =
  | { readonly type: "publish" }
  | { readonly type: "activate" }
  | { readonly type: "retire" }
  | { readonly type: "revoke"; readonly reason: RevocationReason };

export interface CaLifecycle {
  readonly state: CaState;
  readonly generatedAt: Date;
  readonly publishedAt?: Date;
  readonly activatedAt?: Date;
  readonly retiringAt?: Date;
  readonly revokedAt?: Date;
  readonly revocationReason?: RevocationReason;
}

/** The parts of a certificate record the lifecycle looks at. */
export interface LifecycleSubject {
  readonly kind: CaKind;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly lifecycle: CaLifecycle;
}

export interface TransitionRules {
  /** A root may be activated only this long after publication (p.22–23 installation time). Default 0. */
  readonly minPublicationLeadMs?: number;
}

export type TransitionResult = { readonly ok: true; readonly lifecycle: CaLifecycle } | { readonly ok: false; readonly reason: string };

/** Allowed edges: event → next state, per current state. */
export const TRANSITIONS: Readonly<Record<CaState, Readonly<Partial<Record<CaEvent["type"], CaState>>>>> = {
  generated: { publish: "published", activate: "active", revoke: "revoked" },
  published: { activate: "active", revoke: "revoked" },
  active: { retire: "retiring", revoke: "revoked" },
  retiring: { revoke: "revoked" },
  revoked: {},
};

const REVOCATION_REASONS: ReadonlySet<string> = new Set(["unspecified", "keyCompromise", "cACompromise", "superseded", "cessationOfOperation"]);

export function newLifecycle(now: Date): CaLifecycle {
  return { state: "generated", generatedAt: now };
}

function lastTimestamp(lc: CaLifecycle): number {
  return Math.max(...[lc.generatedAt, lc.publishedAt, lc.activatedAt, lc.retiringAt, lc.revokedAt].map((d) => d?.getTime() ?? -Infinity));
}

export function transition(subject: LifecycleSubject, event: CaEvent, now: Date, rules: TransitionRules = {}): TransitionResult {
  const lc = subject.lifecycle;
  const next = TRANSITIONS[lc.state][event.type];
  const fail = (reason: string): TransitionResult => ({ ok: false, reason });
  if (!next) return fail(`${event.type} is not allowed from ${lc.state}`);
  if (now.getTime() < lastTimestamp(lc)) return fail("now is earlier than the last recorded transition");
  const t = now.getTime();
  switch (event.type) {
    case "publish":
      if (subject.kind !== "root") return fail("only a root certificate is published to operators");
      if (t >= subject.notAfter.getTime()) return fail("the certificate has expired");
      return { ok: true, lifecycle: { ...lc, state: next, publishedAt: now } };
    case "activate": {
      if (subject.kind === "root" && lc.state !== "published") return fail("a root must be published to operators before it is activated (Rules p.21)");
      if (t < subject.notBefore.getTime()) return fail("the certificate is not valid yet");
      if (t >= subject.notAfter.getTime()) return fail("the certificate has expired");
      const lead = rules.minPublicationLeadMs ?? 0;
      if (subject.kind === "root" && lc.publishedAt && t < lc.publishedAt.getTime() + lead) {
        return fail(`the root was published less than ${Math.round(lead / DAY_MS)} days ago; operators need the lead time (Rules p.22–23)`);
      }
      return { ok: true, lifecycle: { ...lc, state: next, activatedAt: now } };
    }
    case "retire":
      return { ok: true, lifecycle: { ...lc, state: next, retiringAt: now } };
    case "revoke":
      if (!REVOCATION_REASONS.has(event.reason)) return fail(`unknown revocation reason ${String(event.reason)}`);
      return { ok: true, lifecycle: { ...lc, state: next, revokedAt: now, revocationReason: event.reason } };
  }
}

// ------------------------------------------------------------------------------------ expiry alerts

export const DAY_MS = 86_400_000;
export const ALERT_THRESHOLDS = [30, 14, 7] as const;
export type AlertThreshold = (typeof ALERT_THRESHOLDS)[number];

export interface ExpiryAlert {
  readonly threshold: AlertThreshold;
  /** When this alert became due (notAfter − threshold days). */
  readonly dueAt: Date;
  /** Whole days left until notAfter, rounded down; negative once expired. */
  readonly daysLeft: number;
  readonly expired: boolean;
}

/** Due times of the three alerts, for a scheduler that requests wake-ups instead of polling. */
export function alertSchedule(notAfter: Date): { threshold: AlertThreshold; dueAt: Date }[] {
  return ALERT_THRESHOLDS.map((threshold) => ({ threshold, dueAt: new Date(notAfter.getTime() - threshold * DAY_MS) }));
}

/**
 * Alerts due now for a certificate (p.21 "ensures the validity"). At most one alert is returned: the most
 * urgent tier reached. A tier is skipped when it or a more urgent one was already sent, so a scheduler that
 * was down for three weeks sends one 7-day alert, not a burst of 30/14/7. Certificates that are retiring or
 * revoked raise none: their successor carries the duty.
 */
export function dueAlerts(
  cert: { readonly notAfter: Date; readonly state?: CaState },
  now: Date,
  alreadySent: readonly AlertThreshold[],
): ExpiryAlert[] {
  if (cert.state === "retiring" || cert.state === "revoked") return [];
  const left = cert.notAfter.getTime() - now.getTime();
  let tier: AlertThreshold | undefined;
  for (const t of ALERT_THRESHOLDS) if (left <= t * DAY_MS) tier = t; // thresholds descend: last match is the smallest
  if (tier === undefined) return [];
  if (alreadySent.some((s) => s <= tier)) return [];
  return [
    {
      threshold: tier,
      dueAt: new Date(cert.notAfter.getTime() - tier * DAY_MS),
      daysLeft: Math.floor(left / DAY_MS),
      expired: left <= 0,
    },
  ];
}

// ------------------------------------------------------------------------------------------ rotation

export interface RotationOptions {
  /** How long the old certificate stays installed and `retiring` before it is revoked. Default 30 days (root) / 7 days (intermediate). */
  readonly overlapDays?: number;
  /** Root only: days between publishing the new root and activating it. Default 14. Intermediates need none. */
  readonly publicationLeadDays?: number;
}

export interface RotationStep {
  readonly at: Date;
  readonly target: "new" | "old";
  readonly event: CaEvent;
}

export interface RotationPlan {
  readonly kind: CaKind;
  readonly steps: readonly RotationStep[];
  /** The moment the new certificate takes over issuance. */
  readonly switchAt: Date;
  readonly warnings: readonly string[];
}

/**
 * Rotation while the current certificate is active. Root: publish the new root now (operators are informed,
 * p.21), activate it after the publication lead while the old root turns `retiring`, and revoke the old one
 * as `superseded` after the overlap. Intermediate: the root is already installed, so the switch is immediate;
 * the overlap only lets cached leaves run out.
 */
export function planRotation(current: LifecycleSubject, now: Date, opts: RotationOptions = {}): RotationPlan {
  if (current.lifecycle.state !== "active") throw new RangeError(`rotation starts from an active certificate, not ${current.lifecycle.state}`);
  const root = current.kind === "root";
  const lead = root ? (opts.publicationLeadDays ?? 14) : 0;
  const overlap = opts.overlapDays ?? (root ? 30 : 7);
  if (!(lead >= 0) || !(overlap >= 0)) throw new RangeError("lead and overlap must be non-negative");
  const switchAt = new Date(now.getTime() + lead * DAY_MS);
  const endAt = new Date(switchAt.getTime() + overlap * DAY_MS);
  const steps: RotationStep[] = [
    ...(root ? [{ at: now, target: "new" as const, event: { type: "publish" as const } }] : []),
    { at: switchAt, target: "new", event: { type: "activate" } },
    { at: switchAt, target: "old", event: { type: "retire" } },
    { at: endAt, target: "old", event: { type: "revoke", reason: "superseded" } },
  ];
  const warnings: string[] = [];
  if (current.notAfter.getTime() <= switchAt.getTime()) {
    warnings.push("the current certificate expires before its successor activates: shorten the publication lead or expect interception to stop");
  } else if (current.notAfter.getTime() < endAt.getTime()) {
    warnings.push("the current certificate expires during the overlap; it will simply lapse before the planned revocation");
  }
  return { kind: current.kind, steps, switchAt, warnings };
}
