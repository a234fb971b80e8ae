/**
 * Information security incident report (p.14, p.3(1)): a telecom operator or an organisation informs the STS
 * duty service by e-mail to the duty address or through the APS. Both end up here: the API, and inbound mail
 * to the duty address (`incidentFromEmail`).
 *
 *   reported ──acknowledged (duty officer, by the acknowledgement term)──▶ acknowledged ──resolved──▶ resolved
 *      └─ severity-set (duty officer, any open state: the term is recomputed from the report)
 *
 * p.14 sets no term for the duty service; the acknowledgement terms are the STS service level by severity:
 * critical 1 hour and high 4 hours around the clock (the duty service works 24/7), medium 1 and low 3
 * working days. A report whose acknowledgement is overdue escalates to STS staff.
 */
import { hoursDeadline, lastEvent, workingDaysDeadline } from "./deadline-math.js";
import { notify } from "./common.js";
import type { Deadline, WorkflowDefinition, WorkflowEvent } from "./types.js";

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ACKNOWLEDGEMENT_TERMS: Record<Severity, { hours: number } | { workingDays: number }> = {
  critical: { hours: 1 },
  high: { hours: 4 },
  medium: { workingDays: 1 },
  low: { workingDays: 3 },
};

export function severityOf(payload: Record<string, unknown>, history: readonly WorkflowEvent[]): Severity {
  return (lastEvent(history, "severity-set")?.data.severity ?? payload.severity ?? "medium") as Severity;
}

export const incident: WorkflowDefinition = {
  kind: "incident",
  title: "Incident",
  paragraph: "p.14",
  applicant: "organisation-or-operator",
  signature: "none",
  states: ["reported", "acknowledged", "resolved"],
  final: ["resolved"],
  initial: "reported",
  onSubmit: (c) => [
    notify(c, "duty", `${String(c.app.payload.severity).toUpperCase()} incident reported`, `Incident ${c.app.number} (p.14): ${String(c.app.payload.title)}\n\n${String(c.app.payload.description ?? "")}`),
  ],
  transitions: [
    { event: "acknowledged", from: ["reported"], to: "acknowledged", by: ["sts"], paragraph: "p.14", effects: (c) => [notify(c, "applicant", "incident acknowledged", `The STS duty service acknowledged incident ${c.app.number} and is handling it.`)] },
    { event: "severity-set", from: ["reported", "acknowledged"], to: ({ app }) => app.state, by: ["sts"], paragraph: "p.14" },
    { event: "resolved", from: ["reported", "acknowledged"], to: "resolved", by: ["sts"], paragraph: "p.14", effects: (c) => [notify(c, "applicant", "incident resolved", `Incident ${c.app.number} is resolved: ${String(c.event.data.summary ?? "")}`)] },
  ],
  deadlines(app, history, cal) {
    if (app.state !== "reported") return [];
    const sev = severityOf(app.payload, history);
    const term = ACKNOWLEDGEMENT_TERMS[sev];
    const spec = { kind: "acknowledgement", paragraph: "p.14 (STS service level)", party: "sts" as const, description: `acknowledgement of a ${sev} incident by the duty service` };
    const d: Deadline = "hours" in term ? hoursDeadline(spec, app.submittedAt, term.hours) : workingDaysDeadline(spec, app.submittedAt, term.workingDays, cal);
    return [d];
  },
};
