/**
 * The notification outbox. A message is written in the transaction of the change that causes it (a deadline,
 * a new root certificate, an unknown-source listing), so it is never lost and never sent for a change that
 * rolled back. A worker delivers due messages over SMTP with exponential backoff; without SMTP configured
 * (the embedded default) the built-in sink marks them delivered and keeps them readable through the API.
 * A `dedupeKey` makes enqueueing idempotent: the scheduler may fire twice, the operator gets one e-mail.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { Transporter } from "nodemailer";
import type { Database } from "../store/schema.js";

export interface OutgoingMessage {
  recipients: string[];
  subject: string;
  bodyText: string;
  dedupeKey?: string;
  related?: Record<string, unknown>;
}

export async function enqueue(tx: Transaction<Database> | Kysely<Database>, m: OutgoingMessage): Promise<string | null> {
  const r = await tx
    .insertInto("outbox_message")
    .values({ channel: "email", recipients: m.recipients, subject: m.subject, body_text: m.bodyText, dedupe_key: m.dedupeKey ?? null, related: JSON.stringify(m.related ?? {}), next_attempt_at: new Date() })
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .returning("id")
    .executeTakeFirst();
  return r?.id ?? null;
}

export interface Delivery {
  /** "smtp" sends; "sink" keeps the message in the store as delivered. */
  kind: "smtp" | "sink";
  send(m: { from: string; to: string[]; subject: string; text: string; messageId: string }): Promise<void>;
}

export function sinkDelivery(): Delivery {
  return { kind: "sink", async send() {} };
}

export function smtpDelivery(transport: Transporter): Delivery {
  return {
    kind: "smtp",
    async send(m) {
      await transport.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, messageId: m.messageId });
    },
  };
}

const MAX_ATTEMPTS = 12;

/** Backoff: 30 s, 1 min, 2 min … capped at 1 h; after MAX_ATTEMPTS the message is `failed` and shown to STS. */
export function nextDelayMs(attempts: number): number {
  return Math.min(3600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

/** Deliver up to `batch` due messages once. Returns how many were attempted. */
export async function deliverDue(db: Kysely<Database>, delivery: Delivery, from: string, batch = 20, now = new Date()): Promise<number> {
  const due = await db.transaction().execute(async (tx) => {
    // SKIP LOCKED lets several control-plane replicas share the outbox without sending twice.
    const rows = await tx
      .selectFrom("outbox_message")
      .selectAll()
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .limit(batch)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length) {
      await tx.updateTable("outbox_message").set({ next_attempt_at: new Date(now.getTime() + 5 * 60_000) }).where("id", "in", rows.map((r) => r.id)).execute();
    }
    return rows;
  });
  for (const m of due) {
    try {
      await delivery.send({ from, to: m.recipients, subject: m.subject, text: m.body_text, messageId: `<${m.id}@qaqpa>` });
      await db.updateTable("outbox_message").set({ status: delivery.kind === "sink" ? "sink" : "sent", sent_at: new Date(), attempts: sql`attempts + 1`, last_error: null }).where("id", "=", m.id).execute();
    } catch (e) {
      const attempts = m.attempts + 1;
      await db
        .updateTable("outbox_message")
        .set({
          attempts,
          last_error: String((e as Error).message).slice(0, 500),
          status: attempts >= MAX_ATTEMPTS ? "failed" : "pending",
          next_attempt_at: new Date(now.getTime() + nextDelayMs(attempts)),
        })
        .where("id", "=", m.id)
        .execute();
    }
  }
  return due.length;
}

export function startOutboxWorker(db: Kysely<Database>, delivery: Delivery, from: string, intervalMs = 1000): { stop(): Promise<void>; kick(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return;
    running = (async () => {
      try {
        while (!stopped && (await deliverDue(db, delivery, from)) > 0) {
          /* drain */
        }
      } catch {
        /* the next tick retries; delivery errors are recorded per message */
      } finally {
        running = undefined;
      }
    })();
  };
  timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    kick: tick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
