/**
 * Transparent listeners (issue 3): traffic the network steers to the gateway without the client knowing —
 * HTTP decided by its Host header, TLS by its SNI — through the same pipeline and flow code as the explicit
 * proxy. The destination a flow is decided for comes from Host/SNI; the gateway resolves that name itself and
 * dials only what it resolved, and the address the client really dialled (the original destination) must be
 * among the name's addresses, so a forged Host or SNI cannot carry a flow to another server. The resolver's
 * short shared cache tolerates CDN rotation between the client's lookup and ours.
 *
 *   TLS  :tls  ─▶ original destination ─▶ peek ClientHello ─▶ as a CONNECT to that address (SNI must resolve
 *                                                               to it) ─▶ splice | bump | block
 *                no SNI: decided by address only when the category database has an entry for it, else refused
 *   HTTP :http ─▶ original destination ─▶ each request: Host must resolve to it ─▶ the explicit proxy's raw
 *                                                                  HTTP/1.1 path (decide, forward, keep-alive)
 */
import http from "node:http";
import net from "node:net";
import type { Gateway } from "./proxy.js";
import type { Destination, OriginalDestination, OriginalDestinationMode } from "./original-destination.js";
import { conntrack, localAddress } from "./original-destination.js";
import { clientAddress } from "./proxy.js";
import { inheritedSockets, TRANSPARENT_HTTP_SOCKET, TRANSPARENT_TLS_SOCKET } from "./socket-activation.js";
import { parseAuthority } from "../gateway-core/parse/http1-head.js";
import { checkOriginalDestination, fallbackTo } from "./http1-forward.js";
import type { FlowFacts } from "../gateway-core/flow.js";
import type { PolicySnapshot } from "../gateway-core/snapshot.js";
import type { TransparentConfig } from "../config.js";

export interface TransparentOptions {
  gateway: Gateway;
  originalDestination: OriginalDestination;
  /** Whether the category database has an entry for an address: a TLS flow without SNI is decided by it only then. */
  hasAddressEntry(ip: string): boolean;
}

const ORIGINAL = Symbol("qaqpa.original-destination");
type WithOriginal = { [ORIGINAL]?: Destination | null };

/**
 * A port to bind on host, listening descriptors inherited from the service manager (socket-activation.ts: one,
 * or one per socket unit instance of a SO_REUSEPORT group, all of them for the same listener), or a listening
 * socket of a cluster worker's own, handed over by the primary (cluster.ts, "reuseport").
 */
export type Listen = { port: number; host: string } | { fds: number[] } | { server: net.Server };

async function listen(server: net.Server, at: Listen, extra: net.Server[]): Promise<number> {
  // Connections of another listening server go to `server`'s handler, paused as its pauseOnConnect would have them.
  const forward = (from: net.Server) =>
    from.on("connection", (s: net.Socket) => {
      s.pause();
      server.emit("connection", s);
    });
  const bind = (s: net.Server, options: net.ListenOptions | { fd: number }) =>
    new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(options, () => {
        s.off("error", reject);
        resolve();
      });
    });
  if ("server" in at) {
    forward(at.server);
    return (at.server.address() as net.AddressInfo).port;
  }
  if ("fds" in at) {
    if (!at.fds.length) throw new Error("no listening descriptor");
    // Every socket of a SO_REUSEPORT group gets its share of the connections, so each must be accepted on: the
    // first by `server`, the others by servers that pass their connections to it.
    await bind(server, { fd: at.fds[0]! });
    for (const fd of at.fds.slice(1)) {
      const s = net.createServer({ pauseOnConnect: true });
      forward(s);
      extra.push(s);
      await bind(s, { fd });
    }
  } else await bind(server, { port: at.port, host: at.host });
  return (server.address() as net.AddressInfo).port;
}

/**
 * Where the transparent listeners listen and how they learn the original destination, as plain data: it crosses
 * the IPC channel to cluster workers. `{ fds }` are descriptors of the process that holds the socket units'
 * sockets; in a cluster worker, `listen({ fd })` is resolved by the primary (node:cluster's shared handle), so
 * the workers accept on the primary's inherited descriptors — each worker on its share of them (cluster.ts).
 */
