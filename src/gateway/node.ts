/**
 * A gateway node (multi-node mode, `qaqpa gateway-node`): the data plane without a store connection.
 *
 *  - Snapshot: it watches the control plane's announcement on the bus, fetches the snapshot (the category
 *    database only when its hash changed: src/bus/snapshot-parts.ts), verifies that its content hash is the
 *    announced id, persists it to its own disk and swaps it in atomically (a flow keeps the
 *    snapshot it started with). With the bus down it keeps the last good one; started during an outage it serves
 *    the one it persisted; with none at all it fails closed (`policy-unavailable`).
 *  - Decision records and unknown-source detections: batched every 200 ms — the batch a cluster worker sends its
 *    primary — written to a spool file first and published to the bus stream; the spool file is removed once the
 *    stream has stored the batch. A bus outage or a node crash loses nothing: spooled batches are published when
 *    the bus is back or the node restarts (the batch id makes a repeat harmless). The spool is bounded
 *    (`spoolMaxBytes`): past it, new batches are dropped and counted rather than filling the disk, and the node
 *    keeps serving — a log bus outage must not cut the organisation off the Internet.
 *  - Leaves: asked from the control plane over the bus with the node's own credential (src/bus/leaves.ts); the
 *    node never holds a CA key.
 *  - With `workers`, cluster workers serve the explicit proxy (src/gateway/cluster.ts) and this process is their
 *    primary, exactly as in the all-in-one.
 *  - Transparent listeners (`listen.transparent`): on the workers when there are any, else in this process.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import client from "prom-client";
import type { AddressInfo } from "node:net";
import { PolicySnapshot } from "../gateway-core/snapshot.js";
import { keepConnecting, NODE_NAME, type Announcement, type Bus, type NodeBatch } from "../bus/bus.js";
import { fetchSnapshot } from "../bus/snapshot-parts.js";
import { busLeaves } from "../bus/leaves.js";
import { Gateway, type LeafSource } from "./proxy.js";
import { createResolver } from "./resolver.js";
import { listenHereUnlessWorkers, type TransparentListeners } from "./transparent.js";
import { startGatewayCluster, type GatewayCluster, type Scheduling, type WorkerConfig, type WorkerCounts, type WorkerDetection } from "./cluster.js";
import type { DecisionRecord } from "./decision-log.js";
import { DecisionCounts } from "./decision-counts.js";

export interface GatewayNodeOptions {
  /** The node's name ([A-Za-z0-9_-]): in batch ids and bus subjects. */
  name: string;
  /** Where the node keeps its last good snapshot and its spool of unsent batches. */
  stateDir: string;
  /** How to reach the bus; retried in the background until it succeeds. */
  connectBus(): Promise<Bus>;
  /**
   * Listener and upstream settings: a cluster worker's (host, port, hosts map, portal URL, roots, timeouts, and
   * the transparent listeners).
   */
  listen: WorkerConfig;
  /**
   * The node's own credential (32 bytes), enrolled under `name` on the control plane (`qaqpa node enrol`):
   * without it the node splices, never bumps.
   */
  credential?: Uint8Array;
  workers?: number;
  scheduling?: Scheduling;
  batchEveryMs?: number;
  /** How often the announced id is read, in case a watch missed a change during a reconnect. */
  pollMs?: number;
  /** Health and metrics listener (GET /health, GET /metrics) for load balancers and Prometheus. */
  health?: { host: string; port: number };
  /**
   * How much the spool may hold (bytes, default SPOOL_MAX_BYTES). Over it, new batches are not written: their
   * records are counted as dropped and the node reports itself degraded, but it keeps serving.
   */
  spoolMaxBytes?: number;
}

export interface GatewayNode {
  readonly port: number;
  /** The health and metrics listener's port, when configured. */
  readonly healthPort: number | null;
  readonly cluster: GatewayCluster | null;
  /** This process's own transparent listeners: only without workers (the workers run theirs). */
  readonly transparent: TransparentListeners | null;
  snapshot(): PolicySnapshot | null;
  /** Whether the node is connected to the bus right now. */
  connected(): boolean;
  /** Batch what is pending and publish every spooled batch; resolves once the stream stored them all. */
  flush(): Promise<void>;
  lastError(): string | null;
  /** The spool's size on disk (bytes) and the decision records dropped since start because it was full. */
  spool(): { bytes: number; droppedRecords: number; full: boolean };
  stop(): Promise<void>;
}

