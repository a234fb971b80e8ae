/** The durable scheduler on the embedded store, driven by a fake clock. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/db.js";
import { createScheduler, enqueueJob, retryDelayMs, type JobHandler } from "../../src/workflows/scheduler.js";
import { enqueue } from "../../src/outbox/outbox.js";

describe("scheduler", () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-scheduler-"));
    store = await openStore({ dataDir: dir });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const t0 = new Date("2026-03-02T04:00:00.000Z");
  const at = (min: number) => new Date(t0.getTime() + min * 60_000);

  test("ok/enqueueing is idempotent by key; tick runs only due jobs, once", async () => {
    const ran: string[] = [];
    const handlers: Record<string, JobHandler> = { probe: async ({ job }) => void ran.push(job.key) };
    assert.equal(await enqueueJob(store.db, { key: "a", kind: "probe", runAt: at(0) }), true);
    assert.equal(await enqueueJob(store.db, { key: "a", kind: "probe", runAt: at(0) }), false);
    await enqueueJob(store.db, { key: "b", kind: "probe", runAt: at(10) });
    const s = createScheduler({ db: store.db, handlers, clock: () => at(5) });
    assert.equal(await s.tick(), 1);
    assert.deepEqual(ran, ["a"]);
    assert.equal(await s.tick(at(5)), 0);
    assert.equal(await s.tick(at(10)), 1);
    assert.deepEqual(ran, ["a", "b"]);
    assert.equal(await enqueueJob(store.db, { key: "a", kind: "probe", runAt: at(20) }), false, "a done job's key stays taken");
  });

  test("ok/a handler's writes and the done mark commit together; a failure rolls back its writes and retries with backoff", async () => {
    let calls = 0;
    const handlers: Record<string, JobHandler> = {
      flaky: async ({ tx }) => {
        calls++;
        await enqueue(tx, { recipients: ["x@y.example"], subject: `attempt ${calls}`, bodyText: "b" });
        if (calls < 3) throw new Error(`boom ${calls}`);
      },
    };
    await enqueueJob(store.db, { key: "flaky-1", kind: "flaky", runAt: at(0) });
    const s = createScheduler({ db: store.db, handlers });
    await s.tick(at(0));
    let job = await store.db.selectFrom("job").selectAll().where("key", "=", "flaky-1").executeTakeFirstOrThrow();
    assert.equal(job.status, "pending");
    assert.equal(job.last_error, "boom 1");
    assert.equal(new Date(job.run_at).getTime(), at(0).getTime() + retryDelayMs(1));
    await s.tick(new Date(at(0).getTime() + retryDelayMs(1)));
    await s.tick(at(60));
    job = await store.db.selectFrom("job").selectAll().where("key", "=", "flaky-1").executeTakeFirstOrThrow();
    assert.equal(job.status, "done");
    assert.equal(job.attempts, 3);
    const mails = await store.db.selectFrom("outbox_message").select("subject").where("subject", "like", "attempt %").execute();
    assert.deepEqual(mails.map((m) => m.subject), ["attempt 3"], "the failed attempts wrote nothing");
  });

  test("fail/after max attempts a job is failed and left for STS to see", async () => {
    await enqueueJob(store.db, { key: "doomed", kind: "doomed", runAt: at(0), maxAttempts: 2 });
    const s = createScheduler({ db: store.db, handlers: { doomed: async () => { throw new Error("always"); } } });
    await s.tick(at(0));
    await s.tick(at(100));
    const job = await store.db.selectFrom("job").selectAll().where("key", "=", "doomed").executeTakeFirstOrThrow();
    assert.equal(job.status, "failed");
    assert.equal(await s.tick(at(10_000)), 0);
  });

  test("ok/a job leased by a worker that died is taken over when its lease expires", async () => {
    await enqueueJob(store.db, { key: "orphan", kind: "probe", runAt: at(0) });
    await store.db.updateTable("job").set({ status: "running", locked_by: "dead-worker", lease_until: at(5), attempts: 1 }).where("key", "=", "orphan").execute();
    const ran: string[] = [];
    const s = createScheduler({ db: store.db, handlers: { probe: async ({ job }) => void ran.push(job.key) }, workerId: "live" });
    assert.equal(await s.tick(at(4)), 0, "the lease still holds");
    assert.equal(await s.tick(at(6)), 1);
    assert.deepEqual(ran, ["orphan"]);
  });

  test("ok/a job without a handler fails visibly instead of vanishing", async () => {
    await enqueueJob(store.db, { key: "nobody", kind: "no-such-kind", runAt: at(0), maxAttempts: 1 });
    await createScheduler({ db: store.db, handlers: {} }).tick(at(0));
    const job = await store.db.selectFrom("job").selectAll().where("key", "=", "nobody").executeTakeFirstOrThrow();
    assert.equal(job.status, "failed");
    assert.match(job.last_error!, /no handler for job kind no-such-kind/);
  });

  test("ok/start and stop: the interval loop runs due jobs on the injected clock", async () => {
    await enqueueJob(store.db, { key: "looped", kind: "probe", runAt: at(0) });
    let done!: () => void;
    const ran = new Promise<void>((r) => (done = r));
    const s = createScheduler({ db: store.db, handlers: { probe: async ({ job }) => { if (job.key === "looped") done(); } }, clock: () => at(1), intervalMs: 10 });
    await s.start();
    await ran;
    await s.stop();
  });
});
