/**
 * HTTP/1.1 forwarding without `node:http`: request heads are read from the client's socket with the gateway's
 * own parser (src/gateway-core/parse/http1-head.ts), decided per request by the gateway, and relayed over a
 * pooled keep-alive upstream connection; only heads and body framing are parsed, bodies are relayed as bytes.
 *
 *   client bytes ─▶ parseRequestHead ─┬─ unusual (Upgrade, HTTP/1.0, Expect other than 100-continue,
 *                                     │           not origin-form) ─▶ node:http path
 *                                     └─ decide ─▶ block page | upstream (pool per host, port, TLS, address)
 *                                                    head ─▶ body (BodyFramer) ─▶ response head ─▶ body ─▶ pool
 *
 * Requests are served one after another: bytes of a pipelined request wait in the buffer until the response
 * before them is complete, so pipelined responses come back in order.
 */
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import type { Decision, FlowFacts, Reason } from "../gateway-core/flow.js";
import { MAX_HEAD_BYTES, parseRequestHead, parseResponseHead, type BodyFraming, type RequestHead, type ResponseHead } from "../gateway-core/parse/http1-head.js";
import { BodyFramer } from "../gateway-core/parse/http1-body.js";
import { recordOf, type DecisionSink } from "./decision-log.js";
import type { Resolver } from "./resolver.js";
import type { UpstreamTls } from "./upstream-tls.js";

/** What the forwarding path needs from the gateway; the gateway keeps every decision. */
export interface ForwardHost {
  decide(facts: FlowFacts): Decision;
  /** The pipeline's decision turned into a refusal, counted as the refusal (not as the verdict it replaces). */
  refuse(facts: FlowFacts, reason: Reason, rule: string): Decision;
  readonly sink: DecisionSink;
  readonly resolver: Resolver;
  readonly upstreamTls: UpstreamTls;
  blockPage(reason: Reason, host: string | null, ref: string): string;
  newRef(): string;
  now(): number;
}

/** Where a connection goes when the raw path leaves it; `buffered` are bytes read from it and not yet handled. */
export interface HandOff {
  /** The node:http path, for what the raw path does not serve. */
  fallback(client: Duplex, buffered: Buffer): void;
  /** CONNECT on the explicit proxy's listener: the request head is parsed, `rest` is the tunnel's first bytes. */
  connect?(target: string, client: Duplex, rest: Buffer): void;
}

export interface ForwardTunnel {
  sourceIp: string;
  host: string;
  port: number;
  tls: boolean;
  tlsFacts?: FlowFacts["tls"];
}

/**
 * A transparent HTTP connection: origin-form requests named by their Host, which must resolve to the address
 * the client really dialled (`original`), so a forged Host cannot carry a request to another server.
 */
export interface ForwardTransparent {
  original: { ip: string; port: number };
}

/** Where a connection's requests arrive: the explicit proxy's listener (null), a tunnel, a transparent listener. */
export type ForwardVia = ForwardTunnel | ForwardTransparent | null;
const isTunnel = (v: ForwardVia): v is ForwardTunnel => v !== null && "host" in v;

/**
 * The transparent listener's check, on the raw path and on the node:http path alike: `host` must resolve to
 * the address the client really dialled. Returns the name's addresses, or the refusal's rule.
 */
export async function checkOriginalDestination(resolver: Resolver, host: string, originalIp: string): Promise<{ addrs: string[] } | { refused: string }> {
  const addrs = await resolver.resolve(host).catch(() => [] as string[]);
  return addrs.includes(originalIp) ? { addrs } : { refused: `original destination ${originalIp} is not an address of ${host}` };
}

/** A fallback that hands the connection, with the bytes already read, to a node:http server that never listens. */
export function fallbackTo(server: net.Server): HandOff["fallback"] {
  return (client, buffered) => {
    if (buffered.length) client.unshift(buffered);
    server.emit("connection", client);
    client.resume();
  };
}

export const HOP_BY_HOP = new Set(["connection", "proxy-connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade"]);
export const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|SIGNATURE_FAILURE|DEPTH_ZERO/;
const KEEP_ALIVE_MS = 5_000;
const HEADERS_MS = 30_000;
const MAX_FREE_PER_KEY = 256;
const EMPTY: Buffer = Buffer.alloc(0);
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 421: "Misdirected Request", 502: "Bad Gateway" };

