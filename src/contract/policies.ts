/** Gateway policy rows the workflows produce: access policies (p.15-1) and exceptions (p.15-2); unknown sources (p.13). */
import { Type } from "@sinclair/typebox";
import { Instant, PageQuery, Uuid } from "./common.js";

export const AccessPolicyView = Type.Object({
  id: Uuid,
  organisationId: Uuid,
  applicationId: Uuid,
  categories: Type.Array(Type.String()),
  networks: Type.Array(Type.String()),
  validFrom: Type.String(),
  validTo: Type.String({ description: "last day in force, inclusive (Asia/Almaty)" }),
  status: Type.String({ description: "active | superseded | lapsed" }),
  createdAt: Instant,
  endedAt: Type.Union([Instant, Type.Null()]),
});

export const PolicyExceptionView = Type.Object({
  id: Uuid,
  organisationId: Uuid,
  applicationId: Uuid,
  services: Type.Unknown(),
  destinations: Type.Array(Type.String()),
  networks: Type.Array(Type.String()),
  expiresOn: Type.String({ description: "last day in force, inclusive (Asia/Almaty)" }),
  status: Type.String({ description: "active | expired | revoked" }),
  createdAt: Instant,
  endedAt: Type.Union([Instant, Type.Null()]),
});

export const PolicyQuery = Type.Composite([PageQuery, Type.Object({ organisationId: Type.Optional(Uuid), status: Type.Optional(Type.String({ maxLength: 20 })) })], { additionalProperties: false });

export const UnknownSourceView = Type.Object({
  address: Type.String(),
  firstSeen: Instant,
  lastSeen: Instant,
  hits: Type.Integer(),
  operatorId: Type.Union([Uuid, Type.Null()]),
  state: Type.String({ description: "detected | notified | blocked | resolved" }),
  notifiedAt: Type.Union([Instant, Type.Null()]),
  blockDue: Type.Union([Type.String(), Type.Null()]),
  blockedAt: Type.Union([Instant, Type.Null()]),
  resolvedAt: Type.Union([Instant, Type.Null()]),
});

export const UnknownSourceQuery = Type.Composite([PageQuery, Type.Object({ state: Type.Optional(Type.String({ maxLength: 20 })), operatorId: Type.Optional(Uuid) })], { additionalProperties: false });
export const UnknownSourceAssign = Type.Object({ address: Type.String({ minLength: 2, maxLength: 64 }), operatorId: Uuid }, { additionalProperties: false });