export interface TransparentSpec {
  originalDestination: OriginalDestinationMode;
  http?: Listen;
  tls?: Listen;
}

/** The `gateway.transparent` section, with socket activation resolved to this process's inherited descriptors. */
export function transparentSpec(
  tp: TransparentConfig,
  env: NodeJS.ProcessEnv = process.env,
): TransparentSpec {
  const spec: TransparentSpec = { originalDestination: tp.originalDestination };
  if (tp.socketActivation) {
    const fds = inheritedSockets(env);
    const http = fds.get(TRANSPARENT_HTTP_SOCKET);
    const tls = fds.get(TRANSPARENT_TLS_SOCKET);
    if (http === undefined && tls === undefined) throw new Error(`gateway.transparent.socketActivation: no socket named ${TRANSPARENT_HTTP_SOCKET} or ${TRANSPARENT_TLS_SOCKET} was handed over`);
    if (http !== undefined) spec.http = { fds: http };
    if (tls !== undefined) spec.tls = { fds: tls };
  }
  if (tp.http !== undefined) spec.http = { port: tp.http, host: tp.host! };
  if (tp.tls !== undefined) spec.tls = { port: tp.tls, host: tp.host! };
  return spec;
}

/**
 * The listeners of a spec on one gateway: the all-in-one without workers, each cluster worker, a gateway node
 * without workers. A TLS flow without SNI is decided by address only when `snapshot()` — read per flow, so a
 * swap applies to the next one — has a category entry for the address.
 */
export async function startTransparent(gateway: Gateway, snapshot: () => PolicySnapshot | null, spec: TransparentSpec): Promise<{ listeners: TransparentListeners; http?: number; tls?: number }> {
  const listeners = new TransparentListeners({
    gateway,
    originalDestination: spec.originalDestination === "conntrack" ? conntrack() : localAddress,
    hasAddressEntry: (ip) => {
      const r = snapshot()?.categories.lookupHost(ip);
      return !!r && r.ok && r.hits.length > 0;
    },
  });
  try {
    const http = spec.http ? await listeners.listenHttp(spec.http) : undefined;
    const tls = spec.tls ? await listeners.listenTls(spec.tls) : undefined;
    return { listeners, ...(http !== undefined ? { http } : {}), ...(tls !== undefined ? { tls } : {}) };
  } catch (e) {
    await listeners.close();
    throw e;
  }
}

/**
 * The explicit proxy and the transparent listeners of a process that may have cluster workers (the all-in-one,
 * a gateway node): with workers, the workers serve both and this process nothing; without, this process's
 * gateway listens — and is closed again if its transparent listeners cannot start.
 */
export async function listenHereUnlessWorkers(
  cluster: { readonly port: number } | null,
  gateway: Gateway,
  snapshot: () => PolicySnapshot | null,
  listen: { port: number; host: string; transparent?: TransparentSpec },
): Promise<{ port: number; transparent: TransparentListeners | null }> {
  if (cluster) return { port: cluster.port, transparent: null };
  const port = await gateway.listen(listen.port, listen.host);
  if (!listen.transparent) return { port, transparent: null };
  try {
    return { port, transparent: (await startTransparent(gateway, snapshot, listen.transparent)).listeners };
  } catch (e) {
    await gateway.close();
    throw e;
  }
}

export class TransparentListeners {
  readonly #o: TransparentOptions;
  readonly #servers: net.Server[] = [];
  readonly #open = new Set<net.Socket>();

  constructor(o: TransparentOptions) {
    this.#o = o;
  }

  #track(s: net.Socket): void {
    this.#open.add(s);
    s.once("close", () => this.#open.delete(s));
  }

