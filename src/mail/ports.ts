/**
 * What the mail gateway needs from the rest of qaqpa, as small ports. The store implements them over the
 * `mail_system` / `mail_suspension`, `outbox_message` and `audit_entry` tables; `memory.ts` implements them
 * in memory for tests and for running the gateway without a store.
 *
 * A mail system is what an applicant connects (UGEM Rules, Appendix, application form): "the name of the
 * e-mail domain connected to UGEM, the owner of the e-mail domain and the IP address of the mail server".
 */
import type { AnomalyReason, DetectorLimits, SystemStats } from "./policy/detector.js";

export interface MailSystem {
  readonly id: string;
  readonly organisationId: string;
  /** Display name, used in notifications ("Ministry of X mail"). */
  readonly name: string;
  /** E-mail domains of the system (A-labels). Inbound mail for them is relayed to `inbound`. */
  readonly domains: readonly string[];
  /** Addresses the system's mail server sends from: the only clients allowed to relay outbound. */
  readonly serverAddresses: readonly string[];
  /** Where the gateway delivers inbound mail for `domains` (the organisation's server). */
  readonly inbound: { readonly host: string; readonly port: number };
  /** Technical contact of the owner, notified of a suspension (UGEM Rules p.12). */
  readonly ownerEmail: string;
  /** Per-system detector limits set by STS; defaults apply to the rest. */
  readonly limits?: Partial<DetectorLimits>;
  readonly suspension: MailSuspension | null;
}

export interface MailSuspension {
  /** ISO 8601 instant. */
  readonly since: string;
  /** Why: detector reasons, empty for a manual suspension. */
  readonly reasons: readonly AnomalyReason[];
  /** "detector" or the account that suspended. */
  readonly by: string;
  readonly note?: string;
  /** Postfix queue ids put on hold for this suspension (released or deleted with it). */
  readonly heldQueueIds: readonly string[];
  /** The detector's counters for the system when it was suspended (what STS reviews). */
  readonly counters?: SystemStats;
}

/** What ended or changed a suspension, for the store's record of who released or deleted held mail. */
export interface SuspensionChange {
  readonly kind: "released" | "deleted";
  /** The account that acted. */
  readonly by: string;
  /** Messages released to the deferred queue / deleted from the hold queue. */
  readonly count: number;
}

export interface MailSystemDirectory {
  list(): Promise<readonly MailSystem[]>;
  /**
   * Persists (or clears, with null) a system's suspension. `change` says why a suspension is cleared
   * (release) or its held ids emptied (deletion), so the store can record who did it.
   */
  setSuspension(systemId: string, suspension: MailSuspension | null, change?: SuspensionChange): Promise<void>;
}

/** Durable notifications (outbox_message); delivery and retries are the outbox's business. */
export interface Outbox {
  notify(to: string, subject: string, body: string): Promise<void>;
}

export interface AuditEntity {
  readonly type: string;
  readonly id: string;
}

/** The hash-chained audit log. */
export interface Audit {
  record(action: string, entity: AuditEntity, before: unknown, after: unknown): Promise<void>;
}
