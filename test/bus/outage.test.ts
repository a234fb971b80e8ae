/**
 * A running gateway node through a NATS outage, on a private nats-server (stopped and restarted by the test):
 * it keeps serving its snapshot, spools its records, reconnects on its own when NATS is back, publishes the
 * spool (every record arrives once) and takes the next policy change.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNatsBus } from "../../src/bus/nats.js";
import { startSnapshotPublisher } from "../../src/bus/control-plane.js";
import { startGatewayNode, type GatewayNode } from "../../src/gateway/node.js";
import type { Bus, NodeBatch } from "../../src/bus/bus.js";
import { snapshot } from "../gateway-core/world.js";
import { curl } from "../e2e/support.js";
import { closedPort, until } from "./support.js";

const NATS_SERVER = "/usr/sbin/nats-server";
const skip = existsSync(NATS_SERVER) ? false : `${NATS_SERVER} is not installed (Debian package nats-server)`;

describe("a gateway node through a NATS outage", { skip }, () => {
  let dir: string;
  let port: number;
  let server: ChildProcess | null = null;
  let controlPlane: Bus;
  let node: GatewayNode;
  const url = () => `nats://127.0.0.1:${port}`;

  const startServer = async () => {
    server = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", join(dir, "nats")], { stdio: "ignore" });
    // Ready when a client connects.
    await until(async () => (await connectNatsBus({ servers: [url()], name: "probe" }).then((b) => b.close().then(() => true), () => false)), "nats-server listening");
  };
  const stopServer = async () => {
    const s = server!;
    server = null;
    const exited = new Promise((r) => s.once("exit", r));
    s.kill("SIGTERM");
    await exited;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-nats-outage-"));
    port = await closedPort();
    await startServer();
    controlPlane = await connectNatsBus({ servers: [url()], name: "control plane" });
    node = await startGatewayNode({
      name: "node-o",
      stateDir: join(dir, "node"),
      connectBus: () => connectNatsBus({ servers: [url()], name: "node-o" }),
      listen: { host: "127.0.0.1", port: 0, hosts: {}, portalUrl: "http://portal.example" },
      pollMs: 200,
    });
  });
  after(async () => {
    await node?.stop();
    await controlPlane?.close();
    if (server) await stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/serves, spools and catches up without losing or repeating a record", async () => {
    const first = snapshot({ createdAt: "2026-11-26T09:00:00.000Z" });
    let publisher = await startSnapshotPublisher(controlPlane, () => first, 50);
    await until(() => node.snapshot()?.id === first.id && node.connected(), "the node on the first snapshot");
    await publisher.stop();

    await stopServer();
    await until(() => !node.connected(), "the node notices the outage");
    for (let i = 0; i < 5; i++) {
      const r = await curl(["-x", `http://127.0.0.1:${node.port}`, `http://outage${i}.example/`]);
      assert.match(r.out, /\n403$/, "decided on the snapshot it holds: uncategorised is blocked");
    }
    assert.equal(node.snapshot()?.id, first.id);
    await assert.rejects(node.flush(), /wait in the spool/);

    await startServer();
    await until(() => node.connected(), "the node reconnected on its own", 30_000);
    await node.flush();
    const seen: string[] = [];
    const consumer = await controlPlane.consumeBatches(async (d: { batch: NodeBatch; ack(): Promise<void> }) => {
      for (const r of d.batch.records) if (r.host?.startsWith("outage")) seen.push(r.host);
      await d.ack();
    });
    await until(() => seen.length >= 5, "the spooled records on the stream");
    await consumer.stop();
    assert.deepEqual(seen.sort(), ["outage0.example", "outage1.example", "outage2.example", "outage3.example", "outage4.example"]);

    const next = snapshot({ createdAt: "2026-11-26T09:10:00.000Z", blockedSources: ["192.0.2.66", "127.0.0.1"] });
    publisher = await startSnapshotPublisher(controlPlane, () => next, 50);
    await until(() => node.snapshot()?.id === next.id, "the next policy change after the outage");
    await publisher.stop();
  });
});
