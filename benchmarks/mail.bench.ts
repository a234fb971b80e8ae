/**
 * Mail gateway benchmark.
 *
 *   node --import tsx benchmarks/mail.bench.ts
 *   QAQPA_BENCH_MESSAGES=1000 QAQPA_BENCH_CONNECTIONS=16 QAQPA_BENCH_ROUNDS=9 node --import tsx benchmarks/mail.bench.ts
 *   QAQPA_BENCH_POLICY_STATES=RCPT,DATA,END-OF-MESSAGE …   # ask the policy service in other states
 *
 * 1. The engine alone: decisions per second on the real Postfix 3.7 requests of fixtures/smtp/policy-corpus.
 * 2. The policy service alone, in its own process over loopback TCP, driven the way Postfix drives it
 *    (several connections, one request at a time on each): decisions per second and latency percentiles.
 * 3. The named peer: a private Postfix instance without the policy service vs the same instance with it
 *    (over loopback TCP, and over a UNIX-domain socket), in the same run, rounds cycling through the three
 *    configurations. Messages per second accepted (client side) and delivered (at the sink, end to end),
 *    and the ratio with/without — the target is ≥ 0.9×. Needs root and Postfix; skipped with the reason
 *    otherwise.
 *
 * Each single-recipient message costs the policy service two requests (RCPT, END-OF-MESSAGE).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryAudit, MemoryMailSystemDirectory, MemoryOutbox, MemoryQueue } from "../src/mail/memory.js";
import type { MailSystem } from "../src/mail/ports.js";
import { AnomalyDetector, type DetectorLimits } from "../src/mail/policy/detector.js";
import { PolicyEngine } from "../src/mail/policy/engine.js";
import { decodeRequest, PolicyRequestDecoder, type PolicyRequest } from "../src/mail/policy/protocol.js";
import { MailPolicyService } from "../src/mail/policy/server.js";
import { compileMailSnapshot } from "../src/mail/policy/snapshot.js";
import { hookStates } from "../src/mail/policy/hooks/index.js";
import type { ProtocolState } from "../src/mail/policy/request.js";
import { accountIds, checkPostfix, PostfixInstance } from "../src/mail/postfix/instance.js";
import type { PolicyServiceEndpoint } from "../src/mail/postfix/render.js";
import { SmtpClient, buildMessage } from "../src/mail/testing/smtp-client.js";
import { SmtpSink } from "../src/mail/testing/smtp-sink.js";
import { AuthFilter } from "../src/mail/auth/filter.js";
import { createInboundVerifier, createOutboundSigner } from "../src/mail/auth/mailauth.js";
import { generateDkimKey } from "../src/mail/auth/dkim-keys.js";

const MESSAGES = Number(process.env["QAQPA_BENCH_MESSAGES"] ?? 500);
const CONNECTIONS = Number(process.env["QAQPA_BENCH_CONNECTIONS"] ?? 8);
const ROUNDS = Number(process.env["QAQPA_BENCH_ROUNDS"] ?? 7);
const SECONDS = Number(process.env["QAQPA_BENCH_SECONDS"] ?? 3);

/** Limits out of reach: the benchmark measures cost, not the detector tripping. */
const UNLIMITED: Partial<DetectorLimits> = {
  messagesPerMinute: 1e12,
  messagesPerHour: 1e12,
  recipientsPerMinute: 1e12,
  recipientsPerHour: 1e12,
  bytesPerHour: 1e15,
  baselineFloorPerMinute: 1e12,
};

function systems(orgPort: number): MailSystem[] {
  return [
    { id: "sys-a", organisationId: "o1", name: "A", domains: ["a.gov.kz"], serverAddresses: ["127.0.0.3"], inbound: { host: "127.0.0.1", port: orgPort }, ownerEmail: "a@a.gov.kz", suspension: null },
    { id: "sys-b", organisationId: "o2", name: "B", domains: ["b.gov.kz"], serverAddresses: ["127.0.0.4"], inbound: { host: "127.0.0.1", port: orgPort }, ownerEmail: "b@b.gov.kz", suspension: null },
  ];
}

