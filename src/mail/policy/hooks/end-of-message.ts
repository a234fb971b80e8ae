/**
 * END-OF-MESSAGE hooks (smtpd_end_of_data_restrictions): the message is complete, its size and queue id
 * are known, and it has been counted by the detector. Deferring here still leaves the message with the
 * sender: Postfix discards the queue file and answers 4xx to the final dot.
 */
import { Verdicts } from "../verdict.js";
import type { Hook } from "./hook.js";

/** Suspended while the message was being transferred. */
export const eomSuspended = {
  name: "end-of-message/suspended",
  state: "END-OF-MESSAGE",
  run: (f) => (f.client !== undefined && f.suspended ? Verdicts.suspended : undefined),
} as const satisfies Hook;

/** This message crossed a limit: defer it, and the engine suspends the system (UGEM Rules p.12). */
export const eomAbnormal = {
  name: "end-of-message/abnormal",
  state: "END-OF-MESSAGE",
  run: (f) => (f.assessment?.abnormal ? Verdicts.abnormal : undefined),
} as const satisfies Hook;

export const eomOutbound = {
  name: "end-of-message/outbound",
  state: "END-OF-MESSAGE",
  run: (f) => (f.client !== undefined ? Verdicts.outbound : undefined),
} as const satisfies Hook;
