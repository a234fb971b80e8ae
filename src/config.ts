/**
 * Configuration: one optional YAML file plus environment overrides, validated strictly at start
 * (unknown keys are errors, so a typo never silently falls back to a default).
 *
 * Precedence: defaults < qaqpa.yaml (or the file named by QAQPA_CONFIG) < environment variables.
 */
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { availableParallelism } from "node:os";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseYaml } from "yaml";
import { parseMilterEndpoint } from "./mail/engines/milter.js";

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

/**
 * Transparent listeners (off unless this section is present): HTTP decided by Host, TLS by SNI, for traffic the
 * network steers to the gateway. `originalDestination` names how the gateway learns where a flow was going:
 * `local-address` under TPROXY, `conntrack` under REDIRECT — docs/operations.md, "Transparent mode".
 */
const TransparentSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1, description: "address the transparent listeners bind (with http/tls ports)" })),
    http: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "port receiving redirected TCP/80" })),
    tls: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "port receiving redirected TCP/443" })),
    originalDestination: Type.Union([Type.Literal("local-address"), Type.Literal("conntrack")]),
    socketActivation: Type.Optional(Type.Boolean({ description: "listen on the descriptors systemd hands over (qaqpa-transparent-http/-tls): the TPROXY path, where the socket needs IP_TRANSPARENT" })),
  },
  { additionalProperties: false },
);

/**
 * The gateway's data plane processes (docs/gateway.md, "Cluster workers"). workers: 0 = the all-in-one process
 * serves the explicit proxy itself (the default when started from code and in tests); N = N cluster workers;
 * "auto" = one per core (the default of `qaqpa start`). scheduling: how new connections reach the workers.
 */
const GatewaySchema = Type.Object(
  {
    workers: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 256 }), Type.Literal("auto")], { description: "cluster workers for the explicit proxy: 0 = in process, N, or auto (one per core)" })),
    transparent: Type.Optional(TransparentSchema),
    scheduling: Type.Optional(
      Type.Union([Type.Literal("reuseport"), Type.Literal("none"), Type.Literal("rr")], {
        description: "reuseport: each worker has its own listening socket (SO_REUSEPORT; the default where the socket addon is built); none: every worker accepts on one shared socket; rr: the primary accepts and hands connections round-robin",
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The multi-node bus (NATS JetStream; docs/operations.md, "Multi-node deployment"). On a control plane it makes
 * the process publish snapshots, consume gateway nodes' batches and serve enrolled nodes' leaves; a gateway node
 * needs it, and names its enrolment there (nodeId and nodeCredentialFile, which the control plane ignores).
 */
const BusSchema = Type.Object(
  {
    servers: Type.Array(Type.String({ pattern: "^(nats|tls)://[^\\s]+$" }), { minItems: 1, description: "NATS server URLs, e.g. [nats://10.0.0.5:4222, nats://10.0.0.6:4222]" }),
    namespace: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "prefix of the streams, buckets and subjects (default qaqpa)" })),
    user: Type.Optional(Type.String({ minLength: 1 })),
    passwordEnv: Type.Optional(Type.String({ minLength: 1, description: "name of the environment variable holding the NATS password" })),
    nodeId: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "gateway node only: the id the node is enrolled under (qaqpa node enrol), its gatewayNode.name" })),
    nodeCredentialFile: Type.Optional(Type.String({ minLength: 1, description: "gateway node only: file with this node's own 32-byte credential (base64) written by qaqpa node enrol|rotate; without it the node gets no leaves and splices" })),
  },
  { additionalProperties: false },
);

/** `qaqpa gateway-node`: a data-plane node without a store connection (docs/gateway.md, "Gateway nodes"). */
const GatewayNodeSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "the node's name, unique in the deployment" }),
    stateDir: Type.Optional(Type.String({ minLength: 1, description: "last good snapshot and the spool of unsent batches (default <dataDir>/node)" })),
    portalUrl: Type.String({ pattern: "^https?://", description: "the portal's public URL, linked from block pages" }),
    health: Type.Optional(Type.Object({ host: Type.String({ minLength: 1 }), port: Port }, { additionalProperties: false, description: "GET /health (503 without a snapshot) and GET /metrics" })),
    spoolMaxBytes: Type.Optional(
      Type.Integer({ minimum: 1, description: "the most the spool of unsent batches may hold (default 1 GiB); past it new records are dropped and counted, the node reports degraded and keeps serving" }),
    ),
  },
  { additionalProperties: false },
);

