/** Incidents (p.14) as the duty officer's queue shows them; the incident itself is an application (applications.ts). */
import { Type } from "@sinclair/typebox";
import { Instant, Uuid } from "./common.js";

export const IncidentQueueItem = Type.Object({
  id: Uuid,
  number: Type.String(),
  state: Type.String(),
  severity: Type.String(),
  title: Type.String(),
  source: Type.Union([Type.Literal("api"), Type.Literal("email")]),
  organisationId: Type.Union([Uuid, Type.Null()]),
  operatorId: Type.Union([Uuid, Type.Null()]),
  reportedAt: Instant,
  acknowledgeBy: Type.Union([Instant, Type.Null()]),
  overdue: Type.Boolean(),
});