let dateSecond = 0;
let dateText = "";
function httpDate(): string {
  const s = Math.floor(Date.now() / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(s * 1000).toUTCString();
  }
  return dateText;
}

/** Where an absolute-form target goes, as WHATWG URL reads it; null when it is no URL of `schemes`. */
export function urlTarget(target: string, schemes: readonly string[] = ["http:"]): { host: string; port: number; path: string } | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (!schemes.includes(url.protocol)) return null;
  return { host: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(), port: url.port ? Number(url.port) : 80, path: url.pathname + url.search };
}

/**
 * Where an absolute-form http:// request goes, read from the parsed head when `new URL` would change nothing
 * — the common case, and WHATWG URL parsing costs ~1 % of a plain request. Null when it might change something
 * (a dot segment, a percent sign, a character it escapes, an IPv6 literal whose text it compresses, a
 * punycode label it checks): the caller asks `urlTarget` then. The host is the parsed authority's, which
 * drops a trailing dot. test/gateway/absolute-target.test.ts holds the two to the same answer.
 */
export function absoluteTarget(head: RequestHead): { host: string; port: number; path: string } | null {
  const a = head.authority;
  const path = head.path;
  if (head.scheme !== "http" || a === null || path === null || a.hostKind === "ipv6" || a.host.includes("xn--") || !urlKeepsPath(path)) return null;
  return { host: a.host, port: a.port ?? 80, path };
}

/**
 * True when `path` (path and query) holds only characters URL leaves alone, no "." or ".." segment, and no
 * empty query (URL drops a lone "?").
 */
function urlKeepsPath(path: string): boolean {
  if (path.charCodeAt(0) !== 0x2f) return false;
  const q = path.indexOf("?");
  if (q === path.length - 1) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0x80 || KEPT[c] !== 1) return false;
    // "/." then ".", "/", "?" or the end: a dot segment, which URL removes.
    if (c === 0x2f && path.charCodeAt(i + 1) === 0x2e) {
      const n = path.charCodeAt(i + 2);
      if (Number.isNaN(n) || n === 0x2e || n === 0x2f || n === 0x3f) return false;
    }
  }
  return true;
}
/** ALPHA, DIGIT and - . _ ~ ! $ & ( ) * + , ; = : @ / ? (not ' % \ and the rest, which URL escapes or reads). */
const KEPT = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/?") KEPT[c.charCodeAt(0)] = 1;

/** The request head sent upstream: origin-form, the same header semantics as the node:http path. */
export function upstreamRequestHead(head: RequestHead, path: string, host: string, port: number, secure: boolean): string {
  let out = `${head.method} ${path} HTTP/1.1\r\n`;
  let hasHost = false;
  const h = head.headers;
  for (let i = 0; i < h.length; i += 2) {
    const lower = h[i]!.toLowerCase();
    // Expect is answered here (100 Continue once the upstream is ready), not sent on: an upstream's own 100
    // would be an interim response, and those are not relayed.
    if (HOP_BY_HOP.has(lower) || lower.startsWith("proxy-") || lower.startsWith(":") || lower === "expect") continue;
    if (lower === "host") hasHost = true;
    out += `${h[i]}: ${h[i + 1]}\r\n`;
  }
  if (!hasHost) out += `Host: ${port === (secure ? 443 : 80) ? host : `${host}:${port}`}\r\n`;
  out += "Connection: keep-alive\r\n";
  if (head.framing.kind === "chunked") out += "Transfer-Encoding: chunked\r\n";
  return out + "\r\n";
}

/** The response head sent to the client; `keep` says whether the client connection stays open after it. */
export function clientResponseHead(res: ResponseHead, keep: boolean): string {
  let out = `HTTP/1.1 ${res.status} ${res.reason}\r\n`;
  let hasDate = false;
  const h = res.headers;
  for (let i = 0; i < h.length; i += 2) {
    const lower = h[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower)) continue;
    if (lower === "date") hasDate = true;
    out += `${h[i]}: ${h[i + 1]}\r\n`;
  }
  if (!hasDate) out += `Date: ${httpDate()}\r\n`;
  if (res.framing.kind === "chunked") out += "Transfer-Encoding: chunked\r\n";
  out += keep ? `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n` : "Connection: close\r\n";
  return out + "\r\n";
}