/** The mail gateway (UGEM); absent = the all-in-one runs no Postfix. See docs/operations.md. */
const MailPort = Type.Integer({ minimum: 1, maximum: 65535 });
const MailEndpoint = Type.Object({ host: Type.String({ minLength: 1 }), port: MailPort }, { additionalProperties: false });
const Limit = Type.Number({ exclusiveMinimum: 0 });
/** A Postfix milter endpoint: inet:<host>:<port>, inet:[<IPv6>]:<port> or unix:<absolute path> (engines/milter.ts). */
const MilterEndpoint = Type.String({ pattern: "^(inet:(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}|unix:/[^\\s,{}=]+)$" });
export const MailConfigSchema = Type.Object(
  {
    directory: Type.Optional(Type.String({ pattern: "^/", description: "the private Postfix instance's directory (absolute; default <dataDir>/mail); every directory above it must be searchable by the postfix account" })),
    hostname: Type.String({ pattern: "^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$", description: "Postfix myhostname and the authserv-id of Authentication-Results (fully qualified)" }),
    listen: Type.Array(MailEndpoint, { minItems: 1, description: "smtpd listeners, e.g. [{ host: 0.0.0.0, port: 25 }]" }),
    policyPort: Type.Optional(MailPort),
    filterPort: Type.Optional(MailPort),
    reinjectPort: Type.Optional(MailPort),
    internetRelay: Type.Optional(MailEndpoint),
    tls: Type.Optional(Type.Object({ certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
    messageSizeLimit: Type.Optional(Type.Integer({ minimum: 1024 })),
    authentication: Type.Optional(Type.Boolean({ description: "DKIM signing outbound, SPF/DKIM/DMARC inbound (default true)" })),
    engines: Type.Optional(
      Type.Object(
        {
          rspamd: Type.Optional(Type.Object({ milter: MilterEndpoint }, { additionalProperties: false, description: "Rspamd's milter (proxy worker), e.g. inet:127.0.0.1:11332: spam scoring of outbound mail" })),
          clamav: Type.Optional(Type.Object({ milter: MilterEndpoint }, { additionalProperties: false, description: "clamav-milter in front of clamd, e.g. inet:127.0.0.1:7357: attachments in both directions" })),
        },
        { additionalProperties: false, description: "optional milter engines; one that does not answer makes Postfix tempfail (4xx), never pass mail unchecked" },
      ),
    ),
    detectorLimits: Type.Optional(
      Type.Object(
        {
          messagesPerMinute: Type.Optional(Limit),
          messagesPerHour: Type.Optional(Limit),
          recipientsPerMinute: Type.Optional(Limit),
          recipientsPerHour: Type.Optional(Limit),
          bytesPerHour: Type.Optional(Limit),
          baselineFactor: Type.Optional(Limit),
          baselineFloorPerMinute: Type.Optional(Limit),
          maxBounceShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          maxDeferShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Loopback ports of the mail control plane when the configuration leaves them out. */
export const MAIL_PORT_DEFAULTS = { policyPort: 10040, filterPort: 10025, reinjectPort: 10026 } as const;

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: "PGlite data directory and local state (lock, master key)" }),
    databaseUrl: Type.Optional(Type.String({ description: "PostgreSQL URL; when set, the embedded store is not used" })),
    http: Type.Object({ host: Type.String(), port: Port, publicUrl: Type.Optional(Type.String()) }, { additionalProperties: false }),
    proxy: Type.Object(
      {
        host: Type.String(),
        port: Port,
        hosts: Type.Record(Type.String(), Type.Array(Type.String()), { description: "static name → addresses map (tests, private zones)" }),
        upstreamCaFiles: Type.Optional(Type.Array(Type.String(), { description: "PEM files of extra roots trusted for upstream TLS (private CAs), on top of the system store" })),
      },
      { additionalProperties: false },
    ),
    masterKeyFile: Type.Optional(Type.String()),
    notifications: Type.Object(
      {
        from: Type.String(),
        stsAddress: Type.String({ description: "STS duty service address (p.14)" }),
        smtp: Type.Optional(
          Type.Object(
            {
              host: Type.String(),
              port: Port,
              secure: Type.Boolean(),
              user: Type.Optional(Type.String()),
              passwordEnv: Type.Optional(Type.String({ description: "name of the environment variable holding the SMTP password" })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    log: Type.Object({ level: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")]) }, { additionalProperties: false }),
    mail: Type.Optional(MailConfigSchema),
    gateway: Type.Optional(GatewaySchema),
    bus: Type.Optional(BusSchema),
    gatewayNode: Type.Optional(GatewayNodeSchema),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;
/** The `gateway.transparent` section (src/gateway/transparent.ts turns it into the listeners' spec). */
export type TransparentConfig = Static<typeof TransparentSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** gateway.workers as a number of processes: "auto" = one per core, absent = 0 (in process). */
export function gatewayWorkers(cfg: Pick<Config, "gateway">): number {
  const w = cfg.gateway?.workers;
  return w === "auto" ? availableParallelism() : (w ?? 0);
}

export function defaultConfig(): Config {
  return {
    dataDir: resolve("data"),
    http: { host: "127.0.0.1", port: 8080 },
    proxy: { host: "127.0.0.1", port: 3128, hosts: {} },
    notifications: { from: "qaqpa@localhost", stsAddress: "support@sts.kz" },
    log: { level: "info" },
  };
}

function envPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new ConfigError(`${name} must be a port number 0–65535, got "${v}"`);
  return Number(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
      ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

/**
 * A gateway node's enrolment: `bus.nodeId` and `bus.nodeCredentialFile` go together, and the id is the node's
 * name. A credential file without an id is the configuration of the one credential every node used to share: it
 * is refused with what to do rather than read as this node's own (it would only be refused on the bus).
 */
function checkNodeEnrolment(cfg: Config): void {
  const bus = cfg.bus;
  if (!bus) return;
  if (bus.nodeCredentialFile && !bus.nodeId) {
    throw new ConfigError(
      "invalid configuration: bus.nodeCredentialFile without bus.nodeId. The credential shared by the control plane and every gateway node is replaced by one credential per node: " +
        "on the control plane remove bus.nodeCredentialFile (it reads the enrolled nodes from the store); on a gateway node run `qaqpa node enrol <gatewayNode.name> --out FILE` on the control plane, " +
        'install FILE as bus.nodeCredentialFile and set bus.nodeId to the node\'s name (docs/operations.md, "Enrolling gateway nodes")',
    );
  }
  if (bus.nodeId && !bus.nodeCredentialFile) throw new ConfigError(`invalid configuration: bus.nodeId needs bus.nodeCredentialFile, the credential \`qaqpa node enrol ${bus.nodeId}\` wrote`);
  if (bus.nodeId && cfg.gatewayNode && bus.nodeId !== cfg.gatewayNode.name) {
    throw new ConfigError(`invalid configuration: bus.nodeId (${bus.nodeId}) must be the node's gatewayNode.name (${cfg.gatewayNode.name}): a node is enrolled under its name`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  let merged: Record<string, unknown> = defaultConfig() as unknown as Record<string, unknown>;
  const file = env.QAQPA_CONFIG ? resolve(cwd, env.QAQPA_CONFIG) : resolve(cwd, "qaqpa.yaml");
  if (env.QAQPA_CONFIG && !existsSync(file)) throw new ConfigError(`QAQPA_CONFIG names ${file}, which does not exist`);
  if (existsSync(file)) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError(`${file}: top level must be a mapping`);
      merged = deepMerge(merged, doc as Record<string, unknown>);
    }
  }
  const http = merged.http as Record<string, unknown>;
  const proxy = merged.proxy as Record<string, unknown>;
  if (env.QAQPA_DATA_DIR) merged.dataDir = env.QAQPA_DATA_DIR;
  if (env.QAQPA_DATABASE_URL) merged.databaseUrl = env.QAQPA_DATABASE_URL;
  const hp = envPort(env, "QAQPA_HTTP_PORT");
  if (hp !== undefined) http.port = hp;
  if (env.QAQPA_HTTP_HOST) http.host = env.QAQPA_HTTP_HOST;
  const pp = envPort(env, "QAQPA_PROXY_PORT");
  if (pp !== undefined) proxy.port = pp;
  if (env.QAQPA_PROXY_HOST) proxy.host = env.QAQPA_PROXY_HOST;
  const gw = env.QAQPA_GATEWAY_WORKERS;
  if (gw !== undefined && gw !== "") {
    if (gw !== "auto" && !/^\d+$/.test(gw)) throw new ConfigError(`QAQPA_GATEWAY_WORKERS must be a whole number or "auto", got "${gw}"`);
    merged.gateway = { ...(merged.gateway as Record<string, unknown> | undefined), workers: gw === "auto" ? gw : Number(gw) };
  }
  if (env.QAQPA_BUS_SERVERS) merged.bus = { ...(merged.bus as Record<string, unknown> | undefined), servers: env.QAQPA_BUS_SERVERS.split(",").map((x) => x.trim()) };
  if (env.QAQPA_MASTER_KEY_FILE) merged.masterKeyFile = env.QAQPA_MASTER_KEY_FILE;
  if (env.QAQPA_LOG_LEVEL) (merged.log as Record<string, unknown>).level = env.QAQPA_LOG_LEVEL;

  const errors = [...Value.Errors(ConfigSchema, merged)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((e) => `  ${e.path || "/"}: ${e.message}`);
    throw new ConfigError(`invalid configuration (${existsSync(file) ? file : "defaults + environment"}):\n${lines.join("\n")}`);
  }
  const cfg = merged as unknown as Config;
  const tp = cfg.gateway?.transparent;
  if (tp) {
    if (tp.socketActivation && (tp.http !== undefined || tp.tls !== undefined)) throw new ConfigError("invalid configuration: with gateway.transparent.socketActivation the ports are the socket units'; leave http and tls out");
    if (!tp.socketActivation && !tp.host) throw new ConfigError("invalid configuration: gateway.transparent.host is needed with http or tls ports");
    if (!tp.socketActivation && tp.http === undefined && tp.tls === undefined) throw new ConfigError("invalid configuration: gateway.transparent needs an http or a tls port (or socketActivation)");
    const ports = [cfg.proxy.port, tp.http, tp.tls].filter((p) => p !== undefined);
    if (new Set(ports).size !== ports.length) throw new ConfigError(`invalid configuration: proxy.port, gateway.transparent.http and gateway.transparent.tls must be distinct ports (${ports.join(", ")})`);
  }
  if (cfg.gatewayNode && !cfg.bus) throw new ConfigError("invalid configuration: gatewayNode needs a bus section (a gateway node has no store; it gets its policy over the bus)");
  checkNodeEnrolment(cfg);
  if (cfg.mail) {
    const m = { ...MAIL_PORT_DEFAULTS, ...cfg.mail };
    const ports = [m.policyPort, m.filterPort, m.reinjectPort, ...cfg.mail.listen.filter((l) => /^(127\.|::1$|0\.0\.0\.0$|::$)/.test(l.host)).map((l) => l.port)];
    if (new Set(ports).size !== ports.length) throw new ConfigError(`invalid configuration: mail.policyPort, mail.filterPort, mail.reinjectPort and the loopback listeners must be distinct ports (${ports.join(", ")})`);
    for (const [name, e] of Object.entries(cfg.mail.engines ?? {})) {
      try {
        parseMilterEndpoint(e.milter, `mail.engines.${name}.milter`);
      } catch (err) {
        throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
      }
    }
  }
  cfg.dataDir = resolve(cwd, cfg.dataDir);
  return cfg;
}
