/**
 * One gateway worker (see cluster.ts): the explicit proxy on the shared listening socket (and the transparent
 * listeners on theirs, when the primary configures them), the snapshot the primary hands over (swapped
 * atomically: a flow keeps the snapshot it started with, since every decision reads `current` once), leaves
 * asked from the primary and cached here, decision records, counters and unknown sources batched back to the
 * primary every 100 ms and on stop.
 *
 * A worker holds no CA key: only the leaves it serves (leaf private key + certificate chain).
 */
import cluster from "node:cluster";
import net from "node:net";
import { readFileSync } from "node:fs";
import { PolicySnapshot } from "../gateway-core/snapshot.js";
import type { MintedLeaf } from "../ca/leaf.js";
import { Gateway } from "./proxy.js";
import { cachedLeaves, leafFromWire } from "./leaf-wire.js";
import { DecisionCounts } from "./decision-counts.js";
import { createResolver } from "./resolver.js";
import { startTransparent, type TransparentListeners, type TransparentSpec } from "./transparent.js";
import { packRecord, type PackedRecord } from "./decision-log.js";
import type { FromWorker, ListenerRole, ToWorker, WorkerConfig, WorkerDetection } from "./cluster.js";

if (cluster.isPrimary || !process.send) throw new Error("cluster-worker runs as a cluster worker");

const send = (m: FromWorker, cb?: () => void) => {
  if (process.connected) process.send!(m, undefined, {}, cb ? () => cb() : undefined);
  else cb?.();
};

let current: PolicySnapshot | null = null;
let caActive = false;
let gateway: Gateway | null = null;
let transparent: TransparentListeners | null = null;

function load(file: string, snapshotId: string): void {
  if (!file) return void send({ t: "snapshot-ok", snapshotId });
  try {
    const s = PolicySnapshot.deserialise(readFileSync(file));
    current = s;
    send({ t: "snapshot-ok", snapshotId });
  } catch (e) {
    send({ t: "snapshot-failed", snapshotId, error: (e as Error).message });
  }
}

// ------------------------------------------------------------------ leaves from the primary
const pending = new Map<number, { resolve(l: MintedLeaf): void; reject(e: Error): void }>();
let nextId = 1;

const leaves = cachedLeaves(
  (name, keyType) =>
    new Promise<MintedLeaf>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      send({ t: "leaf", id, name, keyType });
    }),
);

// ------------------------------------------------------------------ batches to the primary
let records: PackedRecord[] = [];
const counts = new DecisionCounts();
let detections = new Map<string, WorkerDetection>();

function flush(cb?: () => void): void {
  if (!records.length && counts.empty && !detections.size) return void cb?.();
  const m: FromWorker = { t: "batch", records, counts: counts.take(), detections: [...detections.values()] };
  records = [];
  detections = new Map();
  send(m, cb);
}
/**
 * A batch is encoded for IPC in one synchronous step, and every request the worker has in hand waits for it:
 * 800 records (a busy 100 ms) took ~2.7 ms, enough to be the slowest 1–3 % of requests. So a batch leaves at
 * BATCH_RECORDS (a few tenths of a millisecond) or every 100 ms, whichever comes first.
 */
const BATCH_RECORDS = 128;
const flushTimer = setInterval(() => flush(), 100);
flushTimer.unref();

/** Scheduling "reuseport": listening sockets of this worker's own, from the primary, by the listener they serve. */
const own = new Map<ListenerRole, net.Server>();
/** Connections the primary passed on for a listener that has not started yet (the transparent ones start later). */
const early: { role: ListenerRole; socket: net.Socket }[] = [];

function start(config: WorkerConfig): void {
  gateway = new Gateway({
    snapshot: () => current,
    resolver: createResolver({ hosts: new Map(Object.entries(config.hosts)), allowPrivate: config.allowPrivateDns }),
    leaves: () => (caActive ? leaves : null),
    upstreamCa: config.upstreamCa,
    portalUrl: config.portalUrl,
    ...(config.timeouts ? { timeouts: config.timeouts } : {}),
    sink: {
      write(r) {
        records.push(packRecord(r));
        if (records.length >= BATCH_RECORDS) flush();
      },
    },
    onUnknownSource(address) {
      const now = Date.now();
      const d = detections.get(address);
      if (d) {
        d.hits++;
        d.lastSeen = now;
      } else detections.set(address, { address, firstSeen: now, lastSeen: now, hits: 1 });
    },
    onDecision: (d) => counts.add(d),
  });
  const g = gateway;
  void (async () => {
    const proxy = own.get("proxy");
    const port = proxy ? g.adopt(proxy) : await g.listen(config.port, config.host);
    // Transparent flows go through the same Gateway, hence the same batches: their records, counters and
    // unknown sources reach the primary as the explicit proxy's do.
    if (config.transparent) {
      const spec: TransparentSpec = { ...config.transparent };
      for (const role of ["http", "tls"] as const) {
        const server = own.get(role);
        if (server && spec[role]) spec[role] = { server };
      }
      transparent = (await startTransparent(g, () => current, spec)).listeners;
    }
    for (const e of early.splice(0)) own.get(e.role)?.emit("connection", e.socket);
    return port;
  })().then(
    (port) => send({ t: "listening", port }),
    (e: Error) => send({ t: "listen-failed", error: e.message }, () => process.exit(1)),
  );
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await transparent?.close();
  await gateway?.close();
  // Connection records are written from the sockets' close events: let them run, then send the last batch.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 10));
  clearInterval(flushTimer);
  flush(() => send({ t: "stopped" }, () => process.exit(0)));
}

process.on("message", (m: ToWorker, handle?: net.Server | net.Socket) => {
  switch (m.t) {
    case "listener":
      if (handle instanceof net.Server) own.set(m.role, handle);
      break;
    case "init":
      caActive = m.ca;
      load(m.file, m.snapshotId);
      start(m.config);
      break;
    case "adopt":
      // A connection the primary accepted on one of this worker's sockets before the worker took it over.
      if (!(handle instanceof net.Socket)) break;
      // Through the listener's own socket, whose "connection" handler the gateway or transparent listener set.
      const server = own.get(m.role);
      if (stopping || !server) handle.destroy();
      else if (server.listenerCount("connection") > 0) server.emit("connection", handle);
      else early.push({ role: m.role, socket: handle });
      break;
    case "snapshot":
      load(m.file, m.snapshotId);
      break;
    case "ca":
      caActive = m.active;
      if (!m.active) leaves.clear();
      break;
    case "leaf": {
      const p = pending.get(m.id);
      if (!p) break;
      pending.delete(m.id);
      if (m.ok) p.resolve(leafFromWire(m.name, m.keyType, m));
      else p.reject(new Error(m.error));
      break;
    }
    case "flush": {
      const id = m.id;
      flush(() => send({ t: "flushed", id }));
      break;
    }
    case "stop":
      void stop();
      break;
  }
});
// The primary went away without a stop: close and exit.
process.on("disconnect", () => void stop());
process.on("SIGTERM", () => void stop());
// Ctrl-C reaches the whole process group: the primary stops the workers itself, after their last batch.
process.on("SIGINT", () => {});
send({ t: "ready" });
