import { test } from "node:test";
import assert from "node:assert/strict";
import { deliveryBehindFilter } from "../../src/mail/auth/filter.js";
import { readFile, writeFile, appendFile, mkdtemp, rm, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { DeliveryCorrelator, parseLogLine, type DeliveryOutcome, type LogEvent } from "../../src/mail/log/delivery-log.js";
import { followLog } from "../../src/mail/log/tail.js";

const RUNS = process.env["QAQPA_FUZZ"] === "deep" ? 20_000 : 500;
const FIXTURE = new URL("../../fixtures/smtp/maillog/postfix-3.7-gateway.txt", import.meta.url).pathname;

async function fixtureEvents(): Promise<LogEvent[]> {
  return (await readFile(FIXTURE, "utf8")).split("\n").flatMap((l) => {
    const e = parseLogLine(l);
    return e ? [e] : [];
  });
}

test("ok/a gateway log written by Postfix 3.7 parses into the events we use", async () => {
  const events = await fixtureEvents();
  const kinds = new Map<string, number>();
  for (const e of events) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(kinds), { client: 9, "message-id": 10, queued: 14, delivery: 14, removed: 9, reject: 3, held: 4, released: 4 });
});

test("ok/field by field: client, delivery, reject at RCPT and at END-OF-MESSAGE", async () => {
  const e = (line: string) => parseLogLine(line)!;
  assert.deepEqual(e("Nov 26 01:05:08 ugem postfix/smtpd[4497]: 4892820C69A: client=unknown[127.0.0.4]"), {
    timestamp: "Nov 26 01:05:08", host: "ugem", syslogName: "postfix", program: "smtpd", pid: 4497,
    kind: "client", queueId: "4892820C69A", clientName: "unknown", clientAddress: "127.0.0.4",
  });
  // Re-injected by the authentication filter: the original client, forwarded with XFORWARD, is the sender;
  // the outcome says which smtpd received the copy (only the re-injected copy's deliveries are deliveries).
  const c = new DeliveryCorrelator();
  const outcomes: unknown[] = [];
  for (const o of [
    "Dec 02 13:13:14 ugem postfix/smtpd[1]: 9402620EDDA: client=unknown[127.0.0.3]",
    "Dec 02 13:13:14 ugem postfix/qmgr[2]: 9402620EDDA: to=<x@internet.test>, relay=none, delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:10025: Connection refused)",
    "Dec 02 13:13:15 ugem postfix/reinject/smtpd[3]: 9CF3C20EDDD: client=localhost[127.0.0.1], orig_client=unknown[127.0.0.3]",
    "Dec 02 13:13:15 ugem postfix/smtp[4]: 9CF3C20EDDD: to=<x@internet.test>, relay=mx.internet.test[203.0.113.5]:25, delay=0.04, delays=0.01/0.03/0/0, dsn=2.0.0, status=sent (250 ok)",
  ].map((l) => c.apply(parseLogLine(l)!))) {
    if (o) outcomes.push([o.clientAddress, o.status, o.receivedBy, deliveryBehindFilter(o)]);
  }
  assert.deepEqual(outcomes, [["127.0.0.3", "deferred", "postfix", false], ["127.0.0.3", "sent", "postfix/reinject", true]]);
  // Re-injected by the authentication filter: the original client, forwarded with XFORWARD, is the sender.
  const re = e("Dec 02 13:13:14 ugem postfix/reinject/smtpd[22678]: 9CF3C20EDDD: client=localhost[127.0.0.1], orig_client=unknown[127.0.0.3]");
  assert.deepEqual(re.kind === "client" && [re.syslogName, re.clientName, re.clientAddress], ["postfix/reinject", "unknown", "127.0.0.3"]);
  const d = e("Nov 26 01:05:08 ugem postfix/smtp[4506]: BC59820C69F: to=<r1@internet.test>, relay=127.0.0.1[127.0.0.1]:38531, conn_use=2, delay=0.01, delays=0/0/0/0, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 busy (in reply to RCPT TO command))");
  assert.equal(d.kind, "delivery");
  if (d.kind === "delivery") {
    assert.equal(d.to, "r1@internet.test");
    assert.equal(d.relay, "127.0.0.1[127.0.0.1]:38531");
    assert.equal(d.dsn, "4.3.0");
    assert.equal(d.status, "deferred");
    assert.equal(d.delay, 0.01);
    assert.equal(d.detail, "host 127.0.0.1[127.0.0.1] said: 451 4.3.0 busy (in reply to RCPT TO command)");
  }
  const r = e("Nov 26 01:05:08 ugem postfix/smtpd[4499]: NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 554 5.7.1 <victim@internet.test>: Relay access denied; from=<x@evil.test> to=<victim@internet.test> proto=ESMTP helo=<vm>");
  assert.deepEqual(r.kind === "reject" && [r.queueId, r.stage, r.clientAddress, r.code, r.dsn, r.text, r.from, r.to], [undefined, "RCPT", "127.0.0.2", 554, "5.7.1", "<victim@internet.test>: Relay access denied", "x@evil.test", "victim@internet.test"]);
  const events = await fixtureEvents();
  const eom = events.find((x) => x.kind === "reject" && x.stage === "END-OF-MESSAGE");
  assert.ok(eom && eom.kind === "reject");
  assert.equal(eom.queueId, "C455C20C6AB");
  assert.equal(eom.code, 451);
  assert.match(eom.text, /UGEM Rules p\.12\); keep the message/, "a ';' inside the reply text does not cut it");
  assert.equal(eom.from, "clerk@a.gov.kz");
});

