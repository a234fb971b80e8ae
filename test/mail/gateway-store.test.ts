/**
 * The mail control plane on the store with a real Postfix: maps rendered from the store and re-applied
 * when a system is connected or disconnected; outbound mail leaves DKIM-signed and verifies against the
 * record the API publishes (served by an in-memory resolver); inbound results are recorded; delivery
 * statistics reach the store without counting the hand-over to the filter; STS suspends and releases
 * through the API; Prometheus metrics are exported.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import client from "prom-client";
import { authenticate } from "mailauth";
import { startWorld, type World } from "../api/harness.js";
import { FAST_QUEUE, freePort, peerSkipReason, SYS_A_IP, SYS_B_IP, UNKNOWN_IP, until } from "./peer/harness.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { startMailGateway, type MailGateway } from "../../src/services/mail-gateway.js";
import { storeMailSystems } from "../../src/services/mail-store.js";
import { SmtpSink } from "../../src/mail/testing/smtp-sink.js";
import { SmtpClient, buildMessage } from "../../src/mail/testing/smtp-client.js";
import type { DNSResolver } from "../../src/mail/auth/mailauth.js";
import { connectTestSystem } from "./support/store-fixture.js";

const skip = await peerSkipReason();
const sealer = createSealer(randomBytes(32));

describe("mail control plane on the store with a real Postfix", { skip }, () => {
  let w: World;
  let gw: MailGateway;
  let dir: string;
  let smtpPort: number;
  const orgA = new SmtpSink({ hostname: "mx.a.gov.kz" });
  const internet = new SmtpSink({ hostname: "mx.internet.test" });
  const registry = new client.Registry();
  const txt: Record<string, string[][]> = { "sender.example": [["v=spf1 ip4:127.0.0.2 -all"]] };
  const resolver: DNSResolver = async (name, rrtype) => {
    const r = rrtype === "TXT" ? txt[name.toLowerCase().replace(/\.$/, "")] : undefined;
    if (r) return r;
    throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
  };
  let systemId = "";
  let applicationId = "";

  const send = async (localAddress: string, from: string, to: string, id: string) => {
    const c = await SmtpClient.connect({ host: "127.0.0.1", port: smtpPort, localAddress, helo: "mail.test" });
    try {
      return await c.send({ from, to: [to], data: buildMessage({ from, to: [to], subject: id, messageId: id }) });
    } finally {
      await c.quit();
    }
  };

  before(async () => {
    w = await startWorld();
    await orgA.start();
    await internet.start();
    dir = await mkdtemp(join(tmpdir(), "qaqpa-mailgw-"));
    smtpPort = await freePort();
    gw = await startMailGateway({
      store: w.store,
      sealer,
      dir,
      stsAddress: "duty@sts.example",
      registry,
      resolver,
      pollMs: 200,
      inetProtocols: "ipv4",
      postfixExtra: FAST_QUEUE,
      config: {
        hostname: "ugem.test.kz",
        listen: [{ host: "127.0.0.1", port: smtpPort }],
        policyPort: await freePort(),
        filterPort: await freePort(),
        reinjectPort: await freePort(),
        internetRelay: { host: "127.0.0.1", port: internet.port },
      },
    });
    await until(async () => {
      try {
        await (await SmtpClient.connect({ host: "127.0.0.1", port: smtpPort, timeoutMs: 2_000 })).quit();
        return true;
      } catch {
        return false;
      }
    }, 15_000, "Postfix listening");
  });
  after(async () => {
    await gw?.stop();
    await orgA.close();
    await internet.close();
    await w?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("fail/before any system is connected, the server address may not relay", async () => {
    const r = await send(SYS_A_IP, "clerk@a.gov.kz", "x@internet.test", "gw-0@a.gov.kz");
    assert.equal(r.ok, false);
    assert.equal(r.code, 554);
  });

  test("ok/a system connected in the store is applied to Postfix; its mail leaves signed and verifies against the published record", async () => {
    ({ mailSystemId: systemId, applicationId } = await connectTestSystem(w.store, sealer, { organisationId: w.ids.orgA, domain: "a.gov.kz", addresses: [SYS_A_IP], inbound: { host: "127.0.0.1", port: orgA.port } }));
    await gw.sync();
    const r = await send(SYS_A_IP, "clerk@a.gov.kz", "x@internet.test", "gw-1@a.gov.kz");
    assert.ok(r.ok, JSON.stringify(r));
    await internet.waitFor(1, 30_000);
    const dkim = await w.call(w.tokens.sts_admin, "GET", `/api/mail/systems/${systemId}/dkim`);
    const rec = dkim.json.records[0];
    txt[rec.dnsName] = [rec.txtStrings];
    const v = await authenticate(internet.messages[0]!.data, { ip: "203.0.113.9", helo: "ugem.test.kz", sender: "clerk@a.gov.kz", mta: "receiver.test", resolver, disableArc: true, disableBimi: true });
    assert.deepEqual(v.dkim.results.map((d) => [d.signingDomain, d.status.result]), [["a.gov.kz", "pass"]]);
  });

  test("ok/inbound mail reaches the organisation with its results recorded; statistics exclude the filter hand-over", async () => {
    const r = await send(UNKNOWN_IP, "bob@sender.example", "user@a.gov.kz", "gw-2@sender.example");
    assert.ok(r.ok, JSON.stringify(r));
    await orgA.waitFor(1, 30_000);
    assert.match(orgA.messages[0]!.data.toString("latin1"), /^Authentication-Results: ugem\.test\.kz;.*spf=pass/ms);
    const rows = await w.store.db.selectFrom("mail_auth_result").selectAll().execute();
    assert.deepEqual(rows.map((x) => [x.mail_system_id, x.client_address, x.spf, x.message_id]), [[systemId, UNKNOWN_IP, "pass", "gw-2@sender.example"]]);
    const api = await w.call(w.tokens.organisation_staff, "GET", `/api/mail/systems/${systemId}/auth-results`);
    assert.deepEqual(api.json.items.map((x: { spf: string; dmarc: string; mailFrom: string; headerFromDomain: string }) => [x.spf, x.dmarc, x.mailFrom, x.headerFromDomain]), [["pass", "none", "bob@sender.example", "sender.example"]]);
    assert.equal((await w.call(w.tokens.organisation_staff, "GET", `/api/mail/systems/${systemId}/auth-results?dmarc=fail`)).json.total, 0);
    assert.equal((await w.call(w.tokens.organisationB, "GET", `/api/mail/systems/${systemId}/auth-results`)).status, 404, "another organisation's results are not shown");
    await until(async () => {
      await gw.flushStats();
      const s = await w.call(w.tokens.organisation_staff, "GET", `/api/mail/systems/${systemId}/stats`);
      return s.json.totals.sent >= 1;
    }, 20_000, "delivery statistics");
    const s = await w.call(w.tokens.organisation_staff, "GET", `/api/mail/systems/${systemId}/stats`);
    assert.deepEqual(s.json.totals, { sent: 1, deferred: 0, bounced: 0, other: 0 }, "the outbound message counts once");
    assert.equal(s.json.live.suspended, false);
    const metrics = await registry.metrics();
    assert.match(metrics, /qaqpa_mail_queue_messages\{queue="deferred"\} 0/);
    assert.match(metrics, /qaqpa_mail_policy_outcome_total\{hook="rcpt\/outbound",action="DUNNO"\} [1-9]/);
    assert.match(metrics, /qaqpa_mail_auth_filter_total\{result="signed"\} 1/);
  });

  test("ok/p.14: mail to the STS duty address through the gateway becomes one incident and is delivered", async () => {
    await connectTestSystem(w.store, sealer, { organisationId: w.ids.orgB, domain: "sts.example", addresses: [SYS_B_IP], inbound: { host: "127.0.0.1", port: orgA.port } });
    await gw.sync();
    const before = orgA.messages.length;
    for (let i = 0; i < 2; i++) {
      const c = await SmtpClient.connect({ host: "127.0.0.1", port: smtpPort, localAddress: UNKNOWN_IP, helo: "mx.sender.example" });
      const data = buildMessage({ from: "noc@sender.example", to: ["duty@sts.example"], subject: "Phishing wave", messageId: "incident-1@sender.example", body: "Fake e-Gov pages since 09:00" });
      assert.ok((await c.send({ from: "noc@sender.example", to: ["duty@sts.example"], data })).ok);
      await c.quit();
    }
    await orgA.waitFor(before + 2, 30_000);
    const incidents = await w.store.db.selectFrom("application").select(["kind", "payload"]).where("external_ref", "=", "mail:incident-1@sender.example").execute();
    assert.equal(incidents.length, 1, "the same message twice makes one incident");
    assert.deepEqual([incidents[0]!.kind, incidents[0]!.payload.title, incidents[0]!.payload.description, incidents[0]!.payload.reporterEmail], ["incident", "Phishing wave", "Fake e-Gov pages since 09:00", "noc@sender.example"]);
  });

  test("ok/STS suspends through the API (new mail 4xx, metric), releases it; the disconnection removes the system from Postfix", async () => {
    const s = await w.call(w.tokens.sts_duty_officer, "POST", `/api/mail/systems/${systemId}/suspend`, { note: "receiver complaint" });
    assert.equal(s.status, 200, s.body);
    const r = await send(SYS_A_IP, "clerk@a.gov.kz", "y@internet.test", "gw-3@a.gov.kz");
    assert.deepEqual([r.ok, r.stage, r.code], [false, "rcpt", 450]);
    assert.match(await registry.metrics(), /qaqpa_mail_suspended_systems 1/);
    const rel = await w.call(w.tokens.sts_admin, "POST", `/api/mail/systems/${systemId}/release`);
    assert.equal(rel.status, 200, rel.body);
    assert.ok((await send(SYS_A_IP, "clerk@a.gov.kz", "y@internet.test", "gw-4@a.gov.kz")).ok);

    await w.store.db.transaction().execute((tx) => storeMailSystems(w.store.db, { sealer }).disconnect(tx, { applicationId, reason: "UGEM p.11" }));
    await gw.sync();
    const after = await send(SYS_A_IP, "clerk@a.gov.kz", "z@internet.test", "gw-5@a.gov.kz");
    assert.equal(after.code, 554, "no longer allowed to relay");
  });
});
