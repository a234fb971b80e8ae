/**
 * Resource change or termination notice (p.19): when an organisation stops using an Internet resource, or
 * its domain name, IP address, responsible employee, technical characteristics or connecting telecom
 * operator change, it notifies STS within five working days; STS then carries out "the necessary
 * organisational and technical measures" on the gateway.
 *
 *   submitted ──accepted (STS)──▶ in-progress ──completed (STS)──▶ completed
 *
 * (the service refuses `completed` while a follow-up task is open: tasks live in the store, not in the history)
 *
 * A notice sent later than five working days after the change is accepted and flagged late (the lateness is
 * a fact for the record, not a reason to ignore the change). Each change opens follow-up tasks for STS. The
 * Rules set STS no term here; 10 working days is the STS service level, tracked like the Rules' terms.
 */
import { civilDateOf, workingDaysBetween, type Calendar } from "../working-days/index.js";
import { workingDaysDeadline } from "./deadline-math.js";
import { notify } from "./common.js";
import type { Effect, WorkflowDefinition } from "./types.js";

export const NOTICE_TERM_WORKING_DAYS = 5;
export const STS_MEASURES_WORKING_DAYS = 10;

export const CHANGE_FIELDS = ["domain-name", "ip-address", "responsible-employee", "technical-characteristics", "telecom-operator"] as const;

/** Working days between the change and the notice; late when more than five (p.19). */
export function lateness(changedOn: string, submittedAt: string, cal: Calendar): { workingDays: number; late: boolean } {
  const n = workingDaysBetween(changedOn, civilDateOf(new Date(submittedAt)), cal);
  return { workingDays: n, late: n > NOTICE_TERM_WORKING_DAYS };
}

/** The follow-up tasks for STS that a notice opens. */
export function followUpTasks(payload: Record<string, unknown>, appId: string): Effect[] {
  const domain = String(payload.domain ?? "");
  const tasks: string[] = [];
  if (payload.change === "termination") {
    tasks.push(`Disconnect ${domain} from the web application firewall and defacement protection, if connected (p.17, p.18)`);
    tasks.push(`Remove the gateway policy entries for ${domain}`);
  } else {
    const fields = new Set(((payload.changes as { field: string }[] | undefined) ?? []).map((c) => c.field));
    if (fields.has("domain-name") || fields.has("ip-address")) tasks.push(`Update the protected site ${domain} on the web application firewall and defacement protection (p.17, p.18)`);
    if (fields.has("ip-address") || fields.has("telecom-operator")) tasks.push(`Check the IP address catalogue entries for ${domain} with the telecom operator (p.13)`);
    if (fields.has("responsible-employee")) tasks.push(`Update the contacts of ${domain}`);
    if (fields.has("technical-characteristics")) tasks.push(`Review the protection profile of ${domain} for the new technical characteristics`);
  }
  return tasks.map((title, i) => ({ type: "task", title, key: `${appId}:task:${i}` }));
}

export const resourceChange: WorkflowDefinition = {
  kind: "resource-change",
  title: "Resource change notice",
  paragraph: "p.19",
  applicant: "organisation",
  signature: "optional",
  states: ["submitted", "in-progress", "completed"],
  final: ["completed"],
  initial: "submitted",
  onSubmit: (c) => {
    const late = lateness(String(c.app.payload.changedOn), c.app.submittedAt, c.calendar);
    return [
      ...followUpTasks(c.app.payload, c.app.id),
      notify(c, "sts", `${c.app.payload.change === "termination" ? "termination" : "change"} of ${String(c.app.payload.domain)}`, `Notice under p.19 for ${String(c.app.payload.domain)}, change on ${String(c.app.payload.changedOn)}${late.late ? `, sent late: ${late.workingDays} working days after the change (p.19 allows 5)` : ""}.`),
    ];
  },
  transitions: [
    { event: "accepted", from: ["submitted"], to: "in-progress", by: ["sts"], paragraph: "p.19" },
    {
      event: "completed",
      from: ["submitted", "in-progress"],
      to: "completed",
      by: ["sts"],
      paragraph: "p.19",
      effects: (c) => [notify(c, "applicant", "measures carried out", `STS carried out the measures for ${String(c.app.payload.domain)} (p.19).`)],
    },
  ],
  deadlines(app, _history, cal) {
    return [workingDaysDeadline({ kind: "sts-measures", paragraph: "p.19 (STS service level)", party: "sts", description: `measures for ${String(app.payload.domain)}` }, app.submittedAt, STS_MEASURES_WORKING_DAYS, cal)];
  },
  validate(payload, submittedAt) {
    const errors: { path: string; message: string }[] = [];
    if (String(payload.changedOn) > civilDateOf(new Date(submittedAt))) errors.push({ path: "/changedOn", message: "a notice reports a change that has happened (p.19); the date is in the future" });
    const changes = (payload.changes as unknown[] | undefined) ?? [];
    if (payload.change === "change" && changes.length === 0) errors.push({ path: "/changes", message: "name at least one changed item (p.19)" });
    return errors;
  },
};
