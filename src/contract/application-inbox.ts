/** The application inbox's filters (GET /api/application-inbox and its CSV); the rows are ApplicationSummary. */
import { Type, type Static } from "@sinclair/typebox";
import { PageQuery, Uuid } from "./common.js";
import { ApplicationKindSchema } from "./applications.js";

export const InboxFilters = Type.Object({
  kind: Type.Optional(ApplicationKindSchema),
  state: Type.Optional(Type.String({ maxLength: 40 })),
  overdue: Type.Optional(Type.Boolean({ description: "only applications with a deadline that has passed" })),
  q: Type.Optional(Type.String({ maxLength: 40, description: "part of the application number" })),
  organisationId: Type.Optional(Uuid),
  operatorId: Type.Optional(Uuid),
});
export type InboxFilters = Static<typeof InboxFilters>;

export const InboxQuery = Type.Composite([PageQuery, InboxFilters], { additionalProperties: false });
export const InboxCsvQuery = Type.Composite([InboxFilters], { additionalProperties: false });
