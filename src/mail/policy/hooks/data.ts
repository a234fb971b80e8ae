/**
 * DATA hooks (smtpd_data_restrictions): the system may have been suspended between RCPT and DATA by
 * another connection's message; stop the transfer before the body is sent.
 */
import { Verdicts } from "../verdict.js";
import type { Hook } from "./hook.js";

export const dataSuspended = {
  name: "data/suspended",
  state: "DATA",
  run: (f) => (f.client !== undefined && f.suspended ? Verdicts.suspended : undefined),
} as const satisfies Hook;
