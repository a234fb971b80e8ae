/**
 * What the gateway must know about an upstream TLS server before it sends it a decrypted request (issue 3):
 *
 *  - its chain validates (system store + configured roots, hostname checked); when the server sends only its
 *    leaf (a common misconfiguration browsers paper over), the missing intermediates are fetched from the
 *    certificates' AIA `caIssuers` URL — http only, size- and time-bounded, cached — and the chain is validated
 *    again with them. Whatever fails is a block page (`upstream-certificate`), never a silent pass.
 *  - it does not ask for a client certificate (mTLS): the gateway has none to give on the user's behalf, so a
 *    bumped flow to such a server is denied (`client-certificate-required`) and the decision log names the host
 *    for STS. TLS 1.2 sends the CertificateRequest in clear (seen in the server's handshake bytes); TLS 1.3
 *    encrypts it, and a server that requires the certificate answers the empty one with a certificate_required
 *    alert. (A TLS 1.3 server that merely *offers* client authentication is invisible here, and harmless: it
 *    accepts the connection without one.)
 *
 * One probe handshake per (name, address, port), cached for minutes; a probe sends no application byte.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";
import { Duplex } from "node:stream";

export type UpstreamCheck =
  | {
      readonly ok: true;
      /** Set when AIA chasing was needed: an agent that knows the fetched intermediates, and the CA list it uses. */
      readonly agent?: https.Agent;
      readonly ca?: readonly string[];
    }
  | { readonly ok: false; readonly reason: "upstream-certificate" | "client-certificate-required" | "upstream-unreachable"; readonly detail: string };

export interface UpstreamTlsOptions {
  /** Extra PEM roots on top of the system store. */
  upstreamCa?: readonly string[];
  timeoutMs?: number;
  /** AIA fetches: at most this many bytes and this long each. */
  aiaMaxBytes?: number;
  aiaTimeoutMs?: number;
  okTtlMs?: number;
  failTtlMs?: number;
  /** How long to wait after a TLS 1.3 handshake for a certificate_required alert when no session ticket comes. */
  tls13GraceMs?: number;
}

const MISSING_ISSUER = new Set(["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT"]);
const MAX_DEPTH = 4;

interface Probe {
  readonly kind: "ok" | "cert-error" | "client-cert" | "unreachable";
  readonly code?: string;
  readonly chain?: readonly X509Certificate[];
}

/** Handshake records (type 22) the server sends before anything else: does one carry a CertificateRequest (13)? */
export class CertificateRequestSniffer {
  #buf: Buffer = Buffer.alloc(0);
  #hs: Buffer = Buffer.alloc(0);
  #done = false;
  seen = false;

