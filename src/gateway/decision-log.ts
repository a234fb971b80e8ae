/**
 * The decision log: one record per connection and per request — metadata only. Never bodies, never the URL
 * or path of a protected category (p.20), never credentials. Records go to a line sink (JSON lines for the
 * operator's log pipeline) and, batched, to the store for the portal and the transparency report.
 */
import type { Insertable } from "kysely";
import type { Decision, FlowFacts } from "../gateway-core/flow.js";
import type { DecisionLogTable } from "../store/schema.js";

export interface DecisionRecord {
  time: string;
  ref: string;
  kind: "connection" | "request";
  organisationId: string | null;
  unknownSource: boolean;
  source: string;
  host: string | null;
  /** Present only for requests to non-protected destinations. */
  path?: string;
  ip: string | null;
  port: number;
  protocol: string;
  categories: string[];
  action: "allow" | "block";
  reason: string;
  tls: "splice" | "bump" | null;
  status?: number;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  ja4: string | null;
  snapshotId: string;
}

export interface DecisionSink {
  write(r: DecisionRecord): void;
}

export function recordOf(
  kind: DecisionRecord["kind"],
  ref: string,
  facts: FlowFacts,
  d: Decision,
  extra: { ip?: string | null; tls?: "splice" | "bump" | null; status?: number; bytesUp?: number; bytesDown?: number; startedAt: number; now?: number },
): DecisionRecord {
  const r: DecisionRecord = {
    time: new Date(extra.now ?? Date.now()).toISOString(),
    ref,
    kind,
    organisationId: d.organisationId,
    unknownSource: d.unknownSource,
    source: facts.sourceIp,
    host: facts.host,
    ip: extra.ip ?? null,
    port: facts.port,
    protocol: facts.protocol,
    categories: [...d.categories],
    action: d.verdict.action,
    reason: d.verdict.reason,
    tls: extra.tls !== undefined ? extra.tls : d.verdict.action === "allow" ? d.verdict.tls : null,
    bytesUp: extra.bytesUp ?? 0,
    bytesDown: extra.bytesDown ?? 0,
    durationMs: Math.max(0, (extra.now ?? Date.now()) - extra.startedAt),
    ja4: facts.tls?.ja4 ?? null,
    snapshotId: d.snapshotId,
  };
  // p.20: where a protected category was visited is recorded (host, category); what was read there is not.
  if (kind === "request" && facts.path && !d.protected) r.path = facts.path.split("?")[0]!.slice(0, 512);
  if (extra.status !== undefined) r.status = extra.status;
  return r;
}

/** A record as a row of the store's decision log (the all-in-one's batches and the control plane's node batches). */
export function decisionLogRow(r: DecisionRecord): Insertable<DecisionLogTable> {
  return {
    at: r.time,
    ref: r.ref,
    kind: r.kind,
    organisation_id: r.organisationId,
    unknown_source: r.unknownSource,
    source: r.source,
    host: r.host,
    path: r.path ?? null,
    port: r.port,
    protocol: r.protocol,
    categories: r.categories,
    action: r.action,
    reason: r.reason,
    tls: r.tls,
    status: r.status ?? null,
    bytes_up: r.bytesUp,
    bytes_down: r.bytesDown,
    duration_ms: Math.min(r.durationMs, 2 ** 31 - 1),
    ja4: r.ja4,
    snapshot_id: r.snapshotId,
  };
}

/** Keeps records in memory (tests) and fans out to other sinks. */
export class MemorySink implements DecisionSink {
  readonly records: DecisionRecord[] = [];
  write(r: DecisionRecord): void {
    this.records.push(r);
    if (this.records.length > 100_000) this.records.splice(0, 50_000);
  }
}

export function fanOut(...sinks: DecisionSink[]): DecisionSink {
  return { write: (r) => sinks.forEach((s) => s.write(r)) };
}

/**
 * JSON lines, written in batches: the lines of one burst are joined and handed to the stream at most every
 * 20 ms (or at 64 KiB), one write instead of one per record. `flush()` writes what is pending (call it before
 * ending the stream).
 */
export function jsonLinesSink(out: NodeJS.WritableStream): DecisionSink & { flush(): void } {
  let pending = "";
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!pending) return;
    out.write(pending);
    pending = "";
  };
  return {
    write(r) {
      pending += JSON.stringify(r) + "\n";
      if (pending.length >= 65_536) flush();
      else timer ??= setTimeout(flush, 20);
    },
    flush,
  };
}

/**
 * Records as positional rows for the worker → primary channel. At tens of thousands of records a second the
 * channel's JSON is a real share of both processes' CPU, and most of an object's JSON is its keys: rows halve
 * the bytes and the encode/decode time. Only this in-host channel uses them; node batches keep the objects.
 */
export type PackedRecord = [
  string, string, DecisionRecord["kind"], string | null, 0 | 1, string, string | null, string | null, string | null, number, string, string[],
  DecisionRecord["action"], string, DecisionRecord["tls"], number | null, number, number, number, string | null, string,
];

export function packRecord(r: DecisionRecord): PackedRecord {
  return [
    r.time, r.ref, r.kind, r.organisationId, r.unknownSource ? 1 : 0, r.source, r.host, r.path ?? null, r.ip, r.port, r.protocol, r.categories,
    r.action, r.reason, r.tls, r.status ?? null, r.bytesUp, r.bytesDown, r.durationMs, r.ja4, r.snapshotId,
  ];
}

export function unpackRecord(p: PackedRecord): DecisionRecord {
  const [time, ref, kind, organisationId, unknownSource, source, host, path, ip, port, protocol, categories, action, reason, tls, status, bytesUp, bytesDown, durationMs, ja4, snapshotId] = p;
  const r: DecisionRecord = { time, ref, kind, organisationId, unknownSource: unknownSource === 1, source, host, ip, port, protocol, categories, action, reason, tls, bytesUp, bytesDown, durationMs, ja4, snapshotId };
  if (path !== null) r.path = path;
  if (status !== null) r.status = status;
  return r;
}
