/**
 * The all-in-one: store, control-plane API, outbox worker (and, as they land, the gateway listeners, the
 * scheduler and the mail policy service) in one process on the embedded store by default.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import nodemailer from "nodemailer";
import { gatewayWorkers, type Config } from "./config.js";
import { openStore, type Store } from "./store/db.js";
import { createApi, type App } from "./api/index.js";
import { ensureAdmin } from "./bootstrap.js";
import { sinkDelivery, smtpDelivery, startOutboxWorker } from "./outbox/outbox.js";
import { createSealer, type Sealer } from "./secrets/sealer.js";
import { registerPortal } from "./api/portal-static.js";
import client from "prom-client";
import { startGatewayRuntime, type GatewayRuntime } from "./gateway/runtime.js";
import { transparentSpec } from "./gateway/transparent.js";
import { recordDetections } from "./services/unknown-sources.js";
import { loadIssuing, type IssuingHandle } from "./services/ca.js";
import { startWorkflows } from "./workflows/index.js";
import { storeMailSystems } from "./services/mail-store.js";
import { MAIL_DIR, startMailGateway, type MailGateway } from "./services/mail-gateway.js";
import { MAIL_PORT_DEFAULTS } from "./config.js";
import { controlPlaneOnBus, type ControlPlaneOnBus } from "./bus/from-config.js";

export interface Running {
  config: Config;
  store: Store;
  api: App;
  sealer: Sealer;
  urls: { api: string; openapi: string; proxy: string };
  gateway: GatewayRuntime;
  /** The durable scheduler of the workflows (tests drive it with tick(now)). */
  workflows: { scheduler: { tick(now?: Date): Promise<number> } };
  admin: { created: boolean; username: string; password?: string };
  /** The multi-node duties on the bus (config.bus): snapshots out, node batches in, leaves for nodes. */
  controlPlane: ControlPlaneOnBus | null;
  stop(): Promise<void>;
}

/** The master key seals secrets at rest. Production keeps it outside the data dir (QAQPA_MASTER_KEY_FILE). */
export function loadMasterKey(config: Config, env = process.env): Buffer {
  if (env.QAQPA_MASTER_KEY) {
    const k = Buffer.from(env.QAQPA_MASTER_KEY, "base64");
    if (k.length !== 32) throw new Error("QAQPA_MASTER_KEY must be 32 bytes, base64-encoded");
    return k;
  }
  const file = config.masterKeyFile ?? join(config.dataDir, "master.key");
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  }
  const k = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (k.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return k;
}

