/**
 * The vocabulary of the application processing system (APS, p.3(8)): applications, their events, deadlines
 * and effects. Pure types; the engine (engine.ts) and one definition per application kind use them.
 *
 * Primitives:
 *  - `WorkflowEvent`  — something that happened to an application (past tense: `submitted`, `rejected`);
 *    the event history is the application (event sourcing), its state is a fold over it;
 *  - `Deadline`       — derived, never stored: recomputed from the history and the calendar (`deadlinesOf`);
 *  - `Effect`         — what a transition asks the adapters to do (mitmproxy's commands): send a notification,
 *    write a policy row, create a follow-up task, wake the workflow up later (`RequestWakeup`).
 */
import type { Calendar } from "../working-days/index.js";

export const APPLICATION_KINDS = [
  "channel-connection",
  "access-policy",
  "exception",
  "waf-connection",
  "defacement-protection",
  "resource-change",
  "incident",
  "mail-gateway-connection",
  "root-distribution",
  "recategorisation",
] as const;
export type ApplicationKind = (typeof APPLICATION_KINDS)[number];

/** Who may act on an application: its applicant, STS staff, the system (deadlines, detections), nobody else. */
export type ActorKind = "applicant" | "sts" | "system";

export interface EventActor {
  kind: ActorKind | "public";
  id: string;
  name: string;
  role: string;
}

export interface WorkflowEvent {
  seq: number;
  type: string;
  /** ISO 8601 instant */
  at: string;
  actor: EventActor;
  data: Record<string, unknown>;
}

/** What the engine needs to know about an application besides its history. */
export interface ApplicationView {
  id: string;
  kind: ApplicationKind;
  number: string;
  state: string;
  organisationId: string | null;
  operatorId: string | null;
  payload: Record<string, unknown>;
  /** ISO instant of receipt: day 0 of the deadlines "from the date of receipt" (p.6, p.10, p.17, UGEM p.8). */
  submittedAt: string;
}

/** What happens when a deadline passes. */
export type OnExpiry =
  /** notify STS staff (and the applicant when it is theirs to meet) that it is overdue */
  | { type: "escalate" }
  /** a system event, e.g. the automatic cancellation of technical specifications (App. 2) */
  | { type: "event"; event: string }
  /** a notice to the applicant only, e.g. "your access policy lapses in 30 days" (p.15-1) */
  | { type: "notify-applicant" };

export interface Deadline {
  /** stable name of the deadline within its kind: `sts-answer`, `readiness`, `policy-lapse` … */
  kind: string;
  /** the Rules paragraph that sets it, or the STS service level where the Rules set none */
  paragraph: string;
  /** who must act before it passes */
  party: "sts" | "applicant";
  description: string;
  /** civil date (Asia/Almaty) the counting starts from: day 0 */
  startDate: string;
  /** the last day to act (inclusive) */
  dueDate: string;
  /** ISO instant it passes: end of `dueDate` in Almaty (exclusive), or an exact instant for hour terms */
  expiresAt: string;
  /** ISO instant of the reminder at 80 % of the time, null when none is sent */
  remindAt: string | null;
  onExpiry: OnExpiry;
}

export type Recipient = "applicant" | "sts" | "duty";

export type Effect =
  | { type: "notify"; to: Recipient; subject: string; body: string; key: string }
  /** a follow-up task for STS staff (p.19: "the necessary organisational and technical measures") */
  | { type: "task"; title: string; key: string }
  /** the STS applied the access policy: write the one-year `access_policy` row (p.15-1, p.16) */
  | { type: "apply-access-policy"; validFrom: string; validTo: string }
  | { type: "end-access-policy"; status: "lapsed" | "superseded" | "withdrawn" }
  /** the exception approved (p.15-2): write the expiring `policy_exception` row */
  | { type: "grant-exception"; expiresOn: string }
  | { type: "end-exception"; status: "expired" | "revoked" }
  /** UGEM p.9: connect the mail system; UGEM p.11: disconnect it */
  | { type: "connect-mail-system" }
  | { type: "disconnect-mail-system"; reason: string }
  /** ask the scheduler to wake this application at `at` for a deadline (mitmproxy's RequestWakeup) */
  | { type: "wakeup"; at: string; deadline: string; phase: "remind" | "expire"; dueAt: string };

export interface TransitionContext {
  app: ApplicationView;
  history: readonly WorkflowEvent[];
  event: WorkflowEvent;
  calendar: Calendar;
}

export interface Transition {
  /** the event this transition records, past tense where it reports a fact */
  event: string;
  from: readonly string[];
  /** target state; a function when the event's data decides it */
  to: string | ((c: TransitionContext) => string);
  by: readonly ActorKind[];
  /** a refusal reason when the state allows the event but the data does not (e.g. ineligible class, UGEM p.8) */
  guard?: (c: TransitionContext) => string | null;
  effects?: (c: TransitionContext) => Effect[];
  /** the Rules paragraph the transition carries out, shown in the timeline */
  paragraph?: string;
}

export interface WorkflowDefinition {
  kind: ApplicationKind;
  title: string;
  paragraph: string;
  /** who submits: an organisation (the Rules' User), a telecom operator, either, or anyone (block page) */
  applicant: "organisation" | "operator" | "organisation-or-operator" | "public" | "system";
  /** p.15, p.15-2: "an application signed with the electronic digital signature of a legal entity" */
  signature: "required" | "optional" | "none";
  /** p.17, p.18, UGEM p.10: re-submission only after thirty calendar days from a rejection */
  resubmitLockDays?: number;
  states: readonly string[];
  /** states from which nothing more happens (besides reading) */
  final: readonly string[];
  initial: string;
  transitions: readonly Transition[];
  /** the open deadlines of the application in its current state, from its history and the calendar */
  deadlines(app: ApplicationView, history: readonly WorkflowEvent[], cal: Calendar): Deadline[];
  /** effects of the submission itself (notifications to STS, tasks) */
  onSubmit?(c: TransitionContext): Effect[];
  /** payload rules a schema cannot say (cross-field); each entry is a JSON pointer and a message */
  validate?(payload: Record<string, unknown>, submittedAt: string, cal: Calendar): { path: string; message: string }[];
}
