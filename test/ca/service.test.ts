import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { createSealer } from "../../src/secrets/sealer.js";
import { CaAuthority } from "../../src/ca/authority/index.js";
import { CaConflictError, CaNotFoundError, IllegalCaTransitionError } from "../../src/ca/errors.js";
import { LeafCache, epochOf } from "../../src/ca/leaf.js";
import { DAY_MS } from "../../src/ca/lifecycle.js";
import { ensureLeafKeys, exportBundles, initCa, openIssuingCa, rotateCa, transitionCa, type CaServiceDeps } from "../../src/ca/service.js";
import { InMemoryCaStore } from "../../src/ca/store.js";
import { openssl, Scratch } from "./fixture.js";

function deps(start = new Date("2026-03-01T08:00:00Z")): CaServiceDeps & { advance(days: number): void; store: InMemoryCaStore } {
  let now = start;
  return {
    store: new InMemoryCaStore(),
    sealer: createSealer(randomBytes(32)),
    now: () => now,
    advance(days: number) {
      now = new Date(now.getTime() + days * DAY_MS);
    },
  };
}

/** Everything a record's sealed key or a key's PEM could leak through. */
async function secretsOf(d: CaServiceDeps): Promise<string[]> {
  const recs = await d.store.listCertificates();
  return recs.flatMap((r) => [r.sealedKey, r.sealedKey.slice(4, 44)]);
}

describe("init → publish → activate → issue", () => {
  test("ok/the full first-install flow ends with a working issuing CA for the gateway", async () => {
    const d = deps();
    const pair = await initCa(d, { bankDomains: ["example-bank.kz"] });
    assert.equal(pair.root.lifecycle.state, "generated");
    assert.equal(pair.intermediate.parentId, pair.root.id);
    assert.ok(pair.intermediate.excludedDns.includes("example-bank.kz"));
    await assert.rejects(openIssuingCa(d), CaNotFoundError);

    await transitionCa(d, pair.root.id, { type: "publish" });
    await assert.rejects(transitionCa(d, pair.intermediate.id, { type: "activate" }), IllegalCaTransitionError);
    d.advance(14);
    await assert.rejects(transitionCa(d, pair.root.id, { type: "activate" }, { minPublicationLeadDays: 15 }), IllegalCaTransitionError);
    const root = await transitionCa(d, pair.root.id, { type: "activate" }, { minPublicationLeadDays: 14 });
    assert.equal(root.lifecycle.state, "active");
    assert.equal((await d.store.getCertificate(pair.intermediate.id))?.lifecycle.state, "active", "activating a root activates its intermediate");

    const issuing = await openIssuingCa(d);
    assert.equal(issuing.record.id, pair.intermediate.id);
    const keys = await ensureLeafKeys(d, epochOf(d.now!().getTime()));
    const cache = new LeafCache(new CaAuthority({ isProtected: () => false }).leafMinter(issuing, keys));
    const leaf = await cache.get("www.example.kz");
    const s = new Scratch();
    try {
      const r = openssl(
        "verify",
        "-purpose",
        "sslserver",
        "-attime",
        String(Math.floor(d.now!().getTime() / 1000)),
        "-CAfile",
        s.write("root.pem", root.pem),
        "-untrusted",
        s.write("int.pem", issuing.record.pem),
        s.pem("leaf.pem", leaf.der),
      );
      assert.equal(r.status, 0, r.out);
    } finally {
      s.remove();
    }
  });

  test("fail/init twice is a conflict", async () => {
    const d = deps();
    await initCa(d);
    await assert.rejects(initCa(d), CaConflictError);
  });

  test("fail/a stale version loses the compare-and-swap", async () => {
    const d = deps();
    const { root } = await initCa(d);
    const rec = (await d.store.getCertificate(root.id))!;
    await d.store.updateLifecycle(root.id, rec.version, { ...rec.lifecycle, state: "published", publishedAt: d.now!() });
    await assert.rejects(d.store.updateLifecycle(root.id, rec.version, rec.lifecycle), CaConflictError);
    await assert.rejects(d.store.insertCertificate(rec), CaConflictError);
  });
});

async function activeCa(d: ReturnType<typeof deps>) {
  const pair = await initCa(d);
  await transitionCa(d, pair.root.id, { type: "publish" });
  await transitionCa(d, pair.root.id, { type: "activate" });
  return pair;
}

