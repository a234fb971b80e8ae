import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { InvalidLeafNameError, ProtectedNameError } from "../../src/ca/errors.js";
import type { Issuer } from "../../src/ca/issuers/issuer.js";
import { LeafCache, LeafMinter, epochOf, type MintedLeaf } from "../../src/ca/leaf.js";
import { CaAuthority, generateLeafKeys, openLeafKeys } from "../../src/ca/authority/index.js";
import { parseCertificate } from "../../src/ca/x509.js";
import { makeHierarchy, openssl, Scratch, type Hierarchy } from "./fixture.js";

let h: Hierarchy;
let scratch: Scratch;
let rootPem: string;
let interPem: string;

before(async () => {
  h = await makeHierarchy();
  scratch = new Scratch();
  rootPem = scratch.pem("root.pem", h.root.record.der);
  interPem = scratch.pem("intermediate.pem", h.intermediate.record.der);
});
after(() => scratch.remove());

const mintSync = (m: LeafMinter, name: string, type: "ecdsa" | "rsa" = "ecdsa"): MintedLeaf => {
  const r = m.mint(name, type);
  assert.ok(!(r instanceof Promise), "a file-key issuer mints synchronously");
  return r;
};

function verify(leaf: MintedLeaf, file: string): { status: number; out: string } {
  return openssl("verify", "-purpose", "sslserver", "-CAfile", rootPem, "-untrusted", interPem, scratch.pem(file, leaf.der));
}

describe("leaf profile (RFC 5280 §4.1, §4.2)", () => {
  test("ok/openssl verify -purpose sslserver accepts an ECDSA leaf through the intermediate", () => {
    const r = verify(mintSync(h.minter, "portal.example.kz"), "leaf.pem");
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /OK/);
  });

  test("ok/openssl x509 -text: CN and SAN are the one name, EKU serverAuth, KU digitalSignature, CA:FALSE", () => {
    const leaf = mintSync(h.minter, "Portal.Example.KZ.");
    const text = openssl("x509", "-noout", "-text", "-in", scratch.pem("leaf-text.pem", leaf.der)).out;
    assert.match(text, /Subject: CN ?= ?portal\.example\.kz\n/);
    assert.match(text, /X509v3 Subject Alternative Name: \n\s+DNS:portal\.example\.kz\n/);
    assert.doesNotMatch(text, /DNS:[^\n]*,/, "exactly one SAN entry");
    assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:FALSE/);
    assert.match(text, /X509v3 Authority Key Identifier/);
    assert.match(text, /X509v3 Subject Key Identifier/);
    assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
  });

  test("ok/@peculiar/x509 parses the template-built leaf to the same fields", () => {
    const leaf = mintSync(h.minter, "api.example.kz");
    const c = new x509.X509Certificate(leaf.der);
    assert.equal(c.subject, "CN=api.example.kz");
    const san = c.getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san?.names.toJSON(), [{ type: "dns", value: "api.example.kz" }]);
    assert.equal(c.serialNumber, leaf.serial.toString("hex"));
    assert.equal(c.notBefore.getTime(), leaf.notBefore.getTime());
    assert.equal(c.notAfter.getTime(), leaf.notAfter.getTime());
  });

  test("ok/validity is backdated from the epoch start (or the issuer's notBefore) and at most 397 days", () => {
    const leaf = mintSync(h.minter, "time.example.kz");
    const epochStart = h.keys.epoch * 86_400_000;
    const issuerNotBefore = parseCertificate(h.intermediate.record.der).notBefore.getTime();
    assert.equal(leaf.notBefore.getTime(), Math.max(epochStart - 3_600_000, issuerNotBefore));
    assert.ok(leaf.notAfter.getTime() - leaf.notBefore.getTime() <= 397 * 86_400_000);
    assert.ok(leaf.notBefore.getTime() <= h.now.getTime());
  });

  test("ok/RSA-2048 leaf for clients without ECDSA verifies and adds keyEncipherment", () => {
    const leaf = mintSync(h.minter, "legacy.example.kz", "rsa");
    assert.equal(verify(leaf, "leaf-rsa.pem").status, 0);
    const text = openssl("x509", "-noout", "-text", "-in", scratch.pem("leaf-rsa2.pem", leaf.der)).out;
    assert.match(text, /Public-Key: \(2048 bit\)/);
    assert.match(text, /Digital Signature, Key Encipherment/);
  });

  test("ok/a name longer than 64 characters gets an empty subject and a critical SAN (RFC 5280 §4.2.1.6)", () => {
    const name = `${"a".repeat(63)}.${"b".repeat(40)}.example.kz`;
    const leaf = mintSync(h.minter, name);
    const r = verify(leaf, "leaf-long.pem");
    assert.equal(r.status, 0, r.out);
    const text = openssl("x509", "-noout", "-text", "-in", scratch.pem("leaf-long2.pem", leaf.der)).out;
    assert.match(text, /Subject: ?\n/);
    assert.match(text, /Subject Alternative Name: critical\n\s+DNS:a{63}\./);
  });

  test("ok/a 253-character name (multi-byte DER lengths) still verifies", () => {
    const name = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(58), "kz"].join(".");
    assert.equal(name.length, 253);
    assert.equal(verify(mintSync(h.minter, name), "leaf-253.pem").status, 0);
  });

  test("ok/IP leaf only when the authority allows it", () => {
    assert.throws(() => h.minter.mint("192.0.2.7"), (e: unknown) => e instanceof InvalidLeafNameError && e.reason === "ip-not-allowed");
    const ipAuthority = new CaAuthority({ isProtected: () => false, allowIp: true });
    const ipMinter = ipAuthority.leafMinter({ issuer: h.issuer, certificate: h.intermediate.record.der }, h.keys);
    const leaf = mintSync(ipMinter, "192.0.2.7");
    const text = openssl("x509", "-noout", "-text", "-in", scratch.pem("leaf-ip.pem", leaf.der)).out;
    assert.match(text, /IP Address:192\.0\.2\.7/);
    assert.equal(verify(leaf, "leaf-ip2.pem").status, 0);
  });
});

