/**
 * The gateway's I/O shell: it moves bytes and carries out what the pipeline decides; it decides nothing itself
 * except at the point of effect (what the name resolves to, whether the upstream certificate is valid).
 *
 *   explicit proxy (HTTP/1.1)
 *     ├─ absolute-form request ──▶ decide(request) ──▶ forward over a pooled upstream connection | block page
 *     └─ CONNECT host:port ──▶ decide(connect) ──▶ 403 | 200, then peek the first bytes:
 *          ├─ TLS ─▶ ClientHello ─▶ decide(tls) ─▶ splice (never decrypted)
 *          │                                      ├▶ bump: leaf for the name only ─▶ requests ─▶ decide(request)
 *          │                                      └▶ block: bumped block page, or a clean close
 *          ├─ HTTP ─▶ requests ─▶ decide(request)
 *          └─ other (SSH, RDP, OpenVPN, SOCKS, P2P, unknown) ─▶ decide(tls) ─▶ splice by exception | close
 */
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { decideFlow } from "../gateway-core/pipeline.js";
import type { Decision, FlowFacts, Reason } from "../gateway-core/flow.js";
import type { PolicySnapshot } from "../gateway-core/snapshot.js";
import { classifyFirstBytes, type FlowProtocol } from "../gateway-core/parse/first-bytes.js";
import { parseClientHello, type ClientHello } from "../gateway-core/parse/client-hello.js";
import { parseAuthority, parseRequestHead } from "../gateway-core/parse/http1-head.js";
import { leafCertChainPem, type MintedLeaf } from "../ca/leaf.js";
import type { Resolver } from "./resolver.js";
import { blockPage } from "./block-page.js";
import { recordOf, type DecisionSink } from "./decision-log.js";
import { UpstreamTls, type UpstreamCheck } from "./upstream-tls.js";
import { relay } from "./replay.js";
import { CERT_ERRORS, fallbackTo, HOP_BY_HOP, serveHttp1, UpstreamPool, urlTarget, type ForwardHost, type ForwardTunnel, type HandOff } from "./http1-forward.js";

/** Where spliced upstream reads land before they are copied out (see #splice); one per process is enough. */
const relayBuffer = Buffer.allocUnsafe(64 * 1024);

export interface LeafSource {
  get(name: string, keyType: "ecdsa" | "rsa"): Promise<MintedLeaf>;
}

export interface GatewayDeps {
  snapshot(): PolicySnapshot | null;
  resolver: Resolver;
  /** Null when no issuing CA is active: allowed TLS is then spliced, and that is what the log says. */
  leaves(): LeafSource | null;
  /** Extra PEM roots the gateway trusts for upstream TLS, on top of the system store. */
  upstreamCa?: string[];
  /** Upstream chain (AIA chasing) and client-certificate checks; made from upstreamCa when not given. */
  upstreamTls?: UpstreamTls;
  portalUrl: string;
  sink: DecisionSink;
  onUnknownSource(address: string): void;
  onDecision?(d: Decision): void;
  now?: () => number;
  timeouts?: { firstBytesMs?: number; handshakeMs?: number; idleMs?: number; connectMs?: number };
  /**
   * Internal: serve HTTP/1.1 inside tunnels (bumped TLS, plain HTTP over CONNECT) with the gateway's own
   * parser and upstream pool (src/gateway/http1-forward.ts) instead of node:http. On unless false.
   */
  rawHttp1?: boolean;
  /** Internal: also serve the explicit proxy's own listener (absolute-form requests, CONNECT) that way; on unless false. */
  rawListener?: boolean;
}

type Peeked = { protocol: FlowProtocol; bytes: Buffer; hello: ClientHello | null } | { protocol: "tls-error"; bytes: Buffer; hello: null };

interface TunnelContext {
  sourceIp: string;
  host: string;
  port: number;
  tls: boolean;
  hello: ClientHello | null;
  /** Set when the connection itself was refused: every request on it gets this block page. */
  blocked: Decision | null;
}

/** The tunnel a socket belongs to; a symbol property so HTTP/2's socket proxy forwards it too. */
const CTX = Symbol("qaqpa.tunnel");
type WithCtx = { [CTX]?: TunnelContext };
function contextOf(socket: unknown): TunnelContext | undefined {
  return (socket as WithCtx | null)?.[CTX];
}

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;


/** Raw header lines → an object for http.request/writeHead, repeated fields kept as arrays, skipped names dropped. */
function copyHeaders(raw: readonly string[], skip: (lowerName: string) => boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (skip(name.toLowerCase())) continue;
    const prev = out[name];
    out[name] = prev === undefined ? raw[i + 1]! : Array.isArray(prev) ? [...prev, raw[i + 1]!] : [prev, raw[i + 1]!];
  }
  return out;
}

