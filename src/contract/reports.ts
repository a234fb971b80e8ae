/**
 * Reports for STS and the auditor: aggregates only. No schema here has a field for a source address, a
 * path or an account — no route lists a person's browsing (decision log records stay behind the
 * block-page reference of their own complaint).
 */
import { Type, type Static } from "@sinclair/typebox";
import { CivilDate, Instant } from "./common.js";

const Count = Type.Integer({ minimum: 0 });

export const ReportPeriod = Type.Object({ from: CivilDate, to: CivilDate }, { additionalProperties: false, description: "civil dates in Asia/Almaty, both included" });
export type ReportPeriod = Static<typeof ReportPeriod>;

export const TrafficByCategory = Type.Object({
  category: Type.String(),
  protected: Type.Boolean({ description: "one of the seven categories of p.20: never decrypted" }),
  inspected: Count,
  spliced: Count,
  plain: Count,
  blocked: Count,
});

export const TransparencyReport = Type.Object({
  from: CivilDate,
  to: CivilDate,
  generatedAt: Instant,
  flows: Type.Object(
    {
      total: Count,
      inspected: Type.Integer({ minimum: 0, description: "TLS connections decrypted (bumped) and inspected" }),
      spliced: Type.Integer({ minimum: 0, description: "TLS connections passed through without decryption (p.20 categories, exceptions)" }),
      plain: Type.Integer({ minimum: 0, description: "allowed connections without TLS" }),
      blocked: Count,
      unknownSourceBlocked: Type.Integer({ minimum: 0, description: "blocked because the source address is outside the catalogue after the operator's deadline (p.13)" }),
      requests: Type.Integer({ minimum: 0, description: "HTTP requests decided (plain or inside a bumped connection)" }),
      requestsBlocked: Count,
    },
    { description: "connections (flows) decided by the gateway in the period" },
  ),
  byCategory: Type.Array(TrafficByCategory),
  daily: Type.Array(Type.Object({ date: CivilDate, inspected: Count, spliced: Count, plain: Count, blocked: Count }), { description: "connections per Almaty day of the period, oldest first" }),
  blocksByReason: Type.Array(Type.Object({ reason: Type.String(), count: Count })),
  complaints: Type.Object(
    { submitted: Count, granted: Count, denied: Count, pending: Count, decidedInTime: Count },
    { description: "re-categorisation requests (p.20 complaints) submitted in the period and their outcomes" },
  ),
});
export type TransparencyReport = Static<typeof TransparencyReport>;

export const OverviewReport = Type.Object({
  generatedAt: Instant,
  today: CivilDate,
  applications: Type.Object(
    {
      open: Count,
      dueToday: Count,
      dueThisWeek: Type.Integer({ minimum: 0, description: "next deadline within the next five working days after today" }),
      overdue: Count,
    },
    { description: "open applications by their nearest deadline, counted in Kazakh working days" },
  ),
  incidents: Type.Object({ open: Count, unacknowledged: Count }),
  unknownSources: Type.Object({ detected: Count, notified: Count, blocked: Count }),
  traffic: Type.Object({
    from: Instant,
    to: Instant,
    hourly: Type.Array(Type.Object({ at: Instant, allowed: Count, blocked: Count }), { description: "connections and requests per hour, oldest first" }),
    byCategory: Type.Array(Type.Object({ category: Type.String(), allowed: Count, blocked: Count })),
    topBlocked: Type.Array(Type.Object({ host: Type.String(), count: Count }), { description: "destinations, not persons" }),
  }),
});
export type OverviewReport = Static<typeof OverviewReport>;