async function corpus(): Promise<{ requests: PolicyRequest[]; bytes: Buffer[] }> {
  const dir = fileURLToPath(new URL("../fixtures/smtp/policy-corpus/", import.meta.url));
  const names = (await readdir(dir)).filter((n) => n.endsWith(".txt")).sort();
  const bytes = await Promise.all(names.map((n) => readFile(join(dir, n))));
  return { requests: bytes.map((b) => decodeRequest(b)), bytes };
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ───────────────────────────────────────────── service child ─────────────────────────────────────────

if (process.argv[2] === "--serve") {
  const where = process.argv[3] ?? "0";
  const unix = where.startsWith("/");
  const service = new MailPolicyService({
    directory: new MemoryMailSystemDirectory(systems(25)),
    outbox: new MemoryOutbox(),
    audit: new MemoryAudit(),
    queue: new MemoryQueue(),
    stsAddress: "duty@sts.kz",
    detectorLimits: UNLIMITED,
    ...(unix ? { socketPath: where, socketGid: Number(process.argv[4]) } : { port: Number(where) }),
  });
  const { port } = await service.start();
  process.stdout.write(`ready ${port}\n`);
  process.on("SIGTERM", () => void service.close().then(() => process.exit(0)));
  await new Promise(() => {});
}

// The authentication filter in its own process: DKIM-signs the benchmark's outbound mail (both systems'
// domains have keys) and re-injects it on the given port.
if (process.argv[2] === "--filter") {
  const keys = new Map(await Promise.all(["a.gov.kz", "b.gov.kz"].map(async (d) => [d, await generateDkimKey(d, "bench")] as const)));
  const snapshot = compileMailSnapshot(systems(25));
  const filter = new AuthFilter({
    reinject: { host: "127.0.0.1", port: Number(process.argv[3]) },
    classify: (client) => {
      const s = snapshot.byAddress.get(client);
      return s ? { kind: "outbound", systemId: s.id, domains: s.domains } : { kind: "inbound", systemId: undefined };
    },
    signer: createOutboundSigner((d) => keys.get(d)),
    verifier: createInboundVerifier({ authservId: "ugem.bench.kz", resolver: async () => [] }),
  });
  const port = await filter.start();
  process.stdout.write(`ready ${port}\n`);
  process.on("SIGTERM", () => void filter.close().then(() => process.exit(0)));
  await new Promise(() => {});
}

/** The policy service in its own process, on a TCP port (0: any) or a UNIX socket path (with its group). */
async function startServiceProcess(where: number | string = 0, gid = 0, mode: "--serve" | "--filter" = "--serve"): Promise<{ child: ChildProcess; port: number }> {
  const profile = process.env["QAQPA_BENCH_PROFILE_DIR"] ? ["--cpu-prof", `--cpu-prof-dir=${process.env["QAQPA_BENCH_PROFILE_DIR"]}`] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", fileURLToPath(import.meta.url), mode, String(where), String(gid)], { stdio: ["ignore", "pipe", "inherit"] });
  const p = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (c) => reject(new Error(`policy service exited (${c})`)));
  });
  return { child, port: p };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
  });
}

// ───────────────────────────────────────────── 1. engine ─────────────────────────────────────────────

/** Best of ROUNDS one-second rounds, as operations per wall second and per CPU second of this process. */
function rate(fn: (i: number) => void): { wall: number; cpu: number } {
  let i = 0;
  for (let k = 0; k < 50_000; k++) fn(i++);
  let wall = 0;
  let cpu = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    const c0 = process.cpuUsage();
    let n = 0;
    while (performance.now() - start < 1_000) {
      for (let k = 0; k < 1_000; k++) fn(i++);
      n += 1_000;
    }
    const c = process.cpuUsage(c0);
    wall = Math.max(wall, n / ((performance.now() - start) / 1000));
    cpu = Math.max(cpu, n / ((c.user + c.system) / 1e6));
  }
  return { wall, cpu };
}

const fmt = (r: { wall: number; cpu: number }, unit: string) => `${Math.round(r.cpu).toLocaleString("en")} ${unit}/CPU-s (${Math.round(r.wall).toLocaleString("en")} ${unit}/s wall)`;

async function benchEngine(reqs: PolicyRequest[], bytes: Buffer[]): Promise<void> {
  const engine = new PolicyEngine({ detector: new AnomalyDetector(UNLIMITED) });
  engine.setSnapshot(compileMailSnapshot(systems(25)));
  let t = Date.now();
  console.log(`engine.decide (in memory, corpus mix)           ${fmt(rate((i) => engine.decide(reqs[i % reqs.length]!, (t += 1))), "decisions")}`);
  const decoder = new PolicyRequestDecoder();
  console.log(`PolicyRequestDecoder.push (one request a chunk) ${fmt(rate((i) => decoder.push(bytes[i % bytes.length]!)), "requests")}`);
}

