import { Type } from "@sinclair/typebox";
import { Instant, PageQuery } from "./common.js";

export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  at: Instant,
  action: Type.String(),
  entityType: Type.Union([Type.String(), Type.Null()]),
  entityId: Type.Union([Type.String(), Type.Null()]),
  actor: Type.Object({ id: Type.String(), username: Type.String(), role: Type.String(), via: Type.String() }),
  before: Type.Unknown(),
  after: Type.Unknown(),
  hash: Type.String(),
  prevHash: Type.String(),
});

export const AuditQuery = Type.Composite([
  PageQuery,
  Type.Object({ entityType: Type.Optional(Type.String({ maxLength: 100 })), entityId: Type.Optional(Type.String({ maxLength: 100 })), action: Type.Optional(Type.String({ maxLength: 100 })) }),
], { additionalProperties: false });

export const AuditVerification = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headHash: Type.Optional(Type.String()),
  brokenAt: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});
