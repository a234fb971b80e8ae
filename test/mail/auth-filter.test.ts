/**
 * Message authentication on a real Postfix, with the authentication filter as its content filter and a
 * DNS resolver served from memory (no real DNS):
 *
 *   - outbound mail from a connected system leaves the gateway DKIM-signed for its domain, and the
 *     signature verifies with mailauth against the published record (the one the API shows);
 *   - mail from another connected system's domain is not signed with a key that is not its own;
 *   - inbound mail gets SPF / DKIM / DMARC results in Authentication-Results (a forged one with the
 *     gateway's authserv-id is removed), and the results are recorded as metadata;
 *   - with the filter down, Postfix keeps the mail; when it is back, each message arrives exactly once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { authenticate } from "mailauth";
import { peerSkipReason, startGateway, SYS_A_IP, UNKNOWN_IP, until, type Gateway } from "./peer/harness.js";
import { SmtpClient, buildMessage } from "../../src/mail/testing/smtp-client.js";
import { generateDkimKey, type DkimKey } from "../../src/mail/auth/dkim-keys.js";
import { createInboundVerifier, createOutboundSigner, type DNSResolver } from "../../src/mail/auth/mailauth.js";
import { AuthFilter, classifyBySnapshot, type InboundAuthRecord } from "../../src/mail/auth/filter.js";

const skip = await peerSkipReason();

/** An in-memory zone: TXT records by name; anything else does not exist. */
function zone(txt: Record<string, string[][]>): DNSResolver {
  return async (name, rrtype) => {
    const n = name.toLowerCase().replace(/\.$/, "");
    if (rrtype === "TXT" && txt[n]) return txt[n]!;
    throw Object.assign(new Error(`${rrtype} ${n} not found`), { code: "ENOTFOUND" });
  };
}

async function send(g: Gateway, localAddress: string, from: string, to: string, data: string) {
  const c = await SmtpClient.connect({ host: "127.0.0.1", port: g.smtpPort, localAddress, helo: localAddress === UNKNOWN_IP ? "mx.sender.example" : "mail.a.gov.kz" });
  try {
    return await c.send({ from, to: [to], data });
  } finally {
    await c.quit();
  }
}

