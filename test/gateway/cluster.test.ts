/**
 * Cluster workers on loopback: two worker processes share the explicit proxy's socket and one policy snapshot
 * handed over by the primary; leaves are minted in the primary; decision records, counters and unknown
 * sources reach the primary's sink; a snapshot swap drops no connection and new flows see the new policy.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import nodeCluster from "node:cluster";
import net from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, gatewayWorkers, loadConfig } from "../../src/config.js";
import { startGatewayCluster, type GatewayCluster, type Scheduling, type WorkerCounts, type WorkerDetection } from "../../src/gateway/cluster.js";
import { socketsBinding } from "../../src/gateway/native-sockets.js";
import { MemorySink } from "../../src/gateway/decision-log.js";
import { CaAuthority } from "../../src/ca/authority/index.js";
import { LeafCache } from "../../src/ca/leaf.js";
import { toPem } from "../../src/ca/x509.js";
import { makeHierarchy } from "../ca/fixture.js";
import { snapshot, MINISTRY, AKIMAT } from "../gateway-core/world.js";
import { startOrigins, type Origins } from "./origin.js";
import { run } from "./world.js";
import { Tunnel } from "./tunnel-client.js";
import { socketsOn } from "../support/proc-sockets.js";

const NAMES = ["shop.example", "news.example", "search.example"];

const hosts = Object.fromEntries(NAMES.map((n) => [n, ["127.0.0.1"]]));
/** The ministry owns 127.0.0.1; `deny` is its deny list (news by default, as in the shared test world). */
const policy = (deny: string[]) =>
  snapshot({ organisations: [{ ...MINISTRY, prefixes: [...MINISTRY.prefixes, "127.0.0.1/32"], policy: { ...MINISTRY.policy!, denyCategories: deny as never, allowCategories: ["shopping", "news"] as never } }, AKIMAT], hosts });

