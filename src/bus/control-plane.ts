/**
 * The control plane's side of the bus (multi-node mode):
 *
 *  - snapshot publisher: each newly compiled snapshot (the runtime compiles it as in the all-in-one) is stored
 *    (src/bus/snapshot-parts.ts: the policy, and the category database when it changed) and announced, unless the announced one holds the same policy (another replica
 *    compiled it); the announcement is re-checked every 30 s, so a NATS cluster that lost its state gets it again;
 *  - node-batch consumer: decision records and unknown-source detections from gateway nodes are committed to the
 *    store together with the batch id in one transaction, then acknowledged. A crash before the commit loses
 *    nothing (the batch is delivered again); a crash between commit and acknowledgement duplicates nothing (the
 *    redelivered batch finds its id in bus_batch and is only acknowledged);
 *  - leaf service for enrolled nodes (src/bus/leaves.ts): each node proves itself with its own credential, which
 *    the control plane reads sealed from the store and keeps in memory (src/services/gateway-nodes.ts).
 *
 * Several control-plane replicas may run this at once: the consumer is shared (each batch goes to one of them)
 * and the batch id is the table's primary key, so two replicas never commit one batch twice.
 */
import { createHash } from "node:crypto";
import client from "prom-client";
import { sql, type Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import type { Sealer } from "../secrets/sealer.js";
import type { PolicySnapshot } from "../gateway-core/snapshot.js";
import type { LeafSource } from "../gateway/proxy.js";
import { decisionLogRow } from "../gateway/decision-log.js";
import { recordDetections } from "../services/unknown-sources.js";
import { watchNodeCredentials, type NodeCredentialDirectory } from "../services/gateway-nodes.js";
import type { Bus, Delivery, NodeBatch } from "./bus.js";
import type { WorkerCounts } from "../gateway/cluster.js";
import { serveLeaves } from "./leaves.js";
import { categoriesObject, policyObject, storeSnapshot } from "./snapshot-parts.js";

export interface ControlPlaneBusOptions {
  bus: Bus;
  db: Kysely<Database>;
  /** The snapshot in force (the gateway runtime's); null until the first compile succeeded. */
  snapshot(): PolicySnapshot | null;
  /** The issuing CA's leaves, served to enrolled nodes. */
  leaves?: () => LeafSource | null;
  /** Opens the enrolled nodes' credentials (the master key's sealer): without it no leaves are served. */
  sealer?: Sealer;
  /** How often the nodes' credentials are checked for a change (default 2 s): a revocation's delay. */
  credentialRefreshMs?: number;
  /** The registry holding the gateway's counters (src/gateway/runtime.ts): nodes' decisions are added to them. */
  registry?: client.Registry;
  /** After a batch is committed (fresh) or found already committed (a redelivery), before it is acknowledged. */
  onBatch?(batch: NodeBatch, fresh: boolean): void;
  publishEveryMs?: number;
}

export interface ControlPlaneBus {
  /** The snapshot id last announced by this replica. */
  published(): string | null;
  lastError(): string | null;
  stop(): Promise<void>;
}

const CHUNK = 500;
const RECHECK_MS = 30_000;
/** Longer than the stream keeps a batch (7 days): an id is never pruned while its batch can come back. */
const KEEP_IDS = "8 days";

/**
 * The snapshot's policy without its compile time: replicas compiling the same store at different moments get
 * different ids (the id covers createdAt) but the same content key.
 */
export function policyContentKey(s: PolicySnapshot): string {
  const { createdAt: _createdAt, ...policy } = s.input;
  return createHash("sha256").update(JSON.stringify(policy)).update(s.categories.contentHash).digest("hex").slice(0, 32);
}

/** Commit one node batch; false when it was committed before (a redelivery). */
export async function commitNodeBatch(db: Kysely<Database>, b: NodeBatch): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const fresh = await tx.insertInto("bus_batch").values({ id: b.id, node: b.node, records: b.records.length }).onConflict((oc) => oc.column("id").doNothing()).returning("id").executeTakeFirst();
    if (!fresh) return false;
    for (let i = 0; i < b.records.length; i += CHUNK) await tx.insertInto("decision_log").values(b.records.slice(i, i + CHUNK).map(decisionLogRow)).execute();
    if (b.detections.length) await recordDetections(tx, b.detections.map((d) => ({ address: d.address, at: new Date(d.lastSeen).toISOString(), hits: d.hits })));
    return true;
  });
}

