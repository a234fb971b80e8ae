/**
 * The workflows' adapter: the job handlers the scheduler runs and `startWorkflows` for the all-in-one.
 *
 *   application.wakeup        a deadline's reminder (80 %) or expiry: escalation, notice or system event
 *   unknown-sources.notify    p.13 notice, one e-mail per operator
 *   unknown-sources.block     p.13 block at the end of the fifth working day after the notice
 *   workflows.sweep           every 15 minutes: re-request wake-ups (after a calendar correction, a restore),
 *                             reconcile unknown sources with the catalogue, re-request missing p.13 jobs;
 *                             it enqueues its own next run, keyed by its time slot
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../store/schema.js";
import type { Store } from "../store/db.js";
import type { Sealer } from "../secrets/sealer.js";
import { createScheduler, enqueueJob, type JobHandler, type Scheduler } from "./scheduler.js";
import { configureWorkflows } from "./runtime.js";
import type { MailSystemsPort } from "./ports.js";
import { handleWakeup, resyncWakeups } from "../services/applications.js";
import { WAKEUP_JOB } from "../services/applications-effects.js";
import { BLOCK_JOB, NOTIFY_JOB, blockOverdue, notifyOperator, sweepUnknownSources } from "../services/unknown-sources.js";

export const SWEEP_JOB = "workflows.sweep";
export const SWEEP_EVERY_MS = 15 * 60_000;

export async function scheduleSweep(db: Kysely<Database> | Transaction<Database>, now: Date): Promise<void> {
  const slot = Math.floor(now.getTime() / SWEEP_EVERY_MS);
  await enqueueJob(db, { key: `workflows:sweep:${slot}`, kind: SWEEP_JOB, runAt: new Date(slot * SWEEP_EVERY_MS) });
}

export function workflowJobHandlers(): Record<string, JobHandler> {
  return {
    [WAKEUP_JOB]: async ({ tx, job, now }) => {
      const p = job.payload as { deadline: string; phase: "remind" | "expire"; dueAt: string };
      await handleWakeup(tx, job.application_id!, p, now);
    },
    [NOTIFY_JOB]: async ({ tx, job, now }) => {
      await notifyOperator(tx, String(job.payload.operatorId), now);
    },
    [BLOCK_JOB]: async ({ tx, job, now }) => {
      await blockOverdue(tx, String(job.payload.operatorId), now);
    },
    [SWEEP_JOB]: async ({ tx, now }) => {
      await resyncWakeups(tx, now);
      await sweepUnknownSources(tx, now);
      const next = new Date((Math.floor(now.getTime() / SWEEP_EVERY_MS) + 1) * SWEEP_EVERY_MS);
      await enqueueJob(tx, { key: `workflows:sweep:${Math.floor(next.getTime() / SWEEP_EVERY_MS)}`, kind: SWEEP_JOB, runAt: next });
    },
  };
}

export interface WorkflowsOptions {
  store: Store;
  sealer: Sealer;
  stsAddress?: string;
  dutyAddress?: string;
  mailSystems?: MailSystemsPort;
  clock?: () => Date;
  intervalMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Configure the workflows and start the scheduler. */
export async function startWorkflows(opts: WorkflowsOptions): Promise<{ scheduler: Scheduler; stop(): Promise<void> }> {
  configureWorkflows({
    sealer: opts.sealer,
    ...(opts.stsAddress ? { stsAddress: opts.stsAddress, dutyAddress: opts.dutyAddress ?? opts.stsAddress } : {}),
    ...(opts.mailSystems ? { mailSystems: opts.mailSystems } : {}),
  });
  const scheduler = createScheduler({
    db: opts.store.db,
    handlers: workflowJobHandlers(),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    onStart: (db, now) => scheduleSweep(db, now),
  });
  await scheduler.start();
  return { scheduler, stop: () => scheduler.stop() };
}

export { configureWorkflows, workflowRuntime } from "./runtime.js";
export { memoryMailSystems, type MailSystemsPort, type MailSystemConnection } from "./ports.js";
export { createScheduler, enqueueJob } from "./scheduler.js";
