/**
 * Typed calls of the gateway, the category database and the reports (aggregates only). Answers whose
 * schema lives in a route file (src/api/routes/gateway.ts) are described by the fields the portal reads;
 * the reports come from src/contract/reports.ts.
 */
import type { OverviewReport, TransparencyReport } from "../../../../src/contract/reports.js";
import type { PinnedCandidate, PinnedStatus } from "../../../../src/contract/pinned-apps.js";
import type { GatewayNode, GatewayNodeList, IssuedGatewayNodeCredential, RevokedGatewayNode } from "../../../../src/contract/gateway-nodes.js";
import { api } from "../../api/client.js";
import type { Paged } from "../../api/resources.js";

export type { OverviewReport, TransparencyReport, PinnedCandidate, GatewayNode, IssuedGatewayNodeCredential };
export type PinnedFilter = PinnedStatus | "all";

export interface TraceStep {
  stage: string;
  outcome: string;
  rule?: string;
}
/** POST /api/gateway/what-if */
export interface WhatIf {
  verdict: { action: string; reason: string; rule: string; tls?: string | null };
  organisationId: string | null;
  unknownSource: boolean;
  categories: string[];
  protected: boolean;
  categorySources: string[];
  snapshotId: string;
  trace: TraceStep[];
}
export interface WhatIfInput {
  sourceIp: string;
  url?: string;
  host?: string;
  port?: number;
}
/** GET /api/gateway/status */
export interface GatewayStatus {
  running: boolean;
  snapshotId: string | null;
  compiledAt: string | null;
  organisations: number;
  lastError: string | null;
}
/** GET /api/categories */
export interface CategoryInfo {
  id: string;
  group: string;
  names: { kk: string; ru: string; en: string };
}
/** GET /api/categories/lookup */
export interface CategoryLookup {
  host: string;
  valid: boolean;
  reason?: string;
  protected: boolean;
  hits: { kind: string; pattern: string; categories: string[]; protected: boolean; origins: { category: string; source: string; sourceVersion: string }[] }[];
}
/** GET /api/categories/sources */
export interface CategorySource {
  name: string;
  licence: string;
  fetched: string;
  version: string;
  format: string;
  entries: number;
  sha256: string;
  importedBy: string;
  importedAt: string;
}
/** GET /api/categories/overrides (a page: items, total, limit, offset) */
export interface CategoryOverride {
  id: string;
  pattern: string;
  category: string;
  action: "add" | "remove";
  reason: string;
  decidedBy: string;
  createdAt: string;
}

export const gateway = {
  whatIf: (body: WhatIfInput) => api.post<WhatIf>("/api/gateway/what-if", body),
  status: (signal?: AbortSignal) => api.get<GatewayStatus>("/api/gateway/status", undefined, signal),
};

export const categories = {
  list: (signal?: AbortSignal) => api.get<CategoryInfo[]>("/api/categories", undefined, signal),
  lookup: (host: string, path: string | undefined, signal?: AbortSignal) => api.get<CategoryLookup>("/api/categories/lookup", { host, path }, signal),
  sources: (signal?: AbortSignal) => api.get<CategorySource[]>("/api/categories/sources", undefined, signal),
  overrides: (q: { q?: string | undefined; limit: number; offset: number }, signal?: AbortSignal) => api.get<Paged<CategoryOverride>>("/api/categories/overrides", q, signal),
  addOverride: (body: { action: "add" | "remove"; pattern: string; category: string; reason: string }) => api.post<CategoryOverride>("/api/categories/overrides", body),
  removeOverride: (id: string) => api.del(`/api/categories/overrides/${id}`),
};

/** STS review of pinned-application candidates (src/api/routes/pinned-apps.ts). */
export const pinned = {
  list: (status: PinnedFilter, signal?: AbortSignal) => api.get<PinnedCandidate[]>("/api/gateway/pinned-candidates", { status }, signal),
  decide: (host: string, verb: "approve" | "reject", reason: string) => api.post<PinnedCandidate>(`/api/gateway/pinned-candidates/${encodeURIComponent(host)}/${verb}`, { reason }),
};

/** Gateway nodes of the multi-node mode (src/api/routes/gateway.ts): enrol and rotate answer the credential once. */
export const gatewayNodes = {
  list: (signal?: AbortSignal) => api.get<GatewayNodeList>("/api/gateway/nodes", undefined, signal),
  enrol: (id: string, reason: string | undefined) => api.post<IssuedGatewayNodeCredential>("/api/gateway/nodes", reason ? { id, reason } : { id }),
  rotate: (id: string, overlapMinutes: number) => api.post<IssuedGatewayNodeCredential>(`/api/gateway/nodes/${encodeURIComponent(id)}/rotate`, { overlapMinutes }),
  revoke: (id: string) => api.post<RevokedGatewayNode>(`/api/gateway/nodes/${encodeURIComponent(id)}/revoke`, {}),
};

export const reports = {
  overview: (signal?: AbortSignal) => api.get<OverviewReport>("/api/reports/overview", undefined, signal),
  transparency: (from: string, to: string, signal?: AbortSignal) => api.get<TransparencyReport>("/api/reports/transparency", { from, to }, signal),
};
