/**
 * The mail policy engine: one request in, one decision and its commands out (sans-IO, as the gateway's
 * connection core). Deterministic given the injected `now`.
 *
 *   request ─▶ read (typed) ─▶ identify client (snapshot) ─▶ [END-OF-MESSAGE, outbound] count in detector
 *           ─▶ hooks of the state, in HOOKS order, first verdict wins (default DUNNO)
 *           ─▶ commands: SuspendSystem (the message crossed a limit), TrackQueueId (accepted outbound)
 *
 * State kept here, and why:
 *   - the snapshot (swapped whole on reload);
 *   - the set of suspended systems — changed synchronously when a message trips the detector, so the
 *     very next request, on any connection, is already deferred while the shell holds the queue;
 *   - recipients per open transaction (`instance`), because END-OF-MESSAGE only names the recipient when
 *     there was exactly one (SMTPD_POLICY_README) and the detector counts distinct recipients.
 */
import { AnomalyDetector, type AnomalyReason, type Assessment } from "./detector.js";
import { HOOKS } from "./hooks/index.js";
import type { Hook, PolicyFlow } from "./hooks/hook.js";
import { domainOf } from "./lib/address.js";
import { clientSystem, direction } from "./lib/routing.js";
import type { PolicyRequest } from "./protocol.js";
import { readSmtpdRequest, type ProtocolState } from "./request.js";
import { EMPTY_SNAPSHOT, type MailPolicySnapshot } from "./snapshot.js";
import { accepts, FAILSAFE_ACTION, toAccessAction, Verdicts, type Verdict } from "./verdict.js";

export type PolicyCommand =
  | { readonly type: "SuspendSystem"; readonly systemId: string; readonly reasons: readonly AnomalyReason[] }
  | { readonly type: "TrackQueueId"; readonly systemId: string; readonly queueId: string };

export interface Decision {
  /** The access(5) action sent to Postfix. */
  readonly action: string;
  /** undefined when the request could not be read (then `action` is the fail-safe tempfail). */
  readonly verdict: Verdict | undefined;
  /** Name of the deciding hook, "default" when none decided, "invalid-request" on a bad request. */
  readonly hook: string;
  readonly state: ProtocolState | undefined;
  readonly systemId: string | undefined;
  readonly commands: readonly PolicyCommand[];
  readonly error?: string;
}

export interface PolicyEngineOptions {
  readonly hooks?: readonly Hook[];
  readonly detector?: AnomalyDetector;
  /** Open transactions remembered for recipient counting; the oldest is forgotten beyond this. */
  readonly maxTransactions?: number;
  /** Recipients remembered per transaction (Postfix's smtpd_recipient_limit defaults to 1000). */
  readonly maxRecipientsPerTransaction?: number;
}

const NO_COMMANDS: readonly PolicyCommand[] = Object.freeze([]);

export class PolicyEngine {
  readonly detector: AnomalyDetector;
  readonly #byState = new Map<ProtocolState, readonly Hook[]>();
  readonly #suspended = new Set<string>();
  readonly #transactions = new Map<string, string[]>();
  readonly #maxTransactions: number;
  readonly #maxRecipients: number;
  readonly #outcomes = new Map<string, number>();
  #snapshot: MailPolicySnapshot = EMPTY_SNAPSHOT;

  constructor(opts: PolicyEngineOptions = {}) {
    this.detector = opts.detector ?? new AnomalyDetector();
    this.#maxTransactions = opts.maxTransactions ?? 10_000;
    this.#maxRecipients = opts.maxRecipientsPerTransaction ?? 1_000;
    // Hook arrays are fixed once, per state, in list order (architecture habit 12).
    for (const h of opts.hooks ?? HOOKS) {
      this.#byState.set(h.state, [...(this.#byState.get(h.state) ?? []), h]);
    }
  }

  get snapshot(): MailPolicySnapshot {
    return this.#snapshot;
  }