export async function startAllInOne(config: Config, env = process.env): Promise<Running> {
  const sealer = createSealer(loadMasterKey(config, env));
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const admin = await ensureAdmin(store, env.QAQPA_ADMIN_PASSWORD || undefined);
    const smtp = config.notifications.smtp;
    const delivery = smtp
      ? smtpDelivery(nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure, ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.passwordEnv ? env[smtp.passwordEnv] ?? "" : "" } } : {}) }))
      : sinkDelivery();
    const outbox = startOutboxWorker(store.db, delivery, config.notifications.from);
    // The application processing system: its sealer and STS addresses, and the durable scheduler of its deadlines.
    // Connected mail systems (UGEM p.9, p.11) are rows of the store, whether or not this node runs Postfix.
    const workflows = await startWorkflows({ store, sealer, stsAddress: config.notifications.stsAddress, mailSystems: storeMailSystems(store.db, { sealer }) });
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry, prefix: "qaqpa_" });
    let gateway: GatewayRuntime | undefined;
    let mail: MailGateway | undefined;
    const api = await createApi({
      store,
      logger: config.log.level === "debug" ? { level: "debug" } : false,
      snapshot: () => gateway?.snapshot() ?? null,
      gatewayError: () => gateway?.lastError() ?? null,
      hosts: config.proxy.hosts,
      metrics: registry,
      sealer,
      readiness: async () => ({ gateway: !!gateway?.snapshot(), ...(config.mail ? { mail: !!mail?.service.ready } : {}) }),
    });
    await registerPortal(api);
    (await import("./services/ca.js")).startCaDuties({ api, store, sealer, config }); // CA routes' sealer + hourly rotation steps and expiry alerts, stopped by api.close()
    await api.listen({ host: config.http.host, port: config.http.port });
    const addr = api.server.address();
    const port = typeof addr === "object" && addr ? addr.port : config.http.port;
    const base = config.http.publicUrl ?? `http://${config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host}:${port}`;
    // The issuing CA for TLS bump (p.21–23): picked up once an STS administrator activates a root, re-checked
    // every few seconds until then. Its authority refuses protected names on its own, asking the same category
    // database the pipeline uses — the second, independent refusal of p.20.
    let issuing: IssuingHandle | null = null;
    const isProtected = (name: string) => {
      const r = gateway?.snapshot()?.categories.lookupDomain(name);
      return !r || !r.ok || r.protected;
    };
    let loadingIssuing = false;
    const loadIssuingNow = async () => {
      if (issuing || loadingIssuing) return;
      loadingIssuing = true;
      try {
        issuing = await loadIssuing(store, sealer, isProtected);
      } catch {
        issuing = null;
      } finally {
        loadingIssuing = false;
      }
    };
    const issuingTimer = setInterval(() => void loadIssuingNow(), 5000);
    issuingTimer.unref();
    gateway = await startGatewayRuntime({
      leaves: () => issuing?.leaves ?? null,
      upstreamCa: (config.proxy.upstreamCaFiles ?? []).map((f) => readFileSync(f, "utf8")),
      db: store.db,
      host: config.proxy.host,
      port: config.proxy.port,
      hosts: config.proxy.hosts,
      portalUrl: base,
      decisionLogFile: join(config.dataDir, "logs", "decisions.jsonl"),
      registry,
      // Cluster workers serve the explicit proxy when configured; this process keeps the control plane, the
      // snapshot compile, the issuing CA and the decision-log batching.
      workers: gatewayWorkers(config),
      scheduling: config.gateway?.scheduling,
      // Transparent listeners (HTTP by Host, TLS by SNI) share the explicit proxy's gateway, resolver and
      // snapshot: in this process without workers, in every worker with them.
      ...(config.gateway?.transparent ? { transparent: transparentSpec(config.gateway.transparent, env) } : {}),
      // p.13: the gateway's detections feed the unknown-source workflow (notice to the operator, block after
      // five working days, unblock when the catalogue covers the address).
      onDetections: async (batch) => {
        await recordDetections(store.db, batch.map((d) => ({ address: d.address, at: d.lastSeen.toISOString(), hits: d.hits })));
      },
    });
    await loadIssuingNow();
    // The mail gateway (UGEM): a private Postfix, the policy service and the authentication filter.
    if (config.mail) {
      try {
        mail = await startMailGateway({
          store,
          sealer,
          dir: config.mail.directory ?? MAIL_DIR(config.dataDir),
          stsAddress: config.notifications.stsAddress,
          registry,
          config: { ...MAIL_PORT_DEFAULTS, ...config.mail },
        });
      } catch (e) {
        // Nothing may keep running when the mail gateway cannot start (the store is closed below).
        clearInterval(issuingTimer);
        (issuing as IssuingHandle | null)?.close();
        await gateway.stop();
        await api.close();
        await outbox.stop();
        await workflows.stop();
        throw e;
      }
    }
    // Multi-node mode: gateway nodes get the snapshot, their leaves (enrolled nodes only) and their batches' commit over the bus.
    const controlPlane = config.bus ? controlPlaneOnBus(config.bus, { db: store.db, snapshot: () => gateway?.snapshot() ?? null, leaves: () => issuing?.leaves ?? null, sealer, registry }, env) : null;
    return {
      config,
      controlPlane,
      store,
      api,
      sealer,
      admin,
      urls: { api: `${base}/api`, openapi: `${base}/api/openapi.json`, proxy: `http://${config.proxy.host.includes(":") ? `[${config.proxy.host}]` : config.proxy.host}:${gateway.port}` },
      gateway,
      workflows,
      async stop() {
        await controlPlane?.stop();
        clearInterval(issuingTimer);
        issuing?.close();
        await mail?.stop();
        await gateway!.stop();
        await api.close();
        await outbox.stop();
        await workflows.stop();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
