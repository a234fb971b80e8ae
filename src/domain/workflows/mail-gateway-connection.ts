/**
 * Connection of a mail system to the unified e-mail gateway (UGEM Rules p.7–11 and the Appendix form: the
 * e-mail domain, its owner, the IP address of the mail server, contacts of technical specialists).
 *
 *   submitted ──connected (STS, ≤5 wd, UGEM p.9; only an eligible class, p.8)──▶ connected
 *     │  ▲ information-supplied                                                    │ disconnection-requested (status changed, p.11)
 *     ▼  │                                                                         ▼
 *   information-requested ──rejected (≤5 wd, p.10)──▶ rejected          disconnection-pending ──disconnected (STS)──▶ disconnected
 *                             → re-submission after 30 calendar days (p.10)
 *
 * UGEM p.8: within five working days STS checks that the applicant is of a class the gateway serves and that
 * the connection is technically possible. The class check is made on receipt and recorded in the history
 * (`eligibility-checked`); STS cannot connect an applicant the check found ineligible, only reject it.
 * UGEM p.11: disconnection happens "within the period agreed with the User": the agreed date is recorded and
 * tracked as the deadline.
 */
import { civilDateOf } from "../working-days/index.js";
import { calendarDaysDeadline, lastEvent, workingDaysDeadline } from "./deadline-math.js";
import { informationRequestTransitions, notify, receiptOf, rejectionTransition, withdrawal } from "./common.js";
import type { Deadline, WorkflowDefinition } from "./types.js";

export const MAIL_TERM_WORKING_DAYS = 5;
export const MAIL_RESUBMIT_LOCK_DAYS = 30;

export const mailGatewayConnection: WorkflowDefinition = {
  kind: "mail-gateway-connection",
  title: "Mail gateway connection",
  paragraph: "UGEM p.7–11",
  applicant: "organisation",
  signature: "optional",
  resubmitLockDays: MAIL_RESUBMIT_LOCK_DAYS,
  states: ["submitted", "information-requested", "connected", "rejected", "withdrawn", "disconnection-pending", "disconnected"],
  final: ["rejected", "withdrawn", "disconnected"],
  initial: "submitted",
  onSubmit: (c) => [notify(c, "sts", `new mail gateway application for ${String(c.app.payload.domain)}`, `STS checks the applicant's class and the technical possibility and connects or rejects within ${MAIL_TERM_WORKING_DAYS} working days (UGEM p.8–10).`)],
  transitions: [
    ...informationRequestTransitions("UGEM p.8"),
    rejectionTransition("UGEM p.10", MAIL_RESUBMIT_LOCK_DAYS),
    withdrawal,
    {
      event: "connected",
      from: ["submitted"],
      to: "connected",
      by: ["sts"],
      paragraph: "UGEM p.9",
      guard: ({ history }) => {
        const check = lastEvent(history, "eligibility-checked");
        return check && check.data.eligible === false ? `the applicant's class ${String(check.data.class)} is not served by the mail gateway (UGEM p.2, p.8); the application can only be rejected` : null;
      },
      effects: (c) => [{ type: "connect-mail-system" }, notify(c, "applicant", `${String(c.app.payload.domain)} connected to the mail gateway`, `STS connected the mail system of ${String(c.app.payload.domain)} to the unified e-mail gateway (UGEM p.9).`)],
    },
    {
      event: "disconnection-requested",
      from: ["connected"],
      to: "disconnection-pending",
      by: ["applicant", "sts", "system"],
      paragraph: "UGEM p.11",
      effects: (c) => [notify(c, "sts", `disconnection of ${String(c.app.payload.domain)} requested`, `The organisation's status changed (UGEM p.11): ${String(c.event.data.reason ?? "")}. Agree the date of disconnection with the organisation.`)],
    },
    {
      event: "disconnected",
      from: ["disconnection-pending", "connected"],
      to: "disconnected",
      by: ["sts"],
      paragraph: "UGEM p.11",
      effects: (c) => [{ type: "disconnect-mail-system", reason: String(c.event.data.reason ?? "UGEM p.11") }, notify(c, "applicant", `${String(c.app.payload.domain)} disconnected`, `STS disconnected the mail system from the unified e-mail gateway (UGEM p.11).`)],
    },
  ],
  deadlines(app, history, cal) {
    const out: Deadline[] = [];
    if (app.state === "submitted") {
      out.push(workingDaysDeadline({ kind: "sts-decide", paragraph: "UGEM p.8–10", party: "sts", description: `connection of ${String(app.payload.domain)} or a reasoned rejection` }, receiptOf(app, history), MAIL_TERM_WORKING_DAYS, cal));
    }
    if (app.state === "disconnection-pending") {
      const e = lastEvent(history, "disconnection-requested")!;
      const agreed = typeof e.data.agreedDate === "string" ? e.data.agreedDate : civilDateOf(new Date(e.at));
      out.push(calendarDaysDeadline({ kind: "disconnection", paragraph: "UGEM p.11", party: "sts", description: "disconnection within the period agreed with the organisation" }, e.at, agreed));
    }
    return out;
  },
};
