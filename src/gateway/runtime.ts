/**
 * The gateway inside a qaqpa process: the listener, the current policy snapshot and how it is refreshed,
 * and where the decisions and detections go.
 *
 *  - Snapshot refresh: every control-plane change writes an audit entry, so the audit head's sequence number
 *    is a free change detector; the snapshot is recompiled when it (or the civil date, for policies that
 *    start or lapse) changes. A failed compile keeps the last good snapshot; with none, the gateway fails
 *    closed (`policy-unavailable`).
 *  - Decision records are written as JSON lines and batched into the store once a second.
 *  - Unknown sources are aggregated per address and handed to the p.13 workflow every few seconds.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import client from "prom-client";
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import type { PolicySnapshot } from "../gateway-core/snapshot.js";
import type { Decision } from "../gateway-core/flow.js";
import { Gateway, type LeafSource } from "./proxy.js";
import { startGatewayCluster, type GatewayCluster, type Scheduling } from "./cluster.js";
import { createResolver } from "./resolver.js";
import { listenHereUnlessWorkers, type TransparentListeners, type TransparentSpec } from "./transparent.js";
import { decisionLogRow, jsonLinesSink, type DecisionRecord, type DecisionSink } from "./decision-log.js";
import { buildCategoriesFromStore, compileSnapshot, type CategoryCache } from "../services/policy-snapshot.js";
import { civilDateOf } from "../domain/working-days/index.js";

export interface Detection {
  address: string;
  firstSeen: Date;
  lastSeen: Date;
  hits: number;
}

export interface GatewayRuntimeOptions {
  db: Kysely<Database>;
  host: string;
  port: number;
  hosts: Readonly<Record<string, readonly string[]>>;
  portalUrl: string;
  /** Where the JSON-lines decision log goes (a file); omitted = not written as lines. */
  decisionLogFile?: string;
  upstreamCa?: string[];
  leaves?: () => LeafSource | null;
  onDetections?: (batch: Detection[]) => Promise<void>;
  registry?: client.Registry;
  refreshMs?: number;
  /** Pure-DNS resolution is refused for private addresses unless this is set (tests, private deployments). */
  allowPrivateDns?: boolean;
  /**
   * Cluster workers serving the explicit proxy (src/gateway/cluster.ts); 0 or absent = this process serves it.
   * With workers, this process compiles the snapshot, mints leaves and batches their decision records.
   */
  workers?: number;
  scheduling?: Scheduling;
  /**
   * Transparent listeners (HTTP by Host, TLS by SNI): in every cluster worker when there are workers, so that
   * this process carries no data-plane load; in this process, on its gateway, when there are none.
   */
  transparent?: TransparentSpec;
}

export interface GatewayRuntime {
  readonly gateway: Gateway;
  readonly port: number;
  /** The workers serving the explicit proxy, when configured. */
  readonly cluster: GatewayCluster | null;
  /** This process's own transparent listeners: only without workers (the workers run theirs). */
  readonly transparent: TransparentListeners | null;
  snapshot(): PolicySnapshot | null;
  /** Recompile now if anything changed (or always, with force). */
  refresh(force?: boolean): Promise<void>;
  /** Flush pending decision records and detections to the store. */
  flush(): Promise<void>;
  lastError(): string | null;
  stop(): Promise<void>;
}

export function gatewayMetrics(registry: client.Registry) {
  const decisions = new client.Counter({ name: "qaqpa_gateway_decisions_total", help: "Gateway decisions by action, reason and TLS action", labelNames: ["action", "reason", "tls"], registers: [registry] });
  const categories = new client.Counter({ name: "qaqpa_gateway_category_total", help: "Decisions by destination category", labelNames: ["category", "action"], registers: [registry] });
  const snapshotAge = new client.Gauge({ name: "qaqpa_gateway_snapshot_timestamp_seconds", help: "When the current policy snapshot was compiled", registers: [registry] });
  const dropped = new client.Counter({ name: "qaqpa_gateway_decision_log_dropped_total", help: "Decision records dropped because the store could not keep up", registers: [registry] });
  return { decisions, categories, snapshotAge, dropped };
}

