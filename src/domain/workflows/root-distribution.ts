/**
 * Distribution of a new gateway root certificate (p.21–23): STS informs every telecom operator of the new
 * root (p.21); each operator passes it on to its organisations (p.22), which install it (p.23). One
 * application per operator records the notice and the operator's acknowledgement that it passed the root on.
 *
 *   notified ──acknowledged (operator)──▶ acknowledged
 *      └─ (acknowledgement overdue → escalated to STS staff, reminder to the operator at 80 %)
 *
 * The Rules set no term for p.22; 10 working days is the STS service level, tracked like the Rules' terms.
 */
import { workingDaysDeadline } from "./deadline-math.js";
import { notify } from "./common.js";
import type { WorkflowDefinition } from "./types.js";

export const ROOT_ACK_WORKING_DAYS = 10;

export const rootDistribution: WorkflowDefinition = {
  kind: "root-distribution",
  title: "Root certificate distribution",
  paragraph: "p.21–22",
  applicant: "system",
  signature: "none",
  states: ["notified", "acknowledged", "withdrawn"],
  final: ["acknowledged", "withdrawn"],
  initial: "notified",
  onSubmit: (c) => [
    notify(
      c,
      "applicant",
      "new gateway root certificate",
      `STS generated a new root certificate of the gateway (p.21), SHA-256 fingerprint ${String(c.app.payload.fingerprint)}. Pass it on to your organisations (p.22) and acknowledge it in the APS within ${ROOT_ACK_WORKING_DAYS} working days. The organisations install it on their workstations (p.23).`,
    ),
  ],
  transitions: [
    { event: "acknowledged", from: ["notified"], to: "acknowledged", by: ["applicant"], paragraph: "p.22", effects: (c) => [notify(c, "sts", "root certificate passed on", `The operator acknowledged passing the root certificate ${String(c.app.payload.fingerprint)} to its organisations (p.22).`)] },
    // A root withdrawn before its distribution completed (revoked, replaced) closes the open acknowledgements.
    { event: "withdrawn", from: ["notified"], to: "withdrawn", by: ["sts", "system"], paragraph: "p.21" },
  ],
  deadlines(app, _history, cal) {
    if (app.state !== "notified") return [];
    return [workingDaysDeadline({ kind: "acknowledgement", paragraph: "p.22 (STS service level)", party: "applicant", description: "acknowledgement that the root certificate was passed on to the organisations" }, app.submittedAt, ROOT_ACK_WORKING_DAYS, cal)];
  },
};
