import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nodemailer from "nodemailer";
import { openStore, type Store } from "../../src/store/db.js";
import { enqueue, deliverDue, sinkDelivery, smtpDelivery, nextDelayMs } from "../../src/outbox/outbox.js";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtp-receiver.js";

describe("notification outbox", () => {
  let dir: string;
  let store: Store;
  let smtp: SmtpReceiver;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-outbox-"));
    store = await openStore({ dataDir: dir });
    smtp = await startSmtpReceiver();
  });
  after(async () => {
    await smtp.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/enqueue is idempotent by dedupe key and rolls back with its transaction", async () => {
    await store.db.transaction().execute(async (tx) => {
      assert.ok(await enqueue(tx, { recipients: ["noc@a.example"], subject: "s", bodyText: "b", dedupeKey: "k1" }));
      assert.equal(await enqueue(tx, { recipients: ["noc@a.example"], subject: "s", bodyText: "b", dedupeKey: "k1" }), null);
    });
    await assert.rejects(
      store.db.transaction().execute(async (tx) => {
        await enqueue(tx, { recipients: ["x@a.example"], subject: "rolled back", bodyText: "b" });
        throw new Error("boom");
      }),
    );
    const rows = await store.db.selectFrom("outbox_message").selectAll().execute();
    assert.deepEqual(rows.map((r) => r.subject), ["s"]);
  });

  test("ok/the sink keeps messages as delivered", async () => {
    assert.equal(await deliverDue(store.db, sinkDelivery(), "qaqpa@test"), 1);
    const r = await store.db.selectFrom("outbox_message").selectAll().where("dedupe_key", "=", "k1").executeTakeFirstOrThrow();
    assert.equal(r.status, "sink");
    assert.ok(r.sent_at);
  });

  test("ok/SMTP delivery reaches a real SMTP server", async () => {
    await enqueue(store.db, { recipients: ["noc@b.example", "duty@b.example"], subject: "Unknown source addresses", bodyText: "10.9.9.9\n" });
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: smtp.port, secure: false, ignoreTLS: true });
    assert.equal(await deliverDue(store.db, smtpDelivery(transport), "qaqpa@test"), 1);
    assert.equal(smtp.messages.length, 1);
    assert.deepEqual(smtp.messages[0]!.to, ["noc@b.example", "duty@b.example"]);
    assert.match(smtp.messages[0]!.data, /Subject: Unknown source addresses/);
    const r = await store.db.selectFrom("outbox_message").select("status").where("subject", "=", "Unknown source addresses").executeTakeFirstOrThrow();
    assert.equal(r.status, "sent");
  });

  test("fail/an unreachable SMTP server leaves the message pending with backoff", async () => {
    await enqueue(store.db, { recipients: ["noc@c.example"], subject: "retry me", bodyText: "b" });
    const down = nodemailer.createTransport({ host: "127.0.0.1", port: 1, secure: false, connectionTimeout: 2000 });
    const now = new Date();
    assert.equal(await deliverDue(store.db, smtpDelivery(down), "qaqpa@test", 20, now), 1);
    const r = await store.db.selectFrom("outbox_message").selectAll().where("subject", "=", "retry me").executeTakeFirstOrThrow();
    assert.equal(r.status, "pending");
    assert.equal(r.attempts, 1);
    assert.ok(r.last_error);
    assert.equal(r.next_attempt_at.getTime(), now.getTime() + nextDelayMs(1));
    assert.equal(await deliverDue(store.db, smtpDelivery(down), "qaqpa@test", 20, now), 0, "not due again before its backoff");
  });

  test("ok/backoff doubles and is capped at one hour", () => {
    assert.deepEqual([1, 2, 3, 20].map(nextDelayMs), [30_000, 60_000, 120_000, 3_600_000]);
  });
});
