/**
 * Channel connection (p.5–11, Appendices 1 and 2): a telecom operator asks to connect its channels to the
 * gateway, main and reserve over independent physical paths, bandwidth in whole Gbps (at least 1).
 *
 *   submitted ──issue-specifications (STS, ≤10 wd, p.6)──▶ specifications-issued ──confirm-readiness (≤7 wd, p.7)──▶ readiness-confirmed
 *      │                                                        │    ▲                                                │        │
 *      ├─reject (STS, ≤10 wd, p.10)─▶ rejected                  │    └──────── renew-specifications (STS) ───────────┤        ├─confirm-connection (STS)─▶ connected
 *      └─withdraw─▶ withdrawn                                   │                                                     │        │
 *                               auto-cancel (App. 2: not renewed 10 days before expiry) ─▶ cancelled ◀────────────────┘        └─report-non-compliance (STS)─▶ non-compliant
 *                                                                                                                                       │ report-fixed (≤5 wd, p.11)
 *                                                                                                                                       └──▶ readiness-confirmed
 * Technical specifications are valid 60 calendar days (App. 2, "General issues"); the day they are issued is
 * day 0. Not renewed by 10 days before expiry, they are cancelled automatically — unless the channel is
 * connected by then.
 */
import { addCalendarDays, civilDateOf } from "../working-days/index.js";
import { calendarDaysDeadline, lastEvent, workingDaysDeadline } from "./deadline-math.js";
import type { Deadline, WorkflowDefinition, WorkflowEvent } from "./types.js";

export const SPECIFICATIONS_VALID_DAYS = 60;
export const RENEWAL_CUTOFF_DAYS = 10;
const OPEN = ["specifications-issued", "readiness-confirmed", "non-compliant"];

/** The latest specifications (issued or renewed): their date and their last valid day. */
export function specificationsOf(history: readonly WorkflowEvent[]): { issuedAt: string; validUntil: string; number: string } | undefined {
  const e = lastEvent(history, "specifications-issued", "specifications-renewed");
  if (!e) return undefined;
  const issued = civilDateOf(new Date(e.at));
  const number = String(e.data.number ?? lastEvent(history, "specifications-issued")?.data.number ?? "");
  return { issuedAt: e.at, validUntil: addCalendarDays(issued, SPECIFICATIONS_VALID_DAYS), number };
}

