/**
 * Gateway nodes of the multi-node mode: each node's own credential, which authenticates its leaf requests and
 * seals the replies (src/bus/leaves.ts), and the control plane's in-memory directory of the credentials in force.
 *
 *            enrol                      rotate (overlap)                 revoke
 *   (none) ────────▶ active ──────────────────────────▶ active ──────────────▶ revoked
 *                      ▲                                                          │
 *                      └──────────────────────── enrol again ─────────────────────┘
 *
 *   enrol   a fresh credential for a new node, or for a revoked one whose machine was rebuilt under the same
 *           name; nothing issued to it before is accepted any more
 *   rotate  a fresh credential; the previous one stays accepted for the overlap (default 10 minutes), so the
 *           node is restarted with the new file without a gap in its leaves; an overlap of 0 ends it at once
 *   revoke  no credential of the node is accepted any more (within the directory's refresh period, 2 s)
 *
 * Each action is one transaction with its audit entry (state, generation, times — never the credential). The
 * credential is sealed under the master key, bound to the node and its generation (a sealed value copied to
 * another row or generation does not open), and handed back once, to the caller that writes the node's file.
 */
import { randomBytes } from "node:crypto";
import { sql, type Kysely, type Selectable } from "kysely";
import type { Database, GatewayNodeTable } from "../store/schema.js";
import type { Sealer } from "../secrets/sealer.js";
import { ROTATION_OVERLAP_MINUTES, type GatewayNode, type GatewayNodeList, type GatewayNodeState } from "../contract/gateway-nodes.js";
import { Problem } from "../contract/problem.js";
import { NODE_NAME } from "../bus/bus.js";
import { credentialSealer, type NodeCredentials } from "../bus/leaves.js";
import { iso, requirePermission, type Ctx } from "./context.js";

/** How long a rotated-out credential is still accepted unless the rotation says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_MS = ROTATION_OVERLAP_MINUTES.default * 60_000;
/** The longest overlap a rotation may leave: a day, enough to reach any node, short enough to stay a rotation. */
export const MAX_ROTATION_OVERLAP_MS = ROTATION_OVERLAP_MINUTES.max * 60_000;
/** How often the control plane's directory looks for a change: a revocation takes effect within this. */
export const DIRECTORY_REFRESH_MS = 2_000;

const credentialContext = (id: string, generation: number) => `gateway-node-credential:${id}:${generation}`;

const VIEW = ["id", "state", "generation", "created_at", "rotated_at", "revoked_at", "previous_valid_until"] as const;
type ViewRow = Pick<Selectable<GatewayNodeTable>, (typeof VIEW)[number]>;

function toView(r: ViewRow): GatewayNode {
  return {
    id: r.id,
    state: r.state as GatewayNodeState,
    generation: Number(r.generation),
    createdAt: iso(r.created_at),
    rotatedAt: r.rotated_at ? iso(r.rotated_at) : null,
    revokedAt: r.revoked_at ? iso(r.revoked_at) : null,
    previousValidUntil: r.previous_valid_until ? iso(r.previous_valid_until) : null,
  };
}

/** A node with the credential just issued to it (32 bytes): the caller writes it to the node's file and drops it. */
export interface IssuedCredential {
  node: GatewayNode;
  credential: Buffer;
}

function checkId(id: string): void {
  if (!NODE_NAME.test(id)) throw new Problem("QQ_ERR_VALIDATION", `a gateway node id is 1–64 of [A-Za-z0-9_-] (its gatewayNode.name), got "${id}"`);
}

async function locked(ctx: Ctx, id: string): Promise<(ViewRow & { sealed_credential: string }) | undefined> {
  return ctx.tx.selectFrom("gateway_node").select([...VIEW, "sealed_credential"]).where("id", "=", id).forUpdate().executeTakeFirst();
}

async function audit(ctx: Ctx, action: "enrol" | "rotate" | "revoke", before: ViewRow | undefined, after: ViewRow, reason?: string): Promise<void> {
  await ctx.audit({ action: `gateway-node.${action}`, entityType: "gateway_node", entityId: after.id, before: before ? toView(before) : null, after: { ...toView(after), ...(reason ? { reason } : {}) } });
}