describe("rotation", () => {
  test("ok/root rotation publishes the new root now and schedules switch and revocation", async () => {
    const d = deps();
    const old = await activeCa(d);
    d.advance(300);
    const r = await rotateCa(d, { publicationLeadDays: 14, overlapDays: 30 });
    assert.ok(r.created.root);
    assert.deepEqual(r.applied.map((s) => s.event.type), ["publish"]);
    assert.deepEqual(
      r.pending.map((s) => [s.id === old.root.id ? "old" : "new", s.event.type]),
      [
        ["new", "activate"],
        ["old", "retire"],
        ["old", "revoke"],
      ],
    );
    assert.equal((await d.store.getCertificate(r.created.root.id))?.lifecycle.state, "published");
    // Operators get the new root while the old one still issues.
    assert.equal((await exportBundles(d)).root.id, r.created.root.id);
    assert.equal((await openIssuingCa(d)).record.id, old.intermediate.id);

    d.advance(14);
    for (const s of r.pending.filter((p) => p.at.getTime() <= d.now!().getTime())) await transitionCa(d, s.id, s.event);
    assert.equal((await openIssuingCa(d)).record.id, r.created.intermediate.id);
    assert.equal((await d.store.getCertificate(old.intermediate.id))?.lifecycle.state, "retiring", "retiring a root retires its intermediate");

    d.advance(30);
    const last = r.pending.at(-1)!;
    await transitionCa(d, last.id, last.event);
    const oldRoot = await d.store.getCertificate(old.root.id);
    assert.equal(oldRoot?.lifecycle.state, "revoked");
    assert.equal(oldRoot?.lifecycle.revocationReason, "superseded");
    assert.equal((await d.store.getCertificate(old.intermediate.id))?.lifecycle.state, "revoked");
  });

  test("ok/intermediate rotation (new bank list) switches at once under the same root", async () => {
    const d = deps();
    const old = await activeCa(d);
    const r = await rotateCa(d, { scope: "intermediate", bankDomains: ["newbank.kz"] });
    assert.equal(r.created.root, undefined);
    assert.equal(r.created.intermediate.parentId, old.root.id);
    assert.deepEqual(r.applied.map((s) => s.event.type), ["activate", "retire"]);
    assert.deepEqual(r.pending.map((s) => s.event.type), ["revoke"]);
    const issuing = await openIssuingCa(d);
    assert.equal(issuing.record.id, r.created.intermediate.id);
    assert.ok(issuing.record.excludedDns.includes("newbank.kz"));
    assert.equal((await d.store.getCertificate(old.intermediate.id))?.lifecycle.state, "retiring");
  });

  test("fail/rotation needs an active root", async () => {
    const d = deps();
    await assert.rejects(rotateCa(d), CaNotFoundError);
    await initCa(d);
    await assert.rejects(rotateCa(d), CaNotFoundError);
  });
});

describe("export and custody", () => {
  test("ok/exportBundles returns the root's files, fingerprints and state", async () => {
    const d = deps();
    const { root } = await initCa(d);
    const e = await exportBundles(d);
    assert.equal(e.root.id, root.id);
    assert.equal(e.root.sha256, root.sha256);
    assert.equal(e.root.state, "generated");
    const names = e.files.map((f) => f.filename);
    for (const ext of [".pem", ".der", ".cer", ".mobileconfig", ".crt", ".ps1", "policies.json", "-debian.sh", "-rhel.sh"]) {
      assert.ok(names.some((n) => n.endsWith(ext)), ext);
    }
    await assert.rejects(exportBundles(d, { id: "nope" }), CaNotFoundError);
  });

  test("ok/sealed keys never appear in any serialised output of the service", async () => {
    const d = deps();
    const pair = await activeCa(d);
    const rotated = await rotateCa(d, { scope: "intermediate" });
    const issuing = await openIssuingCa(d);
    const keys = await ensureLeafKeys(d, 20_500);
    const outputs = [
      JSON.stringify(pair),
      JSON.stringify(rotated),
      JSON.stringify(await exportBundles(d)),
      JSON.stringify(issuing),
      inspect(issuing, { depth: 10, showHidden: true }),
      JSON.stringify(keys),
      inspect(keys, { depth: 10 }),
    ];
    const secrets = await secretsOf(d);
    const leafRecord = await d.store.getLeafKeys(20_500, 86_400);
    secrets.push(leafRecord!.sealedEcdsa.slice(4, 44), leafRecord!.sealedRsa.slice(4, 44));
    for (const out of outputs) {
      assert.ok(!out.includes("PRIVATE KEY"));
      assert.ok(!out.includes("qs1."), "no sealed value");
      for (const s of secrets) assert.ok(!out.includes(s));
    }
    assert.equal("sealedKey" in pair.root, false);
  });

  test("ok/ensureLeafKeys: every node gets the same key pair for an epoch (first writer wins)", async () => {
    const d = deps();
    const [a, b] = await Promise.all([ensureLeafKeys(d, 20_000), ensureLeafKeys(d, 20_000)]);
    assert.ok(a.ecdsa.spki.equals(b.ecdsa.spki));
    assert.ok(a.rsa!.spki.equals(b.rsa!.spki));
    const c = await ensureLeafKeys(d, 20_001);
    assert.ok(!a.ecdsa.spki.equals(c.ecdsa.spki));
  });
});
