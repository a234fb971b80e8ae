import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { PinnedCandidate, PinnedCandidatesQuery, PinnedDecisionBody, PinnedHostParams } from "../../contract/pinned-apps.js";
import { decidePinned, listPinnedCandidates } from "../../services/pinned-apps.js";

/** STS review of pinned-application candidates (src/services/pinned-apps.ts). */
export function pinnedAppRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    const tags = ["gateway"];
    route(
      {
        method: "GET",
        url: "/api/gateway/pinned-candidates",
        access: "gateway.pinned.read",
        schema: { tags, summary: "Destinations whose clients refused the gateway's certificate (or that demand client certificates), per host: counts and dates only", querystring: PinnedCandidatesQuery, response: { 200: Type.Array(PinnedCandidate) } },
      },
      (req) => tx(deps, req, (ctx) => listPinnedCandidates(ctx, req.query.status)),
    );
    for (const [verb, status] of [["approve", "approved"], ["reject", "rejected"]] as const) {
      route(
        {
          method: "POST",
          url: `/api/gateway/pinned-candidates/:host/${verb}`,
          access: "gateway.pinned.decide",
          schema: {
            tags,
            summary: verb === "approve" ? "Approve a pinned application: allowed flows to it are spliced instead of bumped (audited)" : "Reject a pinned-application candidate (withdraws an approval; audited)",
            params: PinnedHostParams,
            body: PinnedDecisionBody,
            response: { 200: PinnedCandidate },
          },
        },
        (req) => tx(deps, req, (ctx) => decidePinned(ctx, req.params.host, status, req.body.reason)),
      );
    }
  };
}
