/**
 * Typed calls of the application processing system (applications, incidents, unknown sources, tasks,
 * policies and exceptions, the public re-categorisation request) and of the two read-only lists those pages
 * show beside them (category taxonomy, root certificate files). Types `import type` from src/contract.
 */
import type { Static } from "@sinclair/typebox";
import type { ApplicationSummary, ApplicationView, AttachmentView, CanonicalResult, PublicRequestResult, PublicRequestStatus, TaskView, Timeline } from "../../../../src/contract/applications.js";
import type { InboxFilters } from "../../../../src/contract/application-inbox.js";
import type { IncidentQueueItem } from "../../../../src/contract/incidents.js";
import type { AccessPolicyView, PolicyExceptionView, UnknownSourceView } from "../../../../src/contract/policies.js";
import type { CaRoot } from "../../../../src/contract/ca.js";
import type { ApplicationKind } from "../../../../src/domain/workflows/types.js";
import { api, withQuery } from "../../api/client.js";
import type { Paged } from "../../api/resources.js";

export type Application = ApplicationView;
export type ApplicationRow = Static<typeof ApplicationSummary>;
export type TimelineView = Static<typeof Timeline>;
export type Attachment = Static<typeof AttachmentView>;
export type Task = Static<typeof TaskView>;
export type IncidentRow = Static<typeof IncidentQueueItem>;
export type AccessPolicy = Static<typeof AccessPolicyView>;
export type PolicyException = Static<typeof PolicyExceptionView>;
export type UnknownSource = Static<typeof UnknownSourceView>;
export type Canonical = Static<typeof CanonicalResult>;
export type RootInfo = CaRoot;
export type DeadlineInfo = NonNullable<ApplicationRow["nextDeadline"]>;
export interface Category {
  id: string;
  group: "protected" | "baseline-blocked" | "content";
  names: { kk: string; ru: string; en: string };
}

export type InboxQuery = InboxFilters & { limit: number; offset: number };

export interface SubmitBody {
  document: Record<string, unknown>;
  signature?: string;
  organisationId?: string;
  operatorId?: string;
}

export const applications = {
  inbox: (q: InboxQuery, signal?: AbortSignal) => api.get<Paged<ApplicationRow>>("/api/application-inbox", { ...q, overdue: q.overdue || undefined }, signal),
  inboxCsvUrl: (q: Omit<InboxQuery, "limit" | "offset">) => withQuery("/api/application-inbox.csv", { ...q, overdue: q.overdue || undefined }),
  get: (id: string, signal?: AbortSignal) => api.get<Application>(`/api/applications/${id}`, undefined, signal),
  timeline: (id: string, signal?: AbortSignal) => api.get<TimelineView>(`/api/applications/${id}/timeline`, undefined, signal),
  submit: (kind: ApplicationKind, body: SubmitBody) => api.post<Application>(`/api/applications/${kind}`, body),
  canonical: (kind: ApplicationKind, document: Record<string, unknown>) => api.post<Canonical>("/api/applications/canonical", { kind, document }),
  record: (id: string, type: string, data: Record<string, unknown>, expectedVersion: number) => api.post<Application>(`/api/applications/${id}/events`, { type, data, expectedVersion }),
  attachments: (id: string, signal?: AbortSignal) => api.get<Attachment[]>(`/api/applications/${id}/attachments`, undefined, signal),
  attach: (id: string, body: { name: string; mediaType: string; contentBase64: string }) => api.post<Attachment>(`/api/applications/${id}/attachments`, body),
  attachmentUrl: (id: string, attachmentId: string) => `/api/applications/${id}/attachments/${attachmentId}`,
};

export const incidents = {
  queue: (q: { state?: string; limit: number; offset: number }, signal?: AbortSignal) => api.get<Paged<IncidentRow>>("/api/incidents", q, signal),
  report: (body: SubmitBody) => api.post<Application>("/api/incidents", body),
};

export const tasks = {
  list: (q: { state?: string; limit: number; offset: number }, signal?: AbortSignal) => api.get<Paged<Task>>("/api/tasks", q, signal),
  done: (id: string) => api.post<Task>(`/api/tasks/${id}/done`),
};

export const unknownSources = {
  list: (q: { state?: string; operatorId?: string; limit: number; offset: number }, signal?: AbortSignal) => api.get<Paged<UnknownSource>>("/api/unknown-sources", q, signal),
  assign: (address: string, operatorId: string) => api.post<UnknownSource>("/api/unknown-sources/assign", { address, operatorId }),
};

export const policies = {
  access: (q: { organisationId?: string; status?: string; limit: number; offset: number }, signal?: AbortSignal) => api.get<Paged<AccessPolicy>>("/api/access-policies", q, signal),
  exceptions: (q: { organisationId?: string; status?: string; limit: number; offset: number }, signal?: AbortSignal) => api.get<Paged<PolicyException>>("/api/policy-exceptions", q, signal),
};

export const categories = {
  list: (signal?: AbortSignal) => api.get<Category[]>("/api/categories", undefined, signal),
};

export const caRoot = {
  get: (signal?: AbortSignal) => api.get<RootInfo>("/api/ca/root", undefined, signal),
};

export const recategorisation = {
  submit: (body: Record<string, unknown>) => api.post<Static<typeof PublicRequestResult>>("/api/recategorisation-requests", body),
  status: (token: string) => api.get<Static<typeof PublicRequestStatus>>("/api/recategorisation-requests/status", { token }),
};

/** Every row of a server-paged list (for a CSV export of what the filters select), 500 at a time. */
export async function allPages<T>(page: (q: { limit: number; offset: number }) => Promise<Paged<T>>): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 500) {
    const p = await page({ limit: 500, offset });
    out.push(...p.items);
    if (p.items.length === 0 || out.length >= p.total) return out;
  }
}
