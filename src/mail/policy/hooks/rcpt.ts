/**
 * RCPT hooks: one decision per recipient (smtpd_recipient_restrictions, after Postfix's relay check).
 */
import { Verdicts } from "../verdict.js";
import type { Hook } from "./hook.js";

/** A suspended system's new mail is tempfailed: the sender keeps it and retries (UGEM Rules p.12). */
export const rcptSuspended = {
  name: "rcpt/suspended",
  state: "RCPT",
  run: (f) => (f.client !== undefined && f.suspended ? Verdicts.suspended : undefined),
} as const satisfies Hook;

/** A connected system sends: allowed here, counted at END-OF-MESSAGE. */
export const rcptOutbound = {
  name: "rcpt/outbound",
  state: "RCPT",
  run: (f) => (f.direction === "outbound" ? Verdicts.outbound : undefined),
} as const satisfies Hook;

/** Mail from outside for a connected domain: left to Postfix (relay_domains + transport). */
export const rcptInbound = {
  name: "rcpt/inbound",
  state: "RCPT",
  run: (f) => (f.direction === "inbound" ? Verdicts.inbound : undefined),
} as const satisfies Hook;

/** Anything else is an unknown client relaying to a foreign domain: refused, the gateway is no open relay. */
export const rcptRelay = {
  name: "rcpt/relay",
  state: "RCPT",
  run: (f) => (f.direction === "relay" ? Verdicts.relayDenied : undefined),
} as const satisfies Hook;