describe("name constraints are real (Rules p.20)", () => {
  // A minter whose policy admits anything: the authority's check is bypassed on purpose, so only the
  // intermediate's NameConstraints stand between the leaf and the workstation.
  const forced = (): LeafMinter =>
    new LeafMinter({ issuer: h.issuer, issuerCertificate: h.intermediate.record.der, policy: (n) => ({ kind: "dns", name: n }), keys: h.keys });

  for (const name of ["www.gov.kz", "gov.kz", "egov.kz", "id.egov.kz", "kaspi.kz", "online.halykbank.kz"]) {
    test(`fail/openssl verify rejects a forced leaf for ${name} with an excluded-subtree error`, () => {
      const r = verify(mintSync(forced(), name), `forced-${name}.pem`);
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /excluded subtree violation/);
    });
  }

  test("ok/a neighbour that only shares a suffix string is not excluded (label boundary)", () => {
    assert.equal(verify(mintSync(forced(), "notgov.kz"), "forced-notgov.pem").status, 0);
  });

  test("fail/the authority refuses the same names itself, with typed errors", () => {
    for (const name of ["www.gov.kz", "egov.kz", "kaspi.kz", "x.homebank.kz"]) {
      assert.throws(() => h.minter.mint(name), (e: unknown) => e instanceof ProtectedNameError && e.reason === "name-constraint" && e.status === 403);
    }
    assert.throws(() => h.minter.mint("bank.example.com"), (e: unknown) => e instanceof ProtectedNameError && e.reason === "protected-category");
  });
});

describe("deterministic TBS", () => {
  test("ok/two minters and two caches mint the identical TBSCertificate and serial for a name", async () => {
    const other = h.authority.leafMinter({ issuer: h.issuer, certificate: h.intermediate.record.der }, h.keys);
    const a = await new LeafCache(h.minter).get("same.example.kz");
    const b = await new LeafCache(other).get("SAME.example.kz");
    assert.ok(a.tbs.equals(b.tbs));
    assert.ok(a.serial.equals(b.serial));
    assert.ok(!a.der.equals(b.der), "ECDSA signatures are randomised; only the TBS is shared");
    assert.equal(a.serial.length, 16);
    assert.equal(a.serial[0]! & 0x80, 0);
  });

  test("ok/serial changes with the name, the key type and the epoch", () => {
    const a = mintSync(h.minter, "one.example.kz");
    assert.ok(!a.serial.equals(mintSync(h.minter, "two.example.kz").serial));
    assert.ok(!a.serial.equals(mintSync(h.minter, "one.example.kz", "rsa").serial));
    const next = openLeafKeys(h.sealer, generateLeafKeys(h.sealer, h.keys.epoch + 1, 86_400, h.now));
    const m = h.authority.leafMinter({ issuer: h.issuer, certificate: h.intermediate.record.der }, next);
    const b = mintSync(m, "one.example.kz");
    assert.ok(!a.serial.equals(b.serial));
    assert.equal(b.notBefore.getTime(), (h.keys.epoch + 1) * 86_400_000 - 3_600_000);
  });

  test("fail/a minter refuses a key set of another issuer or an out-of-range validity", () => {
    assert.throws(
      () => new LeafMinter({ issuer: h.issuer, issuerCertificate: h.root.record.der, policy: h.authority.namePolicy(), keys: h.keys }),
      /does not belong/,
    );
    assert.throws(
      () => new LeafMinter({ issuer: h.issuer, issuerCertificate: h.intermediate.record.der, policy: h.authority.namePolicy(), keys: h.keys, validityDays: 398 }),
      /1\.\.397/,
    );
  });
});

