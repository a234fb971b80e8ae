/**
 * `qaqpa doctor`: what this machine has and lacks for each part of qaqpa, and how to install what is missing.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { loadConfig, type Config } from "../config.js";
import { socketsBinding } from "../gateway/native-sockets.js";
import { probeMilter, type EngineName, type Engines } from "../mail/engines/milter.js";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  required: boolean;
}

function which(cmd: string, args: string[] = ["--version"]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 5000 });
  return { ok: r.status === 0, out: (r.stdout || r.stderr || "").split("\n")[0]!.trim() };
}

/**
 * The socket addon: how a REDIRECT listener learns the original destination (SO_ORIGINAL_DST, or the slower
 * /proc/net/nf_conntrack fallback, which needs a permission to read the table) and whether cluster workers get
 * listening sockets of their own (SO_REUSEPORT) or share one.
 */
function socketAddonCheck(): Check {
  const binding = socketsBinding();
  return {
    name: "socket addon (SO_ORIGINAL_DST, SO_REUSEPORT)",
    ok: binding !== null,
    detail: binding
      ? "built: the original destination is one getsockopt per connection; each worker has its own listening socket"
      : "not built: REDIRECT listeners read /proc/net/nf_conntrack per connection; workers share one listening socket",
    fix: "npm run build:native (needs g++, make and python3)",
    required: false,
  };
}

/**
 * With a listening socket per worker, the connections waiting in a dead worker's accept queue are reset unless
 * the kernel migrates them to a live worker's socket (net.ipv4.tcp_migrate_req, Linux 5.14+;
 * deploy/sysctl.d/60-qaqpa.conf). `setting` is the file's content, or null where the kernel has none.
 */
export function queueMigrationCheck(reuseport: boolean, setting: string | null): Check {
  const name = "accept-queue migration (net.ipv4.tcp_migrate_req)";
  if (!reuseport) return { name, ok: true, detail: "not needed: the workers do not have listening sockets of their own", required: false };
  if (setting === null) return { name, ok: false, detail: "the kernel has no such setting (Linux 5.14+): a worker that dies resets the connections waiting in its accept queue", required: false };
  const on = setting.trim() === "1";
  return {
    name,
    ok: on,
    detail: on ? "on: a worker that dies hands the connections waiting in its accept queue to a live worker" : "off: a worker that dies resets the connections waiting in its accept queue",
    ...(on ? {} : { fix: "install deploy/sysctl.d/60-qaqpa.conf in /etc/sysctl.d and run sysctl --system" }),
    required: false,
  };
}

export async function collectChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  checks.push({ name: "node", ok: major > 20 || (major === 20 && minor >= 19), detail: process.version, fix: "install Node.js 20.19 or newer", required: true });

  let cfgOk = true;
  let cfgDetail = "";
  // Read once: the mail and bus checks below look at their sections of the same configuration.
  let config: Config | null = null;
  try {
    const cfg = (config = loadConfig());
    cfgDetail = cfg.databaseUrl ? "PostgreSQL store" : `embedded store in ${cfg.dataDir}`;
    if (!cfg.databaseUrl) {
      mkdirSync(cfg.dataDir, { recursive: true });
      accessSync(cfg.dataDir, constants.W_OK);
    } else {
      const pg = (await import("pg")).default;
      const c = new pg.Client({ connectionString: cfg.databaseUrl, connectionTimeoutMillis: 3000 });
      await c.connect();
      await c.end();
    }
  } catch (e) {
    cfgOk = false;
    cfgDetail = (e as Error).message;
  }
  checks.push({ name: "configuration and store", ok: cfgOk, detail: cfgDetail, fix: "fix qaqpa.yaml / QAQPA_* variables; for PostgreSQL check QAQPA_DATABASE_URL", required: true });

  const openssl = which("openssl", ["version"]);
  checks.push({ name: "openssl", ok: openssl.ok, detail: openssl.out, fix: "apt-get install openssl", required: false });
  const curl = which("curl");
  checks.push({ name: "curl", ok: curl.ok, detail: curl.out, fix: "apt-get install curl", required: false });
  checks.push(...(await mailChecks(config?.mail)));
  checks.push(...(await busChecks(config?.bus)));
  checks.push(socketAddonCheck());
  const reuseport = socketsBinding() !== null && (config?.gateway?.scheduling ?? "reuseport") === "reuseport";
  let migrate: string | null = null;
  try {
    migrate = readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8");
  } catch {
    // Not Linux, or a kernel before 5.14.
  }
  checks.push(queueMigrationCheck(reuseport, migrate));
  const chromium = which("chromium");
  checks.push({ name: "chromium (portal browser tests)", ok: chromium.ok, detail: chromium.ok ? chromium.out : "not installed", fix: "apt-get install chromium", required: false });
  const squid = which("squid", ["-v"]);
  checks.push({ name: "squid (benchmark peer)", ok: squid.ok, detail: squid.ok ? squid.out : "not installed", fix: "apt-get install squid-openssl", required: false });
  return checks;
}

