/**
 * The mail control plane of the all-in-one (UGEM), started when `mail` is configured:
 *
 *   store (mail_system, mail_domain, mail_suspension) ──poll version──▶ policy service reload
 *                                                                       Postfix maps re-rendered + reload
 *                                                                       DKIM keys reopened for the filter
 *   Postfix (private instance) ─check_policy_service─▶ MailPolicyService (suspend/release via the API)
 *                              ─milters (optional)──▶ Rspamd (outbound), clamav-milter → clamd (both ways)
 *                              ─content_filter──────▶ AuthFilter (DKIM sign / SPF·DKIM·DMARC verify)
 *                              ─maillog_file────────▶ delivery outcomes → detector, mail_delivery_stat
 *                                                         mail to the STS duty address → incident (p.14)
 *   Prometheus: queue size, suspended systems, policy decisions, filter results
 *
 * Postfix runs as a private instance under `<dataDir>/mail`; starting it needs root (Postfix's master).
 */
import { dirname, join, resolve } from "node:path";
import { statSync } from "node:fs";
import { sql, type Kysely } from "kysely";
import client from "prom-client";
import type { Database } from "../store/schema.js";
import type { Store } from "../store/db.js";
import type { Sealer } from "../secrets/sealer.js";
import { MailPolicyService, type MailLogger } from "../mail/policy/server.js";
import type { DetectorLimits } from "../mail/policy/detector.js";
import { PostfixInstance } from "../mail/postfix/instance.js";
import { followLog, type LogFollower } from "../mail/log/tail.js";
import type { DeliveryOutcome } from "../mail/log/delivery-log.js";
import { AuthFilter, classifyBySnapshot, deliveryBehindFilter, type InboundAuthRecord } from "../mail/auth/filter.js";
import { createInboundVerifier, createOutboundSigner, type DNSResolver, type SigningKey } from "../mail/auth/mailauth.js";
import { readIncidentMail } from "../mail/message.js";
import type { Engines } from "../mail/engines/milter.js";
import { Problem } from "../contract/problem.js";
import { incidentFromEmail } from "./incidents.js";
import { mailAudit, mailOutbox, storeMailSystems } from "./mail-store.js";
import { configureMailControl } from "./mail-systems.js";

export interface Endpoint {
  host: string;
  port: number;
}

export interface MailGatewayConfig {
  /** myhostname of Postfix and the authserv-id of Authentication-Results. */
  hostname: string;
  /** smtpd listeners: port 25 on the public addresses in production. */
  listen: Endpoint[];
  /** loopback ports of the policy service, the authentication filter and the re-injection smtpd */
  policyPort: number;
  filterPort: number;
  reinjectPort: number;
  /** Static next hop for the Internet (an upstream relay); MX delivery when absent. */
  internetRelay?: Endpoint;
  tls?: { certFile: string; keyFile: string };
  messageSizeLimit?: number;
  /** DKIM signing of outbound and SPF/DKIM/DMARC verification of inbound mail (default true). */
  authentication?: boolean;
  detectorLimits?: Partial<DetectorLimits>;
  /** Optional milter engines: Rspamd for outbound, ClamAV for both directions (mail/engines/milter.ts). */
  engines?: Engines;
}

export interface MailGatewayOptions {
  store: Store;
  sealer: Sealer;
  dir: string;
  config: MailGatewayConfig;
  stsAddress: string;
  registry?: client.Registry;
  /** DNS for SPF/DKIM/DMARC; the system resolver when absent. */
  resolver?: DNSResolver;
  pollMs?: number;
  /** Further main.cf parameters (tests: short queue backoff). */
  postfixExtra?: Record<string, string>;
  inetProtocols?: "ipv4" | "ipv6" | "all";
  log?: MailLogger;
}

export interface MailGateway {
  readonly service: MailPolicyService;
  readonly instance: PostfixInstance;
  readonly filter: AuthFilter | undefined;
  /** Re-reads the store now (the poll does it every `pollMs`). */
  sync(): Promise<void>;
  /** Writes the accumulated delivery statistics now (the timer does it every few seconds). */
  flushStats(): Promise<void>;
  stop(): Promise<void>;
}

const HOUR = 3_600_000;

/** Delivery outcomes per system and hour, accumulated in memory and added to mail_delivery_stat. */
class DeliveryStats {
  readonly #pending = new Map<string, { systemId: string; hour: Date; sent: number; deferred: number; bounced: number; other: number }>();

  add(systemId: string, status: string, at: number): void {
    const hour = new Date(Math.floor(at / HOUR) * HOUR);
    const k = `${systemId} ${hour.getTime()}`;
    let e = this.#pending.get(k);
    if (!e) this.#pending.set(k, (e = { systemId, hour, sent: 0, deferred: 0, bounced: 0, other: 0 }));
    if (status === "sent" || status === "deferred" || status === "bounced") e[status]++;
    else e.other++;
  }