const MAX_RECORDS_PER_BATCH = 500;
/** 1 GiB: about two million records at ~0.5 KiB each (docs/operations.md) — a 35-minute outage at 1,000 requests/s. */
export const SPOOL_MAX_BYTES = 1024 ** 3;

export async function startGatewayNode(o: GatewayNodeOptions): Promise<GatewayNode> {
  if (!NODE_NAME.test(o.name)) throw new Error(`gateway node name must be 1–64 of [A-Za-z0-9_-], got "${o.name}"`);
  const spoolDir = join(o.stateDir, "spool");
  mkdirSync(spoolDir, { recursive: true });
  const snapshotFile = join(o.stateDir, "snapshot.bin");
  let lastError: string | null = null;
  let bus: Bus | null = null;

  // ---------------------------------------------------------------- the snapshot
  let current: PolicySnapshot | null = null;
  try {
    const bytes = readFileSync(snapshotFile);
    const id = readFileSync(`${snapshotFile}.id`, "utf8").trim();
    const s = PolicySnapshot.deserialise(bytes);
    if (s.id === id) current = s;
    else lastError = `persisted snapshot ${id} hashes to ${s.id}: ignored`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") lastError = `persisted snapshot: ${(e as Error).message}`;
  }
  let cluster: GatewayCluster | null = null;
  let wanted: Announcement | null = null;
  let adopting: Promise<void> | null = null;
  const adopt = async (a: Announcement) => {
    const s = await fetchSnapshot(bus!, a, current?.categories ?? null);
    await cluster?.publish(s);
    current = s;
    writeFileSync(`${snapshotFile}.tmp`, s.serialise());
    renameSync(`${snapshotFile}.tmp`, snapshotFile);
    writeFileSync(`${snapshotFile}.id`, s.id);
  };
  const want = (a: Announcement) => {
    wanted = a;
    if (adopting) return;
    adopting = (async () => {
      while (wanted && wanted.id !== current?.id) {
        const next = wanted;
        try {
          await adopt(next);
          lastError = null;
        } catch (e) {
          // The last good snapshot stays in force; the next announcement or poll tries again.
          lastError = `snapshot ${next.id}: ${(e as Error).message}`;
          break;
        }
      }
    })().finally(() => (adopting = null));
  };

  // ---------------------------------------------------------------- batches
  let records: DecisionRecord[] = [];
  let detections = new Map<string, WorkerDetection>();
  // Counters of this process's own decisions, and those its cluster workers sent since the last batch.
  const ownCounts = new DecisionCounts();
  let counts: WorkerCounts = { decisions: [], categories: [] };
  const boot = randomBytes(6).toString("hex");
  let seq = 0;
  const spoolMaxBytes = o.spoolMaxBytes ?? SPOOL_MAX_BYTES;
  // Kept as running totals (what a restart finds, plus what is written, minus what is published): summing the
  // directory on every 200 ms tick, or on every /health, would stat thousands of files during a long outage.
  let spoolBytes = 0;
  let spoolFiles = 0;
  for (const f of readdirSync(spoolDir)) {
    if (f.endsWith(".json")) {
      spoolBytes += statSync(join(spoolDir, f)).size;
      spoolFiles++;
    } else if (f.endsWith(".json.tmp")) rmSync(join(spoolDir, f), { force: true }); // cut short by a crash, never renamed
  }
  let droppedRecords = 0;
  const spoolFull = () => spoolBytes >= spoolMaxBytes;
  const spool = (): void => {
    if (!ownCounts.empty) addCounts(ownCounts.take());
    while (records.length || detections.size || counts.decisions.length || counts.categories.length) {
      const batch: NodeBatch = { id: `${o.name}.${boot}.${++seq}`, node: o.name, records: records.slice(0, MAX_RECORDS_PER_BATCH), detections: [...detections.values()], counts };
      records = records.slice(MAX_RECORDS_PER_BATCH);
      detections = new Map();
      counts = { decisions: [], categories: [] };
      if (spoolFull()) {
        // The whole batch goes (its counters and detections too): the disk is the limit, and only records are
        // worth a counter of their own — they are what the log will be missing.
        droppedRecords += batch.records.length;
        continue;
      }
      const file = join(spoolDir, `${String(Date.now()).padStart(15, "0")}-${batch.id}.json`);
      const bytes = Buffer.from(JSON.stringify(batch));
      writeFileSync(`${file}.tmp`, bytes);
      renameSync(`${file}.tmp`, file);
      spoolBytes += bytes.length;
      spoolFiles++;
    }
  };
  const unspool = (file: string, bytes: number): void => {
    rmSync(file, { force: true });
    spoolBytes = Math.max(0, spoolBytes - bytes);
    spoolFiles = Math.max(0, spoolFiles - 1);
  };
  let sending: Promise<void> | null = null;
  const send = () =>
    (sending ??= (async () => {
      spool();
      if (!bus) return;
      for (const f of readdirSync(spoolDir).filter((f) => f.endsWith(".json")).sort()) {
        const file = join(spoolDir, f);
        let batch: NodeBatch;
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          continue;
        }
        try {
          batch = JSON.parse(bytes.toString("utf8")) as NodeBatch;
        } catch {
          unspool(file, bytes.length); // half-written before a crash: it never reached the bus either
          continue;
        }
        try {
          await bus.publishBatch(batch);
        } catch (e) {
          lastError = `publishing batch ${batch.id}: ${(e as Error).message}`;
          return; // in order: the rest waits for the bus too
        }
        unspool(file, bytes.length);
      }
    })().finally(() => (sending = null)));
  const batchTimer = setInterval(() => void send(), o.batchEveryMs ?? 200);
  batchTimer.unref();

  const onDetection = (w: WorkerDetection) => {
    const d = detections.get(w.address);
    if (d) {
      d.hits += w.hits;
      d.lastSeen = Math.max(d.lastSeen, w.lastSeen);
    } else detections.set(w.address, { ...w });
  };
  const sink = { write: (r: DecisionRecord) => void records.push(r) };
  function addCounts(c: WorkerCounts): void {
    counts = { decisions: [...counts.decisions, ...c.decisions], categories: [...counts.categories, ...c.categories] };
  }

  // ---------------------------------------------------------------- leaves, listeners, bus
  let leafSource: (LeafSource & { clear(): void }) | null = null;
  const leaves = () => leafSource;
  const gateway = new Gateway({
    snapshot: () => current,
    resolver: createResolver({ hosts: new Map(Object.entries(o.listen.hosts)), allowPrivate: o.listen.allowPrivateDns }),
    leaves,
    upstreamCa: o.listen.upstreamCa,
    portalUrl: o.listen.portalUrl,
    ...(o.listen.timeouts ? { timeouts: o.listen.timeouts } : {}),
    sink,
    onUnknownSource(address) {
      const now = Date.now();
      onDetection({ address, firstSeen: now, lastSeen: now, hits: 1 });
    },
    onDecision: (d) => ownCounts.add(d),
  });
  if (o.workers && o.workers > 0) {
    cluster = await startGatewayCluster({
      ...o.listen,
      workers: o.workers,
      scheduling: o.scheduling,
      snapshot: current,
      leaves,
      sink,
      onDetection,
      onCounts: addCounts,
    });
  }
  const { port, transparent } = await listenHereUnlessWorkers(cluster, gateway, () => current, o.listen).catch((e: unknown) => {
    clearInterval(batchTimer);
    throw e;
  });

  let watch: { stop(): Promise<void> } | null = null;
  const poll = () => {
    bus?.currentSnapshot().then(
      (a) => a && want(a),
      (e: Error) => (lastError = `bus: ${e.message}`),
    );
  };
  const pollTimer = setInterval(poll, o.pollMs ?? 5000);
  pollTimer.unref();
  const connection = keepConnecting(
    o.connectBus,
    async (b) => {
      bus = b;
      try {
        watch = await b.watchSnapshots(want);
      } catch (e) {
        bus = null; // keepConnecting closes it and tries again
        throw e;
      }
      if (o.credential) leafSource = busLeaves(b, o.name, o.credential);
      void send();
    },
    (e) => (lastError = `bus: ${e.message}`),
  );

  const spooled = () => spoolFiles;
  const health = o.health
    ? await startNodeHealth(o.health, () => ({
        node: o.name,
        status: !current ? "failing-closed" : spoolFull() ? "degraded" : "ok",
        snapshot: current?.id ?? null,
        createdAt: current?.createdAt ?? null,
        bus: bus?.connected ?? false,
        spooled: spooled(),
        spoolBytes,
        spoolMaxBytes,
        droppedRecords,
        lastError,
      }))
    : null;

  return {
    port,
    healthPort: health?.port ?? null,
    cluster,
    transparent,
    snapshot: () => current,
    connected: () => bus?.connected ?? false,
    async flush() {
      await cluster?.flush();
      await sending;
      await send();
      if (spooled() > 0) throw new Error(`gateway node ${o.name}: batches wait in the spool (${lastError ?? "bus not connected"})`);
    },
    lastError: () => lastError,
    spool: () => ({ bytes: spoolBytes, droppedRecords, full: spoolFull() }),
    async stop() {
      clearInterval(pollTimer);
      clearInterval(batchTimer);
      await transparent?.close();
      await cluster?.stop();
      await gateway.close();
      await adopting;
      await sending;
      // What is still pending is spooled; it is published now if the bus is up, or by the next start.
      await send();
      await watch?.stop();
      await connection.stop();
      await health?.close();
    },
  };
}

