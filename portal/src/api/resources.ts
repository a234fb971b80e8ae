/**
 * Typed calls of the public API. Types come from the contract schemas (`import type` only: nothing of the
 * server is bundled); the few answers whose schema is declared inside a route file rather than in
 * src/contract are described here by the fields the portal reads.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { Page } from "../../../src/contract/common.js";
import type { Organisation, OrganisationCreate, OrganisationUpdate, OrganisationQuery } from "../../../src/contract/organisations.js";
import type { TelecomOperator, TelecomOperatorCreate, TelecomOperatorUpdate, TelecomOperatorQuery } from "../../../src/contract/operators.js";
import type { Contract, ContractCreate, ContractUpdate, ContractQuery } from "../../../src/contract/contracts.js";
import type { CataloguePrefix, CataloguePrefixCreate, CatalogueQuery, LookupResult, HistoryEntry } from "../../../src/contract/catalogue.js";
import type { Account, AccountCreate, AccountUpdate, AccountQuery, LoginResult } from "../../../src/contract/accounts.js";
import type { AuditEntry, AuditQuery, AuditVerification } from "../../../src/contract/audit.js";
import type { DayInfo, DayKind } from "../../../src/domain/working-days/index.js";
import { api, request, withQuery } from "./client.js";

export type PageOf<T extends TSchema> = Static<ReturnType<typeof Page<T>>>;
type Q<T extends TSchema> = Partial<Static<T>>;

export type { Organisation, TelecomOperator, Contract, CataloguePrefix, Account, LookupResult };
export type AuditRow = Static<typeof AuditEntry>;
export type AuditCheck = Static<typeof AuditVerification>;
export type PrefixChange = Static<typeof HistoryEntry>;
export type LoginAnswer = Static<typeof LoginResult>;

/** GET /api/calendar/:year (schema in src/api/routes/calendar.ts) */
export interface YearView {
  year: number;
  verified: boolean;
  workingDays: number;
  workingDaysPerMonth: number[];
  days: DayInfo[];
}
/** GET /api/calendar/deadline */
export interface Deadline {
  from: string;
  workingDays: number;
  due: string;
  expiresAt: string;
  timeZone: string;
  verified: boolean;
}
/** GET /api/notifications (schema in src/api/routes/notifications.ts) */
export interface Notification {
  id: string;
  recipients: string[];
  subject: string;
  bodyText: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}
export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  dryRun: boolean;
}
export interface Paged<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export const auth = {
  login: (username: string, password: string) => request<LoginAnswer>("POST", "/api/auth/login", { body: { username, password }, expect401: true }),
  me: () => api.get<Account>("/api/auth/me"),
  logout: () => api.post<void>("/api/auth/logout"),
  changePassword: (currentPassword: string, newPassword: string) => request<void>("POST", "/api/auth/password", { body: { currentPassword, newPassword }, expect401: true }),
};

export const organisations = {
  list: (q: Q<typeof OrganisationQuery>, signal?: AbortSignal) => api.get<PageOf<typeof Organisation>>("/api/organisations", q, signal),
  get: (id: string) => api.get<Organisation>(`/api/organisations/${id}`),
  create: (body: OrganisationCreate) => api.post<Organisation>("/api/organisations", body),
  update: (id: string, body: OrganisationUpdate) => api.patch<Organisation>(`/api/organisations/${id}`, body),
};

export const operators = {
  list: (q: Q<typeof TelecomOperatorQuery>, signal?: AbortSignal) => api.get<PageOf<typeof TelecomOperator>>("/api/operators", q, signal),
  get: (id: string) => api.get<TelecomOperator>(`/api/operators/${id}`),
  create: (body: TelecomOperatorCreate) => api.post<TelecomOperator>("/api/operators", body),
  update: (id: string, body: TelecomOperatorUpdate) => api.patch<TelecomOperator>(`/api/operators/${id}`, body),
};

export const contracts = {
  list: (q: Q<typeof ContractQuery>, signal?: AbortSignal) => api.get<PageOf<typeof Contract>>("/api/contracts", q, signal),
  get: (id: string) => api.get<Contract>(`/api/contracts/${id}`),
  create: (body: ContractCreate) => api.post<Contract>("/api/contracts", body),
  update: (id: string, body: ContractUpdate) => api.patch<Contract>(`/api/contracts/${id}`, body),
};

export const catalogue = {
  list: (q: Q<typeof CatalogueQuery>, signal?: AbortSignal) => api.get<PageOf<typeof CataloguePrefix>>("/api/catalogue/prefixes", q, signal),
  create: (body: CataloguePrefixCreate) => api.post<CataloguePrefix>("/api/catalogue/prefixes", body),
  remove: (id: string) => api.del(`/api/catalogue/prefixes/${id}`),
  history: (id: string) => api.get<PrefixChange[]>(`/api/catalogue/prefixes/${id}/history`),
  lookup: (address: string) => api.get<LookupResult>("/api/catalogue/lookup", { address }),
  import: (csv: string, q: { dryRun: boolean; mode: "merge" | "replace"; operatorId?: string }) => request<ImportSummary>("POST", "/api/catalogue/import", { csv, query: q }),
  exportUrl: (operatorId?: string) => withQuery("/api/catalogue/export", { operatorId }),
};

export const accounts = {
  list: (q: Q<typeof AccountQuery>, signal?: AbortSignal) => api.get<PageOf<typeof Account>>("/api/accounts", q, signal),
  create: (body: AccountCreate) => api.post<Account>("/api/accounts", body),
  update: (id: string, body: AccountUpdate) => api.patch<Account>(`/api/accounts/${id}`, body),
};

export const audit = {
  list: (q: Q<typeof AuditQuery>, signal?: AbortSignal) => api.get<PageOf<typeof AuditEntry>>("/api/audit", q, signal),
  verify: () => api.get<AuditCheck>("/api/audit/verify"),
};

export const calendar = {
  year: (year: number, signal?: AbortSignal) => api.get<YearView>(`/api/calendar/${year}`, undefined, signal),
  deadline: (from: string, workingDays: number, signal?: AbortSignal) => api.get<Deadline>("/api/calendar/deadline", { from, workingDays }, signal),
  setDay: (date: string, body: { kind: DayKind; name?: string; reference?: string }) => api.put<DayInfo>(`/api/calendar/days/${date}`, body),
  removeDay: (date: string) => api.del(`/api/calendar/days/${date}`),
};

export const notifications = {
  list: (q: { limit?: number; offset?: number; status?: string; recipient?: string }, signal?: AbortSignal) => api.get<Paged<Notification>>("/api/notifications", q, signal),
};
