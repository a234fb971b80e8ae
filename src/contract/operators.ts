import { Type, type Static } from "@sinclair/typebox";
import { Bin, Contact, Email, Instant, Names, PageQuery, Uuid } from "./common.js";

export const TelecomOperator = Type.Object({
  id: Uuid,
  bin: Bin,
  ...Names,
  asns: Type.Array(Type.Integer({ minimum: 1, maximum: 4294967295 })),
  notificationEmails: Type.Array(Email),
  contacts: Type.Array(Contact),
  createdAt: Instant,
  updatedAt: Instant,
});
export type TelecomOperator = Static<typeof TelecomOperator>;

export const TelecomOperatorCreate = Type.Object(
  {
    bin: Bin,
    ...Names,
    asns: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 4294967295 }), { maxItems: 100, uniqueItems: true })),
    notificationEmails: Type.Array(Email, { minItems: 1, maxItems: 20, description: "p.13 notifications about unknown source addresses go here" }),
    contacts: Type.Optional(Type.Array(Contact, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type TelecomOperatorCreate = Static<typeof TelecomOperatorCreate>;

export const TelecomOperatorUpdate = Type.Partial(Type.Omit(TelecomOperatorCreate, ["bin"]), { additionalProperties: false });
export type TelecomOperatorUpdate = Static<typeof TelecomOperatorUpdate>;

export const TelecomOperatorQuery = Type.Composite([PageQuery, Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) })], { additionalProperties: false });
export type TelecomOperatorQuery = Static<typeof TelecomOperatorQuery>;
