/**
 * Typed verdicts of the mail policy hooks and their rendering as access(5) actions.
 *
 * A hook never writes an action string; it returns `{ action, reason }` and this module is the only place
 * that turns a verdict into the bytes Postfix reads. Reasons are stable codes (they appear in the trace,
 * the audit log and metrics); the text sent to the SMTP client is derived from the reason.
 */
import type { ProtocolState } from "./request.js";

/** The verdicts Postfix's access(5) model gives us and that qaqpa uses. */
export type Action = "OK" | "DUNNO" | "DEFER" | "HOLD" | "REJECT";

export type ReasonCode =
  /** A connected mail system sends (outbound); counted by the detector, decision left to Postfix. */
  | "outbound-connected"
  /** Mail from outside for a connected domain; Postfix's relay_domains/transport route it. */
  | "inbound-connected-domain"
  /** Unknown client, recipient outside the connected domains: no open relay. */
  | "relay-denied"
  /** The client's mail system is suspended (UGEM Rules p.12): tempfail, the sender keeps the mail. */
  | "system-suspended"
  /** This message tripped the anomaly detector; the system is being suspended (UGEM Rules p.12). */
  | "abnormal-activity"
  /** No hook decided. */
  | "no-rule";

export interface Verdict {
  readonly action: Action;
  readonly reason: ReasonCode;
}

/** Frozen verdict constants: hooks return these, so a decision allocates nothing. */
export const Verdicts = Object.freeze({
  outbound: Object.freeze({ action: "DUNNO", reason: "outbound-connected" }) as Verdict,
  inbound: Object.freeze({ action: "DUNNO", reason: "inbound-connected-domain" }) as Verdict,
  relayDenied: Object.freeze({ action: "REJECT", reason: "relay-denied" }) as Verdict,
  suspended: Object.freeze({ action: "DEFER", reason: "system-suspended" }) as Verdict,
  abnormal: Object.freeze({ action: "DEFER", reason: "abnormal-activity" }) as Verdict,
  noRule: Object.freeze({ action: "DUNNO", reason: "no-rule" }) as Verdict,
});

/** Texts sent to the SMTP client. Short, no data about the system, and a pointer to what to do. */
const TEXT: Record<ReasonCode, string> = {
  "outbound-connected": "",
  "inbound-connected-domain": "",
  "no-rule": "",
  "relay-denied": "Relaying denied: client is not a mail system connected to the unified e-mail gateway",
  "system-suspended":
    "Mail system suspended by the unified e-mail gateway for abnormal activity (UGEM Rules p.12); keep the message and retry later, contact STS",
  "abnormal-activity":
    "Abnormal mail activity detected, mail system suspended by the unified e-mail gateway (UGEM Rules p.12); keep the message and retry later, contact STS",
};

/**
 * The access(5) action for a verdict in a protocol state.
 *
 * DEFER carries an explicit 4xx code with an enhanced status (RFC 3463 4.7.1 "delivery not authorized")
 * so the client retries and keeps the message: 450 at RCPT (per recipient), 451 once the message is being
 * transferred (DATA, END-OF-MESSAGE: "local error in processing", RFC 5321 §4.2.3). REJECT is 554 5.7.1,
 * which is what Postfix's own reject_unauth_destination answers.
 */
export function toAccessAction(v: Verdict, state: ProtocolState): string {
  switch (v.action) {
    case "OK":
      return "OK";
    case "DUNNO":
      return "DUNNO";
    case "HOLD":
      return `HOLD ${TEXT[v.reason]}`.trimEnd();
    case "DEFER":
      return `${state === "RCPT" ? "450" : "451"} 4.7.1 ${TEXT[v.reason]}`;
    case "REJECT":
      return `554 5.7.1 ${TEXT[v.reason]}`;
  }
}

/**
 * The answer on any internal failure: tempfail, never OK (architecture principle 4). The same action is
 * rendered into main.cf as the policy client's `default_action`, so "service down" and "service broken"
 * look the same to the sender: try again later.
 */
export const FAILSAFE_ACTION = "DEFER_IF_PERMIT Service temporarily unavailable";

/** A verdict that lets the message through at this point of the SMTP dialogue. */
export function accepts(v: Verdict): boolean {
  return v.action === "OK" || v.action === "DUNNO" || v.action === "HOLD";
}
