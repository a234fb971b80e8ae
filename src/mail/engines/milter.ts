/**
 * The optional content engines (issue 5), each reached through its standard Postfix integration, the milter
 * protocol (MILTER_README):
 *
 *   rspamd   Rspamd's proxy worker in milter mode (inet:127.0.0.1:11332): spam scoring of outbound mail,
 *            i.e. mail from the connected systems' registered servers only
 *   clamav   clamav-milter in front of clamd: attachments in both directions
 *
 * Postfix speaks to them before queue, in the smtpd that receives the message; a refusal reaches the sender
 * in the SMTP dialogue. An engine that is down or slow makes Postfix answer 4xx (milter_default_action =
 * tempfail): the sender keeps the message and retries, nothing is lost and nothing passes unchecked.
 *
 * This module validates the endpoints (they end up in main.cf and in a cidr map) and probes an engine the
 * way Postfix would: connect and negotiate options (SMFIC_OPTNEG), for `qaqpa doctor`.
 */
import { connect, isIP, type Socket } from "node:net";
import { posix } from "node:path";
import { normaliseIp } from "../policy/lib/address.js";

export type EngineName = "rspamd" | "clamav";

export interface EngineConfig {
  /** Postfix milter endpoint: `inet:<host>:<port>` (IPv6 as `inet:[::1]:<port>`) or `unix:<absolute path>`. */
  readonly milter: string;
}

export type Engines = Partial<Readonly<Record<EngineName, EngineConfig>>>;

export type MilterEndpoint = { readonly kind: "inet"; readonly host: string; readonly port: number } | { readonly kind: "unix"; readonly path: string };

export class MilterEndpointError extends Error {
  override name = "MilterEndpointError";
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/** Parses and validates a milter endpoint; throws MilterEndpointError with the reason. */
export function parseMilterEndpoint(s: string, what = "milter"): MilterEndpoint {
  if (s.startsWith("unix:")) {
    const p = s.slice(5);
    if (!posix.isAbsolute(p) || /[\s,{}=\x00-\x1f\x7f]/.test(p)) throw new MilterEndpointError(`${what}: unix: needs an absolute path without spaces, commas, braces or '=': ${JSON.stringify(s)}`);
    return { kind: "unix", path: p };
  }
  const m = /^inet:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(s);
  if (!m) throw new MilterEndpointError(`${what}: expected inet:<host>:<port>, inet:[<IPv6>]:<port> or unix:<path>, got ${JSON.stringify(s)}`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new MilterEndpointError(`${what}: not a TCP port: ${m[3]}`);
  if (m[1] !== undefined) {
    const ip = normaliseIp(m[1]);
    if (!ip || isIP(ip) !== 6) throw new MilterEndpointError(`${what}: not an IPv6 address: ${m[1]}`);
    return { kind: "inet", host: ip, port };
  }
  const h = m[2]!;
  const ip = normaliseIp(h);
  if (ip) {
    if (isIP(ip) === 6) throw new MilterEndpointError(`${what}: an IPv6 address is written in brackets: inet:[${ip}]:${port}`);
    return { kind: "inet", host: ip, port };
  }
  if (!HOSTNAME.test(h)) throw new MilterEndpointError(`${what}: not an IP address or host name: ${JSON.stringify(h)}`);
  return { kind: "inet", host: h.toLowerCase(), port };
}

/** The endpoint as Postfix writes it in smtpd_milters. */
export function formatMilterEndpoint(e: MilterEndpoint): string {
  if (e.kind === "unix") return `unix:${e.path}`;
  return isIP(e.host) === 6 ? `inet:[${e.host}]:${e.port}` : `inet:${e.host}:${e.port}`;
}

/** Milter protocol version 6 (Sendmail 8.14 / Postfix milter_protocol = 6). */
const SMFI_VERSION = 6;
const SMFIC_OPTNEG = 0x4f; // 'O'
const SMFIC_QUIT = 0x51; // 'Q'

/**
 * Connects to a milter and negotiates options as the MTA does; resolves with the engine's protocol version.
 * Rejects when the engine does not answer within `timeoutMs` or answers something that is not an OPTNEG.
 */
export async function probeMilter(endpoint: string, timeoutMs = 3_000): Promise<{ version: number }> {
  const e = parseMilterEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    let sock: Socket;
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (err: Error | undefined, v?: { version: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!err) {
        const quit = Buffer.alloc(5);
        quit.writeUInt32BE(1, 0);
        quit[4] = SMFIC_QUIT;
        sock.end(quit);
      } else {
        sock.destroy();
      }
      if (err) reject(err);
      else resolve(v!);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    sock = e.kind === "unix" ? connect(e.path) : connect(e.port, e.host);
    sock.on("error", (err) => done(err));
    sock.on("close", () => done(new Error("connection closed before option negotiation")));
    sock.on("connect", () => {
      const pkt = Buffer.alloc(17);
      pkt.writeUInt32BE(13, 0);
      pkt[4] = SMFIC_OPTNEG;
      pkt.writeUInt32BE(SMFI_VERSION, 5);
      pkt.writeUInt32BE(0x1ff, 9); // actions the MTA allows
      pkt.writeUInt32BE(0x1fffff, 13); // protocol steps the milter may skip
      sock.write(pkt);
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const len = buf.readUInt32BE(0);
      if (len < 1 || len > 65_536) return done(new Error(`not a milter: packet length ${len}`));
      if (buf.length < 4 + len) return;
      if (buf[4] !== SMFIC_OPTNEG || len < 5) return done(new Error(`not a milter: answered command 0x${buf[4]!.toString(16)} to option negotiation`));
      done(undefined, { version: buf.readUInt32BE(5) });
    });
  });
}