/**
 * Announce each newly compiled snapshot (see the header); resolves after the first attempt. Objects of earlier
 * snapshots are deleted once they are `keepObjectsMs` old (a node still fetching one retries with the latest).
 */
export async function startSnapshotPublisher(bus: Bus, snapshot: () => PolicySnapshot | null, everyMs = 500, keepObjectsMs = 3_600_000): Promise<{ published(): string | null; lastError(): string | null; stop(): Promise<void> }> {
  let published: string | null = null;
  let checkedAt = 0;
  let lastError: string | null = null;
  let publishing: Promise<void> | null = null;
  const publish = async () => {
    const s = snapshot();
    if (!s) return;
    const due = Date.now() - checkedAt > RECHECK_MS;
    if (s.id === published && !due) return;
    try {
      // Another replica (or this one, earlier) announced the same policy: nodes keep what they run. A replica
      // whose compile is older than the announced one has not seen the latest change yet: it does not roll back.
      const content = policyContentKey(s);
      const announced = await bus.currentSnapshot();
      if (!announced || (announced.content !== content && Date.parse(announced.createdAt) <= Date.parse(s.createdAt))) {
        await storeSnapshot(bus, s);
        await bus.announce({ id: s.id, content, createdAt: s.createdAt, categories: s.categories.contentHash });
      }
      const a = announced && announced.content === content ? announced : await bus.currentSnapshot();
      if (a) await bus.pruneObjects(new Set([policyObject(a.id), categoriesObject(a.categories)]), keepObjectsMs);
      published = s.id;
      checkedAt = Date.now();
      lastError = null;
    } catch (e) {
      lastError = `snapshot publish: ${(e as Error).message}`;
    }
  };
  const tick = () => {
    publishing ??= publish().finally(() => (publishing = null));
    return publishing;
  };
  await tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return {
    published: () => published,
    lastError: () => lastError,
    async stop() {
      clearInterval(timer);
      await publishing;
    },
  };
}

/** A node's decision counters into the control plane's gateway metrics (one view of every node's traffic). */
function addNodeCounts(registry: client.Registry, c: WorkerCounts): void {
  const decisions = registry.getSingleMetric("qaqpa_gateway_decisions_total") as client.Counter | undefined;
  const categories = registry.getSingleMetric("qaqpa_gateway_category_total") as client.Counter | undefined;
  for (const [action, reason, tls, n] of c.decisions) decisions?.inc({ action, reason, tls }, n);
  for (const [category, action, n] of c.categories) categories?.inc({ category, action }, n);
}

export async function startControlPlaneBus(o: ControlPlaneBusOptions): Promise<ControlPlaneBus> {
  const publisher = await startSnapshotPublisher(o.bus, o.snapshot, o.publishEveryMs);
  let lastError: string | null = null;
  let pruned = 0;
  const handle = async (d: Delivery): Promise<void> => {
    let fresh: boolean;
    try {
      fresh = await commitNodeBatch(o.db, d.batch);
      if (Date.now() - pruned > 3_600_000) {
        pruned = Date.now();
        await sql`delete from bus_batch where committed_at < now() - ${KEEP_IDS}::interval`.execute(o.db);
      }
    } catch (e) {
      // The store refused it: the batch stays on the stream and comes back.
      lastError = `node batch ${d.batch.id}: ${(e as Error).message}`;
      d.nak();
      return;
    }
    if (fresh && o.registry) addNodeCounts(o.registry, d.batch.counts);
    o.onBatch?.(d.batch, fresh);
    // A lost acknowledgement only means a redelivery, which the batch id absorbs.
    await d.ack().catch(() => {});
  };
  let consumer: { stop(): Promise<void> };
  try {
    consumer = await o.bus.consumeBatches(handle);
  } catch (e) {
    await publisher.stop();
    throw e;
  }
  let nodeCredentials: NodeCredentialDirectory | null = null;
  let leafService: { stop(): Promise<void> } | null = null;
  if (o.sealer && o.leaves) {
    nodeCredentials = await watchNodeCredentials(o.db, o.sealer, o.credentialRefreshMs ? { refreshMs: o.credentialRefreshMs } : {});
    leafService = serveLeaves(o.bus, nodeCredentials, o.leaves);
  }

  return {
    published: publisher.published,
    lastError: () => lastError ?? publisher.lastError() ?? nodeCredentials?.lastError() ?? null,
    async stop() {
      await publisher.stop();
      await leafService?.stop();
      await nodeCredentials?.stop();
      await consumer.stop();
    },
  };
}