describe("leaf cache", () => {
  /** An issuer that signs later, like a remote issuing-key holder: gives request collapsing a window. */
  class SlowIssuer implements Issuer {
    calls = 0;
    constructor(readonly inner: Issuer) {}
    get id() {
      return this.inner.id;
    }
    get publicKey() {
      return this.inner.publicKey;
    }
    get algorithm() {
      return this.inner.algorithm;
    }
    async sign(tbs: Buffer): Promise<Buffer> {
      this.calls++;
      await new Promise((r) => setTimeout(r, 5));
      return this.inner.sign(tbs) as Buffer;
    }
  }

  test("ok/concurrent requests for one name share one mint", async () => {
    const slow = new SlowIssuer(h.issuer);
    const cache = new LeafCache(h.authority.leafMinter({ issuer: slow, certificate: h.intermediate.record.der }, h.keys));
    const leaves = await Promise.all([cache.get("c.example.kz"), cache.get("c.example.kz"), cache.get("C.example.kz."), cache.get("d.example.kz")]);
    assert.equal(slow.calls, 2);
    assert.equal(leaves[0], leaves[1]);
    assert.equal(leaves[0], leaves[2]);
    assert.deepEqual(cache.stats(), { size: 2, hits: 0, misses: 2, collapsed: 2, evictions: 0 });
    assert.equal(await cache.get("c.example.kz"), leaves[0]);
    assert.equal(cache.stats().hits, 1);
  });

  test("ok/LRU: the least recently used entry is evicted at the bound", async () => {
    const cache = new LeafCache(h.minter, { max: 2 });
    const a = await cache.get("a.example.kz");
    await cache.get("b.example.kz");
    assert.equal(cache.peek("a.example.kz"), a); // a is now most recent
    await cache.get("c.example.kz"); // evicts b
    assert.equal(cache.peek("b.example.kz"), undefined);
    assert.equal(cache.peek("a.example.kz"), a);
    assert.equal(cache.stats().evictions, 1);
    assert.equal(cache.stats().size, 2);
  });

  test("ok/keys are (name, key type); an epoch switch turns cached leaves into misses", async () => {
    const minter = h.authority.leafMinter({ issuer: h.issuer, certificate: h.intermediate.record.der }, h.keys);
    const cache = new LeafCache(minter);
    const e = await cache.get("k.example.kz", "ecdsa");
    const r = await cache.get("k.example.kz", "rsa");
    assert.notEqual(e, r);
    assert.equal(r.key.type, "rsa");
    minter.useKeys(openLeafKeys(h.sealer, generateLeafKeys(h.sealer, h.keys.epoch + 1, 86_400, h.now)));
    assert.equal(cache.peek("k.example.kz"), undefined);
    const e2 = await cache.get("k.example.kz");
    assert.equal(e2.epoch, h.keys.epoch + 1);
  });

  test("fail/refused names reject and are not cached", async () => {
    const cache = new LeafCache(h.minter);
    await assert.rejects(cache.get("www.gov.kz"), ProtectedNameError);
    await assert.rejects(cache.get("under_score.example.kz"), InvalidLeafNameError);
    await assert.rejects(cache.get("*.example.kz"), InvalidLeafNameError);
    assert.equal(cache.stats().size, 0);
  });
});

test("ok/epochOf is floor(unix seconds / epoch length)", () => {
  assert.equal(epochOf(0), 0);
  assert.equal(epochOf(86_400_000 - 1), 0);
  assert.equal(epochOf(86_400_000), 1);
  assert.equal(epochOf(7_200_000, 3600), 2);
});
