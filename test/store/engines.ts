/**
 * Runs a store test suite against both engines: embedded PGlite in a fresh temporary directory, and
 * PostgreSQL in a fresh schema of the local server (QAQPA_TEST_DATABASE_URL, default the machine's
 * 127.0.0.1:5432/test). PostgreSQL is not optional: CI must run both. Set QAQPA_SKIP_POSTGRES=1 only for
 * a quick local loop on a machine without PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore, type Store, type Engine } from "../../src/store/db.js";

export const TEST_DATABASE_URL = process.env.QAQPA_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface EngineHandle {
  engine: Engine;
  open(opts?: { migrate?: boolean }): Promise<Store>;
  cleanup(): Promise<void>;
}

export function engines(): EngineHandle[] {
  const list: EngineHandle[] = [];
  const dir = mkdtempSync(join(tmpdir(), "qaqpa-store-"));
  list.push({
    engine: "pglite",
    open: (o) => openStore({ dataDir: dir, migrate: o?.migrate }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  });
  if (process.env.QAQPA_SKIP_POSTGRES !== "1") {
    const schema = "qq_test_" + randomBytes(6).toString("hex");
    list.push({
      engine: "postgres",
      open: (o) => openStore({ databaseUrl: TEST_DATABASE_URL, schema, migrate: o?.migrate }),
      async cleanup() {
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        await c.query(`drop schema if exists "${schema}" cascade`);
        await c.end();
      },
    });
  }
  return list;
}
