/**
 * Leaves for gateway nodes over the bus (p.21–23): only a node proving itself with its own credential gets one,
 * the reply is sealed (no leaf key crosses NATS in the clear), stale requests are refused, and the authority's
 * refusal of a protected name reaches the node. Real NATS on loopback, a real CA hierarchy; the enrolled nodes
 * are a fixed map here (the store's directory is in node-enrolment.test.ts).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, X509Certificate, createPrivateKey } from "node:crypto";
import { connectNatsBus } from "../../src/bus/nats.js";
import { busLeaves, credentialSealer, serveLeaves, type NodeCredentials } from "../../src/bus/leaves.js";
import { LeafCache } from "../../src/ca/leaf.js";
import type { Bus } from "../../src/bus/bus.js";
import { makeHierarchy } from "../ca/fixture.js";
import { NATS_URL, natsSkip, testNamespace, until } from "./support.js";

const skip = await natsSkip();

describe("leaves over the bus", { skip }, () => {
  const ns = testNamespace("leaves");
  const credential = randomBytes(32);
  const other = randomBytes(32);
  // Two enrolled nodes, each with its own credential.
  const enrolled: NodeCredentials = { sealers: (node) => (node === "gw-1" ? [credentialSealer(credential)] : node === "gw-2" ? [credentialSealer(other)] : []) };
  let controlPlane: Bus;
  let node: Bus;
  let service: { stop(): Promise<void> };
  let intermediateDer: Buffer;

  before(async () => {
    const h = await makeHierarchy();
    intermediateDer = Buffer.from(h.intermediate.record.der);
    controlPlane = await connectNatsBus({ servers: [NATS_URL], namespace: ns.namespace, name: "control plane" });
    node = await connectNatsBus({ servers: [NATS_URL], namespace: ns.namespace, name: "node" });
    const cache = new LeafCache(h.minter);
    service = serveLeaves(controlPlane, enrolled, () => cache);
    // The subscription reaches the server on another connection than the requests: wait until it answers.
    await until(() => node.request("leaf", Buffer.from("{}"), 1000).then(() => true, () => false), "the leaf service answering");
  });
  after(async () => {
    await service?.stop();
    await node?.close();
    await controlPlane?.close();
    await ns.cleanup();
  });

  test("ok/a node with its credential gets the leaf for the name, its chain and its key", async () => {
    const leaf = await busLeaves(node, "gw-1", credential).get("shop.example", "ecdsa");
    const cert = new X509Certificate(leaf.der);
    assert.ok(cert.checkHost("shop.example"));
    assert.ok(!cert.checkHost("other.example"), "the requested name only");
    assert.deepEqual(leaf.chain.map((c) => Buffer.from(c)), [intermediateDer]);
    assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.key.privateKeyPem())));
  });

  test("fail/a wrong credential, another node's credential or an unknown node gets no leaf", async () => {
    await assert.rejects(busLeaves(node, "gw-1", randomBytes(32)).get("shop.example", "ecdsa"), /not authenticated/);
    await assert.rejects(busLeaves(node, "gw-1", other).get("shop.example", "ecdsa"), /not authenticated/, "gw-2's credential does not speak for gw-1");
    await assert.rejects(busLeaves(node, "gw-9", credential).get("shop.example", "ecdsa"), /not authenticated/);
    assert.ok(await busLeaves(node, "gw-2", other).get("shop.example", "ecdsa"), "gw-2 with its own");
  });

  test("fail/the reply is sealed; a stale request is refused", async () => {
    const sealer = credentialSealer(credential);
    const ask = async (at: number, node_ = "gw-1", proofNode = node_) => {
      const proof = sealer.seal("", `qaqpa-leaf-request:${proofNode}:ecdsa:shop.example:${at}`);
      return Buffer.from(await node.request("leaf", Buffer.from(JSON.stringify({ node: node_, name: "shop.example", keyType: "ecdsa", at, proof })), 5000)).toString("utf8");
    };
    const at = Date.now();
    const fresh = await ask(at);
    assert.match(fresh, /^\{"sealed":"/);
    assert.doesNotMatch(fresh, /PRIVATE KEY|BEGIN/, "no key material in the clear on the bus");
    const sealed = (JSON.parse(fresh) as { sealed: string }).sealed;
    assert.throws(() => sealer.open(sealed, `qaqpa-leaf:gw-2:ecdsa:shop.example:${at}`), "the reply is bound to the node that asked");
    assert.ok(sealer.open(sealed, `qaqpa-leaf:gw-1:ecdsa:shop.example:${at}`));
    assert.deepEqual(JSON.parse(await ask(Date.now() - 10 * 60_000)), { error: "request not fresh" });
    assert.deepEqual(JSON.parse(await ask(Date.now(), "gw-1", "gw-2")), { error: "request not authenticated" }, "the proof is bound to the node id in clear");
    assert.deepEqual(JSON.parse(await ask(Date.now(), "../gw-1")), { error: "malformed request" });
  });

  test("fail/p.20: the authority refuses a protected name, and the node learns it", async () => {
    await assert.rejects(busLeaves(node, "gw-1", credential).get("bank.example.com", "ecdsa"), /leaf for bank\.example\.com/);
  });
});
