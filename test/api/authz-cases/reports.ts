/** Authorisation cases of the reports (aggregates for STS and the auditor). */
import type { Case } from "./types.js";

export const CASES: Record<string, Case> = {
  "GET /api/reports/overview": { own: () => ({ method: "GET", url: "/api/reports/overview" }) },
  "GET /api/reports/transparency": { own: () => ({ method: "GET", url: "/api/reports/transparency?from=2026-01-01&to=2026-12-31" }) },
};
