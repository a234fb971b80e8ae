/**
 * The durable scheduler: jobs in the `job` table, written in the transaction of the change that needs them,
 * leased by one worker at a time, retried with backoff. It delivers the workflows' wake-ups (deadline
 * reminders and expiries), the p.13 notices and blocks, and the periodic sweep.
 *
 *   enqueueJob(tx, {key, kind, runAt})      insert … on conflict (key) do nothing  → idempotent by key
 *   tick(now)                               lease due jobs (FOR UPDATE SKIP LOCKED, lease_until = now + lease)
 *     └─ per job, one transaction:          re-check the lease → handler(tx) → status = done
 *        failure:                           status = pending, run_at = now + backoff, or failed after max_attempts
 *
 * A job's key names what it is for (`deadline:<application>:<deadline>:<due>:<phase>`), so enqueueing the same
 * wake-up twice — after a restart, from the sweep, from a repeated transition — stores it once. A worker that
 * dies holding a lease only delays its jobs until the lease expires; another worker (or the same one after a
 * restart) takes them then. The handler's writes and the `done` mark commit together, so a job whose effects
 * committed is never run again.
 *
 * The same SQL runs on PostgreSQL (several control-plane replicas share the table) and on PGlite, whose single
 * connection serialises the transactions; the clock is injected so tests drive time.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Database, JobTable } from "../store/schema.js";
import type { Selectable } from "kysely";

export type JobRow = Selectable<JobTable>;

export interface NewJob {
  key: string;
  kind: string;
  runAt: Date | string;
  applicationId?: string | null;
  payload?: Record<string, unknown>;
  maxAttempts?: number;
}

/** Store a job unless one with the same key exists. Returns true if it was new. */
export async function enqueueJob(tx: Transaction<Database> | Kysely<Database>, job: NewJob): Promise<boolean> {
  const r = await tx
    .insertInto("job")
    .values({
      key: job.key,
      kind: job.kind,
      run_at: new Date(job.runAt),
      application_id: job.applicationId ?? null,
      payload: JSON.stringify(job.payload ?? {}),
      ...(job.maxAttempts ? { max_attempts: job.maxAttempts } : {}),
    })
    .onConflict((oc) => oc.column("key").doNothing())
    .returning("id")
    .executeTakeFirst();
  return r !== undefined;
}

export interface JobContext {
  tx: Transaction<Database>;
  job: JobRow;
  now: Date;
}
export type JobHandler = (c: JobContext) => Promise<void>;

export interface SchedulerOptions {
  db: Kysely<Database>;
  handlers: Record<string, JobHandler>;
  clock?: () => Date;
  /** how long a leased job stays with this worker before another may take it */
  leaseMs?: number;
  batch?: number;
  intervalMs?: number;
  workerId?: string;
  /** called once when the scheduler starts and after each tick's work, e.g. to keep a periodic job enqueued */
  onStart?: (db: Kysely<Database>, now: Date) => Promise<void>;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface Scheduler {
  /** Run every job due at `now` (and the jobs they make due), then return how many ran. */
  tick(now?: Date): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** 30 s, 1 min, 2 min … capped at 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const clock = opts.clock ?? (() => new Date());
  const leaseMs = opts.leaseMs ?? 5 * 60_000;
  const batch = opts.batch ?? 20;
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = opts.log ?? (() => {});
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function lease(now: Date): Promise<JobRow[]> {
    return opts.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom("job")
        .selectAll()
        .where((eb) => eb.or([eb.and([eb("status", "=", "pending"), eb("run_at", "<=", now)]), eb.and([eb("status", "=", "running"), eb("lease_until", "<", now)])]))
        .orderBy("run_at")
        .limit(batch)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return [];
      await tx
        .updateTable("job")
        .set({ status: "running", lease_until: new Date(now.getTime() + leaseMs), locked_by: workerId, attempts: sql`attempts + 1`, updated_at: now })
        .where("id", "in", rows.map((r) => r.id))
        .execute();
      return rows.map((r) => ({ ...r, attempts: r.attempts + 1 }));
    });
  }

  async function runOne(job: JobRow, now: Date): Promise<void> {
    const handler = opts.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await opts.db.transaction().execute(async (tx) => {
        // The lease may have expired and passed to another worker while this one was slow: then it is theirs.
        const mine = await tx.selectFrom("job").select("id").where("id", "=", job.id).where("locked_by", "=", workerId).where("status", "=", "running").forUpdate().executeTakeFirst();
        if (!mine) return;
        await handler({ tx, job, now });
        await tx.updateTable("job").set({ status: "done", done_at: now, updated_at: now, lease_until: null, last_error: null }).where("id", "=", job.id).execute();
      });
    } catch (e) {
      // Only the message: handlers never put secrets in errors, and a stack or SQL would add nothing here.
      const message = String((e as Error)?.message ?? e).slice(0, 500);
      const failed = job.attempts >= job.max_attempts;
      log("job failed", { key: job.key, kind: job.kind, attempts: job.attempts, final: failed, error: message });
      await opts.db
        .updateTable("job")
        .set({ status: failed ? "failed" : "pending", run_at: new Date(now.getTime() + retryDelayMs(job.attempts)), lease_until: null, locked_by: null, last_error: message, updated_at: now })
        .where("id", "=", job.id)
        .where("locked_by", "=", workerId)
        .execute();
    }
  }

  async function tick(now = clock()): Promise<number> {
    let total = 0;
    // Drain: a handler may enqueue follow-up jobs that are already due (e.g. the notice right after a sweep).
    for (let round = 0; round < 1000; round++) {
      const jobs = await lease(now);
      if (jobs.length === 0) break;
      for (const j of jobs) await runOne(j, now);
      total += jobs.length;
      if (stopped) break;
    }
    return total;
  }

  return {
    tick,
    async start() {
      stopped = false;
      await opts.onStart?.(opts.db, clock());
      const loop = () => {
        if (stopped || running) return;
        running = tick(clock())
          .catch((e) => {
            log("scheduler tick failed", { error: String((e as Error)?.message ?? e) });
            return 0;
          })
          .finally(() => {
            running = undefined;
          });
      };
      timer = setInterval(loop, opts.intervalMs ?? 1000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
