import { Type, type TSchema, type Static } from "@sinclair/typebox";

export const Uuid = Type.String({ format: "uuid" });
export const Bin = Type.String({ pattern: "^[0-9]{12}$", description: "Business identification number: 12 digits with a valid check digit" });
export const CivilDate = Type.String({ pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description: "civil date YYYY-MM-DD (Asia/Almaty)" });
export const Instant = Type.String({ format: "date-time" });
export const Email = Type.String({ format: "email", maxLength: 254 });
export const Names = {
  nameKk: Type.String({ minLength: 1, maxLength: 500 }),
  nameRu: Type.String({ minLength: 1, maxLength: 500 }),
  nameEn: Type.String({ minLength: 1, maxLength: 500 }),
};

export const Contact = Type.Object(
  {
    fullName: Type.String({ minLength: 1, maxLength: 300 }),
    position: Type.Optional(Type.String({ maxLength: 300 })),
    email: Type.Optional(Email),
    officePhone: Type.Optional(Type.String({ maxLength: 50 })),
    mobilePhone: Type.Optional(Type.String({ maxLength: 50 })),
  },
  { additionalProperties: false },
);
export type Contact = Static<typeof Contact>;

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0 }),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });
}

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String(),
  },
  { additionalProperties: true, $id: "Problem" },
);
