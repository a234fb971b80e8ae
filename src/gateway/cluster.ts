/**
 * Cluster workers: the explicit proxy (and the transparent listeners, when configured) on every core, one policy
 * snapshot for all of them.
 *
 *   primary (control plane / all-in-one)                     worker × N (src/gateway/cluster-worker.ts)
 *     compiles the snapshot ── file + {snapshot, file} ──▶      loads it, swaps atomically (a flow keeps the
 *                                                               snapshot it started with)
 *     holds the issuing intermediate ◀── {leaf, name} ──       asks for a leaf on a cache miss; keeps leaves
 *       and mints leaves             ── {leaf, pem, key} ──▶   (leaf key + chain), never a CA key
 *     decision-log batching, metrics, ◀── {batch} ──           records, counters and unknown sources, batched
 *       unknown-source detections                              every 100 ms and on stop (nothing lost)
 *
 * How new connections reach the workers (`scheduling`):
 *  - "reuseport" (the default where the socket addon is built): every worker has a listening socket of its own,
 *    bound to the same port with SO_REUSEPORT, so the kernel spreads connections over the workers' own accept
 *    queues by a hash of the connection. Node 20 cannot open one (no reusePort option), so the primary makes
 *    the socket with the addon (native/sockets), listens on it and hands the listening handle to the worker
 *    over IPC, then closes its own copy once the worker accepts on it; a connection the primary's loop accepted
 *    in between is passed to the worker too. A worker that dies takes its socket with it, and its replacement
 *    gets a new one; the connections still in the dead socket's accept queue go to a live worker's socket where
 *    net.ipv4.tcp_migrate_req is 1 (deploy/sysctl.d), and are reset where it is not.
 *  - "none": one shared socket, every worker accepts on it. The worker that wakes first accepts a whole burst —
 *    all 32 connections of the benchmark's keep-alive rows landed on one worker — and the other cores idle.
 *  - "rr": the primary accepts and passes each connection over IPC, which costs a second process per connection.
 * The transparent listeners on ports get sockets of their own the same way. Socket-activated descriptors are
 * the primary's, and a worker's `listen({ fd })` is resolved by the primary (node:cluster's shared handle), so
 * systemd's sockets need no passing on: one descriptor is shared as with "none"; several of one listener (a
 * `ReusePort=yes` socket unit template, one instance per worker) are shared out, each worker accepting on its
 * own (`listenerShare`), and a replacement worker takes over its predecessor's.
 * A worker that dies is replaced with the current snapshot. `stop()` asks every worker to close and flush,
 * and waits for them.
 */
import cluster, { type Worker } from "node:cluster";
import net from "node:net";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { PolicySnapshot } from "../gateway-core/snapshot.js";
import { unpackRecord, type DecisionSink, type PackedRecord } from "./decision-log.js";
import type { LeafSource } from "./proxy.js";
import { leafToWire } from "./leaf-wire.js";
import type { TransparentSpec } from "./transparent.js";
import { socketsBinding } from "./native-sockets.js";

/** What a worker needs besides the snapshot; plain data (it crosses the IPC channel). */
export interface WorkerConfig {
  host: string;
  port: number;
  hosts: Readonly<Record<string, readonly string[]>>;
  portalUrl: string;
  upstreamCa?: string[];
  allowPrivateDns?: boolean;
  timeouts?: { firstBytesMs?: number; handshakeMs?: number; idleMs?: number; connectMs?: number };
  /**
   * Transparent listeners in every worker, on the same ports (shared like the explicit proxy's) or on the
   * primary's inherited descriptors: so that transparent traffic uses every core and stays off the primary.
   */
  transparent?: TransparentSpec;
}

/** One unknown source as a worker saw it since its last batch. */
export interface WorkerDetection {
  address: string;
  firstSeen: number;
  lastSeen: number;
  hits: number;
}

/** Decision counters (action, reason, tls) → n and (category, action) → n, aggregated in the worker. */
export interface WorkerCounts {
  decisions: [string, string, string, number][];
  categories: [string, string, number][];
}