interface NodeHealth {
  node: string;
  /** degraded: the spool is full and decision records are being dropped; the node still serves. */
  status: "ok" | "degraded" | "failing-closed";
  snapshot: string | null;
  createdAt: string | null;
  bus: boolean;
  spooled: number;
  spoolBytes: number;
  spoolMaxBytes: number;
  droppedRecords: number;
  lastError: string | null;
}

/**
 * GET /health: 200 while the node has a snapshot to serve (it fails closed without one: 503, take it out of
 * rotation) — degraded included, since taking a node out of rotation because the log bus is down would make
 * that bus a single point of failure for every user's access; GET /metrics: the same as Prometheus gauges.
 * Decision counters are the control plane's.
 */
async function startNodeHealth(at: { host: string; port: number }, state: () => NodeHealth): Promise<{ port: number; close(): Promise<void> }> {
  const registry = new client.Registry();
  const gauge = (name: string, help: string) => new client.Gauge({ name, help, registers: [registry] });
  const snapshotAt = gauge("qaqpa_node_snapshot_timestamp_seconds", "When the snapshot this node serves was compiled (0: none, failing closed)");
  const busConnected = gauge("qaqpa_node_bus_connected", "Whether the node is connected to the bus");
  const spooledBatches = gauge("qaqpa_node_spooled_batches", "Batches of decision records waiting on the node's disk for the bus");
  const spoolBytes = gauge("qaqpa_node_spool_bytes", "Bytes of the spool on the node's disk (new batches are dropped at qaqpa_node_spool_max_bytes)");
  const spoolMaxBytes = gauge("qaqpa_node_spool_max_bytes", "The spool's limit (gatewayNode.spoolMaxBytes)");
  const dropped = new client.Counter({ name: "qaqpa_node_dropped_records_total", help: "Decision records dropped since the node started because the spool was full", registers: [registry] });
  const server = createServer((req, res) => {
    const h = state();
    if (req.method === "GET" && req.url === "/health") {
      res.writeHead(h.snapshot ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
      return void res.end(JSON.stringify(h));
    }
    if (req.method === "GET" && req.url === "/metrics") {
      snapshotAt.set(h.createdAt ? Date.parse(h.createdAt) / 1000 : 0);
      busConnected.set(h.bus ? 1 : 0);
      spooledBatches.set(h.spooled);
      spoolBytes.set(h.spoolBytes);
      spoolMaxBytes.set(h.spoolMaxBytes);
      // The node keeps the running total itself (it is on /health too); the counter shows it as it stands.
      dropped.reset();
      dropped.inc(h.droppedRecords);
      return void registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