  /** TLS by SNI. Resolves to the port actually bound. */
  listenTls(at: Listen): Promise<number> {
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      this.#track(socket);
      socket.on("error", () => socket.destroy());
      void this.#o.originalDestination.of(socket).then(
        (original) => {
          if (!original) return void socket.destroy();
          socket.resume();
          return this.#o.gateway.acceptTransparentTls(socket, original, this.#o.hasAddressEntry);
        },
        () => socket.destroy(),
      );
    });
    return this.#listen(server, at);
  }

  /**
   * HTTP by Host. Resolves to the port actually bound. Requests take the explicit proxy's raw HTTP/1.1 path
   * (each Host checked against the original destination there); what that path leaves (Upgrade, unusual
   * expectations, HTTP/1.0) is parsed by a node:http server that never listens, with the same check in #check.
   */
  listenHttp(at: Listen): Promise<number> {
    const inner = http.createServer({ maxHeaderSize: 32 * 1024, requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 5_000 });
    inner.on("request", (req, res) => void this.#request(req, res).catch(() => res.destroy()));
    inner.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void this.#upgrade(req, socket, head).catch(() => socket.destroy()));
    inner.on("clientError", (_e, socket: net.Socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      else socket.destroy();
    });
    const fallback = fallbackTo(inner);
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      this.#track(socket);
      socket.on("error", () => socket.destroy());
      void this.#original(socket).then(
        (original) => {
          if (!original) return void socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
          this.#o.gateway.acceptTransparentHttp(socket, original, fallback);
          socket.resume();
        },
        () => socket.destroy(),
      );
    });
    return this.#listen(server, at);
  }

  #listen(server: net.Server, at: Listen): Promise<number> {
    this.#servers.push(server, ...("server" in at ? [at.server] : []));
    return listen(server, at, this.#servers);
  }

  async close(): Promise<void> {
    // A server that only relays an adopted socket's connections never listened: close() calls back at once.
    const closed = this.#servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const s of this.#open) s.destroy();
    await Promise.all(closed);
  }

  async #original(socket: net.Socket): Promise<Destination | null> {
    const s = socket as WithOriginal;
    if (s[ORIGINAL] === undefined) s[ORIGINAL] = await this.#o.originalDestination.of(socket).catch(() => null);
    return s[ORIGINAL] ?? null;
  }

  /**
   * The request's destination (Host) checked against the original destination: on success, the absolute-form
   * URL an explicit-proxy client would have sent, for the explicit proxy's path; otherwise why it is refused
   * (a forged Host gets the block page here when there is a response to write it to).
   */
  async #check(req: http.IncomingMessage, res: http.ServerResponse | null): Promise<{ url: string } | { refused: string; status: number }> {
    const original = await this.#original(req.socket);
    if (!original) return { refused: "original destination unknown", status: 400 };
    const a = req.headers.host ? parseAuthority(req.headers.host, false) : null;
    if (!a || "kind" in a || !req.url?.startsWith("/")) return { refused: "a transparent request needs a Host header and an origin-form target", status: 400 };
    const host = a.host;
    const c = await checkOriginalDestination(this.#o.gateway.resolver, host, original.ip);
    if ("refused" in c) {
      const facts: FlowFacts = { phase: "request", sourceIp: clientAddress(req.socket), protocol: "http", host, port: original.port, path: req.url };
      if (res) this.#o.gateway.refuseRequest(req, res, facts, "misdirected-request", c.refused);
      return { refused: c.refused, status: 403 };
    }
    const authority = net.isIP(host) === 6 ? `[${host}]` : host;
    return { url: `http://${authority}:${original.port}${req.url}` };
  }

  async #request(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const c = await this.#check(req, res);
    if ("refused" in c) {
      if (!res.headersSent) res.writeHead(c.status, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end(`${c.refused}\n`);
      return;
    }
    req.url = c.url;
    this.#o.gateway.server.emit("request", req, res);
  }

  async #upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    const c = await this.#check(req, null);
    if ("refused" in c) return void socket.end(`HTTP/1.1 ${c.status} ${c.status === 403 ? "Forbidden" : "Bad Request"}\r\nConnection: close\r\nX-Qaqpa-Reason: misdirected-request\r\nContent-Length: 0\r\n\r\n`);
    req.url = c.url;
    this.#o.gateway.server.emit("upgrade", req, socket, head);
  }
}
