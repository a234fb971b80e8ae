/**
 * The authentication filter: a Postfix after-queue content filter (FILTER_README, "simple" SMTP-based
 * filter) on loopback. Postfix hands every queued message to it over SMTP with XFORWARD (the original
 * client's address and HELO); the filter
 *
 *   outbound  (client = a connected system's server, From: one of that system's domains)
 *             → prepends a DKIM-Signature with the domain's key
 *   inbound   (any other client) → SPF / DKIM / DMARC with mailauth, prepends Authentication-Results and
 *             Received-SPF, records the results (metadata only: addresses, domains, verdicts — never bodies)
 *
 * and re-injects the message into Postfix's second smtpd (loopback, no content filter, no policy), passing
 * the original client on with XFORWARD so the log still attributes the new queue id to the system (the
 * policy service's queue-id tracking and delivery statistics depend on it).
 *
 * Failing safe: the filter answers the final dot only after the re-injection was accepted; any error —
 * DNS, signing, re-injection — answers 451, and Postfix keeps the message in its queue and retries. Mail
 * is never lost or bounced by the filter.
 *
 *   Postfix queue ─smtp+XFORWARD─▶ filter :port ─sign/verify─▶ SMTP+XFORWARD ─▶ Postfix reinject smtpd
 */
import { domainOf, normaliseIp } from "../policy/lib/address.js";
import type { MailPolicySnapshot } from "../policy/snapshot.js";
import type { DeliveryOutcome } from "../log/delivery-log.js";
import { REINJECT_SYSLOG_NAME } from "../postfix/render.js";
import { SmtpClient } from "../testing/smtp-client.js";
import { SmtpSink, type SinkMessage } from "../testing/smtp-sink.js";
import type { InboundAuthResults, OutboundSigner } from "./types.js";
import { headerFromDomain, type VerifiedMessage } from "./mailauth.js";
import type { Envelope } from "./types.js";

export type Direction = { readonly kind: "outbound"; readonly systemId: string; readonly domains: readonly string[] } | { readonly kind: "inbound"; readonly systemId: string | undefined };

/** Metadata of one verified inbound message, as the store records it. */
export interface InboundAuthRecord {
  readonly receivedAt: Date;
  readonly systemId: string | undefined;
  readonly clientAddress: string;
  readonly helo: string;
  readonly mailFrom: string;
  readonly headerFromDomain: string;
  readonly messageId: string | undefined;
  readonly results: InboundAuthResults;
}

export interface AuthFilterOptions {
  readonly host?: string;
  /** 0 picks a free port; the port is rendered into main.cf's content_filter. */
  readonly port?: number;
  /** Postfix's re-injection smtpd (loopback, `-o content_filter=`). */
  readonly reinject: { readonly host: string; readonly port: number };
  /** Who sent it: by the original client's address (and, for inbound, the recipients' domains). */
  readonly classify: (clientAddress: string, recipients: readonly string[]) => Direction;
  readonly verifier: { verifyMessage(message: Uint8Array, envelope: Envelope): Promise<VerifiedMessage> };
  readonly signer: OutboundSigner & { canSign(domain: string): boolean };
  readonly record?: (r: InboundAuthRecord) => Promise<void>;
  /**
   * Called for each inbound message (as Postfix handed it over) before it is re-injected, e.g. to turn mail
   * to the STS duty address into an incident. A rejection answers 451: Postfix retries, so the hook must be
   * idempotent (incidentFromEmail is, by Message-ID).
   */
  readonly onInbound?: (m: SinkMessage) => Promise<void>;
  readonly hostname?: string;
  readonly clock?: () => Date;
  readonly log?: (level: "info" | "warn" | "error", message: string, data?: Record<string, unknown>) => void;
}

export interface AuthFilterCounters {
  signed: number;
  unsigned: number;
  verified: number;
  failed: number;
}

/** Idle re-injection connections kept open (Postfix's filter transport runs up to 20 deliveries at once). */
const MAX_IDLE = 20;

function xforwardValue(v: string): string {
  // XFORWARD values are xtext-free tokens; keep them to the characters Postfix itself sends.
  return v.replace(/[^\x21-\x7e]/g, "").slice(0, 255) || "[UNAVAILABLE]";
}

/**
 * With the filter in Postfix's path, only the deliveries of re-injected copies are deliveries: the first
 * queue's attempts are hand-overs to the filter — and while the filter is down, deferrals that say nothing
 * about the receivers (counting them would let a filter outage suspend every system for its defer share).
 */
export function deliveryBehindFilter(o: DeliveryOutcome): boolean {
  return o.receivedBy === REINJECT_SYSLOG_NAME;
}

/**
 * Direction from the policy service's snapshot: a connected system's server sends outbound (signed with
 * its own domains' keys only); anyone else sends inbound, to the system of the first connected recipient.
 */
