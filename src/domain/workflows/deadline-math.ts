/**
 * Building deadlines on the Kazakh calendar, with their 80 % reminder instants.
 *
 * Primitives: `workingDaysDeadline` (p.6, p.7, p.10, p.11, p.13, p.16, p.17, p.18, UGEM p.8–10: "within N
 * working days"), `calendarDaysDeadline` (App. 2: "valid within 60 calendar days"; p.17: "thirty calendar
 * days"), `hoursDeadline` (the duty service's acknowledgement of an incident, a 24/7 term), `lastEvent`.
 *
 * The reminder at 80 % counts only the time the deadline is made of: for N working days it falls when 0.8·N
 * working days have passed (10 → the start of working day 9; 7 → working day 6 at 14:24; 5 → the start of
 * working day 5), so a weekend or a holiday inside the term never brings it forward.
 */
import { addCalendarDays, addWorkingDays, civilDateOf, endOfCivilDay, startOfCivilDay, type Calendar } from "../working-days/index.js";
import type { Deadline, OnExpiry, WorkflowEvent } from "./types.js";

export interface DeadlineSpec {
  kind: string;
  paragraph: string;
  party: "sts" | "applicant";
  description: string;
  onExpiry?: OnExpiry;
  /** false for notices that are themselves reminders (30 and 7 days before a policy lapses) */
  remind?: boolean;
}

function spread(spec: DeadlineSpec) {
  return { kind: spec.kind, paragraph: spec.paragraph, party: spec.party, description: spec.description, onExpiry: spec.onExpiry ?? { type: "escalate" as const } };
}

/** N working days from the civil date of `from` (day 0), due at the end of the Nth working day. */
export function workingDaysDeadline(spec: DeadlineSpec, from: string, n: number, cal: Calendar): Deadline {
  const startDate = civilDateOf(new Date(from));
  const dueDate = addWorkingDays(startDate, n, cal);
  const k = 0.8 * n;
  const full = Math.floor(k + 1e-9);
  const day = addWorkingDays(startDate, full + 1, cal);
  const s = startOfCivilDay(day).getTime();
  const remind = new Date(s + (k - full) * (endOfCivilDay(day).getTime() - s));
  return { ...spread(spec), startDate, dueDate, expiresAt: endOfCivilDay(dueDate).toISOString(), remindAt: spec.remind === false ? null : remind.toISOString() };
}

/** A term ending on `dueDate` (inclusive), counted in calendar days from `from`. */
export function calendarDaysDeadline(spec: DeadlineSpec, from: string, dueDate: string): Deadline {
  const start = new Date(from).getTime();
  const end = endOfCivilDay(dueDate).getTime();
  const remind = spec.remind === false || end <= start ? null : new Date(start + 0.8 * (end - start)).toISOString();
  return { ...spread(spec), startDate: civilDateOf(new Date(from)), dueDate, expiresAt: new Date(end).toISOString(), remindAt: remind };
}

/** N calendar days from the civil date of `from` (day 0). */
export function calendarDaysFrom(spec: DeadlineSpec, from: string, n: number): Deadline {
  return calendarDaysDeadline(spec, from, addCalendarDays(civilDateOf(new Date(from)), n));
}

/** A term in hours from an instant, around the clock. */
export function hoursDeadline(spec: DeadlineSpec, from: string, hours: number): Deadline {
  const start = new Date(from).getTime();
  const end = new Date(start + hours * 3_600_000);
  return {
    ...spread(spec),
    startDate: civilDateOf(new Date(from)),
    dueDate: civilDateOf(new Date(end.getTime() - 1)),
    expiresAt: end.toISOString(),
    remindAt: spec.remind === false ? null : new Date(start + 0.8 * hours * 3_600_000).toISOString(),
  };
}

/** The latest event of one of `types`, or undefined. */
export function lastEvent(history: readonly WorkflowEvent[], ...types: string[]): WorkflowEvent | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (types.includes(history[i]!.type)) return history[i];
  return undefined;
}

/** The date one calendar year after `date` minus one day: the last day of a one-year term (p.15-1). */
export function lastDayOfYearTerm(date: string): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  // 29 February + 1 year rolls to 1 March, so the term ends on 28 February.
  const anniversary = new Date(Date.UTC(y + 1, m - 1, d)).toISOString().slice(0, 10);
  return addCalendarDays(anniversary, -1);
}
