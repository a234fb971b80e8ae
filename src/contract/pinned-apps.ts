/**
 * Pinned-application candidates for STS review: destinations whose clients refused the gateway's certificate
 * (`client-rejected-certificate`: certificate pinning) or whose servers ask for a client certificate
 * (`client-certificate-required`), aggregated per destination host. Counts and dates only — no field for a
 * source address, a path or an account: the review never shows a person's browsing.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Instant } from "./common.js";

/** A DNS name or an address, as the gateway logs destinations (lower case, no trailing dot). */
export const PinnedHost = Type.String({ minLength: 1, maxLength: 253, pattern: "^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|[0-9a-f:.]+)$" });

export const PinnedStatus = Type.Union([Type.Literal("pending"), Type.Literal("approved"), Type.Literal("rejected")]);
export type PinnedStatus = Static<typeof PinnedStatus>;

export const PinnedCandidate = Type.Object({
  host: Type.String(),
  reasons: Type.Array(Type.Union([Type.Literal("client-rejected-certificate"), Type.Literal("client-certificate-required")])),
  connections: Type.Integer({ minimum: 0, description: "refused connections in the decision log" }),
  organisations: Type.Integer({ minimum: 0, description: "distinct organisations they came from (unknown sources not counted)" }),
  firstSeen: Type.Union([Instant, Type.Null()]),
  lastSeen: Type.Union([Instant, Type.Null()]),
  status: PinnedStatus,
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Instant, Type.Null()]),
  decisionReason: Type.Union([Type.String(), Type.Null()]),
});
export type PinnedCandidate = Static<typeof PinnedCandidate>;

export const PinnedCandidatesQuery = Type.Object({ status: Type.Optional(Type.Union([PinnedStatus, Type.Literal("all")])) }, { additionalProperties: false });
export const PinnedHostParams = Type.Object({ host: PinnedHost }, { additionalProperties: false });
export const PinnedDecisionBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500, description: "why: shown in the audit log" }) }, { additionalProperties: false });
