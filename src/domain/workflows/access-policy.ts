/**
 * Access policy list (p.15, p.15-1, p.16): at least once a year an organisation sends, signed with the EDS of
 * the legal entity, the IR categories it needs and the network addresses of its networks they apply to. STS
 * applies them within 10 working days (p.16) and opens that access for one calendar year (p.15-1).
 *
 *   submitted ──applied (STS, ≤10 wd, p.16)──▶ applied ──lapsed (system, end of the year, p.15-1)──▶ lapsed
 *     │  ▲ information-supplied                   │
 *     ▼  │                                        └─superseded (system: a newer list of the organisation applied)
 *   information-requested ── rejected ──▶ rejected
 *
 * While a policy is applied the organisation is reminded 30 and 7 days before it lapses, so the yearly list
 * (p.15 "at least once a year") arrives before the access closes.
 */
import { addCalendarDays, civilDateOf } from "../working-days/index.js";
import { calendarDaysDeadline, lastDayOfYearTerm, lastEvent, workingDaysDeadline } from "./deadline-math.js";
import { informationRequestTransitions, notify, receiptOf, rejectionTransition, withdrawal } from "./common.js";
import type { Deadline, WorkflowDefinition, WorkflowEvent } from "./types.js";

export const APPLY_TERM_WORKING_DAYS = 10;
export const LAPSE_REMINDERS_DAYS = [30, 7] as const;

/** The one-year term of an applied policy: from the day STS applied it to the day before its anniversary. */
export function policyTermOf(history: readonly WorkflowEvent[]): { validFrom: string; validTo: string } | undefined {
  const e = lastEvent(history, "applied");
  if (!e) return undefined;
  const validFrom = civilDateOf(new Date(e.at));
  return { validFrom, validTo: lastDayOfYearTerm(validFrom) };
}

export const accessPolicy: WorkflowDefinition = {
  kind: "access-policy",
  title: "Access policy list",
  paragraph: "p.15, p.15-1, p.16",
  applicant: "organisation",
  signature: "required",
  states: ["submitted", "information-requested", "applied", "rejected", "withdrawn", "lapsed", "superseded"],
  final: ["rejected", "withdrawn", "lapsed", "superseded"],
  initial: "submitted",
  onSubmit: (c) => [notify(c, "sts", "new access policy list", `An organisation sent its list of IR categories and network addresses (p.15). STS applies it within ${APPLY_TERM_WORKING_DAYS} working days (p.16).`)],
  transitions: [
    ...informationRequestTransitions("p.16"),
    rejectionTransition("p.16"),
    withdrawal,
    {
      event: "applied",
      from: ["submitted"],
      to: "applied",
      by: ["sts"],
      paragraph: "p.15-1, p.16",
      effects: (c) => {
        const term = policyTermOf([...c.history, c.event])!;
        return [
          { type: "apply-access-policy", validFrom: term.validFrom, validTo: term.validTo },
          notify(c, "applicant", "access policy applied", `STS applied the access policy on the gateway (p.16). The access is open for one calendar year, ${term.validFrom} to ${term.validTo} inclusive (p.15-1). Send the next list before it lapses (p.15).`),
        ];
      },
    },
    { event: "superseded", from: ["applied"], to: "superseded", by: ["system"], paragraph: "p.15", effects: () => [{ type: "end-access-policy", status: "superseded" }] },
    {
      event: "lapsed",
      from: ["applied"],
      to: "lapsed",
      by: ["system"],
      paragraph: "p.15-1",
      effects: (c) => [{ type: "end-access-policy", status: "lapsed" }, notify(c, "applicant", "access policy lapsed", `The one-year term of the access policy ended (p.15-1). Send a new signed list (p.15).`)],
    },
  ],
  deadlines(app, history, cal) {
    const out: Deadline[] = [];
    if (app.state === "submitted") {
      out.push(workingDaysDeadline({ kind: "sts-apply", paragraph: "p.16", party: "sts", description: "application of the access policy on the gateway" }, receiptOf(app, history), APPLY_TERM_WORKING_DAYS, cal));
    }
    if (app.state === "applied") {
      const term = policyTermOf(history)!;
      const appliedAt = lastEvent(history, "applied")!.at;
      for (const days of LAPSE_REMINDERS_DAYS) {
        // `days` × 24 h before the policy lapses at the end of its last day
        const on = addCalendarDays(term.validTo, -days);
        out.push(calendarDaysDeadline({ kind: `lapse-notice-${days}`, paragraph: "p.15, p.15-1", party: "applicant", description: `the access policy lapses after ${term.validTo}; send the yearly list`, onExpiry: { type: "notify-applicant" }, remind: false }, appliedAt, on));
      }
      out.push(calendarDaysDeadline({ kind: "policy-term", paragraph: "p.15-1", party: "applicant", description: "the one-year term of the access policy", onExpiry: { type: "event", event: "lapsed" }, remind: false }, appliedAt, term.validTo));
    }
    return out;
  },
};