export type ToWorker =
  /** Scheduling "reuseport": one of the worker's own listening sockets (the handle), sent before "init". */
  | { t: "listener"; role: ListenerRole }
  | { t: "init"; config: WorkerConfig; file: string; snapshotId: string; ca: boolean }
  /** A connection the primary accepted on a worker's own socket before the worker took it over (the handle). */
  | { t: "adopt"; role: ListenerRole }
  | { t: "snapshot"; file: string; snapshotId: string }
  | { t: "ca"; active: boolean }
  | { t: "leaf"; id: number; ok: true; name: string; keyType: "ecdsa" | "rsa"; epoch: number; /** Leaf then chain, DER in base64. */ ders: string[]; keyPem: string }
  | { t: "leaf"; id: number; ok: false; error: string }
  | { t: "flush"; id: number }
  | { t: "stop" };

export type FromWorker =
  | { t: "ready" }
  | { t: "listening"; port: number }
  | { t: "listen-failed"; error: string }
  | { t: "snapshot-ok"; snapshotId: string }
  | { t: "snapshot-failed"; snapshotId: string; error: string }
  | { t: "leaf"; id: number; name: string; keyType: "ecdsa" | "rsa" }
  | { t: "batch"; records: PackedRecord[]; counts: WorkerCounts; detections: WorkerDetection[] }
  | { t: "flushed"; id: number }
  | { t: "stopped" };

/** Which of a worker's listeners a socket of its own serves: the explicit proxy, transparent HTTP or TLS. */
export type ListenerRole = "proxy" | "http" | "tls";

/** How new connections reach the workers; see the top of this file. */
export type Scheduling = "reuseport" | "none" | "rr";

export interface GatewayClusterOptions extends WorkerConfig {
  workers: number;
  /** Defaults to "reuseport" where the socket addon is built and the host is an address, else "none". */
  scheduling?: Scheduling;
  /** null = no good snapshot yet: the workers fail closed until one is published. */
  snapshot: PolicySnapshot | null;
  leaves: () => LeafSource | null;
  sink: DecisionSink;
  onDetection(d: WorkerDetection): void;
  onCounts?(c: WorkerCounts): void;
  /** How long stop() waits for a worker to flush and exit before killing it. */
  stopTimeoutMs?: number;
}

export interface GatewayCluster {
  readonly port: number;
  readonly workers: number;
  /** Hand a new snapshot to every worker; resolves when all of them run it. */
  publish(snapshot: PolicySnapshot): Promise<void>;
  /** Every worker sends what it has batched; resolves once the primary's sink has it all. */
  flush(): Promise<void>;
  /** Snapshot id each live worker runs (tests, health). */
  versions(): string[];
  /** Process ids of the live workers (tests, diagnostics). */
  pids(): number[];
  stop(): Promise<void>;
}

function withoutTsx(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === "--import" || argv[i] === "--loader") && argv[i + 1]?.includes("tsx")) i++;
    else if (!/^--(import|loader)=.*tsx/.test(argv[i]!)) out.push(argv[i]!);
  }
  return out;
}

function workerExec(): { exec: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  // From the build the workers need no TypeScript loader, even when the primary was started with one (a
  // harness in TypeScript around the built gateway): its hooks thread would sit in every worker.
  if (!here.endsWith(".ts")) return { exec: join(here, "..", "cluster-worker.js"), execArgv: withoutTsx(process.execArgv) };
  // From the TypeScript sources the workers need the loader the primary runs under; a primary that registered
  // it in-process (bin/qaqpa.mjs without a build) has no --import flag for the workers to inherit.
  const inherited = process.execArgv.some((a) => a.includes("tsx"));
  const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return { exec: join(here, "..", "cluster-worker.ts"), execArgv: inherited ? process.execArgv : [...process.execArgv, "--import", loader] };
}