  async flush(db: Kysely<Database>): Promise<void> {
    const rows = [...this.#pending.values()];
    this.#pending.clear();
    for (const r of rows) {
      await db
        .insertInto("mail_delivery_stat")
        .values({ mail_system_id: r.systemId, hour: r.hour, sent: r.sent, deferred: r.deferred, bounced: r.bounced, other: r.other })
        .onConflict((oc) =>
          oc.columns(["mail_system_id", "hour"]).doUpdateSet({
            sent: sql`mail_delivery_stat.sent + excluded.sent`,
            deferred: sql`mail_delivery_stat.deferred + excluded.deferred`,
            bounced: sql`mail_delivery_stat.bounced + excluded.bounced`,
            other: sql`mail_delivery_stat.other + excluded.other`,
          }),
        )
        .execute()
        .catch(() => undefined); // a system deleted meanwhile (FK); statistics are best effort
    }
  }
}

async function recordAuthResult(db: Kysely<Database>, r: InboundAuthRecord): Promise<void> {
  await db
    .insertInto("mail_auth_result")
    .values({
      received_at: r.receivedAt,
      mail_system_id: r.systemId ?? null,
      client_address: r.clientAddress,
      helo: r.helo.slice(0, 255) || null,
      mail_from: r.mailFrom.slice(0, 320) || null,
      header_from_domain: r.headerFromDomain.slice(0, 255) || null,
      message_id: r.messageId?.slice(0, 998) ?? null,
      spf: r.results.spf.result,
      dkim: r.results.dkim.length === 0 ? "none" : r.results.dkim.some((d) => d.result === "pass") ? "pass" : r.results.dkim[0]!.result,
      dkim_domains: r.results.dkim.map((d) => d.domain),
      dmarc: r.results.dmarc.result,
      dmarc_policy: r.results.dmarc.policy ?? null,
    })
    .execute();
}

function registerMetrics(registry: client.Registry, g: { service: MailPolicyService; instance: PostfixInstance; filter: AuthFilter | undefined }): void {
  new client.Gauge({
    name: "qaqpa_mail_queue_messages",
    help: "Messages in the gateway's Postfix queue, by queue (postqueue -j at scrape time)",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = new Map<string, number>([["incoming", 0], ["active", 0], ["deferred", 0], ["hold", 0]]);
      try {
        for (const m of await g.instance.queue.list()) counts.set(m.queueName, (counts.get(m.queueName) ?? 0) + 1);
      } catch {
        return;
      }
      for (const [q, n] of counts) this.set({ queue: q }, n);
    },
  });
  new client.Gauge({
    name: "qaqpa_mail_suspended_systems",
    help: "Connected mail systems suspended for abnormal activity (UGEM p.12)",
    registers: [registry],
    collect() {
      let n = 0;
      for (const id of g.service.snapshot.systems.keys()) if (g.service.engine.isSuspended(id)) n++;
      this.set(n);
    },
  });
  new client.Gauge({
    name: "qaqpa_mail_policy_outcome_total",
    help: "Policy service decisions since start, by hook and action",
    labelNames: ["hook", "action"],
    registers: [registry],
    collect() {
      for (const [k, n] of g.service.engine.outcomes()) {
        const [hook, action] = k.split(" ");
        this.set({ hook: hook ?? "", action: action ?? "" }, n);
      }
    },
  });
  new client.Gauge({
    name: "qaqpa_mail_auth_filter_total",
    help: "Messages through the authentication filter since start: signed, unsigned, verified, failed (tempfailed)",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      if (!g.filter) return;
      for (const [k, n] of Object.entries(g.filter.counters)) this.set({ result: k }, n);
    },
  });
}

/**
 * Postfix's daemons run as the postfix account and must reach the instance's directories: every existing
 * directory above `dir` has to be searchable by others (a data directory made with mkdtemp is 0700).
 * Refuses with the directory to fix rather than letting `postfix start` fail without a word.
 */
export function assertReachableByPostfix(dir: string): void {
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    let mode: number | undefined;
    try {
      mode = statSync(d).mode;
    } catch {
      mode = undefined; // not created yet: mkdir makes it 0755
    }
    if (mode !== undefined && (mode & 0o001) === 0) {
      throw new Error(`the postfix account cannot reach ${dir}: ${d} is not searchable by others (mode ${(mode & 0o777).toString(8)}); run chmod o+x ${d} or set mail.directory elsewhere`);
    }
    if (d === dirname(d)) return;
  }
}