export async function startGatewayRuntime(o: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const registry = o.registry ?? new client.Registry();
  const m = gatewayMetrics(registry);
  let current: PolicySnapshot | null = null;
  let categories: CategoryCache | null = null;
  let fingerprint = "";
  let lastError: string | null = null;
  // A refresh asked for while one runs is queued behind it rather than joined: the running one may have read
  // the audit head before the change its caller just made, and a caller of refresh() expects to see that change.
  let chain: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  let queuedForce = false;
  let cluster: GatewayCluster | null = null;

  const refreshOnce = async (force: boolean) => {
    try {
      const head = await o.db.selectFrom("audit_head").select("seq").where("id", "=", 1).executeTakeFirst();
      const now = new Date();
      // The Almaty date, so that terms starting or ending at local midnight take effect then.
      const fp = `${head?.seq ?? 0}|${civilDateOf(now)}`;
      if (!force && fp === fingerprint && current) return;
      categories = await buildCategoriesFromStore(o.db, categories);
      const next = await compileSnapshot(o.db, { hosts: o.hosts, categories, now });
      // Workers swap first, so that what the runtime reports is what every worker runs.
      await cluster?.publish(next);
      current = next;
      fingerprint = fp;
      lastError = null;
      m.snapshotAge.set(Date.parse(current.createdAt) / 1000);
    } catch (e) {
      lastError = (e as Error).message;
    }
  };
  const refresh = (force = false): Promise<void> => {
    queuedForce ||= force;
    if (queued) return queued;
    queued = chain.then(() => {
      const f = queuedForce;
      queued = null;
      queuedForce = false;
      return refreshOnce(f);
    });
    chain = queued;
    return queued;
  };

  let pending: DecisionRecord[] = [];
  const detections = new Map<string, Detection>();
  let lines: WriteStream | null = null;
  let lineSink: ReturnType<typeof jsonLinesSink> | null = null;
  if (o.decisionLogFile) {
    mkdirSync(join(o.decisionLogFile, ".."), { recursive: true });
    lines = createWriteStream(o.decisionLogFile, { flags: "a" });
    lineSink = jsonLinesSink(lines);
  }
  const sink: DecisionSink = {
    write(r) {
      lineSink?.write(r);
      if (pending.length >= 200_000) {
        pending.shift();
        m.dropped.inc();
      }
      pending.push(r);
    },
  };
  const flush = async () => {
    const batch = pending;
    pending = [];
    for (let i = 0; i < batch.length; i += 500) {
      const chunk = batch.slice(i, i + 500);
      await o.db
        .insertInto("decision_log")
        .values(chunk.map(decisionLogRow))
        .execute()
        .catch(() => m.dropped.inc(chunk.length));
    }
    if (detections.size && o.onDetections) {
      const d = [...detections.values()];
      detections.clear();
      await o.onDetections(d).catch(() => {
        for (const x of d) if (!detections.has(x.address)) detections.set(x.address, x);
      });
    }
  };

  await refresh(true);
  const gateway = new Gateway({
    snapshot: () => current,
    resolver: createResolver({ hosts: new Map(Object.entries(o.hosts)), allowPrivate: o.allowPrivateDns }),
    leaves: () => leaves(),
    upstreamCa: o.upstreamCa,
    portalUrl: o.portalUrl,
    sink,
    onUnknownSource(address) {
      const now = new Date();
      const d = detections.get(address);
      if (d) {
        d.hits++;
        d.lastSeen = now;
      } else detections.set(address, { address, firstSeen: now, lastSeen: now, hits: 1 });
    },
    onDecision(d: Decision) {
      const v = d.verdict;
      m.decisions.inc({ action: v.action, reason: v.reason, tls: v.action === "allow" ? (v.tls ?? "none") : "none" });
      for (const c of d.categories) m.categories.inc({ category: c, action: v.action });
    },
  });
  const leaves = o.leaves ?? (() => null);
  if (o.workers && o.workers > 0) {
    cluster = await startGatewayCluster({
      workers: o.workers,
      scheduling: o.scheduling,
      host: o.host,
      port: o.port,
      hosts: o.hosts,
      portalUrl: o.portalUrl,
      upstreamCa: o.upstreamCa,
      allowPrivateDns: o.allowPrivateDns,
      ...(o.transparent ? { transparent: o.transparent } : {}),
      snapshot: current,
      leaves,
      sink,
      onDetection(w) {
        const d = detections.get(w.address);
        if (d) {
          d.hits += w.hits;
          if (w.lastSeen > d.lastSeen.getTime()) d.lastSeen = new Date(w.lastSeen);
        } else detections.set(w.address, { address: w.address, firstSeen: new Date(w.firstSeen), lastSeen: new Date(w.lastSeen), hits: w.hits });
      },
      onCounts(c) {
        for (const [action, reason, tls, n] of c.decisions) m.decisions.inc({ action, reason, tls }, n);
        for (const [category, action, n] of c.categories) m.categories.inc({ category, action }, n);
      },
    });
  }
  const { port, transparent } = await listenHereUnlessWorkers(cluster, gateway, () => current, o).catch((e: unknown) => {
    lines?.end();
    throw e;
  });
  const refreshTimer = setInterval(() => void refresh(), o.refreshMs ?? 2000);
  refreshTimer.unref();
  let flushing: Promise<void> | null = null;
  const flushTimer = setInterval(() => {
    if (!flushing) flushing = flush().finally(() => (flushing = null));
  }, 1000);
  flushTimer.unref();

  return {
    gateway,
    port,
    cluster,
    transparent,
    snapshot: () => current,
    refresh,
    async flush() {
      await cluster?.flush();
      await flushing;
      await flush();
      // The JSON lines too: what is batched goes to the file, and the file has it when this resolves.
      lineSink?.flush();
      if (lines) await new Promise<void>((r) => lines!.write("", () => r()));
    },
    lastError: () => lastError,
    async stop() {
      clearInterval(refreshTimer);
      clearInterval(flushTimer);
      await transparent?.close();
      await cluster?.stop();
      await gateway.close();
      await flushing;
      await flush().catch(() => {});
      lineSink?.flush();
      await new Promise<void>((r) => (lines ? lines.end(() => r()) : r()));
    },
  };
}
