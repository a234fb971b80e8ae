import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createSealer } from "../../src/secrets/sealer.js";
import { createIntermediate, createRoot } from "../../src/ca/authority/index.js";
import { CaConfigError } from "../../src/ca/errors.js";
import { LeafMinter, type MintedLeaf } from "../../src/ca/leaf.js";
import { DAY_MS } from "../../src/ca/lifecycle.js";
import { parseCertificate } from "../../src/ca/x509.js";
import { makeHierarchy, openssl, Scratch, type Hierarchy } from "./fixture.js";

let h: Hierarchy;
let scratch: Scratch;
before(async () => {
  h = await makeHierarchy();
  scratch = new Scratch();
});
after(() => scratch.remove());

describe("root", () => {
  test("ok/self-signed ECDSA P-384 root: CA:TRUE, keyCertSign+cRLSign, constrained to the stable namespaces", () => {
    const text = openssl("x509", "-noout", "-text", "-in", scratch.pem("root.pem", h.root.record.der)).out;
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA384/);
    assert.match(text, /NIST CURVE: P-384/);
    assert.match(text, /Basic Constraints: critical\n\s+CA:TRUE\n/);
    assert.match(text, /Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    assert.match(text, /Name Constraints: critical\n\s+Excluded:\n\s+DNS:gov\.kz\n\s+DNS:egov\.kz\n/);
    assert.equal(openssl("verify", "-CAfile", scratch.pem("root2.pem", h.root.record.der), scratch.pem("root3.pem", h.root.record.der)).status, 0);
  });

  test("ok/@peculiar/x509 verifies the root's self-signature", async () => {
    const c = new x509.X509Certificate(h.root.record.der);
    assert.equal(await c.verify({ signatureOnly: true }), true);
    assert.equal(await c.isSelfSigned(), true);
  });

  test("ok/RSA-3072 and P-256 roots issue a working chain", async () => {
    for (const alg of ["rsa-3072", "ecdsa-p256"] as const) {
      const hh = await makeHierarchy({ rootAlgorithm: alg });
      assert.equal(hh.root.record.keyAlgorithm, alg);
      const leaf = hh.minter.mint("www.example.kz") as MintedLeaf;
      const r = openssl(
        "verify",
        "-purpose",
        "sslserver",
        "-CAfile",
        scratch.pem(`root-${alg}.pem`, hh.root.record.der),
        "-untrusted",
        scratch.pem(`int-${alg}.pem`, hh.intermediate.record.der),
        scratch.pem(`leaf-${alg}.pem`, leaf.der),
      );
      assert.equal(r.status, 0, r.out);
    }
  });

  test("ok/the root's own constraints bite even under an unconstrained intermediate", async () => {
    // Bypass everything the intermediate would add: no bank list and, crucially, a leaf for gov.kz.
    const sealer = createSealer(randomBytes(32));
    const root = await createRoot(sealer, { now: h.now });
    const inter = await createIntermediate(sealer, root, { now: h.now, bankDomains: [] });
    const forced = new LeafMinter({ issuer: inter.issuer, issuerCertificate: inter.record.der, policy: (n) => ({ kind: "dns", name: n }), keys: h.keys });
    const leaf = forced.mint("kaspi.kz") as MintedLeaf;
    const args = ["verify", "-CAfile", scratch.pem("r.pem", root.record.der), "-untrusted", scratch.pem("i.pem", inter.record.der)];
    assert.equal(openssl(...args, scratch.pem("l.pem", leaf.der)).status, 0, "kaspi.kz is not excluded when the bank list is empty");
    const gov = forced.mint("www.gov.kz") as MintedLeaf;
    assert.match(openssl(...args, scratch.pem("g.pem", gov.der)).out, /excluded subtree violation/);
  });

  test("fail/validity outside 1..25 years is refused", async () => {
    const sealer = createSealer(randomBytes(32));
    await assert.rejects(createRoot(sealer, { now: h.now, validityDays: 0 }), CaConfigError);
    await assert.rejects(createRoot(sealer, { now: h.now, validityDays: 10_000 }), CaConfigError);
  });
});

describe("intermediate", () => {
  test("ok/openssl shows pathlen:0, EKU serverAuth, AKI = root SKI and the excluded subtrees", () => {
    const text = openssl("x509", "-noout", "-text", "-in", scratch.pem("int.pem", h.intermediate.record.der)).out;
    assert.match(text, /Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
    assert.match(text, /Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    assert.match(text, /Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    assert.match(text, /Name Constraints: critical\n\s+Excluded:\n\s+DNS:gov\.kz\n\s+DNS:egov\.kz\n\s+DNS:nationalbank\.kz\n/);
    for (const d of ["halykbank.kz", "kaspi.kz", "bcc.kz", "forte.kz", "jusan.kz"]) assert.match(text, new RegExp(`DNS:${d.replace(".", "\\.")}\\n`));
    const rootSki = openssl("x509", "-noout", "-ext", "subjectKeyIdentifier", "-in", scratch.pem("r.pem", h.root.record.der)).out.split("\n")[1]!.trim();
    assert.ok(text.includes(`Authority Key Identifier: \n                ${rootSki}`) || text.includes(rootSki));
    assert.deepEqual(h.intermediate.record.excludedDns.slice(0, 2), ["gov.kz", "egov.kz"]);
  });

  test("ok/validity lies inside the root's", () => {
    const root = parseCertificate(h.root.record.der);
    const inter = parseCertificate(h.intermediate.record.der);
    assert.ok(inter.notBefore >= root.notBefore);
    assert.ok(inter.notAfter <= root.notAfter);
    assert.ok(inter.issuer.equals(root.subject));
  });

  test("ok/an intermediate asked to outlive its root is clipped to the root's notAfter", async () => {
    const sealer = createSealer(randomBytes(32));
    const root = await createRoot(sealer, { now: h.now, validityDays: 100 });
    const inter = await createIntermediate(sealer, root, { now: h.now, validityDays: 730 });
    assert.equal(inter.record.notAfter.getTime(), root.record.notAfter.getTime());
  });

  test("fail/a root that expires within a day cannot issue an intermediate", async () => {
    const sealer = createSealer(randomBytes(32));
    const root = await createRoot(sealer, { now: new Date(h.now.getTime() - 30 * DAY_MS), validityDays: 30 });
    await assert.rejects(createIntermediate(sealer, root, { now: h.now }), CaConfigError);
  });

  test("fail/an issuer whose key is not the root's is refused", async () => {
    const sealer = createSealer(randomBytes(32));
    const other = await createRoot(sealer, { now: h.now });
    await assert.rejects(createIntermediate(sealer, { record: h.root.record, issuer: other.issuer }, { now: h.now }), /does not belong/);
  });
});
