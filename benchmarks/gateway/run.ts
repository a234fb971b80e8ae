/**
 * Gateway data-plane benchmark: qaqpa (whole pipeline on) against Squid 5.7 (`squid-openssl`, 2 workers,
 * ssl_bump) and mitmproxy, on loopback, with a private nginx origin serving 1 KiB over HTTP and HTTPS.
 *
 *   npm run bench:gateway                                   # 5 s per row, 32 connections
 *   npm run bench:gateway -- --duration 10 --connections 32 --domains 1000000 --idle 1000 --no-mitmproxy
 *   npm run bench:gateway -- --no-docs                      # print only, do not append to docs/benchmarks.md
 *   npm run bench:gateway -- --rows bump-ka,tunnel --proxies qaqpa,squid --no-docs   # a subset while profiling
 *   npm run bench:gateway -- --workers 2 [--sched none|rr]  # qaqpa with 2 cluster workers (default 1: one process);
 *                                                           # --sched: how connections reach them (default reuseport)
 *   npm run bench:gateway -- --cpu-prof /tmp/prof           # qaqpa (and its workers) write V8 CPU profiles there
 *   npm run bench:gateway -- --loaders 1                    # one load-generator process instead of two
 *   npm run bench:gateway -- --repeat 3                     # each row three times, interleaved; the median is reported
 *   npm run bench:gateway -- --from-source                  # qaqpa from the TypeScript sources (tsx), not the build
 *
 * Every peer runs with its own configuration, pid and log files in a temporary directory, on free loopback
 * ports; every process the bench starts is killed at the end. Missing peers (squid, nginx, wrk, mitmdump) are
 * installed with apt-get when run as root, otherwise the command to install them is printed.
 *
 * Rows: plain HTTP proxying (wrk, absolute-form requests, keep-alive); CONNECT tunnel with plain HTTP inside
 * (keep-alive); TLS bump keep-alive; TLS bump with a new connection per request; peek-then-splice with a new
 * connection per request (a protected p.20 name for qaqpa, an ssl::server_name ACL for Squid); memory per
 * idle CONNECT tunnel (RSS before/after). The tunnel rows use load.ts for every proxy. CPU per request is the
 * proxy's CPU time (its whole process tree, from /proc) over the measured window ÷ requests in that window.
 */
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadConfig, LoadResult } from "./load.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");

// ------------------------------------------------------------------ flags
const argv = process.argv.slice(2);
function flag(name: string, def: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
}
const DURATION = flag("duration", 5);
const WARMUP = flag("warmup", 1);
const CONNS = flag("connections", 32);
const DOMAINS = flag("domains", 1_000_000);
const IDLE = flag("idle", 6000);
const WITH_MITM = !argv.includes("--no-mitmproxy");
const WRITE_DOCS = !argv.includes("--no-docs");
function list(name: string): string[] | null {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]!.split(",").map((x) => x.trim()).filter(Boolean) : null;
}
const ONLY_ROWS = list("rows");
const ONLY_PROXIES = list("proxies");
const WORKERS = flag("workers", 1);
// Unset: the product's default ("reuseport" where the socket addon is built).
const SCHED = argv.includes("--rr") ? "rr" : argv.includes("--sched") ? (argv[argv.indexOf("--sched") + 1] as "reuseport" | "none" | "rr") : undefined;
const CPU_PROF = (() => {
  const i = argv.indexOf("--cpu-prof");
  return i >= 0 ? argv[i + 1]! : null;
})();
// qaqpa runs from its compiled build (dist/, built below), as `npm start` runs it; see product.ts.
const FROM_SOURCE = argv.includes("--from-source");
const wantRow = (k: string) => !ONLY_ROWS || ONLY_ROWS.includes(k);
const wantIdle = () => !ONLY_ROWS || ONLY_ROWS.includes("idle");

const ORIGIN = "origin.example";
const PROTECTED = "nationalbank.kz";

