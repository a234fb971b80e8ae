/**
 * Per-node credentials (src/services/gateway-nodes.ts) on the control plane's leaf service: an enrolled node gets
 * leaves; a revoked one is refused within seconds (the directory's refresh, 2 s); after a rotation the new
 * credential works and the old one only until the overlap ends; the credential is sealed at rest and never in the
 * audit log. Real PGlite, real NATS on loopback, a real CA hierarchy; the control plane's bus duties as
 * `qaqpa start` runs them.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, X509Certificate } from "node:crypto";
import { sql } from "kysely";
import { connectNatsBus } from "../../src/bus/nats.js";
import { busLeaves } from "../../src/bus/leaves.js";
import { startControlPlaneBus, type ControlPlaneBus } from "../../src/bus/control-plane.js";
import type { Bus } from "../../src/bus/bus.js";
import { LeafCache } from "../../src/ca/leaf.js";
import { openStore, type Store } from "../../src/store/db.js";
import { verifyAudit } from "../../src/store/audit.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { inTx } from "../../src/services/context.js";
import { systemPrincipal } from "../../src/domain/authz.js";
import { enrolGatewayNode, listGatewayNodes, revokeGatewayNode, rotateGatewayNode } from "../../src/services/gateway-nodes.js";
import { Problem } from "../../src/contract/problem.js";
import { makeHierarchy } from "../ca/fixture.js";
import { NATS_URL, natsSkip, testNamespace, until } from "./support.js";

const skip = await natsSkip();

describe("gateway nodes' own credentials on the leaf service", { skip }, () => {
  const ns = testNamespace("enrol");
  const sealer = createSealer(randomBytes(32));
  let dir: string;
  let store: Store;
  let controlPlane: Bus;
  let node: Bus;
  let cp: ControlPlaneBus;
  const run = <T>(fn: Parameters<typeof inTx<T>>[3]) => inTx(store, systemPrincipal("cli"), null, fn);
  /** One leaf request with no cache in between: the leaf's name, or the refusal. */
  const ask = (id: string, credential: Uint8Array) =>
    busLeaves(node, id, credential)
      .get("shop.example", "ecdsa")
      .then(
        (leaf) => (new X509Certificate(leaf.der).checkHost("shop.example") ? "leaf" : "wrong leaf"),
        (e: Error) => e.message,
      );
  const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof Problem ? e.code : String(e)));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-node-enrolment-"));
    store = await openStore({ dataDir: join(dir, "data") });
    const h = await makeHierarchy();
    const leaves = new LeafCache(h.minter);
    controlPlane = await connectNatsBus({ servers: [NATS_URL], namespace: ns.namespace, name: "control plane" });
    node = await connectNatsBus({ servers: [NATS_URL], namespace: ns.namespace, name: "node" });
    cp = await startControlPlaneBus({ bus: controlPlane, db: store.db, snapshot: () => null, leaves: () => leaves, sealer });
  });
  after(async () => {
    await cp?.stop();
    await node?.close();
    await controlPlane?.close();
    await ns.cleanup();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/an enrolled node gets a leaf with its credential; an unknown node and a wrong credential get none", async () => {
    const { node: enrolled, credential } = await run((ctx) => enrolGatewayNode(ctx, sealer, "gw-a"));
    assert.equal(credential.length, 32);
    assert.deepEqual({ ...enrolled, createdAt: undefined }, { id: "gw-a", state: "active", generation: 1, createdAt: undefined, rotatedAt: null, revokedAt: null, previousValidUntil: null });
    await until(async () => (await ask("gw-a", credential)) === "leaf", "gw-a's leaf", 10_000);
    assert.match(await ask("gw-unknown", credential), /request not authenticated/, "another id with gw-a's credential");
    assert.match(await ask("gw-a", randomBytes(32)), /request not authenticated/);
  });

  test("ok/a revoked node is refused within seconds; enrolled again it has a new credential", async () => {
    const { credential } = await run((ctx) => enrolGatewayNode(ctx, sealer, "gw-b"));
    await until(async () => (await ask("gw-b", credential)) === "leaf", "gw-b's leaf", 10_000);
    const revokedAt = Date.now();
    const revoked = await run((ctx) => revokeGatewayNode(ctx, "gw-b"));
    assert.equal(revoked.state, "revoked");
    await until(async () => /request not authenticated/.test(await ask("gw-b", credential)), "gw-b refused", 5_000);
    assert.ok(Date.now() - revokedAt < 5_000, `refused ${Date.now() - revokedAt} ms after the revocation`);
    assert.equal(await codeOf(run((ctx) => rotateGatewayNode(ctx, sealer, "gw-b"))), "QQ_ERR_CONFLICT", "a revoked node is not rotated");
    assert.equal(await codeOf(run((ctx) => revokeGatewayNode(ctx, "gw-b"))), "QQ_ERR_CONFLICT");

    const again = await run((ctx) => enrolGatewayNode(ctx, sealer, "gw-b"));
    assert.equal(again.node.generation, 2);
    assert.equal(again.node.state, "active");
    await until(async () => (await ask("gw-b", again.credential)) === "leaf", "gw-b's leaf after re-enrolment", 10_000);
    assert.match(await ask("gw-b", credential), /request not authenticated/, "the credential from before the revocation stays refused");
  });

  test("ok/after a rotation the new credential works, the old one until the overlap ends; an overlap of 0 ends it at once", async () => {
    const { credential: first } = await run((ctx) => enrolGatewayNode(ctx, sealer, "gw-c"));
    await until(async () => (await ask("gw-c", first)) === "leaf", "gw-c's leaf", 10_000);
    const rotated = await run((ctx) => rotateGatewayNode(ctx, sealer, "gw-c", 4_000));
    const second = rotated.credential;
    assert.equal(rotated.node.generation, 2);
    assert.ok(rotated.node.previousValidUntil && Date.parse(rotated.node.previousValidUntil) > Date.now());
    await until(async () => (await ask("gw-c", second)) === "leaf", "the new credential accepted", 5_000);
    assert.equal(await ask("gw-c", first), "leaf", "the old one during the overlap");
    await until(async () => /request not authenticated/.test(await ask("gw-c", first)), "the old credential refused after the overlap", 8_000);
    assert.equal(await ask("gw-c", second), "leaf");

    const third = (await run((ctx) => rotateGatewayNode(ctx, sealer, "gw-c", 0))).credential;
    await until(async () => (await ask("gw-c", third)) === "leaf", "the third credential accepted", 5_000);
    assert.match(await ask("gw-c", second), /request not authenticated/, "no overlap: the second is refused as soon as the third is in force");
  });

  test("fail/enrolling an active node, rotating or revoking an unknown one, a bad id or overlap are refused", async () => {
    await run((ctx) => enrolGatewayNode(ctx, sealer, "gw-d"));
    assert.equal(await codeOf(run((ctx) => enrolGatewayNode(ctx, sealer, "gw-d"))), "QQ_ERR_DUPLICATE");
    assert.equal(await codeOf(run((ctx) => rotateGatewayNode(ctx, sealer, "gw-none"))), "QQ_ERR_NOT_FOUND");
    assert.equal(await codeOf(run((ctx) => revokeGatewayNode(ctx, "gw-none"))), "QQ_ERR_NOT_FOUND");
    assert.equal(await codeOf(run((ctx) => enrolGatewayNode(ctx, sealer, "gw d"))), "QQ_ERR_VALIDATION");
    assert.equal(await codeOf(run((ctx) => rotateGatewayNode(ctx, sealer, "gw-d", -1))), "QQ_ERR_VALIDATION");
    assert.equal(await codeOf(run((ctx) => rotateGatewayNode(ctx, sealer, "gw-d", 25 * 3_600_000))), "QQ_ERR_VALIDATION");
    const auditor = { ...systemPrincipal("test"), role: "auditor" as const };
    assert.equal(await codeOf(inTx(store, auditor, null, (ctx) => enrolGatewayNode(ctx, sealer, "gw-e"))), "QQ_ERR_FORBIDDEN");
    assert.deepEqual((await inTx(store, auditor, null, (ctx) => listGatewayNodes(ctx))).items.map((n) => `${n.id} ${n.state} ${n.generation}`), ["gw-a active 1", "gw-b active 2", "gw-c active 3", "gw-d active 1"]);
  });

  test("ok/the credential is sealed at rest, bound to its node and generation, and never in the audit log", async () => {
    const { credential } = await run((ctx) => enrolGatewayNode(ctx, sealer, "gw-f"));
    const rotated = await run((ctx) => rotateGatewayNode(ctx, sealer, "gw-f"));
    const forms = (c: Buffer) => [c.toString("base64"), c.toString("base64url"), c.toString("hex"), c.toString("latin1")];
    const row = (await sql<{ sealed_credential: string; sealed_previous_credential: string }>`select sealed_credential, sealed_previous_credential from gateway_node where id = 'gw-f'`.execute(store.db)).rows[0]!;
    for (const [sealed, plain, generation] of [[row.sealed_credential, rotated.credential, 2], [row.sealed_previous_credential, credential, 1]] as const) {
      assert.match(sealed, /^qs1\./);
      for (const f of forms(plain)) assert.ok(!sealed.includes(f), "the raw row does not hold the credential");
      assert.deepEqual(sealer.open(sealed, `gateway-node-credential:gw-f:${generation}`), plain, "it opens with the master key, for this node and generation");
      assert.throws(() => sealer.open(sealed, `gateway-node-credential:gw-a:${generation}`), "and for no other node");
    }
    const entries = await store.db.selectFrom("audit_entry").select(["action", "entity_id", "body"]).where("entity_type", "=", "gateway_node").orderBy("seq").execute();
    assert.deepEqual(
      entries.filter((e) => e.entity_id === "gw-f").map((e) => e.action),
      ["gateway-node.enrol", "gateway-node.rotate"],
    );
    assert.ok(entries.some((e) => e.action === "gateway-node.revoke" && e.entity_id === "gw-b"));
    for (const e of entries) for (const c of [credential, rotated.credential]) for (const f of forms(c)) assert.ok(!e.body.includes(f), `${e.action} holds no credential`);
    assert.ok(!entries.some((e) => /qs1\./.test(e.body)), "nor a sealed one");
    assert.equal((await verifyAudit(store.db)).ok, true);
  });
});
