import { Type, type Static } from "@sinclair/typebox";
import { Instant, PageQuery, Uuid } from "./common.js";

const PrefixText = Type.String({ minLength: 2, maxLength: 64, description: "IPv4 or IPv6 prefix in CIDR notation, e.g. 10.20.0.0/16" });

/** p.13: the IP address catalogue — prefixes of an organisation, connected through a telecom operator. */
export const CataloguePrefix = Type.Object({
  id: Uuid,
  prefix: Type.String(),
  organisationId: Uuid,
  operatorId: Uuid,
  contractId: Type.Union([Uuid, Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  createdAt: Instant,
  updatedAt: Instant,
});
export type CataloguePrefix = Static<typeof CataloguePrefix>;

export const CataloguePrefixCreate = Type.Object(
  {
    prefix: PrefixText,
    organisationId: Uuid,
    operatorId: Type.Optional(Uuid),
    contractId: Type.Optional(Uuid),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CataloguePrefixCreate = Static<typeof CataloguePrefixCreate>;

export const CataloguePrefixUpdate = Type.Partial(
  Type.Object({ organisationId: Uuid, contractId: Type.Union([Uuid, Type.Null()]), note: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]) }, { additionalProperties: false }),
);
export type CataloguePrefixUpdate = Static<typeof CataloguePrefixUpdate>;

export const CatalogueQuery = Type.Composite([
  PageQuery,
  Type.Object({
    organisationId: Type.Optional(Uuid),
    operatorId: Type.Optional(Uuid),
    within: Type.Optional(Type.String({ maxLength: 64, description: "only prefixes inside this prefix" })),
  }),
], { additionalProperties: false });
export type CatalogueQuery = Static<typeof CatalogueQuery>;

export const LookupResult = Type.Object({
  address: Type.String(),
  match: Type.Union([
    Type.Null(),
    Type.Object({ prefixId: Uuid, prefix: Type.String(), organisationId: Uuid, operatorId: Uuid }),
  ]),
});
export type LookupResult = Static<typeof LookupResult>;

export const ImportRowError = Type.Object({ line: Type.Integer(), column: Type.Optional(Type.String()), code: Type.String(), message: Type.String() });

export const ImportResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  dryRun: Type.Boolean(),
});

export const HistoryEntry = Type.Object({
  seq: Type.Integer(),
  at: Instant,
  action: Type.String(),
  actor: Type.Object({ id: Type.String(), username: Type.String(), role: Type.String(), via: Type.String() }),
  before: Type.Unknown(),
  after: Type.Unknown(),
});