  setSnapshot(s: MailPolicySnapshot): void {
    this.#snapshot = s;
  }

  isSuspended(systemId: string): boolean {
    return this.#suspended.has(systemId);
  }

  setSuspended(systemId: string, suspended: boolean): void {
    if (suspended) this.#suspended.add(systemId);
    else this.#suspended.delete(systemId);
  }

  /** Decisions so far by "hook action" — the counters behind qaqpa_mail_policy_outcome_total. */
  outcomes(): ReadonlyMap<string, number> {
    return this.#outcomes;
  }

  decide(raw: PolicyRequest, now: number): Decision {
    let req;
    try {
      req = readSmtpdRequest(raw);
    } catch (e) {
      this.#count("invalid-request", "DEFER_IF_PERMIT");
      return { action: FAILSAFE_ACTION, verdict: undefined, hook: "invalid-request", state: undefined, systemId: undefined, commands: NO_COMMANDS, error: (e as Error).message };
    }
    const snapshot = this.#snapshot;
    const client = clientSystem(snapshot, req.clientAddress);
    const suspended = client !== undefined && this.#suspended.has(client.id);
    const dir =
      req.state === "RCPT" ? direction(snapshot, client, domainOf(req.recipient)) : client !== undefined ? "outbound" : "inbound";
    const txKey = `${req.clientAddress ?? ""}/${req.instance}`;

    let assessment: Assessment | undefined;
    if (req.state === "END-OF-MESSAGE" && client !== undefined && !suspended) {
      const seen = this.#transactions.get(txKey);
      const recipients = seen ?? (req.recipientCount === 1 && req.recipient !== "" ? [req.recipient] : []);
      assessment = this.detector.observeMessage(client.id, { recipients, recipientCount: req.recipientCount, size: req.size }, now);
    }

    const flow: PolicyFlow = { request: req, snapshot, client, suspended, direction: dir, assessment };
    let verdict: Verdict = Verdicts.noRule;
    let hook = "default";
    const hooks = this.#byState.get(req.state);
    if (hooks) {
      for (const h of hooks) {
        const v = h.run(flow);
        if (v !== undefined) {
          verdict = v;
          hook = h.name;
          break;
        }
      }
    }

    let commands = NO_COMMANDS;
    if (client !== undefined) {
      if (req.state === "RCPT" && accepts(verdict) && req.recipient !== "") this.#remember(txKey, req.recipient);
      if (req.state === "END-OF-MESSAGE" || (req.state === "DATA" && !accepts(verdict))) this.#transactions.delete(txKey);
      if (req.state === "END-OF-MESSAGE") {
        if (verdict.reason === "abnormal-activity" && assessment) {
          // Suspended now, synchronously: the next request on any connection is deferred already.
          this.#suspended.add(client.id);
          commands = [{ type: "SuspendSystem", systemId: client.id, reasons: assessment.reasons }];
        } else if (accepts(verdict) && req.queueId !== "") {
          commands = [{ type: "TrackQueueId", systemId: client.id, queueId: req.queueId }];
        }
      }
    }
    this.#count(hook, verdict.action);
    return { action: toAccessAction(verdict, req.state), verdict, hook, state: req.state, systemId: client?.id, commands };
  }

  #remember(key: string, recipient: string): void {
    let list = this.#transactions.get(key);
    if (!list) {
      if (this.#transactions.size >= this.#maxTransactions) {
        // Abandoned sessions never reach END-OF-MESSAGE; forget the oldest (Map keeps insertion order).
        const oldest = this.#transactions.keys().next().value;
        if (oldest !== undefined) this.#transactions.delete(oldest);
      }
      list = [];
      this.#transactions.set(key, list);
    }
    if (list.length < this.#maxRecipients) list.push(recipient);
  }

  #count(hook: string, action: string): void {
    const k = `${hook} ${action}`;
    this.#outcomes.set(k, (this.#outcomes.get(k) ?? 0) + 1);
  }
}