function localResponse(status: number, headers: [string, string | number][], body: string, keep: boolean): string {
  let out = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}\r\n`;
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  out += `Date: ${httpDate()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  out += keep ? `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n` : "Connection: close\r\n";
  return out + "\r\n" + body;
}

// ------------------------------------------------------------------------------ upstream pool

/**
 * Where a pooled upstream connection's events go: the exchange in progress. The pool attaches its listeners
 * once per connection and an exchange only sets `current` — adding and removing four listeners and a timeout
 * per request showed up in the profiles. While idle (`current` null) any byte, end, error or silence means the
 * connection is gone.
 */
interface UpstreamEvents {
  data(c: Buffer): void;
  end(): void;
  error(e: Error): void;
  timeout(): void;
}

interface Upstream {
  sock: net.Socket;
  key: string;
  reused: boolean;
  /** The pooled connection's dispatcher, which outlives this exchange. */
  events: { current: UpstreamEvents | null };
}

/** Keep-alive upstream connections per (TLS, address, port, name); only resolved addresses are dialled. */
export class UpstreamPool {
  readonly #free = new Map<string, Upstream[]>();
  readonly #all = new Set<net.Socket>();
  readonly #secureContext: tls.SecureContext | undefined;
  readonly #contexts = new WeakMap<readonly string[], tls.SecureContext>();
  /**
   * Connect timeout, the longest an upstream may stay silent during an exchange (as on the node:http path), and
   * how long an idle pooled connection is kept: one inactivity timer per connection, set once.
   */
  readonly connectMs: number;

  constructor(o: { secureContext?: tls.SecureContext; connectMs: number }) {
    this.#secureContext = o.secureContext;
    this.connectMs = o.connectMs;
  }

  /** A free connection, or a new one once connected (TLS verified: an invalid certificate rejects). */
  acquire(ip: string, port: number, host: string, secure: boolean, ca?: readonly string[]): Upstream | Promise<Upstream> {
    const key = `${secure ? "s" : "p"}|${ip}|${port}|${host}`;
    const free = this.#free.get(key);
    while (free?.length) {
      const up = free.pop()!;
      if (up.sock.destroyed || !up.sock.writable) continue;
      return { ...up, reused: true };
    }
    return new Promise<Upstream>((resolve, reject) => {
      let secureContext = this.#secureContext;
      if (ca) {
        secureContext = this.#contexts.get(ca);
        if (!secureContext) this.#contexts.set(ca, (secureContext = tls.createSecureContext({ ca: [...ca] })));
      }
      const sock = secure
        ? tls.connect({ host: ip, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ["http/1.1"], ...(secureContext ? { secureContext } : {}) })
        : net.connect({ host: ip, port });
      sock.setNoDelay(true);
      this.#all.add(sock);
      sock.once("close", () => this.#all.delete(sock));
      const timer = setTimeout(() => sock.destroy(Object.assign(new Error("upstream connect timeout"), { code: "ETIMEDOUT" })), this.connectMs);
      const fail = (e: Error) => {
        clearTimeout(timer);
        sock.destroy();
        reject(e);
      };
      sock.once("error", fail);
      sock.once(secure ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        sock.off("error", fail);
        const events: Upstream["events"] = { current: null };
        sock.on("data", (c: Buffer) => (events.current ? events.current.data(c) : sock.destroy()));
        // "close" without "end" (a reset) ends an exchange as "end" does.
        sock.on("end", () => events.current?.end());
        sock.on("close", () => events.current?.end());
        sock.on("error", (e: Error) => (events.current ? events.current.error(e) : sock.destroy()));
        sock.on("timeout", () => (events.current ? events.current.timeout() : sock.destroy()));
        sock.setTimeout(this.connectMs);
        resolve({ sock, key, reused: false, events });
      });
    });
  }