export function clientAddress(s: net.Socket): string {
  const a = s.remoteAddress ?? "";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

let refPool = Buffer.alloc(0);
let refAt = 0;
/** A random 8-character reference id; the random bytes come from a pool refilled 4 KiB at a time. */
function newRef(): string {
  if (refAt + 6 > refPool.length) {
    refPool = randomBytes(4096);
    refAt = 0;
  }
  refAt += 6;
  return refPool.toString("base64url", refAt - 6, refAt);
}

export class Gateway {
  readonly server: http.Server;
  readonly #inner: http.Server;
  readonly #h2: http2.Http2Server;
  #pendingH2: TunnelContext | null = null;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  readonly #tunnels = new Set<Duplex>();
  readonly #secureContexts = new WeakMap<MintedLeaf, tls.SecureContext>();
  readonly #httpAgent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, scheduling: "lifo" });
  readonly #httpsAgent: https.Agent;
  readonly #deps: GatewayDeps;
  readonly #t: Required<NonNullable<GatewayDeps["timeouts"]>>;
  readonly #open = new Set<net.Socket>();
  readonly #adopted: net.Server[] = [];
  readonly #upstreamTls: UpstreamTls;
  readonly #pool: UpstreamPool | null;
  readonly #forwardHost: ForwardHost;

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    this.#upstreamTls = deps.upstreamTls ?? new UpstreamTls({ upstreamCa: deps.upstreamCa });
    this.#t = { firstBytesMs: 10_000, handshakeMs: 10_000, idleMs: 300_000, connectMs: 10_000, ...deps.timeouts };
    // One secure context for every upstream TLS connection: passing `ca` instead would rebuild a context with the
    // whole system store per connection and put every PEM into the agent's pool key on every request.
    const secureContext = deps.upstreamCa?.length ? tls.createSecureContext({ ca: [...tls.rootCertificates, ...deps.upstreamCa] }) : undefined;
    this.#httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256, scheduling: "lifo", ...(secureContext ? { secureContext } : {}) });
    this.#pool = deps.rawHttp1 !== false ? new UpstreamPool({ secureContext, connectMs: this.#t.connectMs }) : null;
    this.#forwardHost = {
      decide: (facts) => this.#decide(facts),
      refuse: (facts, reason, rule) => this.#refuse(facts, reason, rule),
      sink: deps.sink,
      resolver: deps.resolver,
      upstreamTls: this.#upstreamTls,
      blockPage: (reason, host, ref) => blockPage({ reason, host, ref, portalUrl: deps.portalUrl }),
      newRef,
      now: () => this.#now(),
    };
    const opts: http.ServerOptions = { maxHeaderSize: 32 * 1024, requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 5_000 };
    this.server = http.createServer(opts);
    this.server.on("connection", (s: net.Socket) => {
      s.setNoDelay(true);
      this.#open.add(s);
      s.once("close", () => this.#open.delete(s));
    });
    this.server.on("request", (req, res) => void this.#plainRequest(req, res).catch((e) => this.#fail(res, e)));
    this.server.on("connect", (req, socket: net.Socket, head: Buffer) => void this.#connect(req.url ?? "", socket, head).catch(() => socket.destroy()));
    this.server.on("clientError", (_e, socket: Duplex) => {
      if ((socket as net.Socket).writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      else socket.destroy();
    });
    // Requests inside tunnels (bumped TLS or plain HTTP over CONNECT) are parsed by a server that never listens.
    this.#inner = http.createServer(opts);
    this.#inner.on("request", (req, res) => void this.#tunnelRequest(req, res).catch((e) => this.#fail(res, e)));
    this.#inner.on("clientError", (_e, socket: Duplex) => socket.destroy());
    this.#tunnelHandOff = { fallback: fallbackTo(this.#inner) };
    this.#inner.on("upgrade", (req, socket: Duplex, head: Buffer) => void this.#upgrade(req, socket, head, contextOf(req.socket) ?? null));
    this.server.on("upgrade", (req, socket: Duplex, head: Buffer) => void this.#upgrade(req, socket, head, null));
    // HTTP/2 towards clients on bumped connections (ALPN h2): the same per-request policy; upstream stays
    // HTTP/1.1 over pooled connections. Squid strips h2 from the ClientHello; the gateway speaks it.
    this.#h2 = http2.createServer({ maxSessionMemory: 16, settings: { maxConcurrentStreams: 128 } });
    this.#h2.on("request", (req, res) => void this.#tunnelRequest(req, res).catch((e) => this.#fail(res, e)));
    this.#h2.on("sessionError", () => {});
    this.#h2.on("session", (session) => {
      if (this.#pendingH2) (session as unknown as WithCtx)[CTX] = this.#pendingH2;
      this.#sessions.add(session);
      session.once("close", () => this.#sessions.delete(session));
    });
    if (this.#pool && deps.rawListener !== false) this.#rawListener();
  }

  /**
   * Serve connections of a listening socket opened elsewhere — a cluster worker's own SO_REUSEPORT socket,
   * handed over by the primary (cluster.ts). Returns its port.
   */
  adopt(listener: net.Server): number {
    listener.on("connection", (s: net.Socket) => this.server.emit("connection", s));
    this.#adopted.push(listener);
    return (listener.address() as net.AddressInfo).port;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    // Stop accepting, then cut what is open: server.close() alone waits for every tunnel to end by itself.
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const l of this.#adopted) l.close();
    for (const s of this.#open) s.destroy();
    for (const s of this.#sessions) s.destroy();
    for (const t of this.#tunnels) t.destroy();
    await closed;
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
    this.#pool?.close();
    this.#upstreamTls.close();
  }

  /**
   * The explicit proxy's listener on the raw path: node:http's own connection handler is kept for what the raw
   * path leaves to it (Upgrade, HTTP/1.0, expectations other than 100-continue, origin-form requests).
   */
  #rawListener(): void {
    const httpConnection = this.server.listeners("connection")[0] as (s: net.Socket) => void;
    this.server.removeListener("connection", httpConnection);
    const handOff: HandOff = {
      fallback: (client, buffered) => {
        if (buffered.length) client.unshift(buffered);
        httpConnection.call(this.server, client as net.Socket);
        client.resume();
      },
      connect: (target, client, rest) => {
        // #connect reaches its first-bytes peek synchronously: its listener is on before the socket flows again.
        void this.#connect(target, client as net.Socket, rest).catch(() => client.destroy());
        client.resume();
      },
    };
    this.server.on("connection", (s: net.Socket) => serveHttp1(s, Buffer.alloc(0), null, clientAddress(s), this.#forwardHost, this.#pool!, handOff));
  }

  #track(s: Duplex): void {
    this.#tunnels.add(s);
    s.once("close", () => this.#tunnels.delete(s));
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  #decide(facts: FlowFacts): Decision {
    return this.#account(decideFlow(facts, this.#deps.snapshot(), this.#now()));
  }

  /**
   * A flow the gateway refuses whatever the pipeline says (a misdirected authority, an SNI that is not the
   * destination's): the pipeline still runs, for the organisation, the categories and the unknown-source
   * detection, but the refusal is what is counted, as it is what the record says — counting the pipeline's
   * verdict (often an allow) would make the metrics disagree with the log.
   */
  #refuse(facts: FlowFacts, reason: Reason, rule: string): Decision {
    const d = decideFlow(facts, this.#deps.snapshot(), this.#now());
    return this.#account({ ...d, verdict: { action: "block", reason, rule } });
  }

  /** A decision's side effects: unknown-source detections and the metrics hook. */
  #account(d: Decision): Decision {
    for (const e of d.effects) if (e.kind === "record-unknown-source") this.#deps.onUnknownSource(e.address);
    this.#deps.onDecision?.(d);
    return d;
  }

  #fail(res: AnyResponse, _e: unknown): void {
    if (!res.headersSent) (res as http.ServerResponse).writeHead(502, { "content-type": "text/plain; charset=utf-8" }).end("bad gateway\n");
    else (res as http.ServerResponse).destroy();
  }

  #sendBlock(res: AnyResponse, reason: Reason, host: string | null, ref: string, status = 403): void {
    const body = blockPage({ reason, host, ref, portalUrl: this.#deps.portalUrl });
    (res as http.ServerResponse).writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-qaqpa-reason": reason, "x-qaqpa-ref": ref, "content-length": Buffer.byteLength(body) });
    (res as http.ServerResponse).end(body);
  }

  // ------------------------------------------------------------------------------ plain HTTP (explicit proxy)

  async #plainRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const startedAt = this.#now();
    const ref = newRef();
    const target = urlTarget(req.url ?? "");
    if (!target) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end("qaqpa is a proxy: send absolute-form http:// requests or CONNECT\n");
      return;
    }
    const { host, port, path } = target;
    const facts: FlowFacts = { phase: "request", sourceIp: clientAddress(req.socket), protocol: "http", host, port, path };
    const d = this.#decide(facts);
    if (d.verdict.action === "block") {
      this.#sendBlock(res, d.verdict.reason, host, ref);
      this.#deps.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 403 }));
      return;
    }
    await this.#forward(req, res, { host, port, path, tls: false, facts, decision: d, ref, startedAt });
  }

  // ------------------------------------------------------------------------------ forwarding

  async #forward(
    req: AnyRequest,
    resAny: AnyResponse,
    t: { host: string; port: number; path: string; tls: boolean; facts: FlowFacts; decision: Decision; ref: string; startedAt: number },
  ): Promise<void> {
    const res = resAny as http.ServerResponse;
    const h2 = "stream" in req;
    let addrs: string[];
    try {
      addrs = await this.#deps.resolver.resolve(t.host);
    } catch {
      this.#sendBlock(res, "upstream-unreachable", t.host, t.ref, 502);
      this.#deps.sink.write(recordOf("request", t.ref, t.facts, t.decision, { startedAt: t.startedAt, status: 502 }));
      return;
    }
    const ip = addrs[0]!;
    // The upstream's chain (AIA chasing for missing intermediates) and client-certificate requests (mTLS),
    // probed once per upstream and cached (src/gateway/upstream-tls.ts).
    let upstream: UpstreamCheck | undefined;
    if (t.tls) {
      upstream = this.#upstreamTls.cached(t.host, ip, t.port) ?? (await this.#upstreamTls.check(t.host, ip, t.port));
      if (!upstream.ok) {
        this.#sendBlock(res, upstream.reason, t.host, t.ref, 502);
        this.#deps.sink.write(recordOf("request", t.ref, t.facts, { ...t.decision, verdict: { action: "block", reason: upstream.reason, rule: upstream.detail } }, { ip, tls: "bump", startedAt: t.startedAt, status: 502 }));
        return;
      }
    }
    const headers = copyHeaders(req.rawHeaders, (lower) => HOP_BY_HOP.has(lower) || lower.startsWith("proxy-") || lower.startsWith(":"));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "host")) headers.Host = t.port === (t.tls ? 443 : 80) ? t.host : `${t.host}:${t.port}`;
    const options: https.RequestOptions = {
      host: ip,
      port: t.port,
      method: req.method,
      path: t.path,
      headers,
      agent: t.tls ? ((upstream?.ok && upstream.agent) || this.#httpsAgent) : this.#httpAgent,
      setHost: false,
      timeout: this.#t.connectMs,
      ...(t.tls ? { servername: net.isIP(t.host) ? undefined : t.host } : {}),
    };
    let bytesDown = 0;
    await new Promise<void>((resolve) => {
      const up = (t.tls ? https : http).request(options, (ures) => {
        // HTTP/2 forbids connection-specific fields (RFC 9113 §8.2.2); HTTP/1.1 re-frames its own.
        const h = copyHeaders(ures.rawHeaders, (lower) => HOP_BY_HOP.has(lower) || (h2 && lower === "host"));
        if (h2) res.writeHead(ures.statusCode ?? 502, h);
        else res.writeHead(ures.statusCode ?? 502, ures.statusMessage, h);
        ures.on("data", (c: Buffer) => (bytesDown += c.length));
        ures.pipe(res);
        ures.on("end", () => {
          this.#deps.sink.write(recordOf("request", t.ref, t.facts, t.decision, { ip, tls: t.tls ? "bump" : null, startedAt: t.startedAt, status: ures.statusCode, bytesUp: Number(req.headers["content-length"] ?? 0), bytesDown }));
          resolve();
        });
        ures.on("error", () => {
          res.destroy();
          resolve();
        });
      });
      up.on("timeout", () => up.destroy(new Error("upstream timeout")));
      up.on("error", (e: NodeJS.ErrnoException) => {
        const reason: Reason = CERT_ERRORS.test(String(e.code ?? "")) ? "upstream-certificate" : "upstream-unreachable";
        if (!res.headersSent) this.#sendBlock(res, reason, t.host, t.ref, 502);
        else res.destroy();
        this.#deps.sink.write(recordOf("request", t.ref, t.facts, { ...t.decision, verdict: { action: "block", reason, rule: String(e.code ?? e.message) } }, { ip, startedAt: t.startedAt, status: 502 }));
        resolve();
      });
      res.on("close", () => {
        if (!res.writableFinished) up.destroy();
      });
      (req as http.IncomingMessage).pipe(up);
    });
  }

  // ------------------------------------------------------------------------------ CONNECT

  async #connect(target: string, socket: net.Socket, head: Buffer): Promise<void> {
    const startedAt = this.#now();
    const ref = newRef();
    socket.setNoDelay(true);
    socket.setTimeout(this.#t.idleMs, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    const sourceIp = clientAddress(socket);
    const auth = parseAuthority(target, true);
    if ("kind" in auth) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const host = auth.host;
    const port = auth.port!;
    const connectFacts: FlowFacts = { phase: "connect", sourceIp, protocol: "unknown", host, port };
    const first = this.#decide(connectFacts);
    if (first.verdict.action === "block") {
      const body = blockPage({ reason: first.verdict.reason, host, ref, portalUrl: this.#deps.portalUrl });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\nX-Qaqpa-Reason: ${first.verdict.reason}\r\nX-Qaqpa-Ref: ${ref}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      this.#deps.sink.write(recordOf("connection", ref, connectFacts, first, { startedAt, status: 403 }));
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    return this.#peekAndDispatch(socket, head, { sourceIp, host, port, ref, startedAt }, true);
  }

  /** After CONNECT (or a transparent TLS accept): peek the first bytes and run the flow they call for. */
  async #peekAndDispatch(socket: net.Socket, head: Buffer, c: { sourceIp: string; host: string; port: number; ref: string; startedAt: number }, allowHttp: boolean): Promise<void> {
    const peek = await this.#peek(socket, head);
    if (!peek) {
      socket.destroy();
      return;
    }
    return this.#dispatch(socket, peek, c, allowHttp);
  }

  #dispatch(socket: net.Socket, peek: Peeked, c: { sourceIp: string; host: string; port: number; ref: string; startedAt: number }, allowHttp: boolean): Promise<void> | void {
    if (peek.protocol === "tls" || peek.protocol === "tls-error") return this.#tlsTunnel(socket, peek.bytes, peek.hello, c);
    if (peek.protocol === "http" && allowHttp) return this.#httpTunnel(socket, peek.bytes, c);
    // Not web traffic: the classify stage decides (blocked unless an exception opens the protocol).
    const facts: FlowFacts = { phase: "tls", sourceIp: c.sourceIp, protocol: peek.protocol === "http" ? "unknown" : peek.protocol, host: c.host, port: c.port };
    const d = this.#decide(facts);
    if (d.verdict.action === "allow") return this.#splice(socket, peek.bytes, c.host, c.port, facts, d, c.ref, c.startedAt);
    this.#deps.sink.write(recordOf("connection", c.ref, facts, d, { startedAt: c.startedAt }));
    socket.destroy();
  }

  /** Read until the first bytes say which protocol this is, and for TLS until the whole ClientHello is in. */
  #peek(socket: net.Socket, head: Buffer): Promise<Peeked | null> {
    return new Promise<Peeked | null>((resolve) => {
      let buf: Buffer = head.length ? Buffer.from(head) : Buffer.alloc(0);
      let done = false;
      const finish = (v: Peeked | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.pause();
        resolve(v);
      };
      const evaluate = (final: boolean) => {
        const c = classifyFirstBytes(buf, final);
        if (c.kind === "need-more") return;
        if (c.protocol !== "tls") return finish({ protocol: c.protocol, bytes: buf, hello: null });
        const h = parseClientHello(buf);
        if (h.kind === "ok") return finish({ protocol: "tls", bytes: buf, hello: h.hello });
        if (h.kind === "error") return finish({ protocol: "tls-error", bytes: buf, hello: null });
        if (final) finish({ protocol: "tls-error", bytes: buf, hello: null });
      };
      const onData = (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        evaluate(false);
      };
      const onEnd = () => finish(null);
      const timer = setTimeout(() => (buf.length ? evaluate(true) : finish(null)), this.#t.firstBytesMs);
      socket.on("data", onData);
      socket.on("end", onEnd);
      if (buf.length) evaluate(false);
    });
  }

  async #tlsTunnel(socket: net.Socket, bytes: Buffer, hello: ClientHello | null, c: { sourceIp: string; host: string; port: number; ref: string; startedAt: number }): Promise<void> {
    if (!hello) {
      const facts: FlowFacts = { phase: "tls", sourceIp: c.sourceIp, protocol: "tls", host: c.host, port: c.port };
      this.#deps.sink.write(recordOf("connection", c.ref, facts, this.#refuse({ ...facts, protocol: "unknown" }, "malformed-client-hello", "ClientHello does not parse"), { startedAt: c.startedAt }));
      socket.destroy();
      return;
    }
    const sni = hello.serverName;
    let host = c.host;
    const connectIsIp = net.isIP(c.host) !== 0;
    if (sni && !connectIsIp && sni !== c.host) return this.#refuseTunnel(socket, c, hello, "misdirected-request", `SNI ${sni} differs from CONNECT ${c.host}`);
    if (sni && connectIsIp) {
      // The client picked the address: it must be one the name really has, or it is not the name's server.
      const addrs = await this.#deps.resolver.resolve(sni).catch(() => [] as string[]);
      if (!addrs.includes(c.host)) return this.#refuseTunnel(socket, c, hello, "misdirected-request", `${c.host} is not an address of ${sni}`);
      host = sni;
    }
    const facts: FlowFacts = { phase: "tls", sourceIp: c.sourceIp, protocol: "tls", host, port: c.port, tls: { ech: hello.ech, alpn: hello.alpn, ja4: hello.ja4 } };
    const d = this.#decide(facts);
    const leaves = this.#deps.leaves();
    if (d.verdict.action === "allow") {
      if (d.verdict.tls === "splice" || !leaves || d.protected) return this.#splice(socket, bytes, host, c.port, facts, d, c.ref, c.startedAt);
      return this.#bump(socket, bytes, hello, leaves, { sourceIp: c.sourceIp, host, port: c.port, tls: true, hello, blocked: null }, facts, d, c);
    }
    // Blocked TLS: show the block page over a bumped connection when we can mint for the name; never for p.20.
    this.#deps.sink.write(recordOf("connection", c.ref, facts, d, { startedAt: c.startedAt }));
    if (leaves && !d.protected && !net.isIP(host)) return this.#bump(socket, bytes, hello, leaves, { sourceIp: c.sourceIp, host, port: c.port, tls: true, hello, blocked: d }, facts, d, c, true);
    socket.destroy();
  }

  #refuseTunnel(socket: net.Socket, c: { sourceIp: string; host: string; port: number; ref: string; startedAt: number }, hello: ClientHello, reason: Reason, rule: string): void {
    const facts: FlowFacts = { phase: "tls", sourceIp: c.sourceIp, protocol: "tls", host: c.host, port: c.port, tls: { ech: hello.ech, alpn: hello.alpn, ja4: hello.ja4 } };
    this.#deps.sink.write(recordOf("connection", c.ref, facts, this.#refuse({ ...facts, phase: "connect" }, reason, rule), { startedAt: c.startedAt }));
    socket.destroy();
  }

  async #splice(client: net.Socket, bytes: Buffer, host: string, port: number, facts: FlowFacts, d: Decision, ref: string, startedAt: number): Promise<void> {
    let addrs: string[];
    try {
      addrs = await this.#deps.resolver.resolve(host);
    } catch {
      this.#deps.sink.write({ ...recordOf("connection", ref, facts, d, { startedAt }), action: "block", reason: "upstream-unreachable" });
      client.destroy();
      return;
    }
    const ip = addrs[0]!;
    // Upstream bytes are read into one shared buffer and copied out (a pooled slice for small reads) instead of
    // a fresh 64 KiB allocation per read, as the default read path does; returning false pauses the upstream
    // until the client drains. The client's side cannot choose its buffer (it was accepted) and is piped.
    let waiting = false;
    const resumeUp = () => {
      waiting = false;
      up.resume();
    };
    const up = net.connect({
      host: ip,
      port,
      noDelay: true,
      timeout: this.#t.connectMs,
      onread: {
        buffer: relayBuffer,
        callback: (n: number, buf: Uint8Array) => {
          if (client.destroyed) return false;
          const chunk = Buffer.allocUnsafe(n);
          chunk.set(buf.subarray(0, n));
          const more = client.write(chunk);
          if (!more && !waiting) {
            waiting = true;
            client.once("drain", resumeUp);
          }
          return more && !waiting;
        },
      },
    });
    this.#track(up);
    up.once("timeout", () => up.destroy());
    up.once("end", () => client.end());
    up.once("connect", () => {
      up.setTimeout(this.#t.idleMs, () => up.destroy());
      up.write(bytes);
      client.pipe(up);
      client.resume();
    });
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      this.#deps.sink.write(recordOf("connection", ref, facts, d, { ip, tls: facts.protocol === "tls" ? "splice" : null, startedAt, bytesUp: client.bytesRead, bytesDown: client.bytesWritten }));
      client.destroy();
      up.destroy();
    };
    up.on("error", done);
    up.on("close", done);
    client.on("close", done);
  }

  async #bump(
    socket: net.Socket,
    bytes: Buffer,
    hello: ClientHello,
    leaves: LeafSource,
    ctx: TunnelContext,
    facts: FlowFacts,
    d: Decision,
    c: { ref: string; startedAt: number },
    blockOnly = false,
  ): Promise<void> {
    let leaf: MintedLeaf;
    try {
      leaf = await leaves.get(ctx.host, hello.offersEcdsa ? "ecdsa" : "rsa");
    } catch {
      // The CA refuses the name (a protected namespace the category list missed, or not a DNS name): never
      // decrypt it. A blocked flow is closed, an allowed one spliced.
      if (blockOnly) return void socket.destroy();
      return this.#splice(socket, bytes, ctx.host, ctx.port, facts, d, c.ref, c.startedAt);
    }
    let secureContext = this.#secureContexts.get(leaf);
    if (!secureContext) {
      secureContext = tls.createSecureContext({ cert: leafCertChainPem(leaf), key: leaf.key.privateKeyPem(), minVersion: "TLSv1.2" });
      this.#secureContexts.set(leaf, secureContext);
    }
    // The peeked ClientHello goes back into the socket's buffer; TLSSocket feeds buffered bytes to OpenSSL first
    // and then reads the file descriptor natively — no JavaScript stream in the data path.
    socket.unshift(bytes);
    const tsock = new tls.TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ["h2", "http/1.1"] });
    const timer = setTimeout(() => tsock.destroy(), this.#t.handshakeMs);
    tsock.once("secure", () => clearTimeout(timer));
    tsock.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A client that refuses our certificate (pinning, or the root is not installed) is a pinned-app
      // candidate for STS to review — recorded, never spliced automatically.
      if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN)/.test(String(e.code ?? e.message))) {
        this.#deps.sink.write({ ...recordOf("connection", c.ref, facts, d, { startedAt: c.startedAt }), action: "block", reason: "client-rejected-certificate", tls: "bump" });
      }
      tsock.destroy();
    });
    if (!blockOnly) tsock.once("close", () => this.#deps.sink.write(recordOf("connection", c.ref, facts, d, { tls: "bump", startedAt: c.startedAt, bytesUp: socket.bytesRead, bytesDown: socket.bytesWritten })));
    (tsock as WithCtx)[CTX] = ctx;
    tsock.once("secure", () => {
      if (tsock.alpnProtocol === "h2") {
        // Node builds the session synchronously inside emit("connection") and announces it with "session";
        // the context rides on the session object (the socket the session keeps is Node's own wrapper).
        this.#pendingH2 = ctx;
        this.#h2.emit("connection", relay(tsock));
        this.#pendingH2 = null;
      } else if (this.#pool && !ctx.blocked) this.#raw(tsock, Buffer.alloc(0), ctx);
      else this.#inner.emit("connection", tsock);
    });
  }

  /**
   * Plain HTTP inside a CONNECT tunnel. When no later request could be decided differently from the first —
   * the host has no URL-path entries and the first request names the tunnel's own host — the first request is
   * decided and, if allowed, the tunnel is spliced to the address the gateway resolved, as a TLS splice is
   * (one connection record with its bytes; the connection keeps the snapshot it started with). Otherwise
   * (URL-path entries, another Host, a head not complete in the first bytes, a block) every request is parsed
   * and decided on its own.
   */
  #httpTunnel(socket: net.Socket, bytes: Buffer, c: { sourceIp: string; host: string; port: number; ref: string; startedAt: number }): Promise<void> | void {
    const snap = this.#deps.snapshot();
    const head = snap && !snap.categories.hasUrlEntries(c.host) ? parseRequestHead(bytes) : null;
    if (head?.kind === "ok" && head.head.method !== "CONNECT" && (head.head.authority === null || head.head.authority.host === c.host)) {
      const facts: FlowFacts = { phase: "request", sourceIp: c.sourceIp, protocol: "http", host: c.host, port: c.port, path: head.head.path ?? "/" };
      const d = decideFlow(facts, snap, this.#now());
      if (d.verdict.action === "allow") return this.#splice(socket, bytes, c.host, c.port, facts, this.#account(d), c.ref, c.startedAt);
    }
    return this.#innerHttp(socket, bytes, { sourceIp: c.sourceIp, host: c.host, port: c.port, tls: false, hello: null, blocked: null });
  }

  #innerHttp(socket: net.Socket, bytes: Buffer, ctx: TunnelContext): void {
    (socket as WithCtx)[CTX] = ctx;
    if (this.#pool && !ctx.blocked) return this.#raw(socket, bytes, ctx);
    socket.unshift(bytes);
    this.#inner.emit("connection", socket);
    socket.resume();
  }

  /** What the raw path leaves of a tunnel's requests goes to #inner. */
  readonly #tunnelHandOff: HandOff;

  /** HTTP/1.1 requests of a tunnel on the raw path; what it leaves (Upgrade, HTTP/1.0, …) goes to #inner. */
  #raw(socket: Duplex, bytes: Buffer, ctx: TunnelContext): void {
    const tunnel: ForwardTunnel = { sourceIp: ctx.sourceIp, host: ctx.host, port: ctx.port, tls: ctx.tls, ...(ctx.hello ? { tlsFacts: { ech: ctx.hello.ech, alpn: ctx.hello.alpn, ja4: ctx.hello.ja4 } } : {}) };
    serveHttp1(socket, bytes, tunnel, ctx.sourceIp, this.#forwardHost, this.#pool!, this.#tunnelHandOff);
  }

  // ------------------------------------------------------------------------------ WebSocket (HTTP/1.1 Upgrade)

  /**
   * An Upgrade request is decided like any request; once allowed, the gateway replays the request head to the
   * upstream it resolved and splices the two streams (frames are not inspected).
   */
  async #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, ctx: TunnelContext | null): Promise<void> {
    const startedAt = this.#now();
    const ref = newRef();
    socket.on("error", () => socket.destroy());
    let host: string;
    let port: number;
    let path: string;
    let secure: boolean;
    let sourceIp: string;
    if (ctx) {
      const a = req.headers.host ? parseAuthority(req.headers.host, false) : null;
      ({ host, port, tls: secure, sourceIp } = ctx);
      path = req.url?.startsWith("/") ? req.url : "/";
      if (a && !("kind" in a) && a.host !== ctx.host) {
        // As for any request on a bumped connection: the leaf names only its host. Recorded and counted as the refusal.
        const facts: FlowFacts = { phase: "request", sourceIp, protocol: "http", host, port, path };
        const d = this.#refuse(facts, "misdirected-request", `${a.host} on a connection for ${host}`);
        this.#deps.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 421 }));
        return void socket.end(`HTTP/1.1 421 Misdirected Request\r\nX-Qaqpa-Reason: misdirected-request\r\nX-Qaqpa-Ref: ${ref}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
    } else {
      const target = urlTarget(req.url ?? "", ["http:", "ws:"]);
      if (!target) return void socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      ({ host, port, path } = target);
      secure = false;
      sourceIp = clientAddress(req.socket);
    }
    const facts: FlowFacts = { phase: "request", sourceIp, protocol: "http", host, port, path };
    const d = this.#decide(facts);
    if (d.verdict.action === "block") {
      const body = blockPage({ reason: d.verdict.reason, host, ref, portalUrl: this.#deps.portalUrl });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\nX-Qaqpa-Reason: ${d.verdict.reason}\r\nX-Qaqpa-Ref: ${ref}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      this.#deps.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 403 }));
      return;
    }
    let ip: string;
    try {
      ip = (await this.#deps.resolver.resolve(host))[0]!;
    } catch {
      this.#deps.sink.write(recordOf("request", ref, facts, { ...d, verdict: { action: "block", reason: "upstream-unreachable", rule: `${host} does not resolve` } }, { startedAt, status: 502 }));
      return void socket.end(`HTTP/1.1 502 Bad Gateway\r\nX-Qaqpa-Reason: upstream-unreachable\r\nX-Qaqpa-Ref: ${ref}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    // Over a bumped connection, the same upstream checks as requests (chain with AIA, client certificates).
    let ca: readonly string[] | undefined = this.#deps.upstreamCa?.length ? [...tls.rootCertificates, ...this.#deps.upstreamCa] : undefined;
    if (secure) {
      const u = this.#upstreamTls.cached(host, ip, port) ?? (await this.#upstreamTls.check(host, ip, port));
      if (!u.ok) {
        socket.end(`HTTP/1.1 502 Bad Gateway\r\nX-Qaqpa-Reason: ${u.reason}\r\nX-Qaqpa-Ref: ${ref}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        this.#deps.sink.write(recordOf("request", ref, facts, { ...d, verdict: { action: "block", reason: u.reason, rule: u.detail } }, { ip, tls: "bump", startedAt, status: 502 }));
        return;
      }
      ca = u.ca ?? ca;
    }
    const lines = [`${req.method} ${path} HTTP/1.1`];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (!raw[i]!.toLowerCase().startsWith("proxy-")) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    const up = secure
      ? tls.connect({ host: ip, port, servername: net.isIP(host) ? undefined : host, ...(ca ? { ca: [...ca] } : {}), ALPNProtocols: ["http/1.1"] })
      : net.connect({ host: ip, port, noDelay: true });
    this.#track(up);
    up.once(secure ? "secureConnect" : "connect", () => {
      up.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    const done = () => {
      socket.destroy();
      up.destroy();
    };
    up.on("error", () => {
      if ((socket as net.Socket).writable && !up.readableDidRead) socket.end("HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      done();
    });
    up.on("close", done);
    socket.on("close", () => {
      done();
      this.#deps.sink.write(recordOf("request", ref, facts, d, { ip, tls: secure ? "bump" : null, startedAt, status: 101 }));
    });
  }

  // ------------------------------------------------------------------------------ transparent listeners
  // src/gateway/transparent.ts accepts the sockets and finds the original destination; the flow code is the
  // explicit proxy's: a TLS flow is the CONNECT tunnel's with the original address as the CONNECT target, so
  // the SNI must name a host whose resolved addresses include it.

  /** The gateway's resolver: the transparent HTTP listener checks Host against the same short DNS cache. */
  get resolver(): Resolver {
    return this.#deps.resolver;
  }

  async acceptTransparentTls(socket: net.Socket, original: { ip: string; port: number }, noSni: (ip: string) => boolean): Promise<void> {
    const startedAt = this.#now();
    const ref = newRef();
    socket.setNoDelay(true);
    socket.setTimeout(this.#t.idleMs, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    this.#open.add(socket);
    socket.once("close", () => this.#open.delete(socket));
    const c = { sourceIp: clientAddress(socket), host: original.ip, port: original.port, ref, startedAt };
    const peek = await this.#peek(socket, Buffer.alloc(0));
    if (peek?.hello && !peek.hello.serverName && !noSni(original.ip)) return this.#refuseTunnel(socket, c, peek.hello, "missing-server-name", `no SNI and no category entry for ${original.ip}`);
    if (!peek) return void socket.destroy();
    return this.#dispatch(socket, peek, c, false);
  }

  /**
   * A transparent HTTP connection on the raw HTTP/1.1 path (each request's Host checked against `original`
   * there); `fallback` takes what that path leaves (Upgrade, HTTP/1.0, unusual expectations), or the whole connection when
   * the raw path is off.
   */
  acceptTransparentHttp(socket: net.Socket, original: { ip: string; port: number }, fallback: HandOff["fallback"]): void {
    socket.setNoDelay(true);
    if (!this.#pool) return fallback(socket, Buffer.alloc(0));
    serveHttp1(socket, Buffer.alloc(0), { original }, clientAddress(socket), this.#forwardHost, this.#pool, { fallback });
  }

  /** A request the transparent HTTP listener refuses before the pipeline's own decision (Host vs destination). */
  refuseRequest(req: http.IncomingMessage, res: http.ServerResponse, facts: FlowFacts, reason: Reason, rule: string, status = 403): void {
    const ref = newRef();
    const d = this.#refuse(facts, reason, rule);
    this.#sendBlock(res, reason, facts.host, ref, status);
    this.#deps.sink.write(recordOf("request", ref, facts, d, { startedAt: this.#now(), status }));
  }

  // ------------------------------------------------------------------------------ requests inside tunnels

  async #tunnelRequest(req: AnyRequest, res: AnyResponse): Promise<void> {
    const startedAt = this.#now();
    const ref = newRef();
    const ctx = "stream" in req ? contextOf(req.stream.session) : contextOf(req.socket);
    if (!ctx) return void (res as http.ServerResponse).destroy();
    if (ctx.blocked) {
      this.#sendBlock(res, ctx.blocked.verdict.reason, ctx.host, ref);
      if (!("stream" in req)) (res as http.ServerResponse).once("finish", () => req.socket.end());
      return;
    }
    const authorityText = (req.headers[":authority"] as string | undefined) ?? req.headers.host;
    const hostHeader = authorityText ? parseAuthority(authorityText, false) : null;
    const authority = hostHeader && !("kind" in hostHeader) ? hostHeader.host : null;
    const path = req.url?.startsWith("/") ? req.url : "/";
    const facts: FlowFacts = {
      phase: "request",
      sourceIp: ctx.sourceIp,
      protocol: "http",
      host: ctx.host,
      port: ctx.port,
      path,
      ...(ctx.hello ? { tls: { ech: ctx.hello.ech, alpn: ctx.hello.alpn, ja4: ctx.hello.ja4 } } : {}),
    };
    // The certificate we minted names only ctx.host; a request for another authority on this connection
    // (HTTP/2-style coalescing, or a forged Host) is misdirected (RFC 9110 §15.5.20).
    if (authority !== null && authority !== ctx.host) {
      const d = this.#refuse(facts, "misdirected-request", `${authority} on a connection for ${ctx.host}`);
      this.#sendBlock(res, "misdirected-request", authority, ref, 421);
      this.#deps.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 421 }));
      return;
    }
    const d = this.#decide(facts);
    if (d.verdict.action === "block") {
      this.#sendBlock(res, d.verdict.reason, ctx.host, ref);
      this.#deps.sink.write(recordOf("request", ref, facts, d, { startedAt, status: 403 }));
      return;
    }
    await this.#forward(req, res, { host: ctx.host, port: ctx.port, path, tls: ctx.tls, facts, decision: d, ref, startedAt });
  }
}
