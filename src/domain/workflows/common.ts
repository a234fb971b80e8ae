/**
 * Pieces shared by the application kinds where STS decides on an application "within N working days from
 * the date of receipt" (p.16, p.17, p.18, UGEM p.8–10): the receipt, a request for missing data, rejection
 * with reasons and the thirty-day lock-out after a rejection.
 */
import { addCalendarDays, civilDateOf } from "../working-days/index.js";
import { lastEvent } from "./deadline-math.js";
import type { ApplicationView, Effect, Transition, TransitionContext, WorkflowEvent } from "./types.js";

/**
 * The receipt the STS term runs from. p.17 and p.18 make the connection conditional on "receiving all the
 * necessary data", so when STS asks for missing data the term runs again from the day the data arrives.
 */
export function receiptOf(app: ApplicationView, history: readonly WorkflowEvent[]): string {
  return lastEvent(history, "information-supplied")?.at ?? app.submittedAt;
}

/**
 * p.17, p.18, UGEM p.10: after a rejection the applicant re-submits "upon expiry of thirty calendar days".
 * The rejection day is day 0 and the thirty days end with day 30, so a new application is accepted from day 31.
 */
export function resubmissionAllowedFrom(rejectedAt: string, days = 30): string {
  return addCalendarDays(civilDateOf(new Date(rejectedAt)), days + 1);
}

export function notify(c: TransitionContext, to: "applicant" | "sts" | "duty", subject: string, body: string): Effect {
  return { type: "notify", to, subject: `${c.app.number}: ${subject}`, body, key: `${c.app.id}:${c.event.seq}:${to}` };
}

/** STS asks for missing data; the applicant supplies it (the term restarts, see `receiptOf`). */
export function informationRequestTransitions(paragraph: string): Transition[] {
  return [
    {
      event: "information-requested",
      from: ["submitted"],
      to: "information-requested",
      by: ["sts"],
      paragraph,
      effects: (c) => [notify(c, "applicant", "more information needed", `STS needs more information to process the application (${paragraph}): ${String(c.event.data.request ?? "")}`)],
    },
    {
      event: "information-supplied",
      from: ["information-requested"],
      to: "submitted",
      by: ["applicant"],
      paragraph,
      effects: (c) => [notify(c, "sts", "information supplied", `The applicant supplied the information requested. The term runs from today (${paragraph}).`)],
    },
  ];
}

export function rejectionTransition(paragraph: string, lockDays?: number): Transition {
  return {
    event: "rejected",
    from: ["submitted", "information-requested"],
    to: "rejected",
    by: ["sts"],
    paragraph,
    effects: (c) => [
      notify(
        c,
        "applicant",
        "application rejected",
        `STS rejected the application (${paragraph}). Reasons: ${String(c.event.data.reason)}` +
          (lockDays ? `\nA new application can be submitted from ${resubmissionAllowedFrom(c.event.at, lockDays)}, after ${lockDays} calendar days (${paragraph}).` : ""),
      ),
    ],
  };
}

export const withdrawal: Transition = { event: "withdrawn", from: ["submitted", "information-requested"], to: "withdrawn", by: ["applicant"] };
