import { Type, type Static } from "@sinclair/typebox";
import { Bin, Contact, Instant, Names, PageQuery, Uuid } from "./common.js";
import { ORGANISATION_CLASSES } from "../domain/organisation.js";

export const OrganisationClass = Type.Union(ORGANISATION_CLASSES.map((c) => Type.Literal(c)), {
  description: "p.2: served classes, and the exempt classes that may connect without the gateway",
});
export const OrganisationStatus = Type.Union([Type.Literal("active"), Type.Literal("disconnected")]);

export const Organisation = Type.Object({
  id: Uuid,
  bin: Bin,
  ...Names,
  class: OrganisationClass,
  exempt: Type.Boolean({ description: "true for the classes of p.2 second part" }),
  contacts: Type.Array(Contact),
  status: OrganisationStatus,
  createdAt: Instant,
  updatedAt: Instant,
});
export type Organisation = Static<typeof Organisation>;

export const OrganisationCreate = Type.Object(
  { bin: Bin, ...Names, class: OrganisationClass, contacts: Type.Optional(Type.Array(Contact, { maxItems: 20 })) },
  { additionalProperties: false },
);
export type OrganisationCreate = Static<typeof OrganisationCreate>;

export const OrganisationUpdate = Type.Partial(
  Type.Object({ ...Names, class: OrganisationClass, contacts: Type.Array(Contact, { maxItems: 20 }), status: OrganisationStatus }, { additionalProperties: false }),
);
export type OrganisationUpdate = Static<typeof OrganisationUpdate>;

export const OrganisationQuery = Type.Composite([
  PageQuery,
  Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), class: Type.Optional(OrganisationClass) }),
], { additionalProperties: false });
export type OrganisationQuery = Static<typeof OrganisationQuery>;
