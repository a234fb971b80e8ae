/**
 * Load generator for the rows wrk cannot drive: CONNECT tunnels, TLS through an intercepting proxy, one
 * connection per request. The same generator drives every proxy, so the ratios compare like with like.
 *
 * Run as one process or several (run.ts starts two, as `wrk -t2`, so a generator saturating one core does
 * not cap the row). N loops (staggered start, so no single worker accepts every connection): TCP to the proxy, CONNECT,
 * optionally a TLS handshake over the tunnel (trusting the given CA, SNI = the origin name), then HTTP/1.1
 * requests — kept alive, or one per connection. Latency is measured per request with process.hrtime; in
 * new-connection mode it covers the whole connection (TCP, CONNECT, handshake, request, response).
 *
 * Started by run.ts with an IPC channel and one JSON argument (LoadConfig). Sends `{ phase: "measure" }`
 * when warm-up ends and `{ phase: "done", result }` at the end, so the parent reads the proxy's CPU time for
 * the measured window only. Bounded by time and by request count.
 */
import net from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";

export interface LoadConfig {
  proxyPort: number;
  /** CONNECT target (host:port) and the Host header / SNI. */
  target: string;
  host: string;
  path: string;
  tls: boolean;
  /** PEM file the client trusts for the TLS leg (the proxy's root when bumped, the origin's when spliced). */
  caFile?: string;
  newConnection: boolean;
  connections: number;
  warmupS: number;
  durationS: number;
  maxRequests: number;
  /** Idle mode: open the tunnels, report, hold them until told to close. */
  idle?: boolean;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Every measured latency, ms: the parent takes the percentiles over all generator processes together. */
  latencies: number[];
  firstError?: string;
  /** Connections opened (TCP + CONNECT, + handshake) and socket reads that carried response bytes: a proxy
   * that closes kept-alive connections or splits responses into many TLS records costs the client more. */
  opened: number;
  reads: number;
}

const cfg = JSON.parse(process.argv[2]!) as LoadConfig;
// One client context for every connection, as a browser keeps one trust store: building an OpenSSL context
// per connection would bill the load generator ~1 ms a handshake and crowd the proxy off the shared cores.
const secureContext = cfg.caFile ? tls.createSecureContext({ ca: readFileSync(cfg.caFile) }) : undefined;
const STEP_TIMEOUT_MS = 10_000;
let opened = 0;
let reads = 0;

/** Reads from a duplex until `done(buffer)` returns the number of bytes consumed, or fails on close/timeout. */
function readUntil(s: net.Socket | tls.TLSSocket, done: (b: Buffer) => number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error("timeout")), STEP_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      reads++;
      buf = buf.length ? Buffer.concat([buf, c]) : c;
      const n = done(buf);
      if (n > 0) {
        cleanup();
        if (n < buf.length) s.unshift(buf.subarray(n));
        resolve(buf.subarray(0, n));
      }
    };
    const onEnd = () => fail(new Error("closed"));
    const fail = (e: Error) => {
      cleanup();
      reject(e);
    };
    function cleanup() {
      clearTimeout(timer);
      s.off("data", onData);
      s.off("end", onEnd);
      s.off("close", onEnd);
      s.off("error", fail);
    }
    s.on("data", onData);
    s.once("end", onEnd);
    s.once("close", onEnd);
    s.once("error", fail);
  });
}

/** Length of one complete HTTP/1.1 response at the start of `b`, or 0 if it is not all there yet. */
function responseLength(b: Buffer): number {
  const h = b.indexOf("\r\n\r\n");
  if (h < 0) return 0;
  const head = b.subarray(0, h).toString("latin1");
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) {
    const total = h + 4 + Number(cl[1]);
    return b.length >= total ? total : 0;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const end = b.indexOf("\r\n0\r\n\r\n", h);
    return end < 0 ? 0 : end + 7;
  }
  return h + 4;
}
const headLength = (b: Buffer): number => {
  const h = b.indexOf("\r\n\r\n");
  return h < 0 ? 0 : h + 4;
};

