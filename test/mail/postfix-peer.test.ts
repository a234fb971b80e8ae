/**
 * Real peers: a private Postfix instance driven by qaqpa's rendering and policy service, swaks and our
 * SMTP client as senders, SMTP sinks as the organisations' servers and the Internet. Skipped, with the
 * reason, where Postfix or swaks is missing or we are not root; `npm test` installs both.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { peerSkipReason, sendMany, startGateway, swaks, SYS_A_IP, SYS_B_IP, UNKNOWN_IP, until, type Gateway } from "./peer/harness.js";
import { PostfixInstance } from "../../src/mail/postfix/instance.js";

const skip = await peerSkipReason();

describe("private Postfix instance with the policy service", { skip }, () => {
  let g: Gateway;
  before(async () => {
    g = await startGateway({ policy: "in-process" });
  });
  after(async () => {
    await g?.close();
  });

  test("ok/rendered configuration passes postfix check and lists the connected domains", async () => {
    const main = await readFile(join(g.instance.configDir, "main.cf"), "utf8");
    assert.match(main, /check_policy_service \{ inet:127\.0\.0\.1:\d+, timeout=10s, \{ default_action = DEFER_IF_PERMIT/);
    const relay = await readFile(join(g.instance.configDir, "relay_domains"), "utf8");
    assert.match(relay, /^a\.gov\.kz\tOK$/m);
  });

  test("ok/inbound mail for a connected domain reaches that organisation's server only", async () => {
    const a = await swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", UNKNOWN_IP, "--from", "sender@internet.test", "--to", "clerk@a.gov.kz", "--header", "Message-Id: <inbound-a@test>"]);
    assert.equal(a.status, 0, a.out);
    const b = await swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", UNKNOWN_IP, "--from", "sender@internet.test", "--to", "clerk@b.gov.kz", "--header", "Message-Id: <inbound-b@test>"]);
    assert.equal(b.status, 0, b.out);
    await g.orgA.waitFor(1, 20_000);
    await g.orgB.waitFor(1, 20_000);
    assert.deepEqual(g.orgA.messageIds(), ["inbound-a@test"]);
    assert.deepEqual(g.orgB.messageIds(), ["inbound-b@test"]);
    assert.deepEqual(g.orgA.messages[0]!.rcptTo, ["clerk@a.gov.kz"]);
    assert.equal(g.internet.messages.filter((m) => m.messageId?.startsWith("inbound-")).length, 0);
  });

  test("fail/relay from an unregistered client address to the Internet is refused", async () => {
    const r = await swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", UNKNOWN_IP, "--from", "x@evil.test", "--to", "victim@internet.test"]);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /<\*\* 554 5\.7\.1 .*Relay access denied/);
    const log = await readFile(g.instance.maillogFile, "utf8");
    assert.match(log, /NOQUEUE: reject: RCPT from [^ ]*\[127\.0\.0\.2\]: 554 5\.7\.1 <victim@internet\.test>: Relay access denied/);
  });

  test("ok/a connected system sends to the Internet and to another connected system", async () => {
    const before = g.internet.messages.length;
    const out = await sendMany(g, { localAddress: SYS_B_IP, from: "clerk@b.gov.kz", to: (i) => (i === 0 ? "someone@internet.test" : "clerk@a.gov.kz"), n: 2, idPrefix: "outbound-b" });
    assert.ok(out.every((o) => o.result.ok), JSON.stringify(out));
    await g.internet.waitFor(before + 1, 20_000);
    await until(() => g.orgA.messageIds().includes("outbound-b-1@test"), 20_000, "b → a delivery");
    assert.ok(g.internet.messageIds().includes("outbound-b-0@test"));
    const st = g.policy!.state("sys-b");
    assert.equal(st.messagesLastMinute, 2);
    assert.equal(st.suspended, false);
  });

  test("ok/delivery outcomes from the maillog feed the system's statistics", async () => {
    await until(() => g.policy!.state("sys-b").deliveriesLastHour.sent >= 2, 10_000, "delivery log lines");
    assert.equal(g.policy!.state("sys-a").deliveriesLastHour.sent, 0, "inbound deliveries are not counted for the receiving system");
  });

  test("ok/the connected system's own address is its only relay credential", async () => {
    // 127.0.0.3 is sys-a's server: it may relay; the same envelope from 127.0.0.2 may not.
    const ok = await swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", SYS_A_IP, "--from", "clerk@a.gov.kz", "--to", "friend@internet.test", "--header", "Message-Id: <relay-ok@test>"]);
    assert.equal(ok.status, 0, ok.out);
    const bad = await swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", UNKNOWN_IP, "--from", "clerk@a.gov.kz", "--to", "friend@internet.test"]);
    assert.notEqual(bad.status, 0);
    await until(() => g.internet.messageIds().includes("relay-ok@test"), 20_000, "relayed message");
  });

  test("ok/a restarted control plane takes over the Postfix that outlived it: reload, same master, mail flows", async () => {
    const pid = await g.instance.masterPid();
    assert.ok(pid !== undefined);
    const again = await PostfixInstance.create(g.instance.dir, g.instance.renderOptions());
    await again.apply(g.systems);
    await again.start();
    assert.equal(await again.masterPid(), pid, "the running master was reloaded, not replaced");
    const r = await swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", UNKNOWN_IP, "--from", "sender@internet.test", "--to", "clerk@a.gov.kz", "--header", "Message-Id: <after-takeover@test>"]);
    assert.equal(r.status, 0, r.out);
    await until(() => g.orgA.messageIds().includes("after-takeover@test"), 20_000, "delivery after the takeover");
  });
});

describe("the policy service on a UNIX-domain socket", { skip }, () => {
  let g: Gateway;
  before(async () => {
    g = await startGateway({ policy: "in-process-unix" });
  });
  after(async () => {
    await g?.close();
  });

  test("ok/smtpd (running as mail_owner) reaches the socket: relay refused, outbound accepted and counted", async () => {
    const main = await readFile(join(g.instance.configDir, "main.cf"), "utf8");
    assert.match(main, /check_policy_service \{ unix:\/.*\/policy\.sock,/);
    const bad = await swaks(["--server", `127.0.0.1:${g.smtpPort}`, "--local-interface", UNKNOWN_IP, "--from", "x@evil.test", "--to", "victim@internet.test"]);
    assert.match(bad.out, /<\*\* 554 5\.7\.1 /);
    const out = await sendMany(g, { localAddress: SYS_A_IP, from: "clerk@a.gov.kz", to: () => "friend@internet.test", n: 2, idPrefix: "unix" });
    assert.ok(out.every((o) => o.result.ok), JSON.stringify(out));
    assert.equal(g.policy!.state("sys-a").messagesLastMinute, 2);
    await g.internet.waitFor(2, 20_000);
  });
});