// ───────────────────────────────────────────── 2. service over TCP ───────────────────────────────────

async function benchService(bytes: Buffer[]): Promise<void> {
  const { child, port } = await startServiceProcess();
  try {
    for (const conns of [1, CONNECTIONS]) {
      const lat: number[] = [];
      let done = 0;
      const end = performance.now() + SECONDS * 1000;
      const worker = async (w: number): Promise<void> => {
        const s = connect({ host: "127.0.0.1", port });
        s.setNoDelay(true);
        await new Promise((r) => s.once("connect", r));
        let pending: (() => void) | undefined;
        let buf = "";
        s.on("data", (d: Buffer) => {
          buf += d.toString("latin1");
          if (buf.endsWith("\n\n")) {
            buf = "";
            pending?.();
          }
        });
        let i = w;
        while (performance.now() < end) {
          const t0 = process.hrtime.bigint();
          await new Promise<void>((r) => {
            pending = r;
            s.write(bytes[i++ % bytes.length]!);
          });
          lat.push(Number(process.hrtime.bigint() - t0) / 1e3);
          done++;
        }
        s.destroy();
      };
      const start = performance.now();
      const cpu0 = await cpuSeconds(child.pid!);
      await Promise.all(Array.from({ length: conns }, (_, w) => worker(w)));
      const secs = (performance.now() - start) / 1000;
      const cpu = (await cpuSeconds(child.pid!)) - cpu0;
      const sorted = Float64Array.from(lat).sort();
      console.log(
        `policy service, ${String(conns).padStart(2)} connection(s), loopback TCP     ${Math.round(done / secs).toLocaleString("en")} decisions/s   ` +
          `latency p50 ${pct(sorted, 50).toFixed(0)} µs  p99 ${pct(sorted, 99).toFixed(0)} µs  max ${sorted[sorted.length - 1]!.toFixed(0)} µs   ` +
          `service CPU ${((cpu / done) * 1e6).toFixed(0)} µs/decision`,
      );
    }
  } finally {
    await stop(child);
  }
}

// ───────────────────────────────────────────── 3. Postfix with vs without ────────────────────────────

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** utime + stime of a process, in seconds (Linux /proc; clock ticks of 100 Hz). */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const f = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

interface RoundResult {
  acceptedPerSec: number;
  deliveredPerSec: number;
}

async function burst(smtpPort: number, sink: SmtpSink, tag: string): Promise<RoundResult> {
  const before = sink.messages.length;
  const per = Math.ceil(MESSAGES / CONNECTIONS);
  const start = performance.now();
  let refused = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, w) => {
      const local = w % 2 === 0 ? "127.0.0.3" : "127.0.0.4";
      const from = w % 2 === 0 ? "clerk@a.gov.kz" : "clerk@b.gov.kz";
      const c = await SmtpClient.connect({ host: "127.0.0.1", port: smtpPort, localAddress: local });
      for (let i = 0; i < per && w * per + i < MESSAGES; i++) {
        const id = `${tag}-${w}-${i}@bench`;
        const to = `r${i}@internet.test`;
        const r = await c.send({ from, to: [to], data: buildMessage({ from, to: [to], subject: "bench", messageId: id, body: "x".repeat(2000) }) });
        if (!r.ok) refused++;
      }
      await c.quit();
    }),
  );
  const accepted = (performance.now() - start) / 1000;
  if (refused > 0) throw new Error(`${refused} messages refused in round ${tag}`);
  await sink.waitFor(before + MESSAGES, 300_000);
  const delivered = (performance.now() - start) / 1000;
  return { acceptedPerSec: MESSAGES / accepted, deliveredPerSec: MESSAGES / delivered };
}