test("ok/other syslog names, RFC 3339 timestamps, orig_to, quoted local parts, expiry", () => {
  const a = parseLogLine("2026-01-12T09:00:00.123456+05:00 gw postfix/relay/smtp[77]: 3AEB920D24A: to=<\"a, b\"@x.kz>, orig_to=<alias@x.kz>, relay=mx.x.kz[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 ok)");
  assert.ok(a && a.kind === "delivery");
  assert.deepEqual([a.timestamp, a.syslogName, a.program, a.to, a.origTo, a.status], ["2026-01-12T09:00:00.123456+05:00", "postfix/relay", "smtp", '"a, b"@x.kz', "alias@x.kz", "sent"]);
  const x = parseLogLine("Jan  2 03:04:05 gw postfix/qmgr[1]: 3AEB920D24A: from=<a@b.kz>, status=expired, returned to sender");
  assert.deepEqual(x && x.kind === "expired" && [x.timestamp, x.from], ["Jan  2 03:04:05", "a@b.kz"]);
});

test("fail/lines that are not Postfix events are ignored", () => {
  for (const l of [
    "",
    "garbage",
    "Nov 26 01:05:08 ugem sshd[1]: 4892820C69A: client=unknown[127.0.0.4]",
    "Nov 26 01:05:08 ugem postfix/smtpd[4497]: connect from unknown[127.0.0.4]",
    "Nov 26 01:05:08 ugem postfix/postsuper[1]: Placed on hold: 4 messages",
    "Nov 26 01:05:08 ugem postfix/smtp[1]: 4892820C69A: to=<a@b>, relay=none",
    "Nov 26 01:05:08 ugem postfix/smtpd[1]: 4892820C69A: client=broken",
    `Nov 26 01:05:08 ugem postfix/smtpd[1]: ${"A".repeat(9000)}`,
  ]) assert.equal(parseLogLine(l), undefined, l.slice(0, 80));
});

test("ok/the correlator attributes delivery outcomes to the submitting client", async () => {
  const c = new DeliveryCorrelator();
  const outcomes: DeliveryOutcome[] = [];
  for (const e of await fixtureEvents()) {
    const o = c.apply(e);
    if (o) outcomes.push(o);
  }
  const byClient = (ip: string | undefined) => outcomes.filter((o) => o.clientAddress === ip).map((o) => o.status);
  assert.deepEqual(byClient("127.0.0.4"), ["sent", "bounced", "deferred", "sent"]);
  assert.deepEqual(byClient("127.0.0.3"), ["deferred", "deferred", "deferred", "deferred", "sent", "sent", "sent", "sent"]);
  assert.deepEqual(byClient("127.0.0.2"), ["sent"]);
  assert.deepEqual(byClient(undefined), ["sent"], "the bounce notice Postfix generated has no client");
  const first = outcomes[0]!;
  assert.deepEqual([first.messageId, first.sender, first.recipient], ["log-b-0@test", "clerk@b.gov.kz", "friend@internet.test"]);
  assert.equal(c.size, 1, "only the message refused at END-OF-MESSAGE (never queued, never removed) is left");
});

test("ok/the correlator is bounded", () => {
  const c = new DeliveryCorrelator(3);
  for (let i = 0; i < 5; i++) c.apply(parseLogLine(`Nov 26 01:05:08 h postfix/smtpd[1]: ABCDEF00${i}: client=x[10.0.0.${i}]`)!);
  assert.equal(c.size, 3);
  assert.equal(c.clientOf("ABCDEF000"), undefined);
  assert.equal(c.clientOf("ABCDEF004"), "10.0.0.4");
});

test("property/parseLogLine never throws", () => {
  const prefix = fc.constantFrom("", "Nov 26 01:05:08 h postfix/smtp[1]: ", "Nov 26 01:05:08 h postfix/smtpd[1]: ABCDEF123: ", "2026-01-01T00:00:00Z h postfix/qmgr[2]: ABCDEF123: ");
  fc.assert(
    fc.property(prefix, fc.string({ maxLength: 300 }), (p, s) => {
      const e = parseLogLine(p + s);
      if (e) new DeliveryCorrelator().apply(e);
    }),
    { numRuns: RUNS },
  );
});

test("ok/followLog hands out whole lines, across appends, truncation and replacement", async () => {
  const dir = await mkdtemp(join(tmpdir(), "qaqpa-tail-"));
  const file = join(dir, "maillog");
  const lines: string[] = [];
  await writeFile(file, "old line\n");
  const f = followLog(file, (l) => lines.push(l), { pollMs: 10_000 });
  try {
    await f.poll();
    await appendFile(file, "first\nsec");
    await f.poll();
    await appendFile(file, "ond\n");
    await f.poll();
    await writeFile(file, "after truncation\n");
    await f.poll();
    await writeFile(join(dir, "new"), "after rotation\n");
    await rename(join(dir, "new"), file);
    await f.poll();
    assert.deepEqual(lines, ["first", "second", "after truncation", "after rotation"], "the existing content is skipped, then every line once");
  } finally {
    await f.close();
    await rm(dir, { recursive: true, force: true });
  }
});