  /** Back to the pool after a complete response on a connection both sides keep open. */
  release(u: Upstream): void {
    const sock = u.sock;
    u.events.current = null;
    let free = this.#free.get(u.key);
    if (!free) this.#free.set(u.key, (free = []));
    if (sock.destroyed || free.length >= MAX_FREE_PER_KEY) return void sock.destroy();
    // An idle upstream that sends anything, closes or stays silent past connectMs is gone (the listeners the
    // pool attached see to it); the next acquire skips it.
    sock.resume();
    free.push(u);
  }

  close(): void {
    for (const s of this.#all) s.destroy();
    this.#free.clear();
  }
}

// ------------------------------------------------------------------------------ one client connection

type Exchange = { keep: boolean };

/** A request the raw path leaves to node:http. */
function unusual(head: RequestHead, via: ForwardVia): boolean {
  if (head.version !== "1.1" || head.upgrade !== null) return true;
  if (head.expect !== null && head.expect.trim().toLowerCase() !== "100-continue") return true;
  return via ? head.targetForm !== "origin" : head.targetForm !== "absolute";
}

/**
 * Serves HTTP/1.1 requests on `client` until it closes. `via` is the CONNECT or bumped connection the requests
 * arrive on, or the transparent listener's original destination (null for the explicit proxy's own listener,
 * where requests are absolute-form).
 */
export function serveHttp1(client: Duplex, initial: Buffer, via: ForwardVia, sourceIp: string, host: ForwardHost, pool: UpstreamPool, handOff: HandOff): void {
  new ClientConnection(client, initial, via, sourceIp, host, pool, handOff);
}

class ClientConnection {
  #buf: Buffer;
  #busy = false;
  #ended = false;
  #served = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Which wait the timer measures: idle between requests (keep-alive) or a head being received; 0: none. */
  #timerMs = 0;
  /** The duration the timer was made with (refresh keeps it). */
  #timerDuration = 0;
  /** While a request body is read, client bytes go here instead of the head buffer. */
  #bodySink: ((b: Buffer) => void) | null = null;
  #upstream: Upstream | null = null;

  constructor(
    readonly client: Duplex,
    initial: Buffer,
    readonly via: ForwardVia,
    readonly sourceIp: string,
    readonly host: ForwardHost,
    readonly pool: UpstreamPool,
    readonly handOff: HandOff,
  ) {
    this.#buf = initial;
    client.on("data", this.#onData);
    client.on("end", this.#onEnd);
    client.on("error", () => client.destroy());
    client.once("close", () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#timerMs = 0;
      this.#upstream?.sock.destroy();
      this.#upstream = null;
    });
    client.resume();
    this.#next();
  }

  #onData = (c: Buffer): void => {
    if (this.#bodySink) return this.#bodySink(c);
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, c]) : c;
    if (!this.#busy) this.#next();
    else if (this.#buf.length > MAX_HEAD_BYTES) this.client.pause();
  };

  #onEnd = (): void => {
    this.#ended = true;
    if (this.#bodySink) this.#bodySink(EMPTY);
    if (!this.#busy) this.#next();
  };

  /**
   * Disarms the wait without clearing the timer: a keep-alive connection disarms and re-arms once per request,
   * and refreshing one timer costs less than a new one each time. A timer that fires disarmed does nothing.
   */
  #disarm(): void {
    this.#timerMs = 0;
  }

  #arm(ms: number): void {
    if (this.#timer && this.#timerDuration === ms) {
      this.#timer.refresh();
    } else {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        if (this.#timerMs !== 0) this.client.destroy();
      }, ms);
      this.#timerDuration = ms;
    }
    this.#timerMs = ms;
  }