/** The multi-node bus: the configured NATS servers with JetStream (required when `bus` is configured). */
async function busChecks(bus: Config["bus"]): Promise<Check[]> {
  const server = which("nats-server", ["--version"]);
  const checks: Check[] = [{ name: "nats-server (multi-node tests)", ok: server.ok, detail: server.ok ? server.out : "not installed", fix: "apt-get install nats-server", required: false }];
  // No bus section, or a configuration that does not load (reported by the configuration check).
  if (!bus) return checks;
  const { probeNats } = await import("../bus/nats.js");
  try {
    const detail = await probeNats({ servers: bus.servers, ...(bus.user ? { user: bus.user, pass: bus.passwordEnv ? (process.env[bus.passwordEnv] ?? "") : "" } : {}) });
    checks.push({ name: "bus (NATS JetStream)", ok: true, detail, required: true });
  } catch (e) {
    checks.push({ name: "bus (NATS JetStream)", ok: false, detail: `${bus.servers.join(", ")}: ${(e as Error).message}`, fix: "start nats-server with -js on the configured servers (docs/operations.md, \"Multi-node deployment\")", required: true });
  }
  return checks;
}

/**
 * The mail gateway: Postfix (commands, version with maillog_file, the postfix account, root to start a
 * private instance) and mailauth. Required only when `mail` is configured.
 */
async function mailChecks(mail: Config["mail"]): Promise<Check[]> {
  const configured = mail !== undefined;
  const engines: Engines = mail?.engines ?? {};
  const { checkPostfix } = await import("../mail/postfix/instance.js");
  const pf = await checkPostfix();
  const out: Check[] = [
    {
      name: "postfix (mail gateway)",
      ok: pf.ok,
      detail: pf.ok ? `Postfix ${pf.version}, private instance possible` : pf.problems.join("; "),
      ...(pf.hint ? { fix: pf.hint.replace(/\n\s*/g, "; ") } : {}),
      required: configured,
    },
  ];
  let mailauth = "";
  try {
    await import("mailauth");
    mailauth = "loads";
  } catch (e) {
    mailauth = (e as Error).message;
  }
  out.push({ name: "mailauth (SPF/DKIM/DMARC)", ok: mailauth === "loads", detail: mailauth, fix: "npm install (mailauth is pinned at 4.13.3: later majors need Node 22)", required: configured });
  out.push(...(await engineChecks(engines)));
  return out;
}

const ENGINE_FIX: Record<EngineName, string> = {
  rspamd: "start rspamd with its proxy worker in milter mode on the configured endpoint (docs/mail.md, \"Optional engines\"); until then Postfix tempfails outbound mail",
  clamav: "start clamd and clamav-milter on the configured endpoint (apt-get install clamav-daemon clamav-milter; docs/mail.md, \"Optional engines\"); until then Postfix tempfails all mail",
};

/**
 * Each configured milter engine answers an option negotiation, as Postfix would ask it. One that does not
 * is a failure: Postfix tempfails (4xx) every message that engine should see.
 */
export async function engineChecks(engines: Engines, timeoutMs = 3_000): Promise<Check[]> {
  const out: Check[] = [];
  for (const name of ["rspamd", "clamav"] as const) {
    const e = engines[name];
    if (!e) continue;
    const label = name === "rspamd" ? "rspamd milter (outbound spam)" : "clamav milter (attachments)";
    try {
      const r = await probeMilter(e.milter, timeoutMs);
      out.push({ name: label, ok: true, detail: `${e.milter} answers (milter protocol ${r.version})`, required: true });
    } catch (err) {
      out.push({ name: label, ok: false, detail: `${e.milter} does not answer: ${(err as Error).message}`, fix: ENGINE_FIX[name], required: true });
    }
  }
  return out;
}

export async function runDoctor(): Promise<number> {
  const checks = await collectChecks();
  for (const c of checks) {
    console.log(`${c.ok ? "ok  " : c.required ? "FAIL" : "warn"}  ${c.name.padEnd(34)} ${c.detail}${c.ok || !c.fix ? "" : `\n      → ${c.fix}`}`);
  }
  return checks.some((c) => c.required && !c.ok) ? 1 : 0;
}