// ------------------------------------------------------------------ helpers
const children: ChildProcess[] = [];
function track<T extends ChildProcess>(c: T): T {
  children.push(c);
  return c;
}
function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}
function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr || r.error}`);
  return r.stdout + r.stderr;
}
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}
async function waitPort(port: number, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect({ port, host: "127.0.0.1" });
      s.once("connect", () => (s.destroy(), r(true)));
      s.once("error", () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f0 = (x: number | null | undefined) => (x === undefined || x === null || Number.isNaN(x) ? "—" : x >= 100 ? Math.round(x).toLocaleString("en") : x.toFixed(x >= 10 ? 0 : 1));
const f2 = (x: number | null | undefined) => (x === undefined || x === null || Number.isNaN(x) ? "—" : x.toFixed(2));

/** pid and every descendant, from /proc. */
function tree(pid: number): number[] {
  const parent = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
      const list = parent.get(ppid) ?? [];
      list.push(Number(d));
      parent.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(parent.get(out[i]!) ?? []));
  return out;
}
const TICK = Number(sh("getconf", ["CLK_TCK"]).trim()) || 100;
/** CPU seconds (user + system) of a process tree. */
function cpuSeconds(pid: number): number {
  let t = 0;
  for (const p of tree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, "utf8").slice(readFileSync(`/proc/${p}/stat`, "utf8").lastIndexOf(")") + 2).split(" ");
      t += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return t / TICK;
}
/** CPU seconds of this process's reaped children (wrk runs to completion as a child). */
function selfCpuSeconds(): number {
  const f = readFileSync("/proc/self/stat", "utf8");
  const x = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(x[13]) + Number(x[14])) / TICK;
}
/** Resident memory of a process tree, KiB. */
function rssKiB(pid: number): number {
  let t = 0;
  for (const p of tree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) t += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return t;
}

// ------------------------------------------------------------------ peers
function ensurePeers(): { mitm: boolean } {
  const need: [string, string][] = [["squid", "squid-openssl"], ["nginx", "nginx-light"], ["wrk", "wrk"]];
  const missing = need.filter(([c]) => !has(c));
  const mitmMissing = WITH_MITM && !has("mitmdump");
  if (missing.length || mitmMissing) {
    const pkgs = [...missing.map(([, p]) => p), ...(mitmMissing ? ["mitmproxy"] : [])];
    if (process.getuid?.() === 0 && has("apt-get")) {
      console.log(`installing ${pkgs.join(" ")} …`);
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      spawnSync("apt-get", ["update"], { stdio: "inherit", env });
      const base = missing.map(([, p]) => p);
      if (base.length && spawnSync("apt-get", ["install", "-y", ...base], { stdio: "inherit", env }).status !== 0) throw new Error(`apt-get install ${base.join(" ")} failed`);
      if (mitmMissing) spawnSync("apt-get", ["install", "-y", "mitmproxy"], { stdio: "inherit", env });
      // Debian may start the packaged services on their standard ports; the bench runs its own instances.
      for (const s of ["squid", "nginx"]) spawnSync("service", [s, "stop"], { stdio: "ignore" });
    } else {
      const still = missing.map(([, p]) => p);
      if (still.length) throw new Error(`missing peers; install them with: apt-get install ${pkgs.join(" ")}`);
      console.log(`mitmproxy is not installed (apt-get install mitmproxy); its rows are skipped`);
    }
  }
  return { mitm: WITH_MITM && has("mitmdump") };
}

interface Origin {
  httpPort: number;
  httpsPort: number;
  caFile: string;
  pid: number;
}
async function startOrigin(dir: string): Promise<Origin> {
  const d = join(dir, "origin");
  mkdirSync(join(d, "www"), { recursive: true });
  sh("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "7", "-subj", "/CN=Benchmark Origin CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], { cwd: d });
  writeFileSync(join(d, "ext.cnf"), `subjectAltName=DNS:${ORIGIN},DNS:${PROTECTED},IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  sh("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "site.key", "-out", "site.csr", "-subj", `/CN=${ORIGIN}`], { cwd: d });
  sh("openssl", ["x509", "-req", "-in", "site.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "site.pem", "-days", "7", "-extfile", "ext.cnf"], { cwd: d });
  writeFileSync(join(d, "www", "1k"), "x".repeat(1023) + "\n");
  const httpPort = await freePort();
  const httpsPort = await freePort();
  writeFileSync(
    join(d, "nginx.conf"),
    `worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${d}/tmp-body; proxy_temp_path ${d}/tmp-proxy; fastcgi_temp_path ${d}/tmp-fcgi;
  uwsgi_temp_path ${d}/tmp-uwsgi; scgi_temp_path ${d}/tmp-scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  default_type text/plain;
  ssl_session_cache shared:SSL:4m;
  server {
    listen 127.0.0.1:${httpPort};
    listen 127.0.0.1:${httpsPort} ssl;
    ssl_certificate ${d}/site.pem;
    ssl_certificate_key ${d}/site.key;
    root ${d}/www;
  }
}
`,
  );
  const p = track(spawn("nginx", ["-c", join(d, "nginx.conf"), "-p", d], { stdio: ["ignore", "ignore", "pipe"] }));
  p.stderr!.on("data", (b) => process.stderr.write(`nginx: ${b}`));
  await waitPort(httpPort);
  await waitPort(httpsPort);
  return { httpPort, httpsPort, caFile: join(d, "ca.pem"), pid: p.pid! };
}

interface Proxy {
  name: "qaqpa" | "squid" | "mitmproxy";
  port: number;
  pid: number;
  /** PEM the client trusts for bumped connections. */
  caFile: string;
  /** The name (and whether to address the origin by IP) this proxy is asked for. */
  host: string;
  connectHost: string;
  splice: boolean;
  stop(): Promise<void>;
}

async function stopChild(c: ChildProcess, ms = 5000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once("exit", () => r()));
  c.kill("SIGTERM");
  const t = setTimeout(() => c.kill("SIGKILL"), ms);
  await gone;
  clearTimeout(t);
}

async function startQaqpa(dir: string, origin: Origin, domains = DOMAINS): Promise<Proxy> {
  const d = join(dir, `qaqpa-${domains}`);
  mkdirSync(d);
  const rootPemFile = join(d, "root.pem");
  const c = track(
    fork(join(HERE, "qaqpa.ts"), [JSON.stringify({ originCaFile: origin.caFile, rootPemFile, logFile: join(d, "decisions.jsonl"), domains, originNames: [ORIGIN, PROTECTED], workers: WORKERS, scheduling: SCHED })], {
      execArgv: ["--import", "tsx", ...(CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`] : [])],
      env: { ...process.env, QAQPA_BENCH_FROM_SOURCE: FROM_SOURCE ? "1" : "0" },
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  const msg = await new Promise<{ listening: number; buildMs: number }>((resolve, reject) => {
    c.once("message", (m) => resolve(m as { listening: number; buildMs: number }));
    c.once("exit", (code) => reject(new Error(`qaqpa exited (${code})`)));
  });
  console.log(`qaqpa: ${domains.toLocaleString("en")} synthetic domains built in ${(msg.buildMs / 1000).toFixed(1)} s; listening on ${msg.listening}`);
  return { name: "qaqpa", port: msg.listening, pid: c.pid!, caFile: rootPemFile, host: ORIGIN, connectHost: ORIGIN, splice: true, stop: () => stopChild(c) };
}

async function startSquid(dir: string, origin: Origin): Promise<Proxy> {
  const d = join(dir, "squid");
  mkdirSync(d);
  sh("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "7", "-subj", "/CN=Benchmark Squid CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], { cwd: d });
  sh("/usr/lib/squid/security_file_certgen", ["-c", "-s", join(d, "ssl_db"), "-M", "16MB"]);
  writeFileSync(join(d, "hosts"), `127.0.0.1 ${ORIGIN} ${PROTECTED} localhost\n`);
  const port = await freePort();
  writeFileSync(
    join(d, "squid.conf"),
    `workers 2
http_port 127.0.0.1:${port} ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=16MB tls-cert=${d}/ca.pem tls-key=${d}/ca.key
sslcrtd_program /usr/lib/squid/security_file_certgen -s ${d}/ssl_db -M 16MB
sslcrtd_children 8 startup=2 idle=1
acl step1 at_step SslBump1
acl spliced ssl::server_name ${PROTECTED}
ssl_bump peek step1
ssl_bump splice spliced
ssl_bump bump all
on_unsupported_protocol tunnel all
tls_outgoing_options cafile=${origin.caFile}
http_access allow all
cache deny all
hosts_file ${d}/hosts
access_log stdio:${d}/access.log
cache_log ${d}/cache.log
pid_filename ${d}/squid.pid
coredump_dir ${d}
max_filedescriptors 16384
shutdown_lifetime 0 seconds
`,
  );
  if (process.getuid?.() === 0) {
    // Squid drops to its effective user ("proxy" on Debian): it must read its CA and write its logs and db.
    const id = sh("id", ["-u", "proxy"]).trim();
    const gid = sh("id", ["-g", "proxy"]).trim();
    for (const p of [d, join(d, "ca.key"), join(d, "ca.pem")]) chownSync(p, Number(id), Number(gid));
    sh("chown", ["-R", `${id}:${gid}`, join(d, "ssl_db")]);
    if (!existsSync("/run/squid")) {
      // SMP workers talk over UNIX sockets in the run directory the Debian service normally creates.
      mkdirSync("/run/squid", { recursive: true });
      chownSync("/run/squid", Number(id), Number(gid));
    }
  }
  const p = track(spawn("squid", ["--foreground", "-n", `qaqpabench${process.pid}`, "-f", join(d, "squid.conf")], { stdio: ["ignore", "ignore", "pipe"] }));
  p.stderr!.on("data", (b) => process.stderr.write(`squid: ${b}`));
  await waitPort(port);
  await sleep(1500); // both workers up
  return { name: "squid", port, pid: p.pid!, caFile: join(d, "ca.pem"), host: ORIGIN, connectHost: ORIGIN, splice: true, stop: () => stopChild(p) };
}

async function startMitm(dir: string, origin: Origin): Promise<Proxy> {
  const d = join(dir, "mitmproxy");
  mkdirSync(d);
  const port = await freePort();
  const p = track(
    spawn("mitmdump", ["-q", "--listen-host", "127.0.0.1", "--listen-port", String(port), "--set", `confdir=${d}`, "--set", `ssl_verify_upstream_trusted_ca=${origin.caFile}`], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, HOME: d },
    }),
  );
  p.stderr!.on("data", (b) => process.stderr.write(`mitmproxy: ${b}`));
  await waitPort(port, 30_000);
  // mitmproxy has no hosts file: it is addressed by IP, with the origin's name as SNI and Host.
  return { name: "mitmproxy", port, pid: p.pid!, caFile: join(d, "mitmproxy-ca-cert.pem"), host: ORIGIN, connectHost: "127.0.0.1", splice: false, stop: () => stopChild(p) };
}

// ------------------------------------------------------------------ rows
interface Row {
  reqs: number;
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
  /** CPU of the load generator and of the nginx origin per request: what the proxy shares the cores with. */
  clientUs: number;
  originUs: number;
  /** Load-generator rows only: connections opened, and socket reads per response (see load.ts). */
  opened?: number;
  readsPerReq?: number;
  errors: number;
  note?: string;
}

function ms(v: string, unit: string): number {
  return unit === "us" ? Number(v) / 1000 : unit === "s" ? Number(v) * 1000 : Number(v);
}
async function wrkRow(proxy: Proxy, origin: Origin, dir: string): Promise<Row> {
  const host = proxy.connectHost;
  const script = join(dir, `wrk-${proxy.name}.lua`);
  writeFileSync(script, `wrk.method = "GET"\nwrk.path = "http://${host}:${origin.httpPort}/1k"\nwrk.headers["Host"] = "${proxy.host}:${origin.httpPort}"\n`);
  const run = (d: number) =>
    new Promise<string>((resolve) => {
      const w = track(spawn("wrk", ["-t2", `-c${CONNS}`, `-d${d}s`, "--timeout", "10s", "--latency", "-s", script, `http://127.0.0.1:${proxy.port}/`], { stdio: ["ignore", "pipe", "pipe"] }));
      let out = "";
      w.stdout!.on("data", (b) => (out += b));
      w.stderr!.on("data", (b) => (out += b));
      w.on("exit", () => resolve(out));
    });
  await run(WARMUP);
  const c0 = cpuSeconds(proxy.pid);
  const o0 = cpuSeconds(origin.pid);
  const w0 = selfCpuSeconds();
  const out = await run(DURATION);
  const cpu = cpuSeconds(proxy.pid) - c0;
  const originCpu = cpuSeconds(origin.pid) - o0;
  // wrk is a child of this process and has exited by now: its CPU is in this process's reaped-children time.
  const clientCpu = selfCpuSeconds() - w0;
  const reqs = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const secs = Number(/requests in ([\d.]+)s/.exec(out)?.[1] ?? DURATION);
  const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sockErr = /Socket errors: (.*)/.exec(out)?.[1];
  return {
    reqs,
    rps: reqs / secs,
    p50: p50 ? ms(p50[1]!, p50[2]!) : NaN,
    p99: p99 ? ms(p99[1]!, p99[2]!) : NaN,
    cpuUs: reqs ? (cpu * 1e6) / reqs : NaN,
    clientUs: reqs ? (clientCpu * 1e6) / reqs : NaN,
    originUs: reqs ? (originCpu * 1e6) / reqs : NaN,
    errors: bad,
    ...(bad || sockErr ? { note: `${bad} non-2xx${sockErr ? `; socket errors: ${sockErr}` : ""}` } : {}),
  };
}

/** Load generator processes per row, as wrk's two threads: one Node process saturates a core on the new-connection rows. */
const LOADERS = flag("loaders", 2);

async function loadRow(proxy: Proxy, origin: Origin, cfg: Omit<LoadConfig, "proxyPort" | "connections" | "warmupS" | "durationS" | "maxRequests">): Promise<Row> {
  const share = (i: number) => Math.floor(CONNS / LOADERS) + (i < CONNS % LOADERS ? 1 : 0);
  const kids = Array.from({ length: LOADERS }, (_, i) => {
    const full: LoadConfig = { ...cfg, proxyPort: proxy.port, connections: share(i), warmupS: WARMUP, durationS: DURATION, maxRequests: 5_000_000 };
    return track(fork(join(HERE, "load.ts"), [JSON.stringify(full)], { execArgv: ["--import", "tsx"], cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  });
  const loadCpu = () => kids.reduce((t, k) => t + cpuSeconds(k.pid!), 0);
  // The windows open when the first generator leaves warm-up and close when the first one stops: the
  // generators start together and time themselves alike, so the windows differ by milliseconds.
  let c0 = 0;
  let c1 = NaN;
  let l0 = 0;
  let l1 = NaN;
  let o0 = 0;
  let o1 = NaN;
  let measuring = false;
  let stopped = false;
  const results = await Promise.all(
    kids.map(
      (c) =>
        new Promise<LoadResult>((resolve, reject) => {
          c.on("message", (m: { phase: string; result?: LoadResult }) => {
            if (m.phase === "measure" && !measuring) {
              measuring = true;
              [c0, l0, o0] = [cpuSeconds(proxy.pid), loadCpu(), cpuSeconds(origin.pid)];
            } else if (m.phase === "stop" && !stopped) {
              stopped = true;
              [c1, l1, o1] = [cpuSeconds(proxy.pid), loadCpu(), cpuSeconds(origin.pid)];
            } else if (m.phase === "done") resolve(m.result!);
          });
          // A large result can still be in the IPC pipe when "exit" fires: give it a moment before failing.
          c.once("exit", (code) => setTimeout(() => reject(new Error(`load generator exited (${code}) without a result`)), 2000));
        }),
    ),
  );
  if (Number.isNaN(c1)) [c1, l1, o1] = [cpuSeconds(proxy.pid), loadCpu(), cpuSeconds(origin.pid)];
  for (const c of kids) await stopChild(c);
  const lat = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : NaN);
  const requests = lat.length;
  const seconds = Math.max(...results.map((r) => r.seconds));
  const errors = results.reduce((t, r) => t + r.errors, 0);
  const firstError = results.find((r) => r.firstError)?.firstError;
  const per = (a: number, b: number) => (requests && Number.isFinite(b) ? ((b - a) * 1e6) / requests : NaN);
  return {
    reqs: requests,
    rps: requests / seconds,
    p50: q(0.5),
    p99: q(0.99),
    cpuUs: per(c0, c1),
    clientUs: per(l0, l1),
    originUs: per(o0, o1),
    opened: results.reduce((t, r) => t + r.opened, 0),
    readsPerReq: requests ? results.reduce((t, r) => t + r.reads, 0) / requests : NaN,
    errors,
    ...(errors || firstError ? { note: `${errors} errors${firstError ? ` (first: ${firstError})` : ""}` } : {}),
  };
}

async function idleRow(proxy: Proxy, origin: Origin): Promise<{ kib: number; opened: number }> {
  const cfg: LoadConfig = { proxyPort: proxy.port, target: `${proxy.connectHost}:${origin.httpsPort}`, host: proxy.host, path: "/", tls: false, newConnection: false, connections: IDLE, warmupS: 0, durationS: 0, maxRequests: 0, idle: true };
  const hold = async () => {
    const c = track(fork(join(HERE, "load.ts"), [JSON.stringify(cfg)], { execArgv: ["--import", "tsx"], cwd: ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] }));
    const m = await new Promise<{ opened: number }>((resolve, reject) => {
      c.once("message", (x) => resolve(x as { opened: number }));
      c.once("exit", (code) => reject(new Error(`idle generator exited (${code})`)));
    });
    return { opened: m.opened, release: async () => (c.send("close"), await stopChild(c)) };
  };
  // RSS moves with garbage collection (a heap that just built a million-domain database shrinks for seconds):
  // each reading waits until the tree's RSS holds still (< 1 % change over two seconds, at most 20 s), on a
  // fresh proxy, so what is measured is the growth the held tunnels cause.
  const settledRss = async () => {
    let last = rssKiB(proxy.pid);
    for (let t = 0; t < 20; t += 2) {
      await sleep(2000);
      const now = rssKiB(proxy.pid);
      if (Math.abs(now - last) < last * 0.01) return now;
      last = now;
    }
    return last;
  };
  // One round on a fresh proxy: a second round would reuse what the allocator kept from the first.
  const before = await settledRss();
  const h = await hold();
  const after = await settledRss();
  await h.release();
  return { kib: h.opened ? (after - before) / h.opened : NaN, opened: h.opened };
}

type RowName = "plain" | "tunnel" | "bump-ka" | "bump-new" | "splice-new";
const ROWS: { key: RowName; label: string }[] = [
  { key: "plain", label: "plain HTTP, keep-alive (wrk)" },
  { key: "tunnel", label: "CONNECT tunnel, HTTP inside, keep-alive" },
  { key: "bump-ka", label: "TLS bump, keep-alive" },
  { key: "bump-new", label: "TLS bump, new connection per request" },
  { key: "splice-new", label: "peek + splice, new connection per request" },
];

/** How many times each row is measured per proxy; the report keeps the run with the median req/s. */
const REPEAT = Math.max(1, flag("repeat", 1));
type Measured = { rows: Partial<Record<RowName, Row>>; idle: { kib: number; opened: number } };

/** One row for one proxy (undefined when it failed or does not apply). */
async function measureRow(proxy: Proxy, origin: Origin, dir: string, k: RowName): Promise<Row | undefined> {
  const https = `${proxy.connectHost}:${origin.httpsPort}`;
  const f: Record<RowName, (() => Promise<Row>) | null> = {
    plain: () => wrkRow(proxy, origin, dir),
    tunnel: () => loadRow(proxy, origin, { target: `${proxy.connectHost}:${origin.httpPort}`, host: `${proxy.host}:${origin.httpPort}`, path: "/1k", tls: false, newConnection: false }),
    "bump-ka": () => loadRow(proxy, origin, { target: https, host: `${proxy.host}:${origin.httpsPort}`, path: "/1k", tls: true, caFile: proxy.caFile, newConnection: false }),
    "bump-new": () => loadRow(proxy, origin, { target: https, host: `${proxy.host}:${origin.httpsPort}`, path: "/1k", tls: true, caFile: proxy.caFile, newConnection: true }),
    "splice-new": proxy.splice ? () => loadRow(proxy, origin, { target: `${PROTECTED}:${origin.httpsPort}`, host: `${PROTECTED}:${origin.httpsPort}`, path: "/1k", tls: true, caFile: origin.caFile, newConnection: true }) : null,
  };
  const run = f[k];
  if (!run) return undefined;
  try {
    const r = await run();
    console.log(`  ${proxy.name} ${k}: ${r.rps.toFixed(0)} req/s, p50 ${f2(r.p50)} ms, p99 ${f2(r.p99)} ms, ${f0(r.cpuUs)} µs CPU/req (client ${f0(r.clientUs)}, origin ${f0(r.originUs)}${r.opened !== undefined ? `; ${r.opened} connections, ${f2(r.readsPerReq)} reads/response` : ""})${r.note ? ` — ${r.note}` : ""}`);
    return r;
  } catch (e) {
    console.log(`  ${proxy.name} ${k}: failed — ${(e as Error).message}`);
    return undefined;
  }
}

/**
 * Every proxy runs for the whole bench and the rows are interleaved (row 1 for each proxy, then row 2 …),
 * repeated --repeat times: a slow minute of a shared machine then hits every proxy alike instead of one.
 */
async function measureAll(proxies: Proxy[], origin: Origin, dir: string): Promise<Partial<Record<Proxy["name"], Measured>>> {
  const out: Partial<Record<Proxy["name"], Measured>> = {};
  for (const p of proxies) out[p.name] = { rows: {}, idle: { kib: NaN, opened: 0 } };
  // Idle memory first, on fresh processes: after the load rows a heap has free room that hides the growth.
  if (wantIdle()) {
    for (const p of proxies) {
      try {
        // qaqpa's workers are still collecting what loading a million-domain snapshot left behind, which hides
        // a few MiB of growth: its idle row runs on a second, fresh instance with the curated list only.
        if (p.name === "qaqpa" && DOMAINS > 0) {
          const small = await startQaqpa(dir, origin, 0);
          try {
            out[p.name]!.idle = await idleRow(small, origin);
          } finally {
            await small.stop();
          }
        } else out[p.name]!.idle = await idleRow(p, origin);
        console.log(`  ${p.name} idle: ${out[p.name]!.idle.kib.toFixed(1)} KiB per tunnel over ${out[p.name]!.idle.opened}`);
      } catch (e) {
        console.log(`  ${p.name} idle: failed — ${(e as Error).message}`);
      }
    }
  }
  for (const { key } of ROWS) {
    if (!wantRow(key)) continue;
    const runs = new Map<Proxy["name"], Row[]>();
    for (let i = 0; i < REPEAT; i++) {
      for (const p of proxies) {
        const r = await measureRow(p, origin, dir, key);
        if (r) runs.set(p.name, [...(runs.get(p.name) ?? []), r]);
      }
    }
    for (const [name, rs] of runs) out[name]!.rows[key] = rs.sort((a, b) => a.rps - b.rps)[Math.floor((rs.length - 1) / 2)];
  }
  return out;
}

// ------------------------------------------------------------------ main
const load0 = loadavg();
const dir = mkdtempSync(join(tmpdir(), "qaqpa-bench-gateway-"));
// nginx workers and Squid drop privileges when started as root: they must read their files.
chmodSync(dir, 0o755);
let results: Partial<Record<Proxy["name"], Measured>> = {};
let origin: Origin | null = null;
const running: Proxy[] = [];
let peerMitm = false;
try {
  peerMitm = ensurePeers().mitm;
  const squidVersion = /Version ([\d.]+)/.exec(sh("squid", ["-v"]))?.[1] ?? "?";
  console.log(`load average at start: ${load0.map((x) => x.toFixed(2)).join(" ")}; ${cpus().length} CPUs; node ${process.version}; squid ${squidVersion}`);
  if (!FROM_SOURCE && (!ONLY_PROXIES || ONLY_PROXIES.includes("qaqpa"))) {
    console.log("qaqpa: building dist/ (npm run build)…");
    sh("npm", ["run", "--silent", "build"], { cwd: ROOT });
  }
  origin = await startOrigin(dir);
  const starters: [Proxy["name"], (d: string, o: Origin) => Promise<Proxy>][] = [
    ["qaqpa", startQaqpa],
    ["squid", startSquid],
    ...(peerMitm ? ([["mitmproxy", startMitm]] as [Proxy["name"], (d: string, o: Origin) => Promise<Proxy>][]) : []),
  ];
  for (const [name, start] of starters) {
    if (ONLY_PROXIES && !ONLY_PROXIES.includes(name)) continue;
    try {
      running.push(await start(dir, origin));
    } catch (e) {
      console.log(`${name}: ${(e as Error).message}`);
    }
  }
  results = await measureAll(running, origin, dir);
} finally {
  for (const p of running) await p.stop();
  // A start that threw midway may have left its process half-started; stop it too.
  for (const c of children) await stopChild(c, 2000);
  if (!process.env.QAQPA_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
}

// ------------------------------------------------------------------ report
const ratio = (a?: number, b?: number) => (a && b && Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : "—");
const proxies = (["qaqpa", "squid", "mitmproxy"] as const).filter((p) => results[p]);
const lines: string[] = [];
lines.push(`| row | proxy | req/s | p50 ms | p99 ms | CPU µs/req | client + origin µs/req | qaqpa ÷ this, req/s | this ÷ qaqpa, CPU/req |`);
lines.push(`|---|---|---|---|---|---|---|---|---|`);
for (const { key, label } of ROWS) {
  if (!wantRow(key)) continue;
  const q = results.qaqpa?.rows[key];
  for (const p of proxies) {
    const r = results[p]!.rows[key];
    if (!r && p !== "qaqpa") continue;
    const qaqpaSelf = p === "qaqpa";
    lines.push(
      `| ${label} | ${p} | ${qaqpaSelf ? `**${f0(r?.rps)}**` : f0(r?.rps)} | ${f2(r?.p50)} | ${f2(r?.p99)} | ${f0(r?.cpuUs)} | ${f0(r?.clientUs)} + ${f0(r?.originUs)} | ${qaqpaSelf ? "" : ratio(q?.rps, r?.rps)} | ${qaqpaSelf ? "" : ratio(r?.cpuUs, q?.cpuUs)} |${r?.note ? ` <!-- ${r.note} -->` : ""}`,
    );
  }
}
for (const p of proxies) {
  const i = results[p]!.idle;
  if (!i.opened) continue;
  const q = results.qaqpa?.idle.kib;
  lines.push(`| memory per idle CONNECT tunnel (${IDLE}) | ${p} | | | | ${f0(i.kib)} KiB | | | ${p === "qaqpa" ? "" : ratio(i.kib, q)} |`);
}
const loadLine = `Load average at start ${load0.map((x) => x.toFixed(2)).join(" / ")}; ${CONNS} connections, ${DURATION} s per row after ${WARMUP} s warm-up${REPEAT > 1 ? `, rows interleaved across proxies and run ${REPEAT} times (median by req/s)` : ", rows interleaved across proxies"}, ${LOADERS} load-generator processes for the tunnel rows, 1 KiB responses; qaqpa ${WORKERS > 1 ? `${WORKERS} cluster workers${SCHED ? ` (scheduling ${SCHED})` : ""}` : "one process"}, Squid 2 workers; ${DOMAINS.toLocaleString("en")} synthetic domains in qaqpa's category database.`;
const table = lines.join("\n");
console.log(`\n${loadLine}\n\n${table}\n`);
for (const [p, r] of Object.entries(results)) for (const [k, row] of Object.entries(r!.rows)) if (row?.note) console.log(`note: ${p} ${k}: ${row.note}`);

if (WRITE_DOCS && results.qaqpa) {
  const docs = join(ROOT, "docs", "benchmarks.md");
  let text = readFileSync(docs, "utf8");
  const cmd = `npm run bench:gateway${argv.length ? ` -- ${argv.join(" ")}` : ""}`;
  const day = new Date().toISOString().slice(0, 10);
  const block = `### ${day} — \`${cmd}\`\n\n\`${cmd}\` — ${day}. ${loadLine}\n\n${table.replace(/ <!--.*?-->/g, "")}\n`;
  const placeholder = /is the next step of the gateway issue; no figures yet\./;
  if (placeholder.test(text)) text = text.replace(placeholder, "is measured as below.");
  const heading = "## Gateway data plane";
  const at = text.indexOf(heading);
  if (at < 0) text += `\n${heading}\n\n${block}`;
  else {
    // Newest first: above the section's first earlier run (its first ### heading), else at the section's end.
    const next = text.indexOf("\n## ", at + heading.length);
    const end = next < 0 ? text.length : next;
    const firstRun = text.indexOf("\n### ", at + heading.length);
    const insertAt = firstRun >= 0 && firstRun < end ? firstRun + 1 : end;
    text = `${text.slice(0, insertAt).replace(/\n*$/, "\n\n")}${block}\n${text.slice(insertAt).replace(/^\n*/, "")}`;
  }
  writeFileSync(docs, text);
  console.log("added to docs/benchmarks.md");
}
