/** Typed calls of the mail gateway (src/contract/mail.ts): mail systems, suspensions (UGEM p.12), DKIM records. */
import type { Static } from "@sinclair/typebox";
import type { DkimRecords, MailActionResult, MailSuspensionView, MailSystemStats, MailSystemView } from "../../../../src/contract/mail.js";
import { api } from "../../api/client.js";
import type { Paged } from "../../api/resources.js";

export type MailSystem = Static<typeof MailSystemView>;
export type MailSuspension = Static<typeof MailSuspensionView>;
export type Dkim = Static<typeof DkimRecords>;
export type Stats = Static<typeof MailSystemStats>;
export type ActionResult = Static<typeof MailActionResult>;
export type MailAction = "suspend" | "release" | "delete-held";

export const mail = {
  systems: (signal?: AbortSignal) => api.get<Paged<MailSystem>>("/api/mail/systems", { limit: 500 }, signal),
  suspensions: (signal?: AbortSignal) => api.get<Paged<MailSuspension>>("/api/mail/suspensions", { limit: 100 }, signal),
  dkim: (id: string, signal?: AbortSignal) => api.get<Dkim>(`/api/mail/systems/${id}/dkim`, undefined, signal),
  stats: (id: string, signal?: AbortSignal) => api.get<Stats>(`/api/mail/systems/${id}/stats`, { hours: 48 }, signal),
  act: (id: string, action: MailAction, note?: string) => api.post<ActionResult>(`/api/mail/systems/${id}/${action}`, action === "suspend" ? (note ? { note } : {}) : undefined),
};
