/**
 * Enrolled gateway nodes (multi-node mode): what STS and the auditor may read about them — the id, the state,
 * the credential's generation and the times. Never the credential: it leaves the control plane once, in the
 * file `qaqpa node enrol|rotate` writes, and is otherwise only held sealed in the store.
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
