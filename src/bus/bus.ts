/**
 * The bus between the control plane and gateway nodes in the multi-node mode (docs/architecture.md,
 * "Multi-node and no single point of failure"). The all-in-one does not use it: its gateway gets the snapshot
 * in process and its workers speak over the cluster IPC channel (src/gateway/cluster.ts).
 *
 * Three flows, each durable where it has to be:
 *  - policy snapshots: the control plane stores each compiled snapshot (policy and category database as two
 *    objects) and announces its content-hash id; a node fetches, verifies and swaps (src/gateway/node.ts,
 *    src/bus/snapshot-parts.ts);
 *  - node batches (decision records, counters and unknown-source detections, the same batch a cluster worker
 *    sends its primary): published to a stream, consumed durably by the control plane, acknowledged only once
 *    committed (src/bus/control-plane.ts);
 *  - leaves: request/reply, sealed under the requesting node's own credential (src/bus/leaves.ts).
 */
import type { FromWorker } from "../gateway/cluster.js";
import type { DecisionRecord } from "../gateway/decision-log.js";

/** A gateway node's name: its batch ids and bus subjects carry it, and it is the id it is enrolled under. */
export const NODE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A gateway node's batch: the cluster worker's batch plus who sent it and a unique id (the idempotency key).
 * Its records stay objects (self-describing on a wire between versions); only the in-host channel packs them.
 */
export type NodeBatch = Omit<Extract<FromWorker, { t: "batch" }>, "t" | "records"> & { records: DecisionRecord[]; id: string; node: string };

/** A durably delivered batch: `ack()` once its rows are committed; without it, it is delivered again. */
export interface Delivery {
  readonly batch: NodeBatch;
  ack(): Promise<void>;
  /** Deliver again later (the store refused it). */
  nak(): void;
}

/**
 * The snapshot in force: its id (content hash, what a node verifies) and its policy content key (the same hash
 * without the compile time), so control-plane replicas that compiled the same policy at different moments do not
 * re-announce it in turn, and its compile time, so a replica that has not yet seen a change does not announce
 * the policy from before it.
 */
export interface Announcement {
  id: string;
  content: string;
  /** When the snapshot was compiled: a replica never announces a policy older than the announced one. */
  createdAt: string;
  /** Content hash of the category database, stored as its own object: a policy-only change does not ship it. */
  categories: string;
}

export interface Bus {
  /** Store bytes under a name unless an object of that name exists (`bytes` is called only then). */
  storeObject(name: string, bytes: () => Uint8Array): Promise<void>;
  /** The bytes stored under name, or null when the store does not hold it. */
  fetchObject(name: string): Promise<Uint8Array | null>;
  /** Delete the stored objects not in `keep` that were stored more than `olderThanMs` ago. */
  pruneObjects(keep: ReadonlySet<string>, olderThanMs: number): Promise<number>;
  /** Announce the snapshot in force (its objects are stored first). */
  announce(a: Announcement): Promise<void>;
  /** The announcement now and on every change (called with the latest on start when there is one). */
  watchSnapshots(on: (a: Announcement) => void): Promise<{ stop(): Promise<void> }>;
  /** The announcement, read now (a watch that missed a change during a reconnect is caught up with this). */
  currentSnapshot(): Promise<Announcement | null>;

  /** Publish a node batch durably (resolves once the stream has stored it; a repeat of the same id is dropped). */
  publishBatch(batch: NodeBatch): Promise<void>;
  /** Consume node batches durably, one at a time, in the order they were stored. */
  consumeBatches(handle: (d: Delivery) => Promise<void>): Promise<{ stop(): Promise<void> }>;

  /** Serve requests on a subject (queue group: any one control-plane replica answers). */
  serve(subject: string, handle: (data: Uint8Array) => Promise<Uint8Array>): { stop(): Promise<void> };
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;

  readonly connected: boolean;
  close(): Promise<void>;
}

/**
 * Connect in the background until it succeeds and `onBus` accepts the bus (a process started during a NATS
 * outage still starts), then hand the bus over once. `stop()` ends the attempts and closes the bus if there is one.
 */
export function keepConnecting(connect: () => Promise<Bus>, onBus: (bus: Bus) => Promise<void>, onError: (e: Error) => void, retryMs = 1000): { stop(): Promise<void> } {
  let stopped = false;
  let bus: Bus | null = null;
  let timer: NodeJS.Timeout | null = null;
  let attempt: Promise<void> | null = null;
  const tryOnce = () => {
    attempt = connect()
      .then(async (b) => {
        if (stopped) return void (await b.close());
        try {
          await onBus(b);
          bus = b;
        } catch (e) {
          // Connected but unusable (e.g. JetStream not enabled): close and try again later.
          await b.close();
          throw e;
        }
      })
      .catch((e: Error) => {
        onError(e);
        if (bus) return;
        if (!stopped) timer = setTimeout(tryOnce, retryMs);
      });
  };
  tryOnce();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await attempt;
      await bus?.close();
    },
  };
}
