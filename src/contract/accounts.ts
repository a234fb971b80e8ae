import { Type, type Static } from "@sinclair/typebox";
import { Email, Instant, PageQuery, Uuid } from "./common.js";
import { ROLES } from "../domain/authz.js";

export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const Account = Type.Object({
  id: Uuid,
  username: Type.String(),
  displayName: Type.String(),
  email: Type.Union([Email, Type.Null()]),
  role: Role,
  operatorId: Type.Union([Uuid, Type.Null()]),
  organisationId: Type.Union([Uuid, Type.Null()]),
  disabled: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  createdAt: Instant,
});
export type Account = Static<typeof Account>;

const Username = Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{2,63}$", description: "3–64 characters: a–z, 0–9, . _ -" });
export const Password = Type.String({ minLength: 12, maxLength: 256, description: "at least 12 characters" });

export const AccountCreate = Type.Object(
  {
    username: Username,
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Email),
    role: Role,
    operatorId: Type.Optional(Uuid),
    organisationId: Type.Optional(Uuid),
    password: Password,
  },
  { additionalProperties: false },
);
export type AccountCreate = Static<typeof AccountCreate>;

export const AccountUpdate = Type.Partial(
  Type.Object({ displayName: Type.String({ minLength: 1, maxLength: 200 }), email: Type.Union([Email, Type.Null()]), disabled: Type.Boolean(), password: Password }, { additionalProperties: false }),
);
export type AccountUpdate = Static<typeof AccountUpdate>;

export const AccountQuery = Type.Composite([PageQuery, Type.Object({ role: Type.Optional(Role) })], { additionalProperties: false });

export const Login = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
export const LoginResult = Type.Object({ account: Account, csrfToken: Type.String() });
export const PasswordChange = Type.Object({ currentPassword: Type.String({ maxLength: 256 }), newPassword: Password }, { additionalProperties: false });

export const ApiTokenCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), expiresAt: Type.Optional(Instant) },
  { additionalProperties: false },
);
export const ApiToken = Type.Object({ id: Uuid, name: Type.String(), createdAt: Instant, expiresAt: Type.Union([Instant, Type.Null()]), lastUsedAt: Type.Union([Instant, Type.Null()]) });
export const ApiTokenCreated = Type.Composite([ApiToken, Type.Object({ token: Type.String({ description: "shown once; send as Authorization: Bearer <token>" }) })]);
