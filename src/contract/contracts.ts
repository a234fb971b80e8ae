import { Type, type Static } from "@sinclair/typebox";
import { CivilDate, Instant, PageQuery, Uuid } from "./common.js";

export const ContractStatus = Type.Union([Type.Literal("active"), Type.Literal("suspended"), Type.Literal("terminated")]);

/** p.4: the ground for connection to the gateway is a contract between the telecom operator and the organisation. */
export const Contract = Type.Object({
  id: Uuid,
  organisationId: Uuid,
  operatorId: Uuid,
  number: Type.String(),
  signedOn: Type.Union([CivilDate, Type.Null()]),
  validFrom: CivilDate,
  validTo: Type.Union([CivilDate, Type.Null()]),
  status: ContractStatus,
  createdAt: Instant,
  updatedAt: Instant,
});
export type Contract = Static<typeof Contract>;

export const ContractCreate = Type.Object(
  {
    organisationId: Uuid,
    operatorId: Uuid,
    number: Type.String({ minLength: 1, maxLength: 100 }),
    signedOn: Type.Optional(CivilDate),
    validFrom: CivilDate,
    validTo: Type.Optional(CivilDate),
    status: Type.Optional(ContractStatus),
  },
  { additionalProperties: false },
);
export type ContractCreate = Static<typeof ContractCreate>;

export const ContractUpdate = Type.Partial(
  Type.Object({ signedOn: Type.Union([CivilDate, Type.Null()]), validFrom: CivilDate, validTo: Type.Union([CivilDate, Type.Null()]), status: ContractStatus }, { additionalProperties: false }),
);
export type ContractUpdate = Static<typeof ContractUpdate>;

export const ContractQuery = Type.Composite([
  PageQuery,
  Type.Object({ organisationId: Type.Optional(Uuid), operatorId: Type.Optional(Uuid), status: Type.Optional(ContractStatus) }),
], { additionalProperties: false });
export type ContractQuery = Static<typeof ContractQuery>;
