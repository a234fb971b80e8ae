/**
 * The bus over NATS JetStream (src/bus/bus.ts). Names are derived from one namespace (default "qaqpa"), so
 * several deployments (or test runs) can share a NATS cluster:
 *
 *   <ns>_snapshots   object store: policy-<id> (the snapshot without its category database) and
 *                    categories-<content hash> (chunked; a 1 M-domain database is tens of MiB, above NATS's
 *                    per-message limit, and is stored again only when it changes)
 *   <ns>_policy      key-value bucket: key "current" = the announcement of the snapshot in force (history 1)
 *   <ns>_node_batches stream on <ns>.node.batch.<node>: work-queue retention, so a batch stays until the control
 *                    plane acknowledges it (kept up to 7 days through a control-plane outage); the batch id is
 *                    the message id, so a node's retry after a lost acknowledgement is stored once
 *   <ns>.leaf        request subject of the leaf service (queue group: one control-plane replica answers)
 *
 * Once connected the client reconnects forever; the first connection fails fast when NATS is unreachable, and
 * `keepConnecting` (src/bus/bus.ts) retries it in the background, so a process can start during an outage.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { Objm, type ObjectStore } from "@nats-io/obj";
import type { Announcement, Bus, Delivery, NodeBatch } from "./bus.js";

export interface NatsBusOptions {
  servers: string[];
  /** Prefix of every stream, bucket and subject name ([A-Za-z0-9_-]). */
  namespace?: string;
  /** Connection name shown by the NATS server (the node or replica name). */
  name: string;
  /** NATS user credentials, when the server requires them. */
  user?: string;
  pass?: string;
  /**
   * How long a delivered node batch may stay unacknowledged before it is delivered again (the longest a commit
   * may take; also how soon batches held by a crashed replica come back). Default 30 s.
   */
  ackWaitMs?: number;
}

const NANOS_PER_MS = 1_000_000;
const DAY_MS = 86_400_000;

export function busNames(namespace = "qaqpa") {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(namespace)) throw new Error(`bus namespace must be 1–64 of [A-Za-z0-9_-], got "${namespace}"`);
  return {
    snapshots: `${namespace}_snapshots`,
    policy: `${namespace}_policy`,
    batches: `${namespace}_node_batches`,
    batchSubject: `${namespace}.node.batch`,
    consumer: `${namespace}_control_plane`,
    subject: (s: string) => `${namespace}.${s}`,
  };
}

function announcement(text: string): Announcement | null {
  try {
    const a = JSON.parse(text) as Announcement;
    return typeof a.id === "string" && typeof a.content === "string" && typeof a.createdAt === "string" && typeof a.categories === "string" ? a : null;
  } catch {
    return null;
  }
}

