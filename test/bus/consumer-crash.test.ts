/**
 * Node batches are committed exactly once across a control-plane crash: a consumer process is killed with
 * SIGKILL after committing a batch and before acknowledging it (and with more batches delivered to it, not yet
 * committed); a second consumer takes over. Every record and every detection hit is in the store once.
 * Real NATS JetStream and real PostgreSQL on loopback.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import pg from "pg";
import { sql } from "kysely";
import { openStore, type Store } from "../../src/store/db.js";
import { connectNatsBus } from "../../src/bus/nats.js";
import { startControlPlaneBus } from "../../src/bus/control-plane.js";
import type { Bus, NodeBatch } from "../../src/bus/bus.js";
import type { DecisionRecord } from "../../src/gateway/decision-log.js";
import { TEST_DATABASE_URL } from "../store/engines.js";
import { NATS_URL, natsSkip, testNamespace, until } from "./support.js";

const skip = await natsSkip();
const BATCHES = 120;
const PER_BATCH = 25;
const KILL_AT = 7;

function record(ref: string, i: number): DecisionRecord {
  return { time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), ref, kind: "request", organisationId: null, unknownSource: true, source: "198.51.100.7", host: "tools.example", path: `/r${i}`, ip: "127.0.0.1", port: 80, protocol: "http", categories: ["software-development"], action: "allow", reason: "organisation-allow", tls: null, status: 200, bytesUp: 0, bytesDown: 10, durationMs: 1, ja4: null, snapshotId: "0123456789abcdef" };
}

describe("control-plane consumer killed mid-stream", { skip }, () => {
  const ns = testNamespace("crash");
  const schema = "qq_bus_" + randomBytes(6).toString("hex");
  let store: Store;
  let bus: Bus;

  before(async () => {
    store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
    bus = await connectNatsBus({ servers: [NATS_URL], namespace: ns.namespace, name: "crash-test node", ackWaitMs: 2000 });
  });
  after(async () => {
    await bus?.close();
    await store?.close();
    await ns.cleanup();
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
  });

  test("ok/every batch is committed once: none lost, none duplicated", async () => {
    for (let b = 0; b < BATCHES; b++) {
      const batch: NodeBatch = {
        id: `node-a.boot.${b}`,
        node: "node-a",
        records: Array.from({ length: PER_BATCH }, (_, i) => record(`b${b}r${i}`, b * PER_BATCH + i)),
        counts: { decisions: [], categories: [] },
        detections: [{ address: "198.51.100.7", firstSeen: Date.UTC(2026, 0, 1), lastSeen: Date.UTC(2026, 0, 1) + b, hits: 1 }],
      };
      await bus.publishBatch(batch);
    }

    const child = spawn(process.execPath, ["--import", "tsx", join(fileURLToPath(import.meta.url), "..", "consumer-child.ts")], {
      env: { ...process.env, DB_URL: TEST_DATABASE_URL, DB_SCHEMA: schema, NATS_URL, BUS_NS: ns.namespace, KILL_AT: String(KILL_AT) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const signal = await new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_code, sig) => r(sig)));
    assert.equal(signal, "SIGKILL");
    const committedBeforeCrash = out.trim().split("\n").map((l) => l.split(" ")[1]!);
    assert.equal(committedBeforeCrash.length, KILL_AT, out);
    const unacked = committedBeforeCrash.at(-1)!;

    // A second replica takes over the same durable consumer.
    const seen: { id: string; fresh: boolean }[] = [];
    const second = await startControlPlaneBus({ bus, db: store.db, snapshot: () => null, onBatch: (b, fresh) => seen.push({ id: b.id, fresh }) });
    try {
      await until(async () => Number((await store.db.selectFrom("bus_batch").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n) === BATCHES, "every batch committed", 60_000);
      // The stream (work queue) is empty once everything was acknowledged; the redelivered batch was among them.
      await until(() => seen.length >= BATCHES - KILL_AT + 1, "the redelivered batch", 30_000);
    } finally {
      await second.stop();
    }
    assert.deepEqual(seen.find((s) => s.id === unacked), { id: unacked, fresh: false }, "the batch committed but not acknowledged came back and was not applied again");
    assert.ok(!seen.some((s) => s.fresh && committedBeforeCrash.includes(s.id)));

    const rows = await sql<{ n: number; refs: number }>`select count(*)::int as n, count(distinct ref)::int as refs from decision_log`.execute(store.db);
    assert.deepEqual(rows.rows[0], { n: BATCHES * PER_BATCH, refs: BATCHES * PER_BATCH });
    const source = await store.db.selectFrom("unknown_source").select(["hits"]).where("address", "=", "198.51.100.7").executeTakeFirstOrThrow();
    assert.equal(Number(source.hits), BATCHES, "one hit per batch, none counted twice");
  });
});
