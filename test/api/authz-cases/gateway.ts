/** Authorisation cases of the gateway and category routes. */
import assert from "node:assert/strict";
import type { World } from "../harness.js";
import type { Case } from "./types.js";

let n = 0;

/** A node enrolled afresh by the administrator, for one role to rotate or revoke. */
async function enrolledNode(w: World): Promise<string> {
  const id = `gw-authz-${n++}`;
  const r = await w.call(w.tokens.sts_admin, "POST", "/api/gateway/nodes", { id });
  assert.equal(r.status, 201, r.body);
  return id;
}
export const CASES: Record<string, Case> = {
  "POST /api/gateway/what-if": {
    own: () => ({ method: "POST", url: "/api/gateway/what-if", body: { sourceIp: "10.1.2.3", url: "https://example.com/" } }),
    other: () => ({ method: "POST", url: "/api/gateway/what-if", body: { sourceIp: "10.2.2.3", url: "https://example.com/" } }),
  },
  "GET /api/gateway/status": { own: () => ({ method: "GET", url: "/api/gateway/status" }) },
  // Gateway nodes are not scoped: STS and the auditor read them all, the other roles none.
  "GET /api/gateway/nodes": { own: () => ({ method: "GET", url: "/api/gateway/nodes" }) },
  // Issuing, rotating and revoking a node's credential is the administrator's alone.
  "POST /api/gateway/nodes": { own: () => ({ method: "POST", url: "/api/gateway/nodes", body: { id: `gw-authz-${n++}` } }) },
  "POST /api/gateway/nodes/:id/rotate": { own: async (w) => ({ method: "POST", url: `/api/gateway/nodes/${await enrolledNode(w)}/rotate`, body: { overlapMinutes: 0 } }) },
  "POST /api/gateway/nodes/:id/revoke": { own: async (w) => ({ method: "POST", url: `/api/gateway/nodes/${await enrolledNode(w)}/revoke` }) },
  "GET /api/gateway/decisions/summary": { own: () => ({ method: "GET", url: "/api/gateway/decisions/summary?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z" }) },
  // No record has this reference: holders get 404, everyone else 403 — either way nothing is listed.
  "GET /api/gateway/decisions/:ref": { own: () => ({ method: "GET", url: "/api/gateway/decisions/abcdEF12" }), absent: true },
  "GET /api/categories": { own: () => ({ method: "GET", url: "/api/categories" }) },
  "GET /api/categories/lookup": { own: () => ({ method: "GET", url: "/api/categories/lookup?host=www.egov.kz" }) },
  "GET /api/categories/sources": { own: () => ({ method: "GET", url: "/api/categories/sources" }) },
  "PUT /api/categories/sources/:name": { own: () => ({ method: "PUT", url: `/api/categories/sources/test-${n++}?format=plain&category=news&licence=test&fetched=2026-11-01&version=1`, body: "news-a.example\nnews-b.example\n" }) },
  "DELETE /api/categories/sources/:name": { own: () => ({ method: "DELETE", url: "/api/categories/sources/test-0" }), absent: true },
  "GET /api/categories/overrides": { own: () => ({ method: "GET", url: "/api/categories/overrides?q=tools&limit=10&offset=0" }) },
  "POST /api/categories/overrides": { own: () => ({ method: "POST", url: "/api/categories/overrides", body: { action: "add", pattern: `tools-${n++}.example`, category: "technology", reason: "complaint 42" } }) },
  "DELETE /api/categories/overrides/:id": { own: () => ({ method: "DELETE", url: "/api/categories/overrides/00000000-0000-4000-8000-000000000000" }), absent: true },
};