/** Enrol a node (or a revoked one again) with a fresh credential; `reason` goes to the audit entry. */
export async function enrolGatewayNode(ctx: Ctx, sealer: Sealer, id: string, reason?: string): Promise<IssuedCredential> {
  requirePermission(ctx.principal, "gateway-node.write");
  checkId(id);
  const before = await locked(ctx, id);
  if (before?.state === "active") throw new Problem("QQ_ERR_DUPLICATE", `gateway node ${id} is already enrolled: rotate its credential instead`);
  const credential = randomBytes(32);
  // A re-enrolment continues the generations, so no sealing context is ever used twice for a node.
  const generation = before ? Number(before.generation) + 1 : 1;
  const fresh = {
    state: "active",
    sealed_credential: sealer.seal(credential, credentialContext(id, generation)),
    generation,
    sealed_previous_credential: null,
    previous_valid_until: null,
    created_at: ctx.now,
    rotated_at: null,
    revoked_at: null,
  };
  const after = before
    ? await ctx.tx.updateTable("gateway_node").set({ ...fresh, version: sql<number>`version + 1` }).where("id", "=", id).returning(VIEW).executeTakeFirstOrThrow()
    : await ctx.tx.insertInto("gateway_node").values({ id, ...fresh }).onConflict((oc) => oc.column("id").doNothing()).returning(VIEW).executeTakeFirst();
  // Lost a race with another enrolment of the same new id (the row did not exist to lock).
  if (!after) throw new Problem("QQ_ERR_DUPLICATE", `gateway node ${id} is already enrolled: rotate its credential instead`);
  await audit(ctx, "enrol", before, after, reason);
  return { node: toView(after), credential };
}

/** A fresh credential for an active node; the previous one is accepted for `overlapMs` more (0: not at all). */
export async function rotateGatewayNode(ctx: Ctx, sealer: Sealer, id: string, overlapMs = DEFAULT_ROTATION_OVERLAP_MS): Promise<IssuedCredential> {
  requirePermission(ctx.principal, "gateway-node.write");
  checkId(id);
  if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_ROTATION_OVERLAP_MS) throw new Problem("QQ_ERR_VALIDATION", `the overlap is 0 to ${MAX_ROTATION_OVERLAP_MS / 60_000} minutes`);
  const before = await locked(ctx, id);
  if (!before) throw new Problem("QQ_ERR_NOT_FOUND", `no gateway node ${id} is enrolled`);
  if (before.state !== "active") throw new Problem("QQ_ERR_CONFLICT", `gateway node ${id} is revoked: enrol it again`);
  const credential = randomBytes(32);
  const generation = Number(before.generation) + 1;
  // The previous credential keeps its sealing (context of generation - 1); one older than that is dropped.
  const after = await ctx.tx
    .updateTable("gateway_node")
    .set({
      sealed_credential: sealer.seal(credential, credentialContext(id, generation)),
      generation,
      sealed_previous_credential: overlapMs > 0 ? before.sealed_credential : null,
      previous_valid_until: overlapMs > 0 ? new Date(ctx.now.getTime() + overlapMs) : null,
      rotated_at: ctx.now,
      version: sql<number>`version + 1`,
    })
    .where("id", "=", id)
    .returning(VIEW)
    .executeTakeFirstOrThrow();
  await audit(ctx, "rotate", before, after);
  return { node: toView(after), credential };
}

/** Refuse every credential of the node from now on. */
export async function revokeGatewayNode(ctx: Ctx, id: string): Promise<GatewayNode> {
  requirePermission(ctx.principal, "gateway-node.write");
  checkId(id);
  const before = await locked(ctx, id);
  if (!before) throw new Problem("QQ_ERR_NOT_FOUND", `no gateway node ${id} is enrolled`);
  if (before.state !== "active") throw new Problem("QQ_ERR_CONFLICT", `gateway node ${id} is already revoked`);
  const after = await ctx.tx
    .updateTable("gateway_node")
    .set({ state: "revoked", revoked_at: ctx.now, sealed_previous_credential: null, previous_valid_until: null, version: sql<number>`version + 1` })
    .where("id", "=", id)
    .returning(VIEW)
    .executeTakeFirstOrThrow();
  await audit(ctx, "revoke", before, after);
  return toView(after);
}

