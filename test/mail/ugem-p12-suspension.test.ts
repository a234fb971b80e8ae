/**
 * UGEM Rules p.12, end to end on a real Postfix: "upon detection of abnormal traffic activity of
 * electronic mail systems linked to the UGEM, the STS shall suspend their operation … with subsequent
 * notification of the owner of the electronic mail system of the blockage."
 *
 * The Internet sink tempfails every recipient at first, so accepted mail stays in Postfix's queue; a burst
 * from sys-a then crosses its per-minute limit. Expected: the crossing message and everything after it
 * gets a 4xx (the sender keeps them), every queued message from sys-a is on hold, owner and STS are
 * notified, the suspension is audited; after release every message arrives exactly once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { peerSkipReason, sendMany, startGateway, STS, SYS_A_IP, SYS_B_IP, until, type Gateway } from "./peer/harness.js";
import { SmtpClient, buildMessage } from "../../src/mail/testing/smtp-client.js";

const skip = await peerSkipReason();
const LIMIT = 15;

describe("p12: suspension of a mail system with abnormal activity", { skip }, () => {
  let g: Gateway;
  before(async () => {
    g = await startGateway({ policy: "in-process", detectorLimits: { messagesPerMinute: LIMIT } });
    g.internet.rcptReply = () => "451 4.3.0 receiver busy, try again later";
  });
  after(async () => {
    await g?.close();
  });

  const fromA = (i: number) => ({ from: "clerk@a.gov.kz", to: `r${i}@internet.test` });
  let firstBatch: string[] = [];
  let burst: Awaited<ReturnType<typeof sendMany>> = [];

  test("ok/mail under the limit is accepted and stays queued while the Internet tempfails", async () => {
    const out = await sendMany(g, { localAddress: SYS_A_IP, from: "clerk@a.gov.kz", to: (i) => fromA(i).to, n: 10, idPrefix: "p12-a" });
    assert.ok(out.every((o) => o.result.ok));
    firstBatch = out.map((o) => o.id);
    await until(() => g.internet.rejectedRecipients >= 10, 20_000, "first delivery attempts");
    const q = await g.instance.queue.list();
    assert.equal(q.length, 10);
  });

  test("fail/the burst that crosses the limit is tempfailed from the crossing message on", async () => {
    burst = await sendMany(g, { localAddress: SYS_A_IP, from: "clerk@a.gov.kz", to: (i) => `burst${i}@internet.test`, n: 10, idPrefix: "p12-burst" });
    const accepted = burst.filter((b) => b.result.ok);
    assert.equal(accepted.length, LIMIT - 10, "messages up to the limit are accepted");
    const crossing = burst[LIMIT - 10]!.result;
    assert.equal(crossing.stage, "eom");
    assert.equal(crossing.code, 451);
    assert.match(crossing.text, /^4\.7\.1 .*abnormal/i);
    for (const b of burst.slice(LIMIT - 10 + 1)) {
      assert.equal(b.result.stage, "rcpt", JSON.stringify(b.result));
      assert.equal(b.result.code, 450);
      assert.match(b.result.text, /suspended/);
    }
  });

  test("ok/queued mail of the system is held, owner and STS are notified, the suspension is audited", async () => {
    await g.policy!.settled();
    const held = (await g.instance.queue.list()).filter((m) => m.queueName === "hold");
    assert.equal(held.length, LIMIT);
    const sys = g.directory.get("sys-a")!;
    assert.ok(sys.suspension);
    assert.equal(sys.suspension.by, "detector");
    assert.deepEqual(sys.suspension.reasons.map((r) => r.code), ["messages-per-minute"]);
    assert.deepEqual([...sys.suspension.heldQueueIds].sort(), held.map((m) => m.queueId).sort());
    const to = g.outbox.messages.map((m) => m.to).sort();
    assert.deepEqual(to, ["admin@a.gov.kz", STS]);
    assert.match(g.outbox.messages[0]!.subject, /suspended/);
    assert.match(g.outbox.messages[0]!.body, /UGEM Rules p\.12/);
    assert.deepEqual(g.audit.entries.map((e) => e.action), ["mail_system.suspend"]);
  });

  test("ok/another connected system is not affected", async () => {
    const out = await sendMany(g, { localAddress: SYS_B_IP, from: "clerk@b.gov.kz", to: () => "clerk@a.gov.kz", n: 1, idPrefix: "p12-b" });
    assert.ok(out[0]!.result.ok);
    await until(() => g.orgA.messageIds().includes("p12-b-0@test"), 20_000, "b → a");
  });

  test("ok/held mail is not delivered even when the receiver is back", async () => {
    g.internet.rcptReply = undefined;
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(g.internet.messages.length, 0);
  });

  test("ok/release delivers every held message exactly once, and the sender's retries go through", async () => {
    const report = await g.policy!.release("sys-a", { by: "sts-officer-1" });
    assert.equal(report.released.length, LIMIT);
    assert.equal(g.directory.get("sys-a")!.suspension, null);
    // The sender kept the tempfailed messages; it retries them now.
    const retry = burst.filter((b) => !b.result.ok);
    const client = await SmtpClient.connect({ host: "127.0.0.1", port: g.smtpPort, localAddress: SYS_A_IP });
    for (const b of retry) {
      const to = `retry-${b.id}`.replace(/@.*/, "") + "@internet.test";
      const r = await client.send({ from: "clerk@a.gov.kz", to: [to], data: buildMessage({ from: "clerk@a.gov.kz", to: [to], subject: "retry", messageId: b.id }) });
      assert.ok(r.ok, JSON.stringify(r));
    }
    await client.quit();
    const expected = [...firstBatch, ...burst.map((b) => b.id)].sort();
    assert.equal(expected.length, 20);
    await g.internet.waitFor(expected.length, 30_000);
    await new Promise((r) => setTimeout(r, 2_000)); // a duplicate would arrive now
    assert.deepEqual(g.internet.messageIds().sort(), expected);
    assert.ok(g.audit.entries.some((e) => e.action === "mail_system.release"));
    assert.ok(g.outbox.messages.some((m) => m.to === "admin@a.gov.kz" && /resumed/.test(m.subject)));
  });

  test("ok/STS suspends a system by hand and deletes its held mail", async () => {
    g.internet.rcptReply = () => "451 4.3.0 receiver busy";
    const out = await sendMany(g, { localAddress: SYS_B_IP, from: "clerk@b.gov.kz", to: (i) => `x${i}@internet.test`, n: 3, idPrefix: "p12-del" });
    assert.ok(out.every((o) => o.result.ok));
    await until(() => g.internet.rejectedRecipients >= 3 + 10, 20_000, "attempts for b's mail");
    const r = await g.policy!.suspend("sys-b", { by: "sts-officer-2", note: "complaint from a receiver" });
    assert.equal(r.held.length, 3);
    const del = await g.policy!.deleteHeld("sys-b", { by: "sts-officer-2" });
    assert.deepEqual([...del.deleted].sort(), [...r.held].sort());
    const left = (await g.instance.queue.list()).filter((m) => r.held.includes(m.queueId));
    assert.equal(left.length, 0);
    assert.ok(g.audit.entries.some((e) => e.action === "mail_system.delete_held" && e.entity.id === "sys-b"));
    // Still suspended: new mail is tempfailed.
    const again = await sendMany(g, { localAddress: SYS_B_IP, from: "clerk@b.gov.kz", to: () => "y@internet.test", n: 1, idPrefix: "p12-del-after" });
    assert.equal(again[0]!.result.code, 450);
  });
});