export function classifyBySnapshot(snapshot: () => MailPolicySnapshot): AuthFilterOptions["classify"] {
  return (client, recipients) => {
    const s = snapshot();
    const sys = s.byAddress.get(client);
    if (sys) return { kind: "outbound", systemId: sys.id, domains: sys.domains };
    for (const r of recipients) {
      const to = s.byDomain.get(domainOf(r));
      if (to) return { kind: "inbound", systemId: to.id };
    }
    return { kind: "inbound", systemId: undefined };
  };
}

export class AuthFilter {
  readonly counters: AuthFilterCounters = { signed: 0, unsigned: 0, verified: 0, failed: 0 };
  readonly #o: AuthFilterOptions;
  readonly #server: SmtpSink;
  readonly #idle: SmtpClient[] = [];
  #closing = false;

  constructor(o: AuthFilterOptions) {
    this.#o = o;
    this.#server = new SmtpSink({ host: o.host ?? "127.0.0.1", port: o.port ?? 0, hostname: o.hostname ?? "filter.localhost", xforward: true, onMessage: (m) => this.#handle(m) });
  }

  get port(): number {
    return this.#server.port;
  }

  get reinjectEndpoint(): { readonly host: string; readonly port: number } {
    return this.#o.reinject;
  }

  start(): Promise<number> {
    return this.#server.start();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#server.close();
    await Promise.all(this.#idle.splice(0).map((c) => c.quit()));
  }

  async #handle(m: SinkMessage): Promise<string> {
    try {
      const client = normaliseIp((m.xforward.ADDR ?? "").replace(/^ipv6:/i, "")) ?? "";
      const helo = m.xforward.HELO ?? "";
      const dir = this.#o.classify(client, m.rcptTo);
      let data: Buffer = m.data;
      if (dir.kind === "outbound") {
        const domain = headerFromDomain(data);
        if (dir.domains.includes(domain) && this.#o.signer.canSign(domain)) {
          data = Buffer.from(await this.#o.signer.sign(data, domain));
          this.counters.signed++;
        } else {
          this.counters.unsigned++;
        }
      } else {
        const v = await this.#o.verifier.verifyMessage(data, { clientAddress: client || "0.0.0.0", helo, mailFrom: m.mailFrom });
        data = v.message;
        this.counters.verified++;
        await this.#o.record?.({
          receivedAt: (this.#o.clock ?? (() => new Date()))(),
          systemId: dir.systemId,
          clientAddress: client,
          helo,
          mailFrom: m.mailFrom,
          headerFromDomain: v.headerFromDomain,
          messageId: m.messageId,
          results: { spf: v.spf, dkim: v.dkim, dmarc: v.dmarc, header: v.header },
        });
        await this.#o.onInbound?.(m);
      }
      return await this.#reinject(m, data);
    } catch (e) {
      this.counters.failed++;
      this.#o.log?.("error", "authentication filter failed; Postfix keeps the message and retries", { error: String(e) });
      return "451 4.3.0 Error: authentication filter failed, try again later";
    }
  }

  /** An idle re-injection connection, or a new one. Connections are reused: one SMTP session, many messages. */
  async #connection(): Promise<{ client: SmtpClient; reused: boolean }> {
    for (let c = this.#idle.pop(); c; c = this.#idle.pop()) if (!c.closed) return { client: c, reused: true };
    const client = await SmtpClient.connect({ host: this.#o.reinject.host, port: this.#o.reinject.port, helo: this.#o.hostname ?? "filter.localhost", timeoutMs: 60_000 });
    return { client, reused: false };
  }

  #release(c: SmtpClient): void {
    if (!this.#closing && !c.closed && this.#idle.length < MAX_IDLE) this.#idle.push(c);
    else void c.quit();
  }

  async #reinject(m: SinkMessage, data: Buffer): Promise<string> {
    const xf = ["ADDR", "NAME", "HELO", "PROTO", "SOURCE"].filter((k) => m.xforward[k] !== undefined).map((k) => `${k}=${xforwardValue(m.xforward[k]!)}`);
    for (let attempt = 0; ; attempt++) {
      const { client: c, reused } = await this.#connection();
      let ok = false;
      try {
        // XFORWARD (or a NOOP) first: a reused connection the server has closed meanwhile fails here, before
        // any transaction began, and only then is a fresh connection tried.
        let first;
        try {
          first = await c.command(xf.length > 0 ? `XFORWARD ${xf.join(" ")}` : "NOOP");
        } catch (e) {
          if (reused && attempt === 0) continue;
          throw e;
        }
        if (first.code !== 250) {
          if (reused && attempt === 0 && first.code === 421) continue;
          throw new Error(`XFORWARD refused: ${first.code} ${first.text}`);
        }
        const r = await c.send({ from: m.mailFrom, to: m.rcptTo, data });
        if (!r.ok || r.rejectedRecipients.length > 0) {
          throw new Error(`re-injection refused at ${r.stage}: ${r.code} ${r.text} ${JSON.stringify(r.rejectedRecipients)}`);
        }
        ok = true;
        return `250 2.0.0 Ok: re-injected as ${r.queueId ?? "?"}`;
      } finally {
        if (ok) this.#release(c);
        else c.close();
      }
    }
  }
}
