/**
 * Typed calls of the gateway CA (src/contract/ca.ts) and of the root-distribution acknowledgements, which
 * are applications of kind `root-distribution` (one per telecom operator and root, p.21–22).
 */
import type { Static } from "@sinclair/typebox";
import type { CaCertificate, CaCertificateList, CaInitRequest, CaPair, CaRevokeRequest, CaRoot, CaRotateRequest, CaRotateResult } from "../../../../src/contract/ca.js";
import type { ApplicationSummary, ApplicationView } from "../../../../src/contract/applications.js";
import { api } from "../../api/client.js";
import type { Paged } from "../../api/resources.js";

export type { CaCertificate, CaRoot, CaRotateResult };
export type Distribution = Static<typeof ApplicationSummary>;
export type DistributionView = ApplicationView;

export const ca = {
  list: (signal?: AbortSignal) => api.get<CaCertificateList>("/api/ca/certificates", undefined, signal),
  init: (body: CaInitRequest) => api.post<CaPair>("/api/ca/init", body),
  publish: (id: string) => api.post<CaCertificate>(`/api/ca/certificates/${id}/publish`),
  activate: (id: string) => api.post<CaCertificate>(`/api/ca/certificates/${id}/activate`, {}),
  revoke: (id: string, body: CaRevokeRequest) => api.post<CaCertificate>(`/api/ca/certificates/${id}/revoke`, body),
  rotate: (body: CaRotateRequest) => api.post<CaRotateResult>("/api/ca/rotate", body),
  root: (id: string | undefined, signal?: AbortSignal) => api.get<CaRoot>("/api/ca/root", { id }, signal),
};

export const distribution = {
  list: (signal?: AbortSignal) => api.get<Paged<Distribution>>("/api/applications", { kind: "root-distribution", limit: 500 }, signal),
  get: (id: string, signal?: AbortSignal) => api.get<DistributionView>(`/api/applications/${id}`, undefined, signal),
  acknowledge: (id: string, version: number, data: { organisationsInformed?: number; note?: string }) => api.post<DistributionView>(`/api/applications/${id}/events`, { type: "acknowledged", data, expectedVersion: version }),
};
