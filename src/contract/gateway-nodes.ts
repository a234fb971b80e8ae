/**
 * Enrolled gateway nodes (multi-node mode): what STS and the auditor may read about them — the id, the state,
 * the credential's generation and the times. Never the credential: it leaves the control plane once — in the
 * file `qaqpa node enrol|rotate` writes, or in the one response of `POST /api/gateway/nodes` and
 * `…/{id}/rotate` — and is otherwise only held sealed in the store.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Instant } from "./common.js";

/** A node's id: its configured name (gatewayNode.name), which is also how its batches are labelled. */
export const GatewayNodeId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" });

export const GatewayNodeState = Type.Union([Type.Literal("active"), Type.Literal("revoked")]);
export type GatewayNodeState = Static<typeof GatewayNodeState>;

export const GatewayNode = Type.Object({
  id: GatewayNodeId,
  state: GatewayNodeState,
  generation: Type.Integer({ minimum: 1, description: "how many credentials the node has been issued (enrolment is 1; each rotation and re-enrolment adds one)" }),
  createdAt: Instant,
  rotatedAt: Type.Union([Instant, Type.Null()]),
  revokedAt: Type.Union([Instant, Type.Null()]),
  previousValidUntil: Type.Union([Instant, Type.Null()], { description: "after a rotation, until when the previous credential is still accepted" }),
});
export type GatewayNode = Static<typeof GatewayNode>;

export const GatewayNodeList = Type.Object({ items: Type.Array(GatewayNode) });
export type GatewayNodeList = Static<typeof GatewayNodeList>;

/** A rotation's overlap, in minutes: how long the previous credential is still accepted. */
export const ROTATION_OVERLAP_MINUTES = { default: 10, max: 24 * 60 } as const;

export const GatewayNodeEnrolRequest = Type.Object(
  {
    id: GatewayNodeId,
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: "why the node is enrolled (a new node, a rebuilt machine); recorded in the audit entry" })),
  },
  { additionalProperties: false },
);
export type GatewayNodeEnrolRequest = Static<typeof GatewayNodeEnrolRequest>;

export const GatewayNodeRotateRequest = Type.Object(
  {
    overlapMinutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: ROTATION_OVERLAP_MINUTES.max,
        default: ROTATION_OVERLAP_MINUTES.default,
        description: "how long the previous credential is still accepted, so the node is restarted with the new one without a gap; 0: refused at once",
      }),
    ),
  },
  { additionalProperties: false },
);
export type GatewayNodeRotateRequest = Static<typeof GatewayNodeRotateRequest>;

export const GatewayNodeParams = Type.Object({ id: GatewayNodeId }, { additionalProperties: false });

/** The one response that carries a node's credential: shown once, sent with `Cache-Control: no-store`. */
export const IssuedGatewayNodeCredential = Type.Object({
  node: GatewayNode,
  credential: Type.String({
    contentEncoding: "base64",
    minLength: 44,
    maxLength: 44,
    description: "the node's credential, 32 bytes in base64 — the content of its bus.nodeCredentialFile; returned this once and never again",
  }),
});
export type IssuedGatewayNodeCredential = Static<typeof IssuedGatewayNodeCredential>;

export const RevokedGatewayNode = Type.Object({ node: GatewayNode });
export type RevokedGatewayNode = Static<typeof RevokedGatewayNode>;