export async function listGatewayNodes(ctx: Ctx): Promise<GatewayNodeList> {
  requirePermission(ctx.principal, "gateway-node.read");
  const rows = await ctx.tx.selectFrom("gateway_node").select(VIEW).orderBy("id").execute();
  return { items: rows.map(toView) };
}

// ------------------------------------------------------------------------ the control plane's directory

export interface NodeCredentialDirectory extends NodeCredentials {
  /** Reload now if the store changed (the timer does this every `refreshMs`). */
  refresh(): Promise<void>;
  /** Why the last reload failed, or which node's credential did not open; null when all is well. */
  lastError(): string | null;
  stop(): Promise<void>;
}

/**
 * The active nodes' credentials, opened once and kept in memory: the leaf service asks per request and must not
 * query the store each time. Every `refreshMs` one cheap query (count and sum of the rows' versions, which
 * every change raises) tells whether anything changed — a revocation by any replica or by the CLI — and only
 * then are the rows read again. A rotated-out credential is dropped at its overlap's end by the clock, with no
 * reload. While the store cannot be read the directory keeps what it had: nothing can be revoked meanwhile
 * either, and nodes keep bumping through a store failover. Resolves after the first load (failed or not).
 */
export async function watchNodeCredentials(db: Kysely<Database>, sealer: Sealer, o: { refreshMs?: number; now?: () => number } = {}): Promise<NodeCredentialDirectory> {
  const now = o.now ?? Date.now;
  let nodes = new Map<string, { sealer: Sealer; until: number }[]>();
  let loaded: string | null = null;
  let lastError: string | null = null;
  let running: Promise<void> | null = null;

  const load = async () => {
    const stamp = await db
      .selectFrom("gateway_node")
      .select([sql<number>`count(*)::int`.as("n"), sql<number>`coalesce(sum(version), 0)::int`.as("v")])
      .executeTakeFirstOrThrow();
    const key = `${stamp.n}:${stamp.v}`;
    if (key === loaded) return;
    const rows = await db.selectFrom("gateway_node").select(["id", "generation", "sealed_credential", "sealed_previous_credential", "previous_valid_until"]).where("state", "=", "active").execute();
    const next = new Map<string, { sealer: Sealer; until: number }[]>();
    const unopened: string[] = [];
    for (const r of rows) {
      try {
        const generation = Number(r.generation);
        const held = [{ sealer: credentialSealer(sealer.open(r.sealed_credential, credentialContext(r.id, generation))), until: Infinity }];
        if (r.sealed_previous_credential && r.previous_valid_until) held.push({ sealer: credentialSealer(sealer.open(r.sealed_previous_credential, credentialContext(r.id, generation - 1))), until: new Date(r.previous_valid_until).getTime() });
        next.set(r.id, held);
      } catch {
        // Sealed under another master key, or tampered with: that node is refused, the others are served.
        unopened.push(r.id);
      }
    }
    nodes = next;
    loaded = key;
    lastError = unopened.length ? `gateway node credentials that do not open with this master key: ${unopened.join(", ")}` : null;
  };
  let queued: Promise<void> | null = null;
  // A reload asked for while one runs is queued behind it: the running one may have read the stamp before the
  // caller's change.
  const refresh = (): Promise<void> => {
    if (running) {
      queued ??= running.then(() => {
        queued = null;
        return refresh();
      });
      return queued;
    }
    running = load()
      .catch((e: Error) => {
        lastError = `gateway node credentials: ${e.message}`;
      })
      .finally(() => (running = null));
    return running;
  };

  await refresh();
  const timer = setInterval(() => void refresh(), o.refreshMs ?? DIRECTORY_REFRESH_MS);
  timer.unref();
  return {
    sealers(node) {
      const t = now();
      return (nodes.get(node) ?? []).filter((c) => c.until > t).map((c) => c.sealer);
    },
    refresh,
    lastError: () => lastError,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