export async function startMailGateway(o: MailGatewayOptions): Promise<MailGateway> {
  const db = o.store.db;
  const c = o.config;
  const log = o.log ?? (() => {});
  const directory = storeMailSystems(db, { sealer: o.sealer });
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const f of cleanup.reverse()) await f().catch((e) => log("error", "mail gateway stop step failed", { error: String(e) }));
  };
  try {
    assertReachableByPostfix(o.dir);
    const instance = await PostfixInstance.create(o.dir, {
      myhostname: c.hostname,
      listen: c.listen,
      policy: null,
      ...(o.inetProtocols ? { inetProtocols: o.inetProtocols } : {}),
      ...(c.internetRelay ? { internetRelay: c.internetRelay } : {}),
      ...(c.tls ? { tls: c.tls } : {}),
      ...(c.messageSizeLimit ? { messageSizeLimit: c.messageSizeLimit } : {}),
      ...(c.engines ? { engines: c.engines } : {}),
      postmasterAddress: o.stsAddress,
      ...(o.postfixExtra ? { extra: o.postfixExtra } : {}),
    });
    const counts = (d: DeliveryOutcome) => c.authentication === false || deliveryBehindFilter(d);
    const service = new MailPolicyService({
      directory,
      outbox: mailOutbox(db),
      audit: mailAudit(db),
      queue: instance.queue,
      stsAddress: o.stsAddress,
      host: "127.0.0.1",
      port: c.policyPort,
      ...(c.detectorLimits ? { detectorLimits: c.detectorLimits } : {}),
      countsDelivery: counts,
      log,
    });
    await service.start();
    cleanup.push(() => service.close());

    let keys = new Map<string, SigningKey>();
    const refreshKeys = async () => {
      keys = new Map((await directory.dkimKeys()).map((k) => [k.domain, { selector: k.selector, privateKeyPem: k.privateKeyPem }]));
    };
    let filter: AuthFilter | undefined;
    const reinject = { host: "127.0.0.1", port: c.reinjectPort };
    if (c.authentication !== false) {
      await refreshKeys();
      filter = new AuthFilter({
        port: c.filterPort,
        reinject,
        hostname: c.hostname,
        classify: classifyBySnapshot(() => service.snapshot),
        signer: createOutboundSigner((d) => keys.get(d)),
        verifier: createInboundVerifier({ authservId: c.hostname, ...(o.resolver ? { resolver: o.resolver } : {}) }),
        record: (r) => recordAuthResult(db, r).catch((e) => log("error", "authentication result not recorded", { error: String(e) })),
        // p.14: "by email support@sts.kz" — mail to the duty address through the gateway becomes an incident
        // (once per Message-ID); the message is delivered to STS's server as well.
        onInbound: async (m) => {
          const duty = o.stsAddress.toLowerCase();
          if (!m.rcptTo.some((r) => r.toLowerCase() === duty)) return;
          try {
            await incidentFromEmail(db, { ...readIncidentMail(m.data, m.mailFrom), receivedAt: new Date() });
          } catch (e) {
            // An unusable sender makes no incident, but the mail still goes through; anything else is retried.
            if (e instanceof Problem && e.code === "QQ_ERR_VALIDATION") log("warn", "mail to the duty address made no incident", { error: e.message });
            else throw e;
          }
        },
        log,
      });
      await filter.start();
      const f = filter;
      cleanup.push(() => f.close());
    }
    const contentFilter = filter ? { filter: { host: "127.0.0.1", port: c.filterPort }, reinject } : undefined;
    await instance.apply(await directory.list(), { policy: { host: "127.0.0.1", port: c.policyPort }, ...(contentFilter ? { contentFilter } : {}) });
    await instance.start();
    cleanup.push(() => instance.stop());

    // Statistics count only lines written after the start: the log is replayed from its beginning for the
    // queue-id tracking, and those outcomes are already in the store.
    const stats = new DeliveryStats();
    let skipBytes = 0;
    try {
      skipBytes = statSync(instance.maillogFile).size;
    } catch {
      skipBytes = 0;
    }
    let seen = 0;
    const follower: LogFollower = followLog(
      instance.maillogFile,
      (line) => {
        seen += Buffer.byteLength(line) + 1;
        const out: DeliveryOutcome | undefined = service.observeLogLine(line);
        if (!out || seen <= skipBytes || out.clientAddress === undefined || !counts(out)) return;
        const sys = service.snapshot.byAddress.get(out.clientAddress);
        if (sys) stats.add(sys.id, out.status, Date.now());
      },
      { fromStart: true },
    );
    cleanup.push(async () => follower.close());

    let version = await directory.version();
    let syncing: Promise<void> | undefined;
    const sync = () =>
      (syncing ??= (async () => {
        try {
          const v = await directory.version();
          if (v === version) return;
          // Keys and the policy first, Postfix's maps last: a new system's first message is relayed only
          // once the filter can sign it and the policy service knows it.
          if (filter) await refreshKeys();
          await service.reload();
          await instance.apply(await directory.list());
          version = v;
        } finally {
          syncing = undefined;
        }
      })());
    const poll = setInterval(() => void sync().catch((e) => log("error", "mail systems could not be re-applied", { error: String(e) })), o.pollMs ?? 2_000);
    poll.unref();
    const statsTimer = setInterval(() => void stats.flush(db), 5_000);
    statsTimer.unref();
    cleanup.push(async () => {
      clearInterval(poll);
      clearInterval(statsTimer);
      await syncing?.catch(() => undefined);
      await stats.flush(db);
    });

    configureMailControl(o.store, service);
    cleanup.push(async () => configureMailControl(o.store, null));
    if (o.registry) registerMetrics(o.registry, { service, instance, filter });

    return {
      service,
      instance,
      filter,
      sync: async () => {
        await syncing?.catch(() => undefined);
        await sync();
      },
      flushStats: () => stats.flush(db),
      stop: close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

export const MAIL_DIR = (dataDir: string) => join(dataDir, "mail");