/** Connect once (rejects when no server answers). */
export async function connectNatsBus(o: NatsBusOptions): Promise<Bus> {
  const n = busNames(o.namespace);
  const nc: NatsConnection = await connect({
    servers: o.servers,
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...(o.user ? { user: o.user, pass: o.pass } : {}),
  });
  // Connected from the client's own status events (disconnect / reconnect), not from what it cached.
  let up = true;
  void (async () => {
    for await (const st of nc.status()) {
      if (st.type === "disconnect") up = false;
      else if (st.type === "reconnect") up = true;
    }
  })();
  const jsm: JetStreamManager = await jetstreamManager(nc);
  const js = jetstream(nc);
  let kv: KV | null = null;
  let os: ObjectStore | null = null;
  const policy = async () => (kv ??= await new Kvm(js).create(n.policy, { history: 1 }));
  const objects = async () => (os ??= await new Objm(js).create(n.snapshots, { storage: StorageType.File }));
  let stream: Promise<unknown> | null = null;
  const ensureStream = () =>
    (stream ??= jsm.streams
      .info(n.batches)
      .catch(() =>
        jsm.streams.add({
          name: n.batches,
          subjects: [`${n.batchSubject}.>`],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          max_age: 7 * DAY_MS * NANOS_PER_MS,
          duplicate_window: 2 * 60_000 * NANOS_PER_MS,
        }),
      )
      .catch((e) => {
        stream = null;
        throw e;
      }));

  return {
    get connected() {
      return up && !nc.isClosed() && !nc.isDraining();
    },
    async storeObject(name, bytes) {
      const store = await objects();
      if (!(await store.info(name))) await store.putBlob({ name }, bytes());
    },
    async fetchObject(name) {
      return (await objects()).getBlob(name);
    },
    async pruneObjects(keep, olderThanMs) {
      const store = await objects();
      let n = 0;
      for (const info of await store.list()) {
        if (keep.has(info.name) || Date.now() - Date.parse(info.mtime) < olderThanMs) continue;
        await store.delete(info.name);
        n++;
      }
      return n;
    },
    async announce(a) {
      await (await policy()).put("current", JSON.stringify(a));
    },
    async watchSnapshots(on) {
      const kv = await policy();
      const w = await kv.watch({ key: "current" });
      void (async () => {
        for await (const e of w) {
          const a = e.operation === "PUT" ? announcement(e.string()) : null;
          if (a) on(a);
        }
      })();
      return {
        async stop() {
          w.stop();
        },
      };
    },
    async currentSnapshot() {
      const e = await (await policy()).get("current");
      return e ? announcement(e.string()) : null;
    },
    async publishBatch(batch: NodeBatch) {
      await ensureStream();
      await js.publish(`${n.batchSubject}.${batch.node}`, JSON.stringify(batch), { msgID: batch.id });
    },
    async consumeBatches(handle: (d: Delivery) => Promise<void>) {
      await ensureStream();
      // One durable consumer shared by every control-plane replica: each batch goes to one of them.
      await jsm.consumers.add(n.batches, {
        durable_name: n.consumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: (o.ackWaitMs ?? 30_000) * NANOS_PER_MS,
        max_ack_pending: 256,
      });
      const consumer = await js.consumers.get(n.batches, n.consumer);
      const messages = await consumer.consume({ max_messages: 64 });
      const done = (async () => {
        for await (const m of messages) {
          let batch: NodeBatch;
          try {
            batch = m.json<NodeBatch>();
          } catch {
            // Not a batch: nothing can ever commit it, so it is taken off the queue.
            m.term();
            continue;
          }
          await handle({ batch, ack: () => m.ackAck().then(() => undefined), nak: () => m.nak(1000) });
        }
      })();
      return {
        async stop() {
          messages.stop();
          await done.catch(() => {});
        },
      };
    },
    serve(subject, handle) {
      const sub = nc.subscribe(n.subject(subject), {
        queue: n.consumer,
        callback: (err, m) => {
          if (err) return;
          handle(m.data).then(
            (r) => m.respond(r),
            () => m.respond(new Uint8Array(0)),
          );
        },
      });
      return {
        async stop() {
          sub.unsubscribe();
        },
      };
    },
    async request(subject, data, timeoutMs) {
      return (await nc.request(n.subject(subject), data, { timeout: timeoutMs })).data;
    },
    async close() {
      await nc.drain().catch(() => nc.close());
    },
  };
}

/** Remove every stream and bucket of a namespace (tests clean up after themselves). */
export async function destroyNamespace(servers: string[], namespace: string): Promise<void> {
  const n = busNames(namespace);
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    for (const s of [n.batches, `KV_${n.policy}`, `OBJ_${n.snapshots}`]) await jsm.streams.delete(s).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Reach a NATS server and ask for the JetStream account (qaqpa doctor): the server's version, or why not. */
export async function probeNats(o: Pick<NatsBusOptions, "servers" | "user" | "pass">): Promise<string> {
  const nc = await connect({ servers: o.servers, name: "qaqpa doctor", timeout: 3000, ...(o.user ? { user: o.user, pass: o.pass } : {}) });
  try {
    await (await jetstreamManager(nc)).getAccountInfo();
    return `nats-server ${nc.info?.version ?? "?"} with JetStream at ${nc.getServer()}`;
  } finally {
    await nc.close();
  }
}