  push(chunk: Buffer): void {
    if (this.#done) return;
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    while (this.#buf.length >= 5) {
      const type = this.#buf[0]!;
      const len = this.#buf.readUInt16BE(3);
      if (this.#buf.length < 5 + len) return;
      if (type !== 22) {
        this.#done = true; // ChangeCipherSpec or encrypted records: the clear handshake is over
        return;
      }
      this.#hs = Buffer.concat([this.#hs, this.#buf.subarray(5, 5 + len)]);
      this.#buf = this.#buf.subarray(5 + len);
      while (this.#hs.length >= 4) {
        const mlen = this.#hs.readUIntBE(1, 3);
        if (this.#hs.length < 4 + mlen) break;
        if (this.#hs[0] === 13) this.seen = true;
        if (this.#hs[0] === 14) this.#done = true; // ServerHelloDone
        this.#hs = this.#hs.subarray(4 + mlen);
      }
    }
  }
}

/** A JS duplex over the TCP socket, so the server's clear handshake bytes can be read on their way to TLS. */
function sniffing(socket: net.Socket, sniffer: CertificateRequestSniffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    sniffer.push(chunk);
    if (!d.push(chunk)) socket.pause();
  });
  socket.on("end", () => d.push(null));
  socket.on("error", (e) => d.destroy(e));
  socket.on("close", () => d.destroy());
  return d;
}

/** caIssuers URLs of a certificate's Authority Information Access extension (http only). */
export function caIssuersUrls(cert: X509Certificate): string[] {
  const text = cert.infoAccess ?? "";
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^CA Issuers - URI:(http:\/\/\S+)$/.exec(line.trim());
    if (m) out.push(m[1]!);
  }
  return out;
}

function parseCertificate(body: Buffer): X509Certificate | null {
  try {
    return new X509Certificate(body); // DER (RFC 5280 §4.2.2.1) or PEM
  } catch {
    return null;
  }
}

export class UpstreamTls {
  readonly #roots: string[];
  readonly #o: Required<Omit<UpstreamTlsOptions, "upstreamCa">>;
  readonly #cache = new Map<string, { at: number; check: UpstreamCheck }>();
  readonly #pending = new Map<string, Promise<UpstreamCheck>>();
  readonly #aia = new Map<string, Promise<X509Certificate | null>>();
  readonly #agents = new Map<string, https.Agent>();

  constructor(o: UpstreamTlsOptions = {}) {
    this.#roots = [...tls.rootCertificates, ...(o.upstreamCa ?? [])];
    this.#o = { timeoutMs: 10_000, aiaMaxBytes: 64 * 1024, aiaTimeoutMs: 5_000, okTtlMs: 10 * 60_000, failTtlMs: 60_000, tls13GraceMs: 250, ...o };
  }

  /** A cached answer, without waiting (the request path's fast case). */
  cached(host: string, ip: string, port: number): UpstreamCheck | undefined {
    const key = `${host}|${ip}|${port}`;
    const hit = this.#cache.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.at < (hit.check.ok ? this.#o.okTtlMs : this.#o.failTtlMs)) return hit.check;
    this.#cache.delete(key);
    return undefined;
  }

  check(host: string, ip: string, port: number): Promise<UpstreamCheck> {
    const hit = this.cached(host, ip, port);
    if (hit) return Promise.resolve(hit);
    const key = `${host}|${ip}|${port}`;
    let p = this.#pending.get(key);
    if (!p) {
      p = this.#check(host, ip, port).then((check) => {
        this.#pending.delete(key);
        // Unreachable is not cached: the next request tries again.
        if (check.ok || check.reason !== "upstream-unreachable") {
          this.#cache.set(key, { at: Date.now(), check });
          if (this.#cache.size > 20_000) this.#cache.delete(this.#cache.keys().next().value!);
        }
        return check;
      });
      this.#pending.set(key, p);
    }
    return p;
  }

  close(): void {
    for (const a of this.#agents.values()) a.destroy();
    this.#agents.clear();
  }

  async #check(host: string, ip: string, port: number): Promise<UpstreamCheck> {
    const first = await this.#probe(host, ip, port, this.#roots);
    if (first.kind === "ok") return { ok: true };
    if (first.kind === "client-cert") return { ok: false, reason: "client-certificate-required", detail: `${host} asks for a client certificate` };
    if (first.kind === "unreachable") return { ok: false, reason: "upstream-unreachable", detail: first.code ?? "unreachable" };
    if (!MISSING_ISSUER.has(first.code ?? "") || !first.chain?.length) return { ok: false, reason: "upstream-certificate", detail: first.code ?? "invalid" };
    // AIA: from the last certificate the server sent, fetch issuers until one is signed by a trusted root.
    const fetched: X509Certificate[] = [];
    let last = first.chain[first.chain.length - 1]!;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const urls = caIssuersUrls(last);
      if (urls.length === 0) break;
      const issuer = await this.#fetchIssuer(urls[0]!);
      if (!issuer || !last.checkIssued(issuer) || !last.verify(issuer.publicKey)) return { ok: false, reason: "upstream-certificate", detail: `${first.code}; AIA ${urls[0]} gave no issuer of ${last.subject.replace(/\n/g, ", ")}` };
      fetched.push(issuer);
      if (issuer.checkIssued(issuer)) break; // self-signed: a root; trusted or not, the store decides below
      last = issuer;
    }
    if (fetched.length === 0) return { ok: false, reason: "upstream-certificate", detail: `${first.code}; no AIA caIssuers` };
    // Validate again with the fetched certificates available for chain building (they are not anchors: the
    // chain must still end at a root of the store).
    const extra = fetched.filter((c) => !c.checkIssued(c)).map((c) => c.toString());
    const again = await this.#probe(host, ip, port, [...this.#roots, ...extra]);
    if (again.kind === "client-cert") return { ok: false, reason: "client-certificate-required", detail: `${host} asks for a client certificate` };
    if (again.kind !== "ok") return { ok: false, reason: "upstream-certificate", detail: `${again.code ?? again.kind} after AIA` };
    return { ok: true, agent: this.#agentFor(extra), ca: [...this.#roots, ...extra] };
  }

  #agentFor(extra: string[]): https.Agent {
    const key = extra.join("");
    let a = this.#agents.get(key);
    if (!a) {
      a = new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, scheduling: "lifo", ca: [...this.#roots, ...extra] });
      this.#agents.set(key, a);
    }
    return a;
  }

  #fetchIssuer(url: string): Promise<X509Certificate | null> {
    let p = this.#aia.get(url);
    if (!p) {
      p = this.#fetch(url).then((body) => (body ? parseCertificate(body) : null));
      this.#aia.set(url, p);
      // Failures are forgotten after a minute; good answers stay (an issuer certificate does not change).
      void p.then((c) => {
        if (!c) setTimeout(() => this.#aia.delete(url), this.#o.failTtlMs).unref();
      });
      if (this.#aia.size > 2000) this.#aia.delete(this.#aia.keys().next().value!);
    }
    return p;
  }

  #fetch(url: string): Promise<Buffer | null> {
    return new Promise((resolve) => {
      let u: URL;
      try {
        u = new URL(url);
        if (u.protocol !== "http:") return resolve(null);
      } catch {
        return resolve(null);
      }
      const req = http.get(u, { timeout: this.#o.aiaTimeoutMs, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return resolve(null);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > this.#o.aiaMaxBytes) {
            req.destroy();
            return resolve(null);
          }
          chunks.push(c);
        });
        res.on("end", () => resolve(Buffer.concat(chunks)));
        res.on("error", () => resolve(null));
      });
      const timer = setTimeout(() => req.destroy(), this.#o.aiaTimeoutMs);
      req.on("close", () => clearTimeout(timer));
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(null));
    });
  }

  #probe(host: string, ip: string, port: number, ca: string[]): Promise<Probe> {
    return new Promise<Probe>((resolve) => {
      const sniffer = new CertificateRequestSniffer();
      let settled = false;
      const raw = net.connect({ host: ip, port });
      const finish = (p: Probe) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        s.destroy();
        raw.destroy();
        resolve(p);
      };
      const timer = setTimeout(() => finish({ kind: "unreachable", code: "timeout" }), this.#o.timeoutMs);
      raw.once("error", (e: NodeJS.ErrnoException) => finish({ kind: "unreachable", code: e.code ?? e.message }));
      // rejectUnauthorized is off only so the probe can read the chain and decide itself; nothing is sent on it.
      const s = tls.connect({ socket: sniffing(raw, sniffer), servername: net.isIP(host) ? undefined : host, ca, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
      s.on("error", (e: NodeJS.ErrnoException) => {
        const code = String(e.code ?? e.message);
        if (sniffer.seen || /CERTIFICATE_REQUIRED/.test(code)) return finish({ kind: "client-cert" });
        finish({ kind: "unreachable", code });
      });
      s.once("secureConnect", () => {
        if (sniffer.seen) return finish({ kind: "client-cert" });
        const chain: X509Certificate[] = [];
        let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true);
        while (c?.raw && chain.length < 10) {
          chain.push(new X509Certificate(c.raw));
          if (c.issuerCertificate === c) break;
          c = c.issuerCertificate;
        }
        let verdict: Probe;
        if (!s.authorized) verdict = { kind: "cert-error", code: String(s.authorizationError ?? "UNVERIFIED"), chain };
        else {
          const idErr = tls.checkServerIdentity(host, s.getPeerCertificate());
          verdict = idErr ? { kind: "cert-error", code: (idErr as NodeJS.ErrnoException).code ?? "ERR_TLS_CERT_ALTNAME_INVALID" } : { kind: "ok" };
        }
        if (verdict.kind !== "ok" || s.getProtocol() !== "TLSv1.3") return finish(verdict);
        // TLS 1.3: a server that requires a client certificate says so after our Finished, with an alert; one
        // that does not sends its session tickets. Wait for either (or a short grace for servers without tickets).
        s.once("session", () => finish(verdict));
        setTimeout(() => finish(verdict), this.#o.tls13GraceMs).unref();
        s.resume();
      });
    });
  }
}
