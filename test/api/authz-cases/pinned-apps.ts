/** Authorisation cases of the pinned-application review routes. */
import type { Case } from "./types.js";

export const CASES: Record<string, Case> = {
  "GET /api/gateway/pinned-candidates": { own: () => ({ method: "GET", url: "/api/gateway/pinned-candidates?status=all" }) },
  // No refusal was logged for this host: holders get 404, everyone else 403.
  "POST /api/gateway/pinned-candidates/:host/approve": { own: () => ({ method: "POST", url: "/api/gateway/pinned-candidates/never-seen.example/approve", body: { reason: "bank client app pins its certificate" } }), absent: true },
  "POST /api/gateway/pinned-candidates/:host/reject": { own: () => ({ method: "POST", url: "/api/gateway/pinned-candidates/never-seen.example/reject", body: { reason: "not a pinned application" } }), absent: true },
};