async function benchPostfix(): Promise<void> {
  const pf = await checkPostfix();
  if (!pf.ok) {
    console.log(`postfix with vs without the policy service: skipped — ${pf.problems.join("; ")}${pf.hint ? `\n  ${pf.hint.replace(/\n/g, "\n  ")}` : ""}`);
    return;
  }
  const internet = new SmtpSink({ hostname: "mx.internet.test" });
  const org = new SmtpSink({ hostname: "mx.org.test" });
  await internet.start();
  await org.start();
  const dir = await mkdtemp(join(tmpdir(), "qaqpa-bench-postfix-"));
  const smtpPort = await freePort();
  const instance = await PostfixInstance.create(dir, {
    myhostname: "ugem.bench.kz",
    listen: [{ host: "127.0.0.1", port: smtpPort }],
    inetProtocols: "ipv4",
    policy: null,
    internetRelay: { host: "127.0.0.1", port: internet.port },
    rateLimits: null,
  });
  const socketPath = join(dir, "policy.sock");
  const tcp = await startServiceProcess(0);
  const unix = await startServiceProcess(socketPath, (await accountIds("postfix"))?.gid ?? 0);
  const reinjectPort = await freePort();
  const filter = await startServiceProcess(reinjectPort, 0, "--filter");
  const contentFilter = { filter: { host: "127.0.0.1", port: filter.port }, reinject: { host: "127.0.0.1", port: reinjectPort } };
  const sys = systems(org.port);
  const states = process.env["QAQPA_BENCH_POLICY_STATES"]?.split(",") as ProtocolState[] | undefined;
  const common = { timeoutSeconds: 10, ...(states ? { states } : {}) };
  const configs: { name: string; policy: PolicyServiceEndpoint | null; pid: number | undefined; filter?: true }[] = [
    { name: "without policy", policy: null, pid: undefined },
    { name: "with policy, inet:127.0.0.1", policy: { host: "127.0.0.1", port: tcp.port, ...common }, pid: tcp.child.pid },
    { name: "with policy, unix socket", policy: { path: socketPath, ...common }, pid: unix.child.pid },
    // The whole outbound path of the gateway: policy + the authentication filter signing every message.
    { name: "policy + DKIM-signing filter", policy: { host: "127.0.0.1", port: tcp.port, ...common }, pid: filter.child.pid, filter: true },
  ];
  try {
    await instance.apply(sys);
    await instance.start();
    await new Promise((r) => setTimeout(r, 500));
    await burst(smtpPort, internet, "warm"); // warm-up: process pools, connection caches
    const results = configs.map(() => [] as RoundResult[]);
    const cpu = configs.map(() => 0);
    // Rounds cycle through the configurations, so each cycle ran under about the same background load;
    // ratios are taken within a cycle and their median reported (a shared machine's load swings more
    // than the effect measured).
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, c] of configs.entries()) {
        await instance.apply(sys, { policy: c.policy, contentFilter: c.filter ? contentFilter : undefined });
        await new Promise((res) => setTimeout(res, 1_000));
        const cpu0 = c.pid ? await cpuSeconds(c.pid) : 0;
        results[i]!.push(await burst(smtpPort, internet, `${i}-${r}`));
        if (c.pid) cpu[i]! += (await cpuSeconds(c.pid)) - cpu0;
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const asked = (states ?? hookStates()).join(", ");
    console.log(`postfix ${pf.version}: ${ROUNDS} cycles × ${MESSAGES} messages per configuration, ${CONNECTIONS} client connections; policy asked at ${asked}`);
    for (const [i, c] of configs.entries()) {
      const rs = results[i]!;
      const acc = med(rs.map((x) => x.acceptedPerSec));
      const del = med(rs.map((x) => x.deliveredPerSec));
      let line = `  ${c.name.padEnd(28)} accepted ${acc.toFixed(0).padStart(5)} msg/s   delivered ${del.toFixed(0).padStart(5)} msg/s`;
      if (i > 0) {
        const ratio = med(rs.map((x, k) => x.deliveredPerSec / results[0]![k]!.deliveredPerSec));
        line += `   ratio ${ratio.toFixed(2)}×${c.filter ? "" : " (target ≥ 0.90×)"}   ${c.filter ? "filter" : "service"} CPU ${((cpu[i]! / (ROUNDS * MESSAGES)) * 1e6).toFixed(0)} µs/message`;
      }
      console.log(line);
    }
    console.log(`  load average at the end ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  } finally {
    await instance.destroy();
    await stop(tcp.child);
    await stop(unix.child);
    await stop(filter.child);
    await internet.close();
    await org.close();
  }
}

// ───────────────────────────────────────────── main ──────────────────────────────────────────────────

console.log(`mail benchmark — node ${process.version}, ${cpus().length} CPU(s), load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
const { requests, bytes } = await corpus();
const only = process.env["QAQPA_BENCH_ONLY"];
if (!only || only === "engine") await benchEngine(requests, bytes);
if (!only || only === "service") await benchService(bytes);
if (!only || only === "postfix") await benchPostfix();
