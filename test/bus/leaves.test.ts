/**
 * Leaves for gateway nodes over the bus (p.21–23): only a holder of the node credential gets one, the reply is
 * sealed (no leaf key crosses NATS in the clear), stale requests are refused, and the authority's refusal of a
 * protected name reaches the node. Real NATS on loopback, a real CA hierarchy.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, X509Certificate, createPrivateKey } from "node:crypto";
import { connectNatsBus } from "../../src/bus/nats.js";
import { busLeaves, credentialSealer, serveLeaves } from "../../src/bus/leaves.js";
import { LeafCache } from "../../src/ca/leaf.js";
import type { Bus } from "../../src/bus/bus.js";
import { makeHierarchy } from "../ca/fixture.js";
import { NATS_URL, natsSkip, testNamespace } from "./support.js";

const skip = await natsSkip();

describe("leaves over the bus", { skip }, () => {
  const ns = testNamespace("leaves");
  const credential = randomBytes(32);
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
    service = serveLeaves(controlPlane, credential, () => cache);
  });
  after(async () => {
    await service?.stop();
    await node?.close();
    await controlPlane?.close();
    await ns.cleanup();
  });

  test("ok/a node with the credential gets the leaf for the name, its chain and its key", async () => {
    const leaf = await busLeaves(node, credential).get("shop.example", "ecdsa");
    const cert = new X509Certificate(leaf.der);
    assert.ok(cert.checkHost("shop.example"));
    assert.ok(!cert.checkHost("other.example"), "the requested name only");
    assert.deepEqual(leaf.chain.map((c) => Buffer.from(c)), [intermediateDer]);
    assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.key.privateKeyPem())));
  });

  test("fail/a wrong credential gets no leaf", async () => {
    await assert.rejects(busLeaves(node, randomBytes(32)).get("shop.example", "ecdsa"), /not authenticated/);
  });

  test("fail/the reply is sealed; a stale request is refused", async () => {
    const sealer = credentialSealer(credential);
    const ask = async (at: number) => {
      const proof = sealer.seal("", `qaqpa-leaf-request:ecdsa:shop.example:${at}`);
      return Buffer.from(await node.request("leaf", Buffer.from(JSON.stringify({ name: "shop.example", keyType: "ecdsa", at, proof })), 5000)).toString("utf8");
    };
    const fresh = await ask(Date.now());
    assert.match(fresh, /^\{"sealed":"/);
    assert.doesNotMatch(fresh, /PRIVATE KEY|BEGIN/, "no key material in the clear on the bus");
    assert.deepEqual(JSON.parse(await ask(Date.now() - 10 * 60_000)), { error: "request not fresh" });
  });

  test("fail/p.20: the authority refuses a protected name, and the node learns it", async () => {
    await assert.rejects(busLeaves(node, credential).get("bank.example.com", "ecdsa"), /leaf for bank\.example\.com/);
  });
});
