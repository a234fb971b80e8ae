import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePostqueueJson, parsePostsuperReport, PostfixQueue } from "../../src/mail/postfix/queue.js";
import { MemoryQueue } from "../../src/mail/memory.js";

// Lines as written by `postqueue -j` of Postfix 3.7.
const POSTQUEUE_J = [
  '{"queue_name": "deferred", "queue_id": "B498220D273", "arrival_time": 1795653793, "message_size": 416, "forced_expire": false, "sender": "x@a.gov.kz", "recipients": [{"address": "y2@gmail.example", "delay_reason": "connect to 127.0.0.1[127.0.0.1]:9: Connection refused"}]}',
  '{"queue_name": "hold", "queue_id": "A659120D26E", "arrival_time": 1795653793, "message_size": 416, "forced_expire": false, "sender": "", "recipients": [{"address": "y1@gmail.example"}]}',
  "",
].join("\n");

test("ok/postqueue -j: one message per line, no client address among the fields", () => {
  const q = parsePostqueueJson(POSTQUEUE_J);
  assert.deepEqual(q, [
    { queueName: "deferred", queueId: "B498220D273", arrivalTime: 1795653793, size: 416, sender: "x@a.gov.kz", forcedExpire: false, recipients: [{ address: "y2@gmail.example", delayReason: "connect to 127.0.0.1[127.0.0.1]:9: Connection refused" }] },
    { queueName: "hold", queueId: "A659120D26E", arrivalTime: 1795653793, size: 416, sender: "", forcedExpire: false, recipients: [{ address: "y1@gmail.example" }] },
  ]);
  assert.deepEqual(parsePostqueueJson(""), []);
  assert.throws(() => parsePostqueueJson('{"queue_name": "hold"}'));
  assert.throws(() => parsePostqueueJson("not json"));
});

test("ok/postsuper reports: only ids it moved, for the verb asked", () => {
  const stderr = "postsuper: B498220D273: placed on hold\npostsuper: A659120D26E: placed on hold\npostsuper: Placed on hold: 2 messages\n";
  assert.deepEqual(parsePostsuperReport(stderr, "placed on hold"), ["B498220D273", "A659120D26E"]);
  assert.deepEqual(parsePostsuperReport(stderr, "released from hold"), []);
  assert.deepEqual(parsePostsuperReport("postsuper: 3AEB920D24A: removed\npostsuper: Deleted: 1 message\n", "removed"), ["3AEB920D24A"]);
  assert.deepEqual(parsePostsuperReport("postsuper: warning: x: y: placed on hold\n", "placed on hold"), []);
});

test("fail/queue ids are validated before any command runs", async () => {
  const q = new PostfixQueue({ postsuper: "/nonexistent/postsuper", postqueue: "/nonexistent/postqueue" });
  await assert.rejects(q.hold(["-d ALL"]), /not a Postfix queue id/);
  await assert.rejects(q.remove(["ABC DEF"]), /not a Postfix queue id/);
  assert.deepEqual(await q.hold([]), [], "nothing to do runs nothing");
});

test("ok/the in-memory queue moves like Postfix's", async () => {
  const q = new MemoryQueue();
  q.add("AAAAAA1", "deferred");
  q.add("AAAAAA2", "active");
  q.add("AAAAAA3", "hold");
  assert.deepEqual(await q.hold(["AAAAAA1", "AAAAAA2", "AAAAAA3", "AAAAAA9"]), ["AAAAAA1", "AAAAAA2"]);
  assert.deepEqual(await q.release(["AAAAAA1"]), ["AAAAAA1"]);
  await q.deliver(["AAAAAA1", "AAAAAA2"]);
  assert.deepEqual(q.delivered, ["AAAAAA1"], "held mail is not delivered");
  assert.deepEqual(await q.remove(["AAAAAA2", "AAAAAA3"], "hold"), ["AAAAAA2", "AAAAAA3"]);
  assert.deepEqual(await q.list(), []);
});