describe("gateway cluster workers", () => {
  let origins: Origins;
  let cluster: GatewayCluster;
  let rootFile: string;
  const sink = new MemorySink();
  const detections: WorkerDetection[] = [];
  const counts: WorkerCounts[] = [];
  let stopped = false;

  before(async () => {
    origins = await startOrigins(NAMES);
    const h = await makeHierarchy();
    const authority = new CaAuthority({ isProtected: () => false });
    const leaves = new LeafCache(authority.leafMinter({ issuer: h.issuer, certificate: h.intermediate.record.der }, h.keys));
    rootFile = join(origins.dir, "gateway-root.pem");
    writeFileSync(rootFile, toPem(h.root.record.der));
    cluster = await startGatewayCluster({
      workers: 2,
      host: "127.0.0.1",
      port: 0,
      hosts,
      portalUrl: "http://portal.test",
      upstreamCa: [origins.caPem],
      snapshot: policy(["news"]),
      leaves: () => leaves,
      sink,
      onDetection: (d) => detections.push(d),
      onCounts: (c) => counts.push(c),
    });
  });
  after(async () => {
    if (!stopped) await cluster.stop();
    await origins.close();
  });

  const curl = (args: string[]) => run("curl", ["-sS", "--max-time", "10", "-x", `http://127.0.0.1:${cluster.port}`, "-w", "\n%{http_code}", ...args]);

  test("ok/both workers run the primary's snapshot; plain HTTP and bumped HTTPS are served", async () => {
    assert.equal(cluster.workers, 2);
    assert.equal(new Set(cluster.versions()).size, 1);
    const plain = await curl([`http://shop.example:${origins.httpPort}/a`]);
    assert.match(plain.out, /origin http shop\.example\/a body=0\n\n200$/);
    // The leaf is minted by the primary and validates against the exported root.
    const bumped = await curl(["--cacert", rootFile, "--resolve", `shop.example:${origins.httpsPort}:127.0.0.1`, `https://shop.example:${origins.httpsPort}/b`]);
    assert.match(bumped.out, /origin https shop\.example\/b body=0\n\n200$/, bumped.err);
    const denied = await curl([`http://news.example:${origins.httpPort}/`]);
    assert.match(denied.out, /\n403$/);
  });

  test("ok/each worker accepts on a listening socket of its own (SO_REUSEPORT): a burst of connections is spread over both", { skip: socketsBinding() ? false : "the socket addon is not built" }, async () => {
    const pids = cluster.pids();
    assert.equal(pids.length, 2);
    const before = pids.map((p) => socketsOn(p, cluster.port));
    assert.ok(before.every((b) => b.listening.size === 1), "one listening socket in each worker");
    assert.notDeepEqual([...before[0]!.listening], [...before[1]!.listening], "and not the same one");
    // 64 connections at once, as a load generator opens them: on one shared socket the first worker to wake
    // accepts the whole burst; with a socket each, the kernel's hash spreads them (all on one: p = 2^-63).
    const burst = await Promise.all(
      Array.from({ length: 64 }, () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: "127.0.0.1", port: cluster.port });
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        }),
      ),
    );
    try {
      let got: number[] = [];
      for (let i = 0; i < 200; i++) {
        got = pids.map((p, k) => [...socketsOn(p, cluster.port).established].filter((x) => !before[k]!.established.has(x)).length);
        if (got[0]! + got[1]! >= 64) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(got[0]! + got[1]!, 64, `all 64 accepted (${got.join(" + ")})`);
      assert.ok(got.every((n) => n >= 8), `both workers took a share of the burst: ${got.join(" + ")}`);
    } finally {
      for (const s of burst) s.destroy();
    }
  });

  test("ok/a long-lived connection survives several swaps; new flows see the new policy", async () => {
    const tunnel = await Tunnel.open(cluster.port, `shop.example:${origins.httpPort}`);
    assert.equal(await tunnel.get("shop.example", "/before"), 200);
    // news: denied → allowed → denied → allowed, each a new snapshot handed to every worker.
    for (const [i, deny] of [[], ["news"], []].entries()) {
      const next = policy(deny);
      await cluster.publish(next);
      assert.deepEqual(cluster.versions(), [next.id, next.id], `swap ${i}`);
      assert.equal(await tunnel.get("shop.example", `/during-${i}`), 200, `the tunnel still answers after swap ${i}`);
      const fresh = await curl([`http://news.example:${origins.httpPort}/`]);
      assert.match(fresh.out, deny.length ? /\n403$/ : /\n200$/, `a new flow sees swap ${i}`);
    }
    assert.equal(tunnel.closed, false);
    tunnel.socket.destroy();
  });

  test("ok/a worker that dies is replaced with the current snapshot; the proxy keeps serving", async () => {
    const before = Object.values(nodeCluster.workers ?? {}).map((w) => w!.process.pid);
    assert.equal(before.length, 2);
    const victim = Object.values(nodeCluster.workers!)[0]!;
    const gone = new Promise((r) => victim.once("exit", r));
    victim.process.kill("SIGKILL");
    await gone;
    // The replacement loads the current snapshot and listens before it counts as live.
    const current = cluster.versions().find((v) => v !== "")!;
    while (cluster.versions().length !== 2 || cluster.versions().some((v) => v !== current)) await new Promise((r) => setTimeout(r, 20));
    const after = Object.values(nodeCluster.workers ?? {}).map((w) => w!.process.pid);
    assert.ok(!after.includes(victim.process.pid), "the dead worker is gone");
    for (let i = 0; i < 4; i++) assert.match((await curl([`http://shop.example:${origins.httpPort}/r${i}`])).out, /\n200$/);
  });

  test("ok/unknown sources, records and counters reach the primary; stop loses none", async () => {
    const unknown = await run("curl", ["-sS", "--max-time", "10", "--interface", "127.0.0.2", "-x", `http://127.0.0.1:${cluster.port}`, "-o", "/dev/null", "-w", "%{http_code}", `http://search.example:${origins.httpPort}/`]);
    assert.equal(unknown.out, "200", unknown.err);
    const before = sink.records.length;
    const n = 12;
    for (let i = 0; i < n; i++) assert.match((await curl([`http://shop.example:${origins.httpPort}/n${i}`])).out, /\n200$/);
    await cluster.stop();
    stopped = true;
    const served = sink.records.slice(before).filter((r) => r.kind === "request" && r.host === "shop.example" && r.path?.startsWith("/n"));
    assert.equal(served.length, n, "every request served has its record in the primary");
    assert.ok(detections.some((d) => d.address === "127.0.0.2" && d.hits >= 1));
    const allowed = counts.flatMap((c) => c.decisions).filter(([action]) => action === "allow").reduce((a, [, , , k]) => a + k, 0);
    assert.ok(allowed >= n, `allow counters reached the primary (${allowed})`);
  });
});