describe("authentication filter: DKIM signing outbound, SPF/DKIM/DMARC inbound", { skip }, () => {
  let g: Gateway;
  let keyA: DkimKey;
  let keySender: DkimKey;
  let resolver: DNSResolver;
  const records: InboundAuthRecord[] = [];

  before(async () => {
    keyA = await generateDkimKey("a.gov.kz", "q202612");
    keySender = await generateDkimKey("sender.example", "s1");
    resolver = zone({
      [keyA.dnsName]: [[...keyA.txtStrings]],
      [keySender.dnsName]: [[...keySender.txtStrings]],
      "sender.example": [["v=spf1 ip4:127.0.0.2 -all"]],
      "_dmarc.sender.example": [["v=DMARC1; p=reject"]],
      "spoof.example": [["v=spf1 ip4:192.0.2.1 -all"]],
      "_dmarc.spoof.example": [["v=DMARC1; p=reject"]],
    });
    const keys = new Map([["a.gov.kz", keyA]]);
    g = await startGateway({
      policy: "in-process",
      authFilter: {
        signer: createOutboundSigner((d) => keys.get(d)),
        verifier: createInboundVerifier({ authservId: "ugem.test.kz", resolver }),
        record: async (r) => {
          records.push(r);
        },
      },
    });
  });
  after(async () => {
    await g?.close();
  });

  test("ok/outbound mail leaves signed for its domain and verifies against the published record", async () => {
    const r = await send(g, SYS_A_IP, "clerk@a.gov.kz", "someone@internet.test", buildMessage({ from: "clerk@a.gov.kz", to: ["someone@internet.test"], subject: "signed", messageId: "auth-out-1@a.gov.kz" }));
    assert.ok(r.ok, JSON.stringify(r));
    await g.internet.waitFor(1, 30_000);
    const m = g.internet.messages[0]!;
    assert.equal(m.messageId, "auth-out-1@a.gov.kz");
    assert.match(m.data.toString("latin1"), /^DKIM-Signature: .*d=a\.gov\.kz/ims);
    const v = await authenticate(m.data, { ip: "203.0.113.9", helo: "ugem.test.kz", sender: "clerk@a.gov.kz", mta: "receiver.test", resolver, disableArc: true, disableBimi: true });
    const sig = v.dkim.results.find((x) => x.signingDomain === "a.gov.kz");
    assert.equal(sig?.status.result, "pass", JSON.stringify(v.dkim.results));
    assert.equal(sig?.selector, "q202612");
  });

  test("fail/a connected system's mail with another domain in From is passed on unsigned", async () => {
    const r = await send(g, SYS_A_IP, "clerk@a.gov.kz", "other@internet.test", buildMessage({ from: "boss@b.gov.kz", to: ["other@internet.test"], subject: "not ours", messageId: "auth-out-2@a.gov.kz" }));
    assert.ok(r.ok);
    await g.internet.waitFor(2, 30_000);
    const m = g.internet.messages.find((x) => x.messageId === "auth-out-2@a.gov.kz")!;
    assert.doesNotMatch(m.data.toString("latin1"), /^DKIM-Signature:/im);
    assert.equal(g.filter!.counters.unsigned, 1);
  });

  test("ok/inbound mail carries SPF, DKIM and DMARC results; a forged result with the gateway's id is removed; metadata recorded", async () => {
    const body = buildMessage({ from: "bob@sender.example", to: ["user@a.gov.kz"], subject: "hello", messageId: "auth-in-1@sender.example" });
    const signer = createOutboundSigner((d) => (d === "sender.example" ? keySender : undefined));
    const signed = Buffer.from(await signer.sign(Buffer.from(body), "sender.example")).toString("latin1");
    const r = await send(g, UNKNOWN_IP, "bob@sender.example", "user@a.gov.kz", signed);
    assert.ok(r.ok, JSON.stringify(r));

    const forged = "Authentication-Results: ugem.test.kz; spf=pass; dmarc=pass\r\n" + buildMessage({ from: "ceo@spoof.example", to: ["user@a.gov.kz"], subject: "urgent", messageId: "auth-in-2@spoof.example" });
    assert.ok((await send(g, UNKNOWN_IP, "ceo@spoof.example", "user@a.gov.kz", forged)).ok);
    await g.orgA.waitFor(2, 30_000);

    const good = g.orgA.messages.find((m) => m.messageId === "auth-in-1@sender.example")!.data.toString("latin1");
    const ar = /^Authentication-Results: ugem\.test\.kz;[^]*?(?=\r\n\S)/m.exec(good)?.[0] ?? "";
    assert.match(ar, /spf=pass/);
    assert.match(ar, /dkim=pass/);
    assert.match(ar, /dmarc=pass/);

    const bad = g.orgA.messages.find((m) => m.messageId === "auth-in-2@spoof.example")!.data.toString("latin1");
    const results = bad.match(/^Authentication-Results: ugem\.test\.kz;/gm) ?? [];
    assert.equal(results.length, 1, "only the gateway's own verdict remains");
    assert.match(bad, /spf=fail/);
    assert.match(bad, /dmarc=fail/);
    assert.doesNotMatch(bad, /^Authentication-Results: ugem\.test\.kz; spf=pass; dmarc=pass/m);

    const rec = records.find((x) => x.messageId === "auth-in-1@sender.example")!;
    assert.deepEqual([rec.systemId, rec.clientAddress, rec.mailFrom, rec.headerFromDomain, rec.results.spf.result, rec.results.dmarc.result, rec.results.dmarc.policy], ["sys-a", UNKNOWN_IP, "bob@sender.example", "sender.example", "pass", "pass", "reject"]);
    assert.deepEqual(rec.results.dkim.map((d) => [d.domain, d.result]), [["sender.example", "pass"]]);
    const spoof = records.find((x) => x.messageId === "auth-in-2@spoof.example")!;
    assert.deepEqual([spoof.results.spf.result, spoof.results.dmarc.result], ["fail", "fail"]);
    assert.ok(!("body" in rec) && !JSON.stringify(records).includes("test message"), "no body in the record");
  });

  test("ok/with the filter down Postfix keeps the mail, and delivers it exactly once when the filter is back", async () => {
    const filter = g.filter!;
    const port = filter.port;
    await filter.close();
    const before = g.internet.messages.length;
    for (let i = 0; i < 3; i++) {
      const r = await send(g, SYS_A_IP, "clerk@a.gov.kz", `later${i}@internet.test`, buildMessage({ from: "clerk@a.gov.kz", to: [`later${i}@internet.test`], subject: "later", messageId: `auth-later-${i}@a.gov.kz` }));
      assert.ok(r.ok, "accepted into Postfix's queue");
    }
    let queued: { queueName: string }[] = [];
    await until(
      async () => (queued = await g.instance.queue.list()).filter((m) => m.queueName === "deferred").length === 3,
      30_000,
      "three deferred messages",
    ).catch((e: Error) => {
      throw new Error(`${e.message}; queue: ${JSON.stringify(queued)}`);
    });
    assert.equal(g.internet.messages.length, before);
    // The same filter on the same port (Postfix's content_filter names it).
    const keys = new Map([["a.gov.kz", keyA]]);
    const again = new AuthFilter({
      port,
      reinject: filter.reinjectEndpoint,
      classify: classifyBySnapshot(() => g.policy!.snapshot),
      signer: createOutboundSigner((d) => keys.get(d)),
      verifier: createInboundVerifier({ authservId: "ugem.test.kz", resolver }),
    });
    await again.start();
    try {
      await g.instance.flush();
      await g.internet.waitFor(before + 3, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      const ids = g.internet.messageIds().filter((id) => id.startsWith("auth-later-")).sort();
      assert.deepEqual(ids, ["auth-later-0@a.gov.kz", "auth-later-1@a.gov.kz", "auth-later-2@a.gov.kz"]);
      assert.equal(again.counters.signed, 3);
    } finally {
      await again.close();
    }
  });
});
