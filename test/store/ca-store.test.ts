/**
 * The CA store adapter (PgCaStore) on both engines: the CA service's scenarios (test/ca/service.test.ts) run
 * against the store instead of the in-memory port, plus what only a database can get wrong — types coming
 * back (Buffers, Dates, arrays), compare-and-swap under a transaction, concurrent first-writer-wins, the
 * history table and rollback.
 */
import { describe, test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { sql } from "kysely";
import { engines } from "./engines.js";
import type { Store } from "../../src/store/db.js";
import { PgCaStore } from "../../src/store/ca-store.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { CaAuthority } from "../../src/ca/authority/index.js";
import { CaConflictError, CaNotFoundError, IllegalCaTransitionError } from "../../src/ca/errors.js";
import { LeafCache, epochOf } from "../../src/ca/leaf.js";
import { DAY_MS } from "../../src/ca/lifecycle.js";
import { ensureLeafKeys, exportBundles, initCa, openIssuingCa, rotateCa, transitionCa, type CaServiceDeps } from "../../src/ca/service.js";
import { openssl, Scratch } from "../ca/fixture.js";

type Deps = CaServiceDeps & { store: PgCaStore; advance(days: number): void; now: () => Date };

for (const e of engines()) {
  describe(`CA store on ${e.engine}`, () => {
    let store: Store;
    const sealer = createSealer(randomBytes(32));
    function deps(start = new Date("2026-03-01T08:00:00Z")): Deps {
      let now = start;
      return {
        store: new PgCaStore(store.db),
        sealer,
        now: () => now,
        advance(days: number) {
          now = new Date(now.getTime() + days * DAY_MS);
        },
      };
    }
    async function activeCa(d: Deps) {
      const pair = await initCa(d);
      await transitionCa(d, pair.root.id, { type: "publish" });
      await transitionCa(d, pair.root.id, { type: "activate" });
      return pair;
    }

    before(async () => {
      store = await e.open();
    });
    after(async () => {
      await store.close();
      await e.cleanup();
    });
    beforeEach(async () => {
      await sql`delete from ca_rotation_step; delete from ca_certificate_history; delete from ca_certificate where kind = 'intermediate'; delete from ca_certificate; delete from ca_leaf_keys`.execute(store.db);
    });

    test("ok/records come back with the types they went in with", async () => {
      const d = deps();
      const { root, intermediate } = await initCa(d, { bankDomains: ["example-bank.kz"] });
      const r = (await d.store.getCertificate(root.id))!;
      assert.ok(Buffer.isBuffer(r.der));
      assert.ok(r.notBefore instanceof Date && r.notAfter instanceof Date && r.lifecycle.generatedAt instanceof Date);
      assert.equal(r.lifecycle.generatedAt.toISOString(), "2026-03-01T08:00:00.000Z");
      assert.equal(r.version, 1);
      assert.equal(r.parentId, null);
      assert.ok(r.sealedKey.startsWith("qs1."));
      assert.equal(r.sha256, root.sha256);
      const i = (await d.store.getCertificate(intermediate.id))!;
      assert.equal(i.parentId, root.id);
      assert.ok(Array.isArray(i.excludedDns) && i.excludedDns.includes("example-bank.kz") && i.excludedDns.includes("gov.kz"));
      assert.deepEqual((await d.store.listCertificates()).map((x) => x.id), [root.id, intermediate.id], "oldest first, root before its intermediate");
      assert.deepEqual((await d.store.listCertificates({ kind: "intermediate" })).map((x) => x.id), [intermediate.id]);
      assert.equal(await d.store.getCertificate(randomUUID()), undefined);
      assert.equal(await d.store.getCertificate("not-a-uuid"), undefined);
    });

    test("ok/the full first-install flow ends with a working issuing CA for the gateway", async () => {
      const d = deps();
      const pair = await initCa(d, { bankDomains: ["example-bank.kz"] });
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
      const keys = await ensureLeafKeys(d, epochOf(d.now().getTime()));
      const cache = new LeafCache(new CaAuthority({ isProtected: () => false }).leafMinter(issuing, keys));
      const leaf = await cache.get("www.example.kz");
      const s = new Scratch();
      try {
        const r = openssl(
          "verify",
          "-purpose",
          "sslserver",
          "-attime",
          String(Math.floor(d.now().getTime() / 1000)),
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
      // The history table holds one row per lifecycle version.
      const h = await d.store.history(pair.root.id);
      assert.deepEqual(h.map((x) => [x.version, x.state]), [
        [1, "generated"],
        [2, "published"],
        [3, "active"],
      ]);
      assert.equal(h[1]!.lifecycle.publishedAt, "2026-03-01T08:00:00.000Z");
    });

    test("fail/init twice is a conflict", async () => {
      const d = deps();
      await initCa(d);
      await assert.rejects(initCa(d), CaConflictError);
    });

    test("fail/a stale version loses the compare-and-swap; a duplicate insert is a conflict", async () => {
      const d = deps();
      const { root } = await initCa(d);
      const rec = (await d.store.getCertificate(root.id))!;
      const next = await d.store.updateLifecycle(root.id, rec.version, { ...rec.lifecycle, state: "published", publishedAt: d.now() });
      assert.equal(next.version, 2);
      await assert.rejects(d.store.updateLifecycle(root.id, rec.version, rec.lifecycle), CaConflictError);
      await assert.rejects(d.store.insertCertificate(rec), CaConflictError);
      await assert.rejects(d.store.updateLifecycle(randomUUID(), 1, rec.lifecycle), CaNotFoundError);
      await assert.rejects(d.store.updateLifecycle("nope", 1, rec.lifecycle), CaNotFoundError);
    });

    test("ok/a conflict inside a transaction is a typed error, and the transaction stays usable", async () => {
      const d = deps();
      const { root } = await initCa(d);
      const rec = (await d.store.getCertificate(root.id))!;
      await store.db.transaction().execute(async (tx) => {
        const s = new PgCaStore(tx);
        await assert.rejects(s.insertCertificate(rec), CaConflictError);
        await assert.rejects(s.updateLifecycle(root.id, 99, rec.lifecycle), CaConflictError);
        // Still usable: no SQL error aborted it.
        await s.updateLifecycle(root.id, 1, { ...rec.lifecycle, state: "published", publishedAt: d.now() });
      });
      assert.equal((await d.store.getCertificate(root.id))?.lifecycle.state, "published");
    });

    test("ok/a CA change rolls back with its transaction", async () => {
      const d = deps();
      await assert.rejects(
        store.db.transaction().execute(async (tx) => {
          await initCa({ ...d, store: new PgCaStore(tx) });
          throw new Error("audit append failed");
        }),
        /audit append failed/,
      );
      assert.deepEqual(await d.store.listCertificates(), []);
      assert.equal((await sql<{ n: number }>`select count(*)::int as n from ca_certificate_history`.execute(store.db)).rows[0]!.n, 0);
    });

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
      assert.equal((await exportBundles(d)).root.id, r.created.root.id);
      assert.equal((await openIssuingCa(d)).record.id, old.intermediate.id);

      d.advance(14);
      for (const s of r.pending.filter((p) => p.at.getTime() <= d.now().getTime())) await transitionCa(d, s.id, s.event);
      assert.equal((await openIssuingCa(d)).record.id, r.created.intermediate.id);
      assert.equal((await d.store.getCertificate(old.intermediate.id))?.lifecycle.state, "retiring");

      d.advance(30);
      const last = r.pending.at(-1)!;
      await transitionCa(d, last.id, last.event);
      const oldRoot = await d.store.getCertificate(old.root.id);
      assert.equal(oldRoot?.lifecycle.state, "revoked");
      assert.equal(oldRoot?.lifecycle.revocationReason, "superseded");
      assert.ok(oldRoot?.lifecycle.revokedAt instanceof Date);
      assert.equal((await d.store.getCertificate(old.intermediate.id))?.lifecycle.state, "revoked");
    });

    test("ok/intermediate rotation (new bank list) switches at once under the same root", async () => {
      const d = deps();
      const old = await activeCa(d);
      const r = await rotateCa(d, { scope: "intermediate", bankDomains: ["newbank.kz"] });
      assert.equal(r.created.root, undefined);
      assert.equal(r.created.intermediate.parentId, old.root.id);
      assert.deepEqual(r.applied.map((s) => s.event.type), ["activate", "retire"]);
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

    test("ok/exportBundles returns the root's files; views never carry the sealed key", async () => {
      const d = deps();
      const pair = await activeCa(d);
      const ex = await exportBundles(d);
      assert.equal(ex.root.id, pair.root.id);
      assert.equal(ex.root.state, "active");
      await assert.rejects(exportBundles(d, { id: randomUUID() }), CaNotFoundError);
      const views = await d.store.listViews();
      assert.equal(views.length, 2);
      const sealed = (await d.store.listCertificates()).map((r) => r.sealedKey);
      const out = JSON.stringify(views) + inspect(views, { depth: 5 }) + JSON.stringify(await d.store.getView(pair.root.id)) + JSON.stringify(ex);
      assert.ok(!out.includes("qs1."));
      for (const s of sealed) assert.ok(!out.includes(s.slice(4, 44)));
      assert.deepEqual((await d.store.listViews({ states: ["active"], kind: "root" })).map((v) => v.id), [pair.root.id]);
      assert.deepEqual(await d.store.listViews({ states: [] }), []);
    });

    test("ok/ensureLeafKeys: concurrent nodes get the same key pair for an epoch (first writer wins)", async () => {
      const d = deps();
      // Two adapters, as two nodes would have; on PostgreSQL they run on separate pooled connections.
      const other = { ...d, store: new PgCaStore(store.db) };
      const [a, b, c] = await Promise.all([ensureLeafKeys(d, 20_000), ensureLeafKeys(other, 20_000), ensureLeafKeys(d, 20_000)]);
      assert.ok(a.ecdsa.spki.equals(b.ecdsa.spki) && a.ecdsa.spki.equals(c.ecdsa.spki));
      assert.ok(a.rsa!.spki.equals(b.rsa!.spki));
      const n = (await sql<{ n: number }>`select count(*)::int as n from ca_leaf_keys`.execute(store.db)).rows[0]!.n;
      assert.equal(n, 1);
      const later = await ensureLeafKeys(d, 20_001);
      assert.ok(!a.ecdsa.spki.equals(later.ecdsa.spki));
      const rec = (await d.store.getLeafKeys(20_000, 86_400))!;
      assert.equal(rec.epoch, 20_000);
      assert.equal(typeof rec.epoch, "number");
      assert.ok(rec.createdAt instanceof Date);
      assert.equal(await d.store.getLeafKeys(20_000, 3_600), undefined, "epochs of another length are other rows");
    });
  });
}
