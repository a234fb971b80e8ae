/**
 * Exception (p.15-2): an organisation asks, with an application signed with the EDS of the legal entity, to
 * use a virtual private network (VPN) or another network service that carries information-security risks.
 * Approval adds a named, expiring exception to the organisation's gateway policy (`policy_exception`).
 *
 *   submitted ──approved (STS, ≤10 wd)──▶ approved ──expired (system, after `expiresOn`)──▶ expired
 *     │  ▲                                   └─revoked (STS)──▶ revoked
 *     ▼  │ information-supplied
 *   information-requested ── rejected ──▶ rejected
 *
 * p.15-2 sets no term of its own; it is a request "associated with the opening of the required Internet
 * access", so the 10 working days of p.16 apply. An exception lasts at most one calendar year, like the
 * access it extends (p.15-1); the organisation is reminded 7 days before it expires.
 */
import { addCalendarDays, civilDateOf } from "../working-days/index.js";
import { calendarDaysDeadline, lastDayOfYearTerm, lastEvent, workingDaysDeadline } from "./deadline-math.js";
import { informationRequestTransitions, notify, receiptOf, rejectionTransition, withdrawal } from "./common.js";
import type { Deadline, WorkflowDefinition } from "./types.js";

export const EXCEPTION_TERM_WORKING_DAYS = 10;
export const EXCEPTION_EXPIRY_NOTICE_DAYS = 7;

export const exception: WorkflowDefinition = {
  kind: "exception",
  title: "Exception",
  paragraph: "p.15-2",
  applicant: "organisation",
  signature: "required",
  states: ["submitted", "information-requested", "approved", "rejected", "withdrawn", "expired", "revoked"],
  final: ["rejected", "withdrawn", "expired", "revoked"],
  initial: "submitted",
  onSubmit: (c) => [notify(c, "sts", "new exception request", `An organisation asks for an exception for ${servicesText(c.app.payload)} (p.15-2).`)],
  transitions: [
    ...informationRequestTransitions("p.15-2"),
    rejectionTransition("p.15-2"),
    withdrawal,
    {
      event: "approved",
      from: ["submitted"],
      to: "approved",
      by: ["sts"],
      paragraph: "p.15-2",
      guard: ({ app, event }) => {
        const on = String(event.data.expiresOn ?? "");
        const requested = String(app.payload.requestedUntil);
        const max = lastDayOfYearTerm(civilDateOf(new Date(event.at)));
        if (on < civilDateOf(new Date(event.at))) return `expiresOn ${on} is in the past`;
        if (on > requested) return `expiresOn ${on} is after the date the organisation asked for (${requested})`;
        if (on > max) return `an exception lasts at most one calendar year (until ${max}, p.15-1)`;
        return null;
      },
      effects: (c) => [
        { type: "grant-exception", expiresOn: String(c.event.data.expiresOn) },
        notify(c, "applicant", "exception approved", `STS approved the exception for ${servicesText(c.app.payload)} until ${String(c.event.data.expiresOn)} inclusive (p.15-2).`),
      ],
    },
    { event: "revoked", from: ["approved"], to: "revoked", by: ["sts"], paragraph: "p.15-2", effects: (c) => [{ type: "end-exception", status: "revoked" }, notify(c, "applicant", "exception revoked", `STS revoked the exception: ${String(c.event.data.reason ?? "")}`)] },
    { event: "expired", from: ["approved"], to: "expired", by: ["system"], paragraph: "p.15-2", effects: (c) => [{ type: "end-exception", status: "expired" }, notify(c, "applicant", "exception expired", `The exception for ${servicesText(c.app.payload)} expired.`)] },
  ],
  deadlines(app, history, cal) {
    const out: Deadline[] = [];
    if (app.state === "submitted") {
      out.push(workingDaysDeadline({ kind: "sts-decide", paragraph: "p.15-2, p.16", party: "sts", description: "decision on the exception" }, receiptOf(app, history), EXCEPTION_TERM_WORKING_DAYS, cal));
    }
    if (app.state === "approved") {
      const e = lastEvent(history, "approved")!;
      const on = String(e.data.expiresOn);
      const notice = addCalendarDays(on, -EXCEPTION_EXPIRY_NOTICE_DAYS);
      if (notice > civilDateOf(new Date(e.at))) {
        out.push(calendarDaysDeadline({ kind: "expiry-notice", paragraph: "p.15-2", party: "applicant", description: `the exception expires after ${on}`, onExpiry: { type: "notify-applicant" }, remind: false }, e.at, notice));
      }
      out.push(calendarDaysDeadline({ kind: "exception-term", paragraph: "p.15-2", party: "applicant", description: "the term of the exception", onExpiry: { type: "event", event: "expired" }, remind: false }, e.at, on));
    }
    return out;
  },
  validate(payload, submittedAt) {
    const today = civilDateOf(new Date(submittedAt));
    const until = String(payload.requestedUntil ?? "");
    const errors: { path: string; message: string }[] = [];
    if (until < today) errors.push({ path: "/requestedUntil", message: `${until} is in the past` });
    else if (until > lastDayOfYearTerm(today)) errors.push({ path: "/requestedUntil", message: `an exception lasts at most one calendar year (until ${lastDayOfYearTerm(today)})` });
    return errors;
  },
};

function servicesText(payload: Record<string, unknown>): string {
  const s = (payload.services as { name: string; kind: string }[] | undefined) ?? [];
  return s.map((x) => `${x.name} (${x.kind})`).join(", ") || "network services";
}
