/**
 * A gateway node's spool is bounded (gatewayNode.spoolMaxBytes). The bus is down at first (no NATS needed: the
 * node's bus is an in-memory stand-in that can be "reached" later): the node serves from its persisted snapshot,
 * spools until the limit, then drops new records — counted on /metrics, /health says degraded with a 200 — and
 * keeps serving. A restart finds the spool's size on disk. When the bus is reachable the spool drains as before,
 * and new records are spooled and published again.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGatewayNode, type GatewayNode } from "../../src/gateway/node.js";
import type { Bus, NodeBatch } from "../../src/bus/bus.js";
import { snapshot } from "../gateway-core/world.js";
import { curl } from "../e2e/support.js";
import { until } from "./support.js";

const LIMIT = 1500;

describe("a gateway node's bounded spool", () => {
  let dir: string;
  let stateDir: string;
  let spoolDir: string;
  let node: GatewayNode;
  let busUp = false;
  const published: NodeBatch[] = [];
  // Just what a node uses of a bus: the snapshot watch and read, publishing, the connection state.
  const fakeBus = {
    connected: true,
    watchSnapshots: async () => ({ stop: async () => {} }),
    currentSnapshot: async () => null,
    publishBatch: async (b: NodeBatch) => void published.push(b),
    close: async () => {},
  } as unknown as Bus;

  const start = () =>
    startGatewayNode({
      name: "node-spool",
      stateDir,
      connectBus: () => (busUp ? Promise.resolve(fakeBus) : Promise.reject(new Error("bus down in this test"))),
      listen: { host: "127.0.0.1", port: 0, hosts: {}, portalUrl: "http://portal.example" },
      health: { host: "127.0.0.1", port: 0 },
      spoolMaxBytes: LIMIT,
      batchEveryMs: 50,
      pollMs: 200,
    });
  const onDisk = () => {
    const files = readdirSync(spoolDir).filter((f) => f.endsWith(".json")).sort();
    return {
      bytes: files.reduce((n, f) => n + statSync(join(spoolDir, f)).size, 0),
      hosts: files.flatMap((f) => (JSON.parse(readFileSync(join(spoolDir, f), "utf8")) as NodeBatch).records.map((r) => r.host)),
    };
  };
  const health = async () => {
    const r = await fetch(`http://127.0.0.1:${node.healthPort}/health`);
    return { status: r.status, body: (await r.json()) as { status: string; droppedRecords: number; spoolBytes: number; spoolMaxBytes: number } };
  };
  const metric = async (name: string) => {
    const text = await (await fetch(`http://127.0.0.1:${node.healthPort}/metrics`)).text();
    const m = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
    assert.ok(m, `${name} in ${text}`);
    return Number(m[1]);
  };
  /** One request through the node's proxy, then its record batched (flush rejects while batches wait). */
  const request = async (host: string) => {
    const r = await curl(["-x", `http://127.0.0.1:${node.port}`, `http://${host}/`]);
    assert.match(r.out, /\n403$/, "decided on the persisted snapshot: uncategorised is blocked");
    await node.flush().catch(() => {});
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-node-spool-"));
    stateDir = join(dir, "node");
    spoolDir = join(stateDir, "spool");
    mkdirSync(stateDir, { recursive: true });
    const snap = snapshot({ createdAt: "2026-11-26T09:00:00.000Z" });
    writeFileSync(join(stateDir, "snapshot.bin"), snap.serialise());
    writeFileSync(join(stateDir, "snapshot.bin.id"), snap.id);
    node = await start();
  });
  after(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/fail: past the limit new records are dropped and counted, /health says degraded, traffic is served", async () => {
    assert.deepEqual((await health()).body.status, "ok");
    const N = 10;
    for (let i = 0; i < N; i++) await request(`spool${i}.example`);
    const disk = onDisk();
    const s = node.spool();
    assert.ok(s.full, `the spool is over ${LIMIT} bytes: ${s.bytes}`);
    assert.equal(s.bytes, disk.bytes, "the running total is the size on disk");
    assert.ok(disk.bytes < LIMIT + 1000, "at most one batch past the limit is written");
    assert.ok(s.droppedRecords > 0 && disk.hosts.length > 0);
    assert.equal(disk.hosts.length + s.droppedRecords, N, "every record is either spooled or counted as dropped");
    assert.deepEqual(disk.hosts, Array.from({ length: disk.hosts.length }, (_, i) => `spool${i}.example`), "the oldest are kept");
    const h = await health();
    assert.equal(h.status, 200, "degraded, not out of rotation");
    assert.equal(h.body.status, "degraded");
    assert.equal(h.body.droppedRecords, s.droppedRecords);
    assert.equal(await metric("qaqpa_node_dropped_records_total"), s.droppedRecords);
    assert.equal(await metric("qaqpa_node_spool_bytes"), disk.bytes);
    assert.equal(await metric("qaqpa_node_spool_max_bytes"), LIMIT);
  });

  test("ok: a restart counts the spool already on disk", async () => {
    const before = onDisk();
    await node.stop();
    node = await start();
    assert.equal(node.spool().bytes, before.bytes);
    assert.ok(node.spool().full);
    await request("after-restart.example");
    assert.deepEqual(onDisk().hosts, before.hosts, "still full: nothing more is written");
    assert.equal(node.spool().droppedRecords, 1);
    assert.equal((await health()).body.status, "degraded");
  });

  test("ok: when the bus is back the spool drains, and records are spooled and published again", async () => {
    const spooled = onDisk().hosts;
    busUp = true;
    await until(() => node.connected(), "the node reaches the bus", 10_000);
    await node.flush();
    assert.deepEqual(published.flatMap((b) => b.records.map((r) => r.host)), spooled, "the spool, in order");
    assert.equal(onDisk().bytes, 0);
    assert.deepEqual(node.spool(), { bytes: 0, droppedRecords: 1, full: false });
    const h = await health();
    assert.equal(h.status, 200);
    assert.equal(h.body.status, "ok");
    await request("drained.example");
    await node.flush();
    assert.ok(published.some((b) => b.records.some((r) => r.host === "drained.example")));
    assert.equal(node.spool().droppedRecords, 1, "nothing dropped once there is room");
  });
});