  #next(): void {
    if (this.client.destroyed) return;
    if (this.#buf.length === 0) {
      if (this.#ended) return void this.client.end();
      return this.#arm(this.#served ? KEEP_ALIVE_MS : HEADERS_MS);
    }
    const r = parseRequestHead(this.#buf);
    if (r.kind === "need-more") {
      if (this.#ended) return void this.client.destroy();
      // The first byte of a head ends the keep-alive wait; the whole head then has HEADERS_MS (node:http's defaults).
      if (this.#timerMs !== HEADERS_MS) this.#arm(HEADERS_MS);
      return;
    }
    this.#disarm();
    if (r.kind === "error") return void this.client.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    const connect = r.head.method === "CONNECT" && !this.via && this.handOff.connect;
    if (connect || unusual(r.head, this.via)) {
      const rest = connect ? this.#buf.subarray(r.consumed) : this.#buf;
      this.#buf = EMPTY;
      this.client.off("data", this.#onData);
      this.client.off("end", this.#onEnd);
      this.client.pause();
      return connect ? connect(r.head.target, this.client, rest) : this.handOff.fallback(this.client, rest);
    }
    this.#buf = this.#buf.subarray(r.consumed);
    this.#busy = true;
    this.#request(r.head).then(
      (x) => {
        this.#busy = false;
        this.#served++;
        if (!x.keep || this.client.destroyed) return void this.client.end();
        this.client.resume();
        this.#next();
      },
      () => this.client.destroy(),
    );
  }

  #write(s: string | Buffer): boolean {
    return this.client.destroyed ? false : this.client.write(s);
  }

  /**
   * Reads (and drops) the request body, then answers whether the connection may serve another request. A
   * client that asked for 100 Continue has not sent its body: it is answered at once and the connection
   * closes, as it may still send the body after its own wait (RFC 9110 §10.1.1).
   */
  async #local(head: RequestHead, status: number, headers: [string, string | number][], body: string): Promise<Exchange> {
    const keep = head.keepAlive && head.expect === null && (await this.#readBody(head.framing, null)) === "done";
    this.#write(localResponse(status, headers, body, keep));
    return { keep };
  }

  #block(head: RequestHead, reason: Reason, host: string | null, ref: string, status: number): Promise<Exchange> {
    const body = this.host.blockPage(reason, host, ref);
    return this.#local(head, status, [["Content-Type", "text/html; charset=utf-8"], ["Cache-Control", "no-store"], ["X-Qaqpa-Reason", reason], ["X-Qaqpa-Ref", ref]], body);
  }

  /**
   * The request body, relayed to `to` (or dropped when null) with backpressure; bytes after it stay in the
   * head buffer for the next request.
   */
  #readBody(framing: BodyFraming, to: net.Socket | null): Promise<"done" | "failed"> {
    const framer = new BodyFramer(framing);
    if (framer.done) return Promise.resolve("done");
    return new Promise((resolve) => {
      let waiting = false;
      const finish = (v: "done" | "failed") => {
        this.#bodySink = null;
        resolve(v);
      };
      const feed = (c: Buffer) => {
        if (c.length === 0 && this.#ended) return finish("failed");
        const step = framer.push(c);
        if (step.kind === "error") return finish("failed");
        if (to && step.bytes.length && !to.write(step.bytes) && !waiting) {
          waiting = true;
          this.client.pause();
          to.once("drain", () => {
            waiting = false;
            this.client.resume();
          });
        }
        if (step.done) {
          if (step.rest.length) this.#buf = this.#buf.length ? Buffer.concat([this.#buf, step.rest]) : step.rest;
          finish("done");
        }
      };
      this.#bodySink = feed;
      const pending = this.#buf;
      this.#buf = EMPTY;
      if (pending.length) feed(pending);
      else if (this.#ended) finish("failed");
    });
  }

  async #request(head: RequestHead): Promise<Exchange> {
    const h = this.host;
    const startedAt = h.now();
    const ref = h.newRef();
    let host: string;
    let port: number;
    let path: string;
    let secure: boolean;
    const via = this.via;
    const tunnel = isTunnel(via) ? via : null;
    const transparent = via && !isTunnel(via) ? via : null;
    if (tunnel) {
      ({ host, port, tls: secure } = tunnel);
      path = head.target;
    } else if (transparent) {
      if (!head.authority) {
        this.#write(localResponse(400, [["Content-Type", "text/plain; charset=utf-8"]], "a transparent request needs a Host header\n", false));
        return { keep: false };
      }
      host = head.authority.host;
      port = transparent.original.port;
      path = head.target;
      secure = false;
    } else {
      const t = absoluteTarget(head) ?? urlTarget(head.target);
      if (!t) {
        this.#write(localResponse(400, [["Content-Type", "text/plain; charset=utf-8"]], "qaqpa is a proxy: send absolute-form http:// requests or CONNECT\n", false));
        return { keep: false };
      }
      ({ host, port, path } = t);
      secure = false;
    }
    const facts: FlowFacts = { phase: "request", sourceIp: this.sourceIp, protocol: "http", host, port, path, ...(tunnel?.tlsFacts ? { tls: tunnel.tlsFacts } : {}) };
    // The certificate minted for a bumped connection names only its host; another authority is misdirected.
    const authority = tunnel ? (head.authority?.host ?? null) : null;
    if (authority !== null && authority !== host) {
      const d = h.refuse(facts, "misdirected-request", `${authority} on a connection for ${host}`);
      h.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 421 }));
      return this.#block(head, "misdirected-request", authority, ref, 421);
    }
    let resolved: string[] | null = null;
    if (transparent) {
      const c = await checkOriginalDestination(h.resolver, host, transparent.original.ip);
      if ("refused" in c) {
        const refused = h.refuse(facts, "misdirected-request", c.refused);
        h.sink.write(recordOf("request", ref, facts, refused, { startedAt, status: 403 }));
        return this.#block(head, "misdirected-request", host, ref, 403);
      }
      resolved = c.addrs;
    }
    const d = h.decide(facts);
    if (d.verdict.action === "block") {
      h.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 403 }));
      return this.#block(head, d.verdict.reason, host, ref, 403);
    }
    let ip: string;
    try {
      ip = (resolved ?? h.resolver.known(host) ?? (await h.resolver.resolve(host)))[0]!;
      if (ip === undefined) throw new Error("no address");
    } catch {
      h.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 502 }));
      return this.#block(head, "upstream-unreachable", host, ref, 502);
    }
    let ca: readonly string[] | undefined;
    if (secure) {
      // The upstream's chain (AIA chasing) and client-certificate requests, probed once per upstream.
      const u = h.upstreamTls.cached(host, ip, port) ?? (await h.upstreamTls.check(host, ip, port));
      if (!u.ok) {
        h.sink.write(recordOf("request", ref, facts, { ...d, verdict: { action: "block", reason: u.reason, rule: u.detail } }, { ip, tls: "bump", startedAt, status: 502 }));
        return this.#block(head, u.reason, host, ref, 502);
      }
      ca = u.ca;
    }
    const text = upstreamRequestHead(head, path, host, port, secure);
    const upFailed = (e: unknown): Promise<Exchange> => {
      const err = e as NodeJS.ErrnoException;
      const reason: Reason = CERT_ERRORS.test(String(err.code ?? "")) ? "upstream-certificate" : "upstream-unreachable";
      h.sink.write(recordOf("request", ref, facts, { ...d, verdict: { action: "block", reason, rule: String(err.code ?? err.message) } }, { ip, startedAt, status: 502 }));
      return this.#block(head, reason, host, ref, 502);
    };
    for (let attempt = 0; ; attempt++) {
      let up: Upstream;
      try {
        // A pooled connection comes back at once: no await for it.
        const got = this.pool.acquire(ip, port, host, secure, ca);
        up = got instanceof Promise ? await got : got;
      } catch (e) {
        return upFailed(e);
      }
      if (this.client.destroyed) {
        up.sock.destroy();
        return { keep: false };
      }
      this.#upstream = up;
      const r = await this.#exchange(head, text, up);
      this.#upstream = null;
      if (r.kind === "done") {
        h.sink.write(recordOf("request", ref, facts, d, { ip, tls: secure ? "bump" : null, startedAt, status: r.status, bytesUp: head.contentLength ?? 0, bytesDown: r.bytesDown }));
        return { keep: r.keep };
      }
      if (r.kind === "aborted") return { keep: false };
      // A reused connection the upstream closed while idle: a request without a body is sent again once.
      if (up.reused && r.retry && attempt === 0) continue;
      return upFailed(r.error);
    }
  }

  /** One request/response on an upstream connection. */
  #exchange(
    head: RequestHead,
    text: string,
    up: Upstream,
  ): Promise<{ kind: "done"; status: number; keep: boolean; bytesDown: number } | { kind: "failed"; error: unknown; retry: boolean } | { kind: "aborted" }> {
    const sock = up.sock;
    const client = this.client;
    return new Promise((resolve) => {
      let rbuf: Buffer = EMPTY;
      let res: ResponseHead | null = null;
      let framer: BodyFramer | null = null;
      let requestDone = head.framing.kind === "none";
      let responseDone = false;
      let keepClient = false;
      let bytesDown = 0;
      let settled = false;
      const cleanup = () => {
        settled = true;
        up.events.current = null;
        client.off("drain", resumeUp);
      };
      const fail = (error: unknown) => {
        if (settled) return;
        cleanup();
        sock.destroy();
        if (res) {
          client.destroy();
          return resolve({ kind: "aborted" });
        }
        resolve({ kind: "failed", error, retry: head.framing.kind === "none" && rbuf.length === 0 });
      };
      const complete = () => {
        if (settled || !responseDone || !requestDone) return;
        cleanup();
        const status = res!.status;
        if (res!.keepAlive && rbuf.length === 0) this.pool.release(up);
        else sock.destroy();
        resolve({ kind: "done", status, keep: keepClient, bytesDown });
      };
      let waiting = false;
      const resumeUp = () => {
        waiting = false;
        sock.resume();
      };
      const body = (c: Buffer) => {
        const step = framer!.push(c);
        if (step.kind === "error") return fail(new Error(step.message));
        bytesDown += step.payload;
        if (step.bytes.length && !client.write(step.bytes) && !waiting) {
          waiting = true;
          sock.pause();
          client.once("drain", resumeUp);
        }
        if (step.done) {
          rbuf = step.rest;
          responseDone = true;
          // A response that ends before its request body: the rest of that body cannot be framed any more.
          if (!requestDone) {
            keepClient = false;
            requestDone = true;
            sock.destroy();
            this.#bodySink = null;
          }
          complete();
        }
      };
      const onData = (c: Buffer) => {
        if (framer) return body(c);
        rbuf = rbuf.length ? Buffer.concat([rbuf, c]) : c;
        for (;;) {
          const r = parseResponseHead(rbuf, head.method);
          if (r.kind === "need-more") return;
          if (r.kind === "error") return fail(Object.assign(new Error(r.message), { code: "BAD_RESPONSE" }));
          // Interim responses (100, 103) are not relayed, as on the node:http path; 101 is never asked for.
          if (r.head.status < 200 && r.head.status !== 101) {
            rbuf = rbuf.subarray(r.consumed);
            if (rbuf.length === 0) return;
            continue;
          }
          if (r.head.framing.kind === "tunnel") return fail(Object.assign(new Error("unexpected tunnel response"), { code: "BAD_RESPONSE" }));
          res = r.head;
          keepClient = head.keepAlive && res.framing.kind !== "until-close";
          framer = new BodyFramer(res.framing);
          const rest = rbuf.subarray(r.consumed);
          rbuf = EMPTY;
          // The head and the body bytes read with it leave as one write (one TLS record on a bumped connection).
          client.cork();
          client.write(clientResponseHead(res, keepClient));
          if (framer.done) {
            client.uncork();
            rbuf = rest;
            responseDone = true;
            return complete();
          }
          if (rest.length) body(rest);
          client.uncork();
          return;
        }
      };
      const onEnd = () => {
        if (framer && framer.eof() === "complete" && !responseDone) {
          responseDone = true;
          keepClient = false;
          requestDone = true;
          return complete();
        }
        fail(Object.assign(new Error("upstream closed"), { code: "ECONNRESET" }));
      };
      const onError = (e: Error) => fail(e);
      up.events.current = { data: onData, end: onEnd, error: onError, timeout: () => fail(Object.assign(new Error("upstream timeout"), { code: "ETIMEDOUT" })) };
      sock.resume();
      sock.write(text);
      if (!requestDone && head.expect !== null) this.#write(CONTINUE);
      if (!requestDone) {
        void this.#readBody(head.framing, sock).then((v) => {
          if (settled) return;
          if (v === "failed") {
            client.destroy();
            return fail(new Error("request body"));
          }
          requestDone = true;
          complete();
        });
      }
    });
  }
}