export const channelConnection: WorkflowDefinition = {
  kind: "channel-connection",
  title: "Channel connection",
  paragraph: "p.5–11",
  applicant: "operator",
  signature: "none",
  states: ["submitted", "specifications-issued", "readiness-confirmed", "non-compliant", "connected", "rejected", "cancelled", "withdrawn"],
  final: ["connected", "rejected", "cancelled", "withdrawn"],
  initial: "submitted",
  onSubmit: ({ app }) => [
    { type: "notify", to: "sts", subject: `New application ${app.number}: channel connection`, body: `A telecom operator applied to connect ${String(app.payload.bandwidthGbps)} Gbps (p.5, Appendix 1). STS answers within 10 working days (p.6, p.10).`, key: `${app.id}:submitted` },
  ],
  transitions: [
    {
      event: "specifications-issued",
      from: ["submitted"],
      to: "specifications-issued",
      by: ["sts"],
      paragraph: "p.6",
      effects: ({ app, event, history }) => {
        const s = specificationsOf([...history, event])!;
        return [{ type: "notify", to: "applicant", subject: `${app.number}: technical specifications No. ${s.number}`, body: `STS issued technical specifications No. ${s.number} (p.6, Appendix 2), valid until ${s.validUntil}. Confirm readiness for connection within 7 working days (p.7).`, key: `${app.id}:${event.seq}` }];
      },
    },
    {
      event: "rejected",
      from: ["submitted"],
      to: "rejected",
      by: ["sts"],
      paragraph: "p.10",
      effects: ({ app, event }) => [{ type: "notify", to: "applicant", subject: `${app.number}: application rejected`, body: `STS rejected the application (p.10). Reasons: ${String(event.data.reason)}`, key: `${app.id}:${event.seq}` }],
    },
    { event: "withdrawn", from: ["submitted", "specifications-issued"], to: "withdrawn", by: ["applicant"] },
    {
      event: "readiness-confirmed",
      from: ["specifications-issued"],
      to: "readiness-confirmed",
      by: ["applicant"],
      paragraph: "p.7",
      effects: ({ app, event }) => [{ type: "notify", to: "sts", subject: `${app.number}: operator ready for connection`, body: `The operator confirmed readiness for connection (p.7).`, key: `${app.id}:${event.seq}` }],
    },
    {
      event: "specifications-renewed",
      from: OPEN,
      to: ({ app }) => app.state,
      by: ["sts"],
      paragraph: "Appendix 2",
      effects: ({ app, event, history }) => {
        const s = specificationsOf([...history, event])!;
        return [{ type: "notify", to: "applicant", subject: `${app.number}: technical specifications renewed`, body: `STS renewed the technical specifications; they are valid until ${s.validUntil} (Appendix 2).`, key: `${app.id}:${event.seq}` }];
      },
    },
    { event: "renewal-requested", from: OPEN, to: ({ app }) => app.state, by: ["applicant"], paragraph: "Appendix 2", effects: ({ app, event }) => [{ type: "notify", to: "sts", subject: `${app.number}: renewal of technical specifications requested`, body: `The operator asks STS to confirm and renew the technical specifications (Appendix 2).`, key: `${app.id}:${event.seq}` }] },
    {
      event: "non-compliance-reported",
      from: ["readiness-confirmed"],
      to: "non-compliant",
      by: ["sts"],
      paragraph: "p.11",
      effects: ({ app, event }) => [{ type: "notify", to: "applicant", subject: `${app.number}: connection does not meet the technical specifications`, body: `STS found the connection does not meet the technical specifications: ${String(event.data.findings)}. Eliminate the inconsistencies within 5 working days (p.11).`, key: `${app.id}:${event.seq}` }],
    },
    { event: "fixed", from: ["non-compliant"], to: "readiness-confirmed", by: ["applicant"], paragraph: "p.11", effects: ({ app, event }) => [{ type: "notify", to: "sts", subject: `${app.number}: inconsistencies eliminated`, body: `The operator reports the inconsistencies eliminated (p.11).`, key: `${app.id}:${event.seq}` }] },
    { event: "connected", from: ["readiness-confirmed"], to: "connected", by: ["sts"], paragraph: "p.9", effects: ({ app, event }) => [{ type: "notify", to: "applicant", subject: `${app.number}: channels connected`, body: `The channels are connected to the gateway. The operator keeps to the technical specifications for the whole period of connection (p.9).`, key: `${app.id}:${event.seq}` }] },
    {
      event: "cancelled",
      from: OPEN,
      to: "cancelled",
      by: ["system"],
      paragraph: "Appendix 2",
      effects: ({ app, event }) => [
        { type: "notify", to: "applicant", subject: `${app.number}: technical specifications cancelled`, body: `The technical specifications were not renewed 10 days before their expiry and are cancelled automatically (Appendix 2). Submit a new application to connect.`, key: `${app.id}:${event.seq}` },
        { type: "notify", to: "sts", subject: `${app.number}: technical specifications cancelled`, body: `Cancelled automatically (Appendix 2).`, key: `${app.id}:${event.seq}:sts` },
      ],
    },
  ],
  deadlines(app, history, cal) {
    const out: Deadline[] = [];
    if (app.state === "submitted") {
      out.push(workingDaysDeadline({ kind: "sts-answer", paragraph: "p.6, p.10", party: "sts", description: "technical specifications or a reasoned rejection" }, app.submittedAt, 10, cal));
      return out;
    }
    const s = specificationsOf(history);
    if (!s) return out;
    if (app.state === "specifications-issued") {
      out.push(workingDaysDeadline({ kind: "readiness", paragraph: "p.7", party: "applicant", description: "the operator's notice of readiness for connection" }, s.issuedAt, 7, cal));
    }
    if (app.state === "non-compliant") {
      const e = lastEvent(history, "non-compliance-reported")!;
      out.push(workingDaysDeadline({ kind: "fix", paragraph: "p.11", party: "applicant", description: "elimination of the inconsistencies with the technical specifications" }, e.at, 5, cal));
    }
    out.push(
      calendarDaysDeadline(
        { kind: "specifications-renewal", paragraph: "Appendix 2", party: "applicant", description: `renewal of the technical specifications (valid until ${s.validUntil})`, onExpiry: { type: "event", event: "cancelled" } },
        s.issuedAt,
        addCalendarDays(s.validUntil, -RENEWAL_CUTOFF_DAYS),
      ),
    );
    return out;
  },
};
