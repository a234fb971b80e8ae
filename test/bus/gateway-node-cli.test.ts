/**
 * `qaqpa gateway-node` as an operator runs it: its configuration sections are validated strictly, and the
 * process starts without any store, fails closed until a snapshot arrives, and stops on SIGTERM.
 */
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config.js";
import { curl } from "../e2e/support.js";
import { NATS_URL, closedPort, natsSkip, testNamespace } from "./support.js";

const QAQPA = join(import.meta.dirname, "..", "..", "bin", "qaqpa.mjs");
const skip = await natsSkip();
const dir = mkdtempSync(join(tmpdir(), "qaqpa-node-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const load = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
  writeFileSync(join(dir, "qaqpa.yaml"), yaml);
  return loadConfig(env, dir);
};

describe("bus and gatewayNode configuration", () => {
  test("ok/a node's sections; QAQPA_BUS_SERVERS overrides the servers", () => {
    const cfg = load("bus: { servers: [nats://10.0.0.5:4222], namespace: prod_1 }\ngatewayNode: { name: gw-1, portalUrl: https://support.sts.kz }\n", { QAQPA_BUS_SERVERS: "nats://a:4222, nats://b:4222" });
    assert.deepEqual(cfg.bus, { servers: ["nats://a:4222", "nats://b:4222"], namespace: "prod_1" });
    assert.equal(cfg.gatewayNode?.name, "gw-1");
    assert.equal(cfg.gatewayNode?.spoolMaxBytes, undefined, "the node's default (1 GiB) applies");
    const bounded = load("bus: { servers: [nats://10.0.0.5:4222] }\ngatewayNode: { name: gw-1, portalUrl: https://p, spoolMaxBytes: 2147483648 }\n");
    assert.equal(bounded.gatewayNode?.spoolMaxBytes, 2 * 1024 ** 3);
  });

  test("fail/unknown keys, bad names and URLs, and a node without a bus are refused", () => {
    assert.throws(() => load("bus: { servers: [] }\n"), ConfigError);
    assert.throws(() => load("bus: { servers: [http://x:4222] }\n"), ConfigError);
    assert.throws(() => load("bus: { servers: [nats://x:4222], namespace: a.b }\n"), ConfigError);
    assert.throws(() => load("bus: { servers: [nats://x:4222], sever: 1 }\n"), ConfigError);
    assert.throws(() => load("bus: { servers: [nats://x:4222] }\ngatewayNode: { name: 'gw 1', portalUrl: https://p }\n"), ConfigError);
    assert.throws(() => load("gatewayNode: { name: gw-1, portalUrl: https://p }\n"), /needs a bus section/);
    assert.throws(() => load("bus: { servers: [nats://x:4222] }\ngatewayNode: { name: gw-1, portalUrl: https://p, spoolMaxBytes: 0 }\n"), ConfigError);
    assert.throws(() => load("bus: { servers: [nats://x:4222] }\ngatewayNode: { name: gw-1, portalUrl: https://p, spoolMaxBytes: 1.5 }\n"), ConfigError);
  });

  test("ok/fail/a node names its enrolment (bus.nodeId, its name, with its own credential file); the old shared credential is refused with what to do", () => {
    const node = "gatewayNode: { name: gw-1, portalUrl: https://p }\n";
    const cfg = load(`bus: { servers: [nats://x:4222], nodeId: gw-1, nodeCredentialFile: /etc/qaqpa/gw-1.credential }\n${node}`);
    assert.deepEqual([cfg.bus?.nodeId, cfg.bus?.nodeCredentialFile], ["gw-1", "/etc/qaqpa/gw-1.credential"]);
    // The shared credential's configuration, on a node and on the control plane: no silent reading of it as the node's own.
    assert.throws(() => load(`bus: { servers: [nats://x:4222], nodeCredentialFile: /etc/qaqpa/node-credential }\n${node}`), /without bus\.nodeId[\s\S]*qaqpa node enrol <gatewayNode\.name> --out FILE/);
    assert.throws(() => load("bus: { servers: [nats://x:4222], nodeCredentialFile: /etc/qaqpa/node-credential }\n"), /on the control plane remove bus\.nodeCredentialFile/);
    assert.throws(() => load(`bus: { servers: [nats://x:4222], nodeId: gw-1 }\n${node}`), /bus\.nodeId needs bus\.nodeCredentialFile/);
    assert.throws(() => load(`bus: { servers: [nats://x:4222], nodeId: gw-2, nodeCredentialFile: /f }\n${node}`), /bus\.nodeId \(gw-2\) must be the node's gatewayNode\.name \(gw-1\)/);
    assert.throws(() => load(`bus: { servers: [nats://x:4222], nodeId: 'gw 1', nodeCredentialFile: /f }\n`), ConfigError);
  });

  test("ok/fail/a node takes the all-in-one's gateway.transparent section, checked the same way", () => {
    const node = "bus: { servers: [nats://x:4222] }\ngatewayNode: { name: gw-1, portalUrl: https://p }\n";
    const cfg = load(`${node}gateway: { workers: 2, transparent: { host: 0.0.0.0, http: 8080, tls: 8443, originalDestination: conntrack } }\n`);
    assert.deepEqual(cfg.gateway?.transparent, { host: "0.0.0.0", http: 8080, tls: 8443, originalDestination: "conntrack" });
    assert.throws(() => load(`${node}gateway: { transparent: { http: 8080, originalDestination: conntrack } }\n`), /transparent\.host is needed/);
    assert.throws(() => load(`${node}proxy: { port: 8080 }\ngateway: { transparent: { host: 0.0.0.0, http: 8080, originalDestination: local-address } }\n`), /distinct ports/);
  });
});

describe("qaqpa gateway-node with transparent listeners, before any bus answers", () => {
  test("ok/it prints and opens the transparent listeners, fails closed on them without a snapshot, stops on SIGTERM", async () => {
    const TP = "127.0.0.15";
    const httpPort = await closedPort();
    writeFileSync(
      join(dir, "node-tp.yaml"),
      `proxy: { host: 127.0.0.1, port: 0, hosts: { shop.example: [${TP}] } }\nbus: { servers: [nats://127.0.0.1:${await closedPort()}] }\ngatewayNode: { name: gw-tp, portalUrl: http://portal.example }\ngateway: { transparent: { host: ${TP}, http: ${httpPort}, originalDestination: local-address } }\n`,
    );
    const p = spawn(process.execPath, [QAQPA, "gateway-node"], { env: { ...process.env, QAQPA_FROM_SOURCE: "1", QAQPA_CONFIG: join(dir, "node-tp.yaml"), QAQPA_DATA_DIR: join(dir, "node-tp-data") } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const exited = new Promise((r) => p.once("exit", r));
    await new Promise<void>((resolve, reject) => {
      p.stdout.on("data", () => /transparent .*\n/.test(out) && resolve());
      p.once("exit", () => reject(new Error(`exited before listening: ${out}`)));
    });
    assert.match(out, new RegExp(`transparent http ${TP.replaceAll(".", "\\.")}:${httpPort} \\(original destination: local-address\\)`));
    const r = await curl(["-i", "--resolve", `shop.example:${httpPort}:${TP}`, `http://shop.example:${httpPort}/`]);
    assert.match(r.out, /x-qaqpa-reason: policy-unavailable/i, r.out + r.err);
    p.kill("SIGTERM");
    assert.equal(await exited, 0, out);
  });
});

describe("qaqpa gateway-node", { skip }, () => {
  const ns = testNamespace("cli");
  after(() => ns.cleanup());

  test("ok/fail/qaqpa doctor checks the configured bus: JetStream reachable, or what to do", async () => {
    const doctor = (servers: string) => {
      writeFileSync(join(dir, "doctor.yaml"), `bus: { servers: [${servers}] }\n`);
      return spawnSync(process.execPath, [QAQPA, "doctor"], { env: { ...process.env, QAQPA_FROM_SOURCE: "1", QAQPA_CONFIG: join(dir, "doctor.yaml"), QAQPA_DATA_DIR: join(dir, "doctor-data") }, encoding: "utf8", timeout: 120_000 });
    };
    const up = doctor(NATS_URL);
    assert.match(up.stdout, /ok\s+bus \(NATS JetStream\)\s+nats-server \S+ with JetStream/);
    const down = doctor(`nats://127.0.0.1:${await closedPort()}`);
    assert.equal(down.status, 1, down.stdout);
    assert.match(down.stdout, /FAIL\s+bus \(NATS JetStream\)[^\n]*\n\s+→ start nats-server with -js/);
  });

  test("fail/without its sections it says what is missing", async () => {
    writeFileSync(join(dir, "plain.yaml"), "log: { level: info }\n");
    const p = spawn(process.execPath, [QAQPA, "gateway-node"], { env: { ...process.env, QAQPA_FROM_SOURCE: "1", QAQPA_CONFIG: join(dir, "plain.yaml"), QAQPA_DATA_DIR: join(dir, "data") } });
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    const code = await new Promise((r) => p.once("exit", r));
    assert.equal(code, 1);
    assert.match(err, /needs the bus and gatewayNode sections/);
  });

  test("fail/a node still configured with the shared credential exits and says how to enrol it", async () => {
    writeFileSync(join(dir, "shared.yaml"), `bus: { servers: [${NATS_URL}], nodeCredentialFile: ${join(dir, "node-credential")} }\ngatewayNode: { name: gw-old, portalUrl: http://portal.example }\n`);
    const r = spawnSync(process.execPath, [QAQPA, "gateway-node"], { env: { ...process.env, QAQPA_FROM_SOURCE: "1", QAQPA_CONFIG: join(dir, "shared.yaml"), QAQPA_DATA_DIR: join(dir, "shared-data") }, encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /^qaqpa: invalid configuration: bus\.nodeCredentialFile without bus\.nodeId\. .*qaqpa node enrol/);
  });

  test("ok/starts with no store, fails closed without a snapshot, stops on SIGTERM", async () => {
    const data = join(dir, "node-data");
    writeFileSync(join(dir, "node.yaml"), `proxy: { host: 127.0.0.1, port: 0, hosts: {} }\nbus: { servers: [${NATS_URL}], namespace: ${ns.namespace} }\ngatewayNode: { name: gw-cli, portalUrl: http://portal.example }\n`);
    const p = spawn(process.execPath, [QAQPA, "gateway-node"], { env: { ...process.env, QAQPA_FROM_SOURCE: "1", QAQPA_CONFIG: join(dir, "node.yaml"), QAQPA_DATA_DIR: data } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    const exited = new Promise((r) => p.once("exit", r));
    const proxy = await new Promise<string>((resolve, reject) => {
      p.stdout.on("data", () => {
        const m = /proxy\s+(http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      p.once("exit", () => reject(new Error(`exited before listening: ${out}`)));
    });
    assert.match(out, /snapshot\s+none yet: failing closed/);
    const r = await curl(["-i", "-x", proxy, "http://tools.example/"]);
    assert.match(r.out, /x-qaqpa-reason: policy-unavailable/i);
    p.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.ok(!existsSync(join(data, "pgdata")) && existsSync(join(data, "node", "spool")), "a node state directory, and no store");
  });
});
