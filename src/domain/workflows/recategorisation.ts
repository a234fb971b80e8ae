/**
 * Re-categorisation and complaint request. The Rules give a blocked user no way to object; this workflow is
 * that way: anyone behind a block page — without an account, with the reference id the block page shows —
 * asks for a site to be re-categorised or unblocked, and STS decides within a term. Decisions are audited and
 * counted for the transparency report (counts, never people).
 *
 *   submitted ──decided (STS: granted | denied, with reasons, ≤5 wd)──▶ granted | denied
 *
 * Beyond the Rules: 5 working days is the STS service level.
 */
import { workingDaysDeadline } from "./deadline-math.js";
import type { WorkflowDefinition } from "./types.js";

export const RECATEGORISATION_WORKING_DAYS = 5;

export const recategorisation: WorkflowDefinition = {
  kind: "recategorisation",
  title: "Re-categorisation request",
  paragraph: "beyond the Rules (accountability of p.20 blocking)",
  applicant: "public",
  signature: "none",
  states: ["submitted", "granted", "denied"],
  final: ["granted", "denied"],
  initial: "submitted",
  onSubmit: ({ app, event }) => [
    { type: "notify", to: "sts", subject: `${app.number}: re-categorisation request for ${String(app.payload.host)}`, body: `Requested: ${String(app.payload.requested)}. Reason given: ${String(app.payload.reason)}. Decide within ${RECATEGORISATION_WORKING_DAYS} working days.`, key: `${app.id}:${event.seq}:sts` },
  ],
  transitions: [
    {
      event: "decided",
      from: ["submitted"],
      to: ({ event }) => (event.data.outcome === "granted" ? "granted" : "denied"),
      by: ["sts"],
      effects: ({ app, event }) =>
        app.payload.contactEmail
          ? [{ type: "notify", to: "applicant", subject: `${app.number}: your request was ${String(event.data.outcome)}`, body: `Your request about ${String(app.payload.host)} was ${String(event.data.outcome)}. Reasons: ${String(event.data.reason)}`, key: `${app.id}:${event.seq}:applicant` }]
          : [],
    },
  ],
  deadlines(app, _history, cal) {
    if (app.state !== "submitted") return [];
    return [workingDaysDeadline({ kind: "sts-decide", paragraph: "STS service level (beyond the Rules)", party: "sts", description: `decision on ${String(app.payload.host)}` }, app.submittedAt, RECATEGORISATION_WORKING_DAYS, cal)];
  },
};