describe("gateway.workers configuration", () => {
  const load = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "qaqpa-gwcfg-"));
    try {
      writeFileSync(join(dir, "qaqpa.yaml"), yaml);
      return loadConfig(env, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test("ok/absent = in process; a number; auto = one per core; the environment overrides the file", () => {
    assert.equal(gatewayWorkers(load("log: { level: info }\n")), 0);
    assert.equal(gatewayWorkers(load("gateway: { workers: 3 }\n")), 3);
    assert.equal(gatewayWorkers(load("gateway: { workers: auto, scheduling: rr }\n")), availableParallelism());
    assert.equal(load("gateway: { workers: 2, scheduling: rr }\n").gateway?.scheduling, "rr");
    assert.equal(gatewayWorkers(load("gateway: { workers: 3 }\n", { QAQPA_GATEWAY_WORKERS: "0" })), 0);
    assert.equal(gatewayWorkers(load("", { QAQPA_GATEWAY_WORKERS: "auto" })), availableParallelism());
  });

  test("fail/negative, fractional, textual and unknown keys are refused", () => {
    for (const bad of ["gateway: { workers: -1 }\n", "gateway: { workers: 1.5 }\n", "gateway: { workers: many }\n", "gateway: { workers: 2, threads: 2 }\n", "gateway: { scheduling: random }\n", "gateway: { workers: 257 }\n"]) {
      assert.throws(() => load(bad), ConfigError, bad);
    }
    assert.throws(() => load("", { QAQPA_GATEWAY_WORKERS: "two" }), ConfigError);
    assert.throws(() => load("", { QAQPA_GATEWAY_WORKERS: "-2" }), ConfigError);
  });
});

describe("gateway cluster start failures", () => {
  for (const scheduling of ["reuseport", "none"] satisfies Scheduling[]) {
    test(`fail/workers that cannot listen make the start fail, saying why, instead of being replaced forever (${scheduling})`, { skip: scheduling === "reuseport" && !socketsBinding() ? "the socket addon is not built" : false }, async () => {
      // 192.0.2.1 (TEST-NET-1) is no address of this machine: every worker's listen fails.
      await assert.rejects(
        startGatewayCluster({ workers: 2, scheduling, host: "192.0.2.1", port: 0, hosts: {}, portalUrl: "http://portal.test", snapshot: policy(["news"]), leaves: () => null, sink: new MemorySink(), onDetection: () => {} }),
        /gateway worker could not listen: .*EADDRNOTAVAIL 192\.0\.2\.1/,
      );
      assert.equal(Object.keys(nodeCluster.workers ?? {}).length, 0, "no worker is left running");
    });
  }

  test("ok/scheduling none: the workers share one listening socket and serve", async () => {
    const origins = await startOrigins(NAMES);
    const c = await startGatewayCluster({ workers: 2, scheduling: "none", host: "127.0.0.1", port: 0, hosts, portalUrl: "http://portal.test", snapshot: policy(["news"]), leaves: () => null, sink: new MemorySink(), onDetection: () => {} });
    try {
      const r = await run("curl", ["-sS", "--max-time", "10", "-x", `http://127.0.0.1:${c.port}`, `http://shop.example:${origins.httpPort}/shared`]);
      assert.match(r.out, /origin http shop\.example\/shared/, r.err);
      if (process.platform === "linux") {
        const listening = c.pids().map((p) => [...socketsOn(p, c.port).listening]);
        assert.ok(listening.every((l) => l.length === 1) && listening[0]![0] === listening[1]![0], "the same socket in both");
      }
    } finally {
      await c.stop();
      await origins.close();
    }
  });

  test("fail/a transparent port already in use fails the start with the reason", async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        startGatewayCluster({ workers: 2, host: "127.0.0.1", port: 0, hosts: {}, portalUrl: "http://portal.test", transparent: { originalDestination: "local-address", http: { host: "127.0.0.1", port } }, snapshot: policy(["news"]), leaves: () => null, sink: new MemorySink(), onDetection: () => {} }),
        /gateway worker could not listen: .*EADDRINUSE/,
      );
      assert.equal(Object.keys(nodeCluster.workers ?? {}).length, 0, "no worker is left running");
    } finally {
      taken.close();
    }
  });
});
