/**
 * The two additional protection services of the gateway, which follow one procedure:
 *   p.17 + Appendix 3 — connection of an Internet resource to the web application firewall (WAF);
 *   p.18 + Appendix 4 — connection to the protection from unauthorised modification of web pages (defacement).
 *
 *   submitted ──connected (STS, ≤10 wd from receipt)──▶ connected
 *     │  ▲ information-supplied              (p.17/p.18 second part: "subject to receiving all the necessary data")
 *     ▼  │
 *   information-requested
 *     │
 *     └─ rejected (STS, ≤10 wd, with reasons) ──▶ rejected   → a new application only after 30 calendar days
 */
import { workingDaysDeadline } from "./deadline-math.js";
import { informationRequestTransitions, notify, receiptOf, rejectionTransition, withdrawal } from "./common.js";
import type { ApplicationKind, WorkflowDefinition } from "./types.js";

export const PROTECTION_TERM_WORKING_DAYS = 10;
export const RESUBMIT_LOCK_DAYS = 30;

export function protectionService(kind: ApplicationKind, title: string, paragraph: string, appendix: string): WorkflowDefinition {
  return {
    kind,
    title,
    paragraph: `${paragraph}, ${appendix}`,
    applicant: "organisation",
    signature: "none",
    resubmitLockDays: RESUBMIT_LOCK_DAYS,
    states: ["submitted", "information-requested", "connected", "rejected", "withdrawn", "disconnected"],
    final: ["rejected", "withdrawn", "disconnected"],
    initial: "submitted",
    onSubmit: (c) => [notify(c, "sts", `new application: ${title}`, `Internet resource ${String(c.app.payload.domain)}. STS connects it or rejects the application with reasons within ${PROTECTION_TERM_WORKING_DAYS} working days (${paragraph}).`)],
    transitions: [
      ...informationRequestTransitions(paragraph),
      rejectionTransition(paragraph, RESUBMIT_LOCK_DAYS),
      withdrawal,
      {
        event: "connected",
        from: ["submitted"],
        to: "connected",
        by: ["sts"],
        paragraph,
        effects: (c) => [notify(c, "applicant", `${String(c.app.payload.domain)} connected`, `The Internet resource ${String(c.app.payload.domain)} is connected to the ${title.toLowerCase()} service, free of charge (${paragraph}).`)],
      },
      // p.19: termination of the use of the resource ends the service.
      { event: "disconnected", from: ["connected"], to: "disconnected", by: ["sts"], paragraph: "p.19", effects: (c) => [notify(c, "applicant", `${String(c.app.payload.domain)} disconnected`, `The service for ${String(c.app.payload.domain)} was ended: ${String(c.event.data.reason ?? "")}`)] },
    ],
    deadlines(app, history, cal) {
      if (app.state !== "submitted") return [];
      return [workingDaysDeadline({ kind: "sts-connect", paragraph, party: "sts", description: `connection of ${String(app.payload.domain)} or a reasoned rejection` }, receiptOf(app, history), PROTECTION_TERM_WORKING_DAYS, cal)];
    },
    validate(payload) {
      const errors: { path: string; message: string }[] = [];
      const https = payload.https === true;
      if (https && !payload.certificatePem) errors.push({ path: "/certificatePem", message: `required when the resource uses https (${appendix}, item 7)` });
      if (https && !payload.privateKeyPem) errors.push({ path: "/privateKeyPem", message: `required when the resource uses https (${appendix}, item 7)` });
      if (!https && (payload.certificatePem || payload.privateKeyPem)) errors.push({ path: "/https", message: "a certificate and key are given only for a resource that uses https" });
      return errors;
    },
  };
}
