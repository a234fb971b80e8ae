/**
 * The store: Kysely over either embedded PGlite (default, a data directory, no server) or PostgreSQL
 * (QAQPA_DATABASE_URL). Both are reached through node-postgres — for PGlite via the shim it ships — so the
 * same migrations and queries run on both engines.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { Kysely, PostgresDialect, sql } from "kysely";
import { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import type { Database } from "./schema.js";
import { lockDataDir, type DirLock } from "./lock.js";
import { MIGRATIONS } from "./migrations/index.js";

// int8 (counts, sequence numbers, ASNs) fits in a double for every value we store; dates stay civil strings
// so a deadline date never shifts through the process time zone.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1016 as never, (v) => (v === "{}" ? [] : v.slice(1, -1).split(",").map((x) => Number.parseInt(x, 10))));
pg.types.setTypeParser(1082, (v) => v);

export type Engine = "pglite" | "postgres";

export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PGlite data directory (embedded mode). */
  dataDir?: string;
  /** PostgreSQL connection string; wins over dataDir. */
  databaseUrl?: string;
  /** PostgreSQL schema to use (tests isolate themselves in a fresh schema). */
  schema?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  let lock: DirLock | undefined;
  let pglite: PGlite | undefined;
  let pool: pg.Pool;
  let engine: Engine;
  if (opts.databaseUrl) {
    engine = "postgres";
    if (opts.schema) {
      const c = new pg.Client({ connectionString: opts.databaseUrl });
      await c.connect();
      await c.query(`create schema if not exists "${opts.schema.replaceAll('"', "")}"`);
      await c.end();
    }
    pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 10,
      ...(opts.schema ? { options: `-c search_path="${opts.schema.replaceAll('"', "")}",public` } : {}),
    });
  } else {
    if (!opts.dataDir) throw new Error("openStore needs dataDir or databaseUrl");
    engine = "pglite";
    lock = lockDataDir(opts.dataDir);
    try {
      const pgdata = join(opts.dataDir, "pgdata");
      mkdirSync(pgdata, { recursive: true });
      pglite = await PGlite.create(pgdata);
    } catch (e) {
      lock.release();
      throw e;
    }
    // PGlite is one connection; a pool of one serialises transactions, which is what PGlite needs.
    pool = new pg.Pool({ ...(createPgConfig(pglite) as unknown as pg.PoolConfig), max: 1 });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const store: Store = {
    db,
    engine,
    async close() {
      await db.destroy();
      if (pglite) await pglite.close();
      lock?.release();
    },
  };
  if (opts.migrate !== false) {
    try {
      await migrate(store);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}

/** Apply pending migrations; idempotent, and serialised by an advisory lock so two nodes never race. */
export async function migrate(store: Store): Promise<number[]> {
  return store.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(727001)`.execute(conn);
    try {
      await sql`create table if not exists schema_migration (version int primary key, name text not null, applied_at timestamptz not null default now())`.execute(conn);
      const done = new Set((await conn.selectFrom("schema_migration").select("version").execute()).map((r) => r.version));
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await conn.transaction().execute(async (tx) => {
          await m.up(tx);
          await tx.insertInto("schema_migration").values({ version: m.version, name: m.name }).execute();
        });
        applied.push(m.version);
      }
      return applied;
    } finally {
      await sql`select pg_advisory_unlock(727001)`.execute(conn);
    }
  });
}