async function open(): Promise<net.Socket | tls.TLSSocket> {
  opened++;
  const s = net.connect({ port: cfg.proxyPort, host: "127.0.0.1", noDelay: true });
  s.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  s.write(`CONNECT ${cfg.target} HTTP/1.1\r\nHost: ${cfg.target}\r\n\r\n`);
  const head = (await readUntil(s, headLength)).toString("latin1");
  if (!/^HTTP\/1\.[01] 200/.test(head)) {
    s.destroy();
    throw new Error(`CONNECT: ${head.split("\r\n")[0]}`);
  }
  if (!cfg.tls) return s;
  const t = tls.connect({ socket: s, servername: cfg.host.replace(/:\d+$/, ""), ...(secureContext ? { secureContext } : {}), ALPNProtocols: ["http/1.1"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("handshake timeout")), STEP_TIMEOUT_MS);
    t.once("secureConnect", () => {
      clearTimeout(timer);
      resolve();
    });
    t.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  t.setNoDelay(true);
  return t;
}

const request = Buffer.from(`GET ${cfg.path} HTTP/1.1\r\nHost: ${cfg.host}\r\nUser-Agent: qaqpa-bench\r\nAccept: */*\r\n\r\n`);

async function exchange(s: net.Socket | tls.TLSSocket): Promise<void> {
  s.write(request);
  const r = await readUntil(s, responseLength);
  if (r[9] !== 0x32) throw new Error(`status ${r.subarray(0, 12).toString("latin1")}`);
}

// ------------------------------------------------------------------ idle mode
if (cfg.idle) {
  const held: (net.Socket | tls.TLSSocket)[] = [];
  let errors = 0;
  for (let i = 0; i < cfg.connections; i += 50) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(50, cfg.connections - i) }, () => open()));
    for (const b of batch) b.status === "fulfilled" ? held.push(b.value) : errors++;
  }
  for (const s of held) s.on("error", () => {});
  process.send!({ phase: "idle", opened: held.length, errors });
  process.on("message", () => {
    for (const s of held) s.destroy();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 60_000).unref();
} else {
  // ------------------------------------------------------------------ load mode
  const start = performance.now();
  const measureFrom = start + cfg.warmupS * 1000;
  const end = measureFrom + cfg.durationS * 1000;
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let measuring = false;
  const measureTimer = setTimeout(() => {
    measuring = true;
    process.send!({ phase: "measure" });
  }, cfg.warmupS * 1000);
  const stopTimer = setTimeout(() => process.send!({ phase: "stop" }), (cfg.warmupS + cfg.durationS) * 1000);

  const noteError = (e: unknown) => {
    if (measuring) errors++;
    firstError ??= String((e as Error)?.message ?? e);
  };
  const record = (t0: bigint) => {
    if (measuring && performance.now() <= end) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  };

  async function loop(i: number): Promise<void> {
    await new Promise((r) => setTimeout(r, i * 10));
    let s: net.Socket | tls.TLSSocket | null = null;
    while (performance.now() < end && lat.length < cfg.maxRequests) {
      const t0 = process.hrtime.bigint();
      try {
        if (cfg.newConnection) {
          s = await open();
          await exchange(s);
          s.destroy();
          s = null;
        } else {
          s ??= await open();
          await exchange(s);
        }
        record(t0);
      } catch (e) {
        noteError(e);
        s?.destroy();
        s = null;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    s?.destroy();
  }

  await Promise.all(Array.from({ length: cfg.connections }, (_, i) => loop(i)));
  clearTimeout(measureTimer);
  clearTimeout(stopTimer);
  const seconds = Math.min(performance.now(), end) - measureFrom;
  const result: LoadResult = { requests: lat.length, errors, seconds: seconds / 1000, latencies: lat, opened, reads, ...(firstError ? { firstError } : {}) };
  process.send!({ phase: "done", result }, () => process.disconnect());
}