/** Start N workers listening on host:port (0 = one free port shared by all), each running `snapshot`. */
export async function startGatewayCluster(o: GatewayClusterOptions): Promise<GatewayCluster> {
  if (!cluster.isPrimary) throw new Error("startGatewayCluster runs in the primary process");
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new Error(`workers must be a positive integer, got ${o.workers}`);
  const sockets = socketsBinding();
  const scheduling: Scheduling = o.scheduling ?? (sockets && net.isIP(o.host) ? "reuseport" : "none");
  if (scheduling === "reuseport" && !sockets) throw new Error('scheduling "reuseport" needs the socket addon (npm run build:native)');
  if (scheduling === "reuseport" && !net.isIP(o.host)) throw new Error(`scheduling "reuseport" needs an address to bind, not ${o.host}`);
  cluster.schedulingPolicy = scheduling === "rr" ? cluster.SCHED_RR : cluster.SCHED_NONE;
  cluster.setupPrimary({ ...workerExec(), args: [], silent: false });

  const dir = mkdtempSync(join(tmpdir(), "qaqpa-gateway-"));
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  let current = { file: "", snapshotId: "" };
  const writeSnapshot = (s: PolicySnapshot | null) => {
    if (!s) return { file: "", snapshotId: "" };
    const file = join(dir, `snapshot-${++seq}.bin`);
    writeFileSync(`${file}.tmp`, s.serialise());
    renameSync(`${file}.tmp`, file);
    return { file, snapshotId: s.id };
  };
  current = writeSnapshot(o.snapshot);

  /** `slot`: the worker's place among o.workers, kept by its replacement (its share of inherited descriptors). */
  const live = new Map<number, { worker: Worker; slot: number; ready: boolean; snapshotId: string; listening: boolean; failed: string | null; flushed: number; own: net.Server[] }>();
  let flushSeq = 0;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  let caActive = o.leaves() !== null;
  let stopping = false;
  /** Workers that died before listening, in a row: past a few, the cause is not transient — stop replacing them. */
  let earlyDeaths = 0;
  let broken: string | null = null;
  let port = o.port;

  const onMessage = (w: Worker, m: FromWorker) => {
    const entry = live.get(w.id);
    switch (m.t) {
      case "ready": {
        // Sent once the worker's module has loaded and listens for messages (earlier ones would be lost).
        if (entry) entry.ready = true;
        const init = { t: "init", config: configFor(entry?.slot ?? 0), file: current.file, snapshotId: current.snapshotId, ca: caActive } satisfies ToWorker;
        if (scheduling === "reuseport" && entry) {
          for (const [role, at] of ownRoles()) {
            try {
              const server = ownListener(w, role, at);
              entry.own.push(server);
              w.send({ t: "listener", role } satisfies ToWorker, server);
            } catch (e) {
              const err = e as NodeJS.ErrnoException;
              broken ??= `gateway worker could not listen: bind ${err.code ?? "failed"} ${at.host}:${ports.get(role) ?? at.port} (${err.message})`;
              // Like a worker whose own listen failed: it exits, and is not replaced (the cause does not heal).
              for (const own of entry.own.splice(0)) own.close();
              w.process.kill();
              notify();
              return;
            }
          }
        }
        // Messages keep their order, those with handles too: the worker has its sockets when "init" arrives.
        w.send(init);
        break;
      }
      case "listening":
        port = m.port;
        if (entry) {
          entry.listening = true;
          // The worker accepts on its sockets now: the primary's copies go, so the primary never accepts on them.
          for (const s of entry.own) s.close();
          entry.own = [];
        }
        notify();
        break;
      case "listen-failed":
        // A port in use or a descriptor that is not a socket does not heal by itself: no replacement would listen.
        broken ??= `gateway worker could not listen: ${m.error}`;
        notify();
        break;
      case "snapshot-ok":
        if (entry) entry.snapshotId = m.snapshotId;
        notify();
        break;
      case "snapshot-failed":
        // The worker keeps its last good snapshot; publish() reports the failure.
        if (entry) entry.failed = `${m.snapshotId}: ${m.error}`;
        notify();
        break;
      case "batch":
        for (const r of m.records) o.sink.write(unpackRecord(r));
        for (const d of m.detections) o.onDetection(d);
        if (m.counts.decisions.length || m.counts.categories.length) o.onCounts?.(m.counts);
        break;
      case "leaf": {
        const reply = (x: ToWorker) => {
          if (w.isConnected()) w.send(x);
        };
        const src = o.leaves();
        if (!src) {
          reply({ t: "leaf", id: m.id, ok: false, error: "no active issuing CA" });
          break;
        }
        src.get(m.name, m.keyType).then(
          (leaf) => reply({ t: "leaf", id: m.id, ok: true, name: m.name, keyType: m.keyType, ...leafToWire(leaf) }),
          (e: Error) => reply({ t: "leaf", id: m.id, ok: false, error: e.message }),
        );
        break;
      }
      case "flushed":
        if (entry) entry.flushed = m.id;
        notify();
        break;
      case "stopped":
        break;
    }
  };

  /** The listeners that get sockets of their own: the proxy, and transparent ones on ports (not descriptors). */
  const ownRoles = (): [ListenerRole, { host: string; port: number }][] => {
    const out: [ListenerRole, { host: string; port: number }][] = [["proxy", { host: o.host, port: o.port }]];
    for (const role of ["http", "tls"] as const) {
      const at = o.transparent?.[role];
      if (at && "port" in at && net.isIP(at.host)) out.push([role, at]);
    }
    return out;
  };
  /** Bound ports per listener: with port 0 the first worker's socket takes a free port and the others join it. */
  const ports = new Map<ListenerRole, number>();
  /** A listening socket of the worker's own (SO_REUSEPORT). */
  const ownListener = (w: Worker, role: ListenerRole, at: { host: string; port: number }): net.Server => {
    const { fd, port: bound } = sockets!.reusePortSocket(at.host, ports.get(role) ?? at.port);
    ports.set(role, bound);
    if (role === "proxy") port = bound;
    const server = net.createServer({ pauseOnConnect: true });
    server.on("connection", (s) => {
      if (w.isConnected()) w.send({ t: "adopt", role } satisfies ToWorker, s);
      else s.destroy();
    });
    server.on("error", () => {});
    server.listen({ fd });
    return server;
  };

  const spawn = (): Worker => {
    const taken = new Set([...live.values()].map((e) => e.slot));
    let slot = 0;
    while (taken.has(slot)) slot++;
    const worker = cluster.fork();
    live.set(worker.id, { worker, slot, ready: false, snapshotId: "", listening: false, failed: null, flushed: 0, own: [] });
    worker.on("message", (m: FromWorker) => onMessage(worker, m));
    worker.on("error", () => {});
    worker.once("exit", (code, signal) => {
      const entry = live.get(worker.id);
      for (const s of entry?.own ?? []) s.close();
      live.delete(worker.id);
      if (entry && !entry.listening) earlyDeaths++;
      else if (entry) earlyDeaths = 0;
      if (earlyDeaths >= 3) broken ??= `gateway workers exit before listening (last: ${signal ?? `code ${code}`})`;
      notify();
      // A worker that died on its own is replaced; one asked to stop is not.
      if (!stopping && !broken) spawn();
    });
    return worker;
  };

  const workerConfig: WorkerConfig = { host: o.host, port: o.port, hosts: o.hosts, portalUrl: o.portalUrl, upstreamCa: o.upstreamCa, allowPrivateDns: o.allowPrivateDns, timeouts: o.timeouts, ...(o.transparent ? { transparent: o.transparent } : {}) };
  /**
   * A worker's configuration: inherited descriptors narrowed to its share, as duplicates — node:cluster closes a
   * worker's listening handle when the worker dies, and the primary's own copy is what the replacement's
   * duplicate is made from. (A worker that dies before it listens leaves its duplicates open: a few descriptors,
   * not closed here because node:cluster may have closed them and their numbers may be reused.) Without the
   * addon every worker accepts on all the descriptors, so that none is closed while a worker lives.
   */
  const configFor = (slot: number): WorkerConfig => {
    const tp = o.transparent;
    if (!tp || !sockets?.dupDescriptor) return workerConfig;
    const narrowed: TransparentSpec = { ...tp };
    for (const role of ["http", "tls"] as const) {
      const at = tp[role];
      if (at && "fds" in at) narrowed[role] = { fds: listenerShare(at.fds, slot, o.workers).map((fd) => sockets.dupDescriptor(fd)) };
    }
    return { ...workerConfig, transparent: narrowed };
  };
  const until = (cond: () => boolean, what: string, ms = 60_000) =>
    new Promise<void>((resolve, reject) => {
      if (cond()) return resolve();
      const check = () => {
        if (broken) {
          waiters.delete(check);
          clearTimeout(t);
          return reject(new Error(broken));
        }
        if (!cond()) return;
        waiters.delete(check);
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`gateway workers: ${what} timed out`));
      }, ms);
      waiters.add(check);
    });

  // With port 0 the primary picks one free port and every worker shares it.
  for (let i = 0; i < o.workers; i++) spawn();
  try {
    await until(() => live.size === o.workers && [...live.values()].every((e) => e.listening && e.snapshotId === current.snapshotId), "start");
  } catch (e) {
    stopping = true;
    await Promise.all(
      [...live.values()].map(({ worker }) => {
        if (worker.isDead() && !worker.isConnected()) return undefined;
        // node:cluster forgets a worker once it has both exited and disconnected, in either order.
        const gone = new Promise<void>((r) => {
          const check = () => {
            if (worker.isDead() && !worker.isConnected()) r();
          };
          worker.on("exit", check);
          worker.on("disconnect", check);
        });
        worker.process.kill("SIGKILL");
        return gone;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const caTimer = setInterval(() => {
    const active = o.leaves() !== null;
    if (active === caActive) return;
    caActive = active;
    for (const { worker } of live.values()) if (worker.isConnected()) worker.send({ t: "ca", active } satisfies ToWorker);
  }, 1000);
  caTimer.unref();

  let previous: string[] = [];
  return {
    get port() {
      return port;
    },
    workers: o.workers,
    async publish(snapshot: PolicySnapshot) {
      if (snapshot.id === current.snapshotId) return;
      const old = current.file;
      current = writeSnapshot(snapshot);
      for (const { worker } of live.values()) if (worker.isConnected()) worker.send({ t: "snapshot", file: current.file, snapshotId: current.snapshotId } satisfies ToWorker);
      const id = current.snapshotId;
      for (const e of live.values()) e.failed = null;
      await until(() => [...live.values()].every((e) => e.snapshotId === id || e.failed !== null || current.snapshotId !== id), "snapshot swap");
      const failed = [...live.values()].find((e) => e.failed !== null && e.snapshotId !== id);
      if (failed) throw new Error(`gateway worker could not load snapshot ${failed.failed}`);
      // Keep one older file for a worker that is being replaced right now; remove the rest.
      for (const f of previous) rmSync(f, { force: true });
      previous = [old];
    },
    async flush() {
      const id = ++flushSeq;
      const asked = [...live.values()].filter((e) => e.worker.isConnected());
      for (const e of asked) e.worker.send({ t: "flush", id } satisfies ToWorker);
      // Messages arrive in order: a worker's "flushed" follows its last batch. A worker that exits meanwhile is done.
      await until(() => asked.every((e) => e.flushed >= id || !live.has(e.worker.id)), "flush", 10_000);
    },
    versions: () => [...live.values()].map((e) => e.snapshotId),
    pids: () => [...live.values()].flatMap((e) => (e.worker.process.pid ? [e.worker.process.pid] : [])),
    async stop() {
      stopping = true;
      clearInterval(caTimer);
      const exits = [...live.values()].map(
        ({ worker, ready }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const t = setTimeout(() => worker.process.kill("SIGKILL"), o.stopTimeoutMs ?? 10_000);
            worker.once("exit", () => {
              clearTimeout(t);
              resolve();
            });
            // A worker still loading (a replacement, say) would not hear the message, and has nothing to flush.
            if (ready && worker.isConnected()) worker.send({ t: "stop" } satisfies ToWorker);
            else worker.process.kill("SIGTERM");
          }),
      );
      await Promise.all(exits);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Which of a listener's inherited descriptors worker `slot` (of `workers`) accepts on. systemd can hand over one
 * socket per instance of a `ReusePort=yes` socket unit: the kernel then spreads connections over them by a hash,
 * as over the workers' own sockets under "reuseport", so every descriptor needs a worker or its share of the
 * connections is never accepted. With as many descriptors as workers each worker has one; with more, worker i
 * takes every descriptor k with k mod workers = i; with fewer, workers share them round the ring. A replacement
 * worker takes its predecessor's slot, hence its sockets — with their accept queues, which stay open meanwhile
 * (systemd and the primary hold the descriptors; workers get duplicates, `configFor`), so nothing queued there
 * is lost.
 */
export function listenerShare(fds: readonly number[], slot: number, workers: number): number[] {
  const own = fds.filter((_, k) => k % workers === slot);
  return own.length ? own : fds.length ? [fds[slot % fds.length]!] : [];
}
