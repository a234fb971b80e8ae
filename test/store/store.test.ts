import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engines } from "./engines.js";
import { openStore, migrate, type Store } from "../../src/store/db.js";
import { appendAudit, verifyAudit } from "../../src/store/audit.js";
import { systemPrincipal } from "../../src/domain/authz.js";
import { Problem } from "../../src/contract/problem.js";

for (const e of engines()) {
  describe(`store on ${e.engine}`, () => {
    let store: Store;
    before(async () => {
      store = await e.open();
    });
    after(async () => {
      await store.close();
      await e.cleanup();
    });

    test("ok/migrate is idempotent", async () => {
      assert.deepEqual(await migrate(store), []);
      const versions = await store.db.selectFrom("schema_migration").select("version").execute();
      assert.ok(versions.length >= 1);
    });

    test("ok/audit entries chain and verify", async () => {
      const actor = systemPrincipal("test");
      await store.db.transaction().execute(async (tx) => {
        await appendAudit(tx, actor, { action: "organisation.create", entityType: "organisation", entityId: "a", after: { bin: "123456789012", n: 1 } });
        await appendAudit(tx, actor, { action: "organisation.update", entityType: "organisation", entityId: "a", before: { n: 1 }, after: { n: 2 } });
      });
      await store.db.transaction().execute(async (tx) => {
        await appendAudit(tx, actor, { action: "catalogue.create", entityType: "catalogue_prefix", entityId: "p", after: { prefix: "10.0.0.0/8" } });
      });
      const r = await verifyAudit(store.db);
      assert.equal(r.ok, true);
      assert.equal(r.entries, 3);
    });

    test("ok/an audit entry rolls back with its transaction", async () => {
      const before = (await verifyAudit(store.db)).entries;
      await assert.rejects(
        store.db.transaction().execute(async (tx) => {
          await appendAudit(tx, systemPrincipal("test"), { action: "x" });
          throw new Error("boom");
        }),
      );
      const r = await verifyAudit(store.db);
      assert.equal(r.ok, true);
      assert.equal(r.entries, before);
    });

    test("ok/concurrent appends never fork the chain", async () => {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.db.transaction().execute((tx) => appendAudit(tx, systemPrincipal("test"), { action: "concurrent", entityId: String(i) })),
        ),
      );
      assert.equal((await verifyAudit(store.db)).ok, true);
    });

    test("fail/edited, column-edited, deleted and truncated entries are detected", async () => {
      const db = store.db;
      const snapshot = await db.selectFrom("audit_entry").selectAll().orderBy("seq").execute();
      const head = await db.selectFrom("audit_head").selectAll().executeTakeFirstOrThrow();
      const restore = async () => {
        await db.deleteFrom("audit_entry").execute();
        for (const r of snapshot) await db.insertInto("audit_entry").values({ ...r, seq: Number(r.seq) } as never).execute();
        await db.updateTable("audit_head").set({ seq: head.seq, hash: head.hash }).where("id", "=", 1).execute();
      };

      await sql`update audit_entry set body = replace(body, '"n":2', '"n":3') where seq = 2`.execute(db);
      let r = await verifyAudit(db);
      assert.deepEqual([r.ok, !r.ok && r.brokenAt, !r.ok && r.reason], [false, 2, "hash-mismatch"]);
      await restore();

      await sql`update audit_entry set action = 'organisation.read' where seq = 1`.execute(db);
      r = await verifyAudit(db);
      assert.deepEqual([r.ok, !r.ok && r.brokenAt, !r.ok && r.reason], [false, 1, "column-mismatch"]);
      await restore();

      await sql`delete from audit_entry where seq = 2`.execute(db);
      r = await verifyAudit(db);
      assert.deepEqual([r.ok, !r.ok && r.brokenAt, !r.ok && r.reason], [false, 2, "gap"]);
      await restore();

      const last = Number(snapshot[snapshot.length - 1]!.seq);
      await sql`delete from audit_entry where seq = ${last}`.execute(db);
      r = await verifyAudit(db);
      assert.deepEqual([r.ok, !r.ok && r.reason], [false, "head-mismatch"]);
      await restore();

      assert.equal((await verifyAudit(db)).ok, true);
    });
  });
}

describe("data directory lock", () => {
  test("fail/a second process-level open of a PGlite data dir gets a clear error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qaqpa-lock-"));
    const first = await openStore({ dataDir: dir });
    try {
      await assert.rejects(openStore({ dataDir: dir }), (e: unknown) => e instanceof Problem && e.code === "QQ_ERR_DATA_DIR_LOCKED" && /in use by pid/.test(e.message));
      // The first opener is untouched by the refused second one.
      const r = await first.db.selectFrom("schema_migration").select("version").execute();
      assert.ok(r.length >= 1);
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("ok/a stale lock left by a dead process is reclaimed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qaqpa-lock-"));
    const { writeFileSync } = await import("node:fs");
    const { hostname } = await import("node:os");
    writeFileSync(join(dir, "qaqpa.lock"), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: "2020-01-01" }));
    const s = await openStore({ dataDir: dir });
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
