/**
 * The multi-node mode on loopback with the real NATS JetStream: one control plane (the all-in-one with a bus
 * section) and two gateway nodes that have no store. A policy change reaches both nodes; their decisions land in
 * the store exactly once; an enrolled node bumps with leaves from the control plane, one without a credential
 * splices; a node restarted while NATS is unreachable serves its persisted snapshot and keeps its records in
 * its spool until the bus is back; a node with no snapshot at all fails closed.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { startAllInOne, type Running } from "../../src/app.js";
import { connectNatsBus } from "../../src/bus/nats.js";
import { startGatewayNode, type GatewayNode } from "../../src/gateway/node.js";
import { policyContentKey } from "../../src/bus/control-plane.js";
import { inTx } from "../../src/services/context.js";
import { systemPrincipal } from "../../src/domain/authz.js";
import { enrolGatewayNode } from "../../src/services/gateway-nodes.js";
import { startOrigins, type Origins } from "../gateway/origin.js";
import { adminToken, apiClient, curl, loopbackConfig } from "./support.js";
import { NATS_URL, closedPort, natsSkip, testNamespace, until } from "../bus/support.js";

const skip = await natsSkip();

describe("multi-node: a control plane and two gateway nodes over NATS JetStream", { skip }, () => {
  const ns = testNamespace("e2e");
  let credential: Buffer;
  let dir: string;
  let app: Running;
  let origins: Origins;
  let token: string;
  const nodes = new Map<string, GatewayNode>();
  const api = apiClient(() => app, () => token);
  const proxyOf = (n: GatewayNode) => `http://127.0.0.1:${n.port}`;
  // The control plane recompiles on every audited change; a compile of the same policy is not announced again,
  // so a node runs the control plane's policy when the content keys match (the ids differ by compile time).
  const policy = () => policyContentKey(app.gateway.snapshot()!);
  const runs = (n: GatewayNode, key = policy()) => !!n.snapshot() && policyContentKey(n.snapshot()!) === key;

  const startNode = async (name: string, o: { bus?: string; stateDir?: string; workers?: number } = {}) => {
    const node = await startGatewayNode({
      name,
      stateDir: o.stateDir ?? join(dir, name),
      connectBus: () => connectNatsBus({ servers: [o.bus ?? NATS_URL], namespace: ns.namespace, name }),
      // Only node-a is enrolled: its own credential.
      ...(name === "node-a" ? { credential } : {}),
      listen: { host: "127.0.0.1", port: 0, hosts: { "tools.example": ["127.0.0.1"] }, portalUrl: "http://portal.example", upstreamCa: [origins.caPem] },
      pollMs: 500,
      health: { host: "127.0.0.1", port: 0 },
      ...(o.workers ? { workers: o.workers } : {}),
    });
    nodes.set(name, node);
    return node;
  };
  const stopNode = async (name: string) => {
    await nodes.get(name)?.stop();
    nodes.delete(name);
  };
  const logged = async (pathPrefix: string) =>
    Number((await sql<{ n: number }>`select count(*)::int as n from decision_log where host = 'tools.example' and path like ${pathPrefix + "%"}`.execute(app.store.db)).rows[0]!.n);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-e2e-multi-node-"));
    origins = await startOrigins(["tools.example"]);
    const cfg = loopbackConfig(join(dir, "control-plane"), { hosts: { "tools.example": ["127.0.0.1"] }, upstreamCaFiles: [origins.caFile] });
    cfg.bus = { servers: [NATS_URL], namespace: ns.namespace };
    app = await startAllInOne(cfg, { ...process.env, QAQPA_ADMIN_PASSWORD: "e2e admin password" });
    token = await adminToken(app, "e2e admin password", "e2e");
    await app.controlPlane!.ready;
    // node-a is enrolled (its own credential, as `qaqpa node enrol node-a` issues it); node-b is not.
    ({ credential } = await inTx(app.store, systemPrincipal("test"), null, (ctx) => enrolGatewayNode(ctx, app.sealer, "node-a")));
    await startNode("node-a");
    await startNode("node-b");
  });
  after(async () => {
    for (const name of [...nodes.keys()]) await stopNode(name);
    await app?.stop();
    await origins?.close();
    await ns.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/a policy change made on the control plane reaches both nodes", async () => {
    const [a, b] = [nodes.get("node-a")!, nodes.get("node-b")!];
    await until(() => runs(a) && runs(b), "both nodes on the control plane's policy");
    const first = policy();
    let r = await curl(["-x", proxyOf(a), `http://tools.example:${origins.httpPort}/uncategorised`]);
    assert.match(r.out, /\n403$/, "uncategorised is blocked");

    assert.equal((await api("POST", "/categories/overrides", { action: "add", pattern: "tools.example", category: "software-development", reason: "test directory" })).status, 201);
    await app.gateway.refresh();
    const next = policy();
    assert.notEqual(next, first);
    await until(() => runs(a, next) && runs(b, next), "both nodes on the new policy");
    for (let i = 0; i < 3; i++) {
      r = await curl(["-x", proxyOf(a), `http://tools.example:${origins.httpPort}/a${i}`]);
      assert.match(r.out, /\n200$/, r.err);
      r = await curl(["-x", proxyOf(b), `http://tools.example:${origins.httpPort}/b${i}`]);
      assert.match(r.out, /\n200$/, r.err);
    }
  });

  test("ok/decisions from both nodes land in the store exactly once, detections in the p.13 workflow", async () => {
    for (const n of nodes.values()) await n.flush();
    await until(async () => (await logged("/a")) >= 3 && (await logged("/b")) >= 3, "both nodes' records in the store");
    // Everything the nodes published is committed once the stream holds nothing for the control plane.
    const batches = await app.store.db.selectFrom("bus_batch").select(["node"]).execute();
    assert.deepEqual([...new Set(batches.map((x) => x.node))].sort(), ["node-a", "node-b"]);
    const rows = await sql<{ path: string; kind: string; ref: string; snapshot_id: string }>`select path, kind, ref, snapshot_id from decision_log where host = 'tools.example' order by id`.execute(app.store.db);
    assert.equal(await logged("/a"), 3, JSON.stringify(rows.rows));
    assert.equal(await logged("/b"), 3);
    const u = await api("GET", "/unknown-sources");
    const seen = u.json.items.find((x: { address: string }) => x.address === "127.0.0.1");
    assert.ok(seen && seen.hits >= 7, "the nodes' unknown-source detections reach the workflow");
    const metrics = await (await fetch(app.urls.api.replace(/\/api$/, "/metrics"))).text();
    const allowed = /qaqpa_gateway_decisions_total\{action="allow",reason="[a-z-]+",tls="none"\} (\d+)/.exec(metrics);
    assert.ok(allowed && Number(allowed[1]) >= 6, "the nodes' decision counters reach the control plane's metrics");
  });

  test("ok/p.21–23: an enrolled node bumps with a leaf from the control plane; one without a credential splices", async () => {
    const init = await api("POST", "/ca/init", {});
    assert.equal(init.status, 201, JSON.stringify(init.json));
    const rootId = init.json.root.id;
    assert.equal((await api("POST", `/ca/certificates/${rootId}/publish`)).status, 200);
    assert.equal((await api("POST", `/ca/certificates/${rootId}/activate`, { minPublicationLeadDays: 0 })).status, 200);
    const rootFile = join(dir, "root.pem");
    writeFileSync(rootFile, await (await fetch(app.urls.api + "/ca/root.pem", { headers: { authorization: `Bearer ${token}` } })).text());
    await until(async () => /origin https tools\.example/.test((await curl(["--cacert", rootFile, "-x", proxyOf(nodes.get("node-a")!), `https://tools.example:${origins.httpsPort}/bumped`])).out), "node-a bumping with the gateway CA", 30_000);
    const spliced = await curl(["--cacert", origins.caFile, "-x", proxyOf(nodes.get("node-b")!), `https://tools.example:${origins.httpsPort}/spliced`]);
    assert.match(spliced.out, /origin https tools\.example\/spliced/, "without the credential the origin's own certificate: " + spliced.err);
    // STS sees who is enrolled, never a credential.
    const listed = await api("GET", "/gateway/nodes");
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json.items.map((n: { id: string; state: string; generation: number }) => `${n.id} ${n.state} ${n.generation}`), ["node-a active 1"]);
    assert.ok(!JSON.stringify(listed.json).includes(credential.toString("base64")) && !/qs1\./.test(JSON.stringify(listed.json)));
  });

  test("ok/a node restarted while NATS is unreachable serves its persisted snapshot; its records wait in its spool", async () => {
    const id = nodes.get("node-a")!.snapshot()!.id;
    await stopNode("node-a");
    const down = `nats://127.0.0.1:${await closedPort()}`;
    const a = await startNode("node-a", { bus: down });
    assert.equal(a.snapshot()?.id, id, "the persisted snapshot, verified against its id");
    assert.ok(runs(a), "with the control plane's current policy");
    assert.equal(a.connected(), false);
    const r = await curl(["-x", proxyOf(a), `http://tools.example:${origins.httpPort}/offline`]);
    assert.match(r.out, /\n200$/, "the policy of the persisted snapshot: " + r.err);
    await assert.rejects(a.flush(), /wait in the spool/);
    await stopNode("node-a");
    assert.ok(readdirSync(join(dir, "node-a", "spool")).some((f) => f.endsWith(".json")), "the record is spooled on the node's disk");

    // The bus is back: the spooled record is published and committed once.
    const again = await startNode("node-a");
    await until(() => again.connected(), "node-a connected to the bus again");
    await again.flush();
    await until(async () => (await logged("/offline")) >= 1, "the spooled record in the store");
    assert.equal(await logged("/offline"), 1);
  });

  test("ok/a node with cluster workers: every worker runs the announced snapshot, their records reach the store", async () => {
    const n = await startNode("node-w", { workers: 2 });
    await until(() => runs(n), "node-w on the control plane's policy");
    const id = n.snapshot()!.id;
    assert.deepEqual(n.cluster!.versions(), [id, id]);
    for (let i = 0; i < 4; i++) assert.match((await curl(["-x", proxyOf(n), `http://tools.example:${origins.httpPort}/w${i}`])).out, /\n200$/);
    await n.flush();
    await until(async () => (await logged("/w")) >= 4, "node-w's records in the store");
    assert.equal(await logged("/w"), 4);
    await stopNode("node-w");
  });

  test("ok/a node with no snapshot and no bus fails closed, and says so on /health", async () => {
    const n = await startNode("node-c", { bus: `nats://127.0.0.1:${await closedPort()}` });
    assert.equal(n.snapshot(), null);
    const h = await fetch(`http://127.0.0.1:${n.healthPort}/health`);
    assert.equal(h.status, 503);
    const body = (await h.json()) as Record<string, unknown>;
    assert.deepEqual(
      { ...body, lastError: undefined },
      { node: "node-c", status: "failing-closed", snapshot: null, createdAt: null, bus: false, spooled: 0, spoolBytes: 0, spoolMaxBytes: 1024 ** 3, droppedRecords: 0, lastError: undefined },
    );
    assert.match(String(body.lastError), /^bus: /, "and why");
    const healthy = await fetch(`http://127.0.0.1:${nodes.get("node-b")!.healthPort}/health`);
    assert.equal(healthy.status, 200);
    const healthyBody = (await healthy.json()) as { bus: boolean; status: string };
    assert.equal(healthyBody.bus, true);
    assert.equal(healthyBody.status, "ok");
    assert.match(await (await fetch(`http://127.0.0.1:${n.healthPort}/metrics`)).text(), /^qaqpa_node_snapshot_timestamp_seconds 0$/m);
    const r = await curl(["-i", "-x", proxyOf(n), `http://tools.example:${origins.httpPort}/`]);
    assert.match(r.out, /x-qaqpa-reason: policy-unavailable/i);
    assert.match(r.out, /\n403$/);
  });
});
