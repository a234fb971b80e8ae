/**
 * The mail gateway on the store: the mail-gateway workflow connects domains through the store port (UGEM
 * p.9), a second domain on the same server joins the same system, another organisation's address is
 * refused; p.11 disconnection-pending shows on the system and `disconnected` removes it. A policy service
 * over the store ports (queue: MemoryQueue) suspends, releases and deletes held mail: the suspension row
 * (counters, who released), the outbox notices to owner and STS and the audit entries. The API scopes
 * mail systems per organisation and serves the DKIM record, which verifies a signature made with the
 * sealed key.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, createSign, createVerify, randomBytes } from "node:crypto";
import { startWorld, type World } from "../api/harness.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { configureWorkflows } from "../../src/workflows/runtime.js";
import { inTx } from "../../src/services/context.js";
import { mailDisconnectionOnStatusChange, recordEvent, submitApplication } from "../../src/services/applications.js";
import { storeMailSystems } from "../../src/services/mail-store.js";
import { configureMailControl } from "../../src/services/mail-systems.js";
import type { Principal } from "../../src/domain/authz.js";
import { storePolicyService } from "./support/store-fixture.js";

const sealer = createSealer(randomBytes(32));

describe("mail systems on the store", () => {
  let w: World;
  let orgA: Principal;
  let orgB: Principal;
  const sts: Principal = { accountId: "sts-1", username: "engineer", role: "sts_engineer", operatorId: null, organisationId: null, via: "token" };
  const port = () => storeMailSystems(w.store.db, { sealer });

  before(async () => {
    w = await startWorld();
    configureWorkflows({ sealer, stsAddress: "aps@sts.example", dutyAddress: "duty@sts.example", mailSystems: port() });
    orgA = { accountId: "org-1", username: "org-a", role: "organisation_staff", operatorId: null, organisationId: w.ids.orgA, via: "token" };
    orgB = { accountId: "org-2", username: "org-b", role: "organisation_staff", operatorId: null, organisationId: w.ids.orgB, via: "token" };
  });
  after(() => w.close());

  const as = <T>(p: Principal, fn: Parameters<typeof inTx<T>>[3]) => inTx(w.store, p, null, fn);
  const apply = (p: Principal, domain: string, serverAddresses: string[], inbound?: { host: string; port: number }) =>
    as(p, (ctx) => submitApplication(ctx, "mail-gateway-connection", { document: { domain, owner: "Ministry", serverAddresses, ...(inbound ? { inbound } : {}), contacts: [{ fullName: "Postmaster", email: `postmaster@${domain.toLowerCase()}` }] } }));
  const connect = (id: string) => as(sts, (ctx) => recordEvent(ctx, id, { type: "connected" }));
  const outbox = async (re: RegExp) => (await w.store.db.selectFrom("outbox_message").select(["recipients", "subject"]).execute()).filter((m) => re.test(m.subject));

  let appA1: { id: string; number: string };
  let systemA = "";

  test("ok/UGEM p.9: connecting creates the system with its domain and a sealed DKIM key; a second domain on the same server joins it", async () => {
    appA1 = await apply(orgA, "Mail.A.Example", ["192.0.2.25"]);
    await connect(appA1.id);
    const list = await port().list();
    assert.equal(list.length, 1);
    systemA = list[0]!.id;
    assert.deepEqual([list[0]!.domains, list[0]!.serverAddresses, list[0]!.inbound, list[0]!.ownerEmail, list[0]!.suspension], [["mail.a.example"], ["192.0.2.25"], { host: "192.0.2.25", port: 25 }, "postmaster@mail.a.example", null]);
    const row = await w.store.db.selectFrom("mail_domain").selectAll().where("domain", "=", "mail.a.example").executeTakeFirstOrThrow();
    assert.match(row.dkim_sealed_key, /^qs1\./);
    assert.doesNotMatch(row.dkim_sealed_key, /PRIVATE KEY/);
    const app2 = await apply(orgA, "second.a.example", ["192.0.2.25", "192.0.2.26"]);
    await connect(app2.id);
    const after2 = await port().list();
    assert.equal(after2.length, 1, "same server, same system");
    assert.deepEqual([after2[0]!.domains, after2[0]!.serverAddresses], [["mail.a.example", "second.a.example"], ["192.0.2.25", "192.0.2.26"]]);
  });

  test("fail/an address of another organisation's system is refused and nothing is connected", async () => {
    const app = await apply(orgB, "mail.b.example", ["192.0.2.26"]);
    await assert.rejects(connect(app.id), (e: Error & { code?: string }) => e.code === "QQ_ERR_CONFLICT");
    const state = await w.store.db.selectFrom("application").select("state").where("id", "=", app.id).executeTakeFirstOrThrow();
    assert.equal(state.state, "submitted", "the event rolled back with the refusal");
    const appOk = await apply(orgB, "mail.b.example", ["198.51.100.7"]);
    await connect(appOk.id);
    assert.equal((await port().list()).length, 2);
  });

  test("ok/the API scopes systems per organisation; operators have none; the DKIM record verifies the sealed key's signature", async () => {
    const own = await w.call(w.tokens.organisation_staff, "GET", "/api/mail/systems");
    assert.equal(own.status, 200);
    assert.deepEqual(own.json.items.map((s: { id: string }) => s.id), [systemA]);
    const all = await w.call(w.tokens.auditor, "GET", "/api/mail/systems");
    assert.equal(all.json.total, 2);
    assert.equal((await w.call(w.tokens.operator_staff, "GET", "/api/mail/systems")).status, 403);
    const other = all.json.items.find((s: { id: string }) => s.id !== systemA).id;
    assert.equal((await w.call(w.tokens.organisation_staff, "GET", `/api/mail/systems/${other}`)).status, 404);
    const bad = await w.call(w.tokens.sts_admin, "GET", "/api/mail/systems?status=paused");
    assert.equal(bad.status, 400);
    assert.equal(bad.headers["content-type"], "application/problem+json; charset=utf-8");

    const dkim = await w.call(w.tokens.organisation_staff, "GET", `/api/mail/systems/${systemA}/dkim`);
    assert.equal(dkim.status, 200);
    const rec = dkim.json.records.find((r: { domain: string }) => r.domain === "mail.a.example");
    assert.match(rec.dnsName, /^q\d{6}\._domainkey\.mail\.a\.example$/);
    assert.deepEqual(rec.txtStrings.join(""), rec.txtValue);
    const p = /p=([A-Za-z0-9+/=]+)/.exec(rec.txtValue)![1]!;
    const pub = createPublicKey({ key: Buffer.from(p, "base64"), format: "der", type: "spki" });
    const key = (await port().dkimKeys()).find((k) => k.domain === "mail.a.example")!;
    assert.equal(key.selector, rec.selector);
    const sig = createSign("sha256").update("message").sign(key.privateKeyPem);
    assert.ok(createVerify("sha256").update("message").verify(pub, sig));
  });

  test("fail/without a running mail gateway, actions answer 503 problem+json", async () => {
    const r = await w.call(w.tokens.sts_admin, "POST", `/api/mail/systems/${systemA}/release`);
    assert.equal(r.status, 503);
    assert.equal(r.json.code, "QQ_ERR_MAIL_GATEWAY_NOT_RUNNING");
  });

  test("ok/UGEM p.12: suspension by the detector, release and deletion are recorded with counters, notices and audit", async () => {
    const { service, queue } = storePolicyService(w.store, sealer);
    await service.reload();
    configureMailControl(w.store, service);
    queue.add("ABC123", "deferred");
    // The engine tracks queue ids at END-OF-MESSAGE; feed one the way Postfix's log names the client.
    service.observeLogLine("Dec  2 10:00:00 gw postfix/smtpd[1]: ABC123: client=a.example[192.0.2.25]");
    const rep = await service.suspend(systemA, { by: "detector" }, [{ code: "messages-per-minute", observed: 601, limit: 600 }]);
    assert.deepEqual(rep.held, ["ABC123"]);
    const sys = await w.call(w.tokens.organisation_staff, "GET", `/api/mail/systems/${systemA}`);
    assert.equal(sys.json.status, "suspended");
    assert.deepEqual(sys.json.suspension.heldQueueIds, ["ABC123"]);
    assert.deepEqual(sys.json.suspension.reasons, [{ code: "messages-per-minute", observed: 601, limit: 600 }]);
    assert.equal(typeof sys.json.suspension.counters.messagesLastMinute, "number");
    const notices = await outbox(/suspend/i);
    assert.deepEqual(notices.map((n) => n.recipients[0]).sort(), ["duty@sts.example", "postmaster@mail.a.example"]);
    const stats = await w.call(w.tokens.sts_admin, "GET", `/api/mail/systems/${systemA}/stats`);
    assert.equal(stats.json.live.held, 1);

    assert.equal((await w.call(w.tokens.organisation_staff, "POST", `/api/mail/systems/${systemA}/release`)).status, 403);
    const rel = await w.call(w.tokens.sts_admin, "POST", `/api/mail/systems/${systemA}/release`);
    assert.equal(rel.status, 200, rel.body);
    assert.deepEqual(rel.json.queueIds, ["ABC123"]);
    assert.equal(rel.json.mailSystem.status, "active");
    assert.deepEqual(queue.delivered, ["ABC123"]);
    const again = await w.call(w.tokens.sts_admin, "POST", `/api/mail/systems/${systemA}/release`);
    assert.equal(again.status, 409);
    assert.equal(again.json.code, "QQ_ERR_MAIL_SYSTEM_NOT_SUSPENDED");

    const susp = await w.call(w.tokens.auditor, "GET", `/api/mail/suspensions?mailSystemId=${systemA}`);
    assert.equal(susp.json.total, 1);
    const s0 = susp.json.items[0];
    assert.equal(s0.suspendedBy, "detector");
    assert.equal(s0.releasedCount, 1);
    const admin = await w.store.db.selectFrom("account").select("id").where("username", "=", "admin").executeTakeFirstOrThrow();
    assert.equal(s0.releasedBy, admin.id);

    // STS suspends by hand with a note, then deletes the held mail: the suspension stays.
    queue.add("DEF456", "active");
    service.observeLogLine("Dec  2 10:05:00 gw postfix/smtpd[1]: DEF456: client=a.example[192.0.2.26]");
    const man = await w.call(w.tokens.sts_duty_officer, "POST", `/api/mail/systems/${systemA}/suspend`, { note: "complaint from a receiver" });
    assert.equal(man.status, 200, man.body);
    assert.deepEqual(man.json.queueIds, ["DEF456"]);
    const del = await w.call(w.tokens.sts_admin, "POST", `/api/mail/systems/${systemA}/delete-held`);
    assert.deepEqual([del.status, del.json.queueIds, del.json.mailSystem.status], [200, ["DEF456"], "suspended"]);
    const open = await w.call(w.tokens.sts_admin, "GET", "/api/mail/suspensions?open=true");
    assert.deepEqual([open.json.total, open.json.items[0].note, open.json.items[0].deletedCount, open.json.items[0].heldQueueIds], [1, "complaint from a receiver", 1, []]);

    const audit = await w.store.db.selectFrom("audit_entry").select("body").where("entity_id", "=", systemA).execute();
    const actions = audit.map((a) => JSON.parse(a.body) as { action: string; actor: { username: string } });
    assert.deepEqual(actions.map((a) => [a.action, a.actor.username]), [
      ["mail_system.suspend", "system:mail-detector"],
      ["mail_system.release", "admin"],
      ["mail_system.suspend", "duty"],
      ["mail_system.delete_held", "admin"],
    ]);
    configureMailControl(w.store, null);
  });

  test("ok/UGEM p.11: disconnection-pending shows on the system; `disconnected` removes the domain, the last one the system", async () => {
    const pending = await w.store.db.transaction().execute((tx) => mailDisconnectionOnStatusChange(tx, w.ids.orgA, "no longer a state body"));
    assert.equal(pending.length, 2);
    const sys = await w.call(w.tokens.sts_admin, "GET", `/api/mail/systems/${systemA}`);
    assert.equal(sys.json.disconnectionPending, true);
    assert.ok(sys.json.domains.every((d: { applicationState: string }) => d.applicationState === "disconnection-pending"));
    const apps = await w.store.db.selectFrom("mail_domain").select("application_id").where("mail_system_id", "=", systemA).execute();
    await as(sts, (ctx) => recordEvent(ctx, apps[0]!.application_id, { type: "disconnected", data: { reason: "status changed" } }));
    assert.deepEqual((await port().list()).find((s) => s.id === systemA)!.domains.length, 1);
    await as(sts, (ctx) => recordEvent(ctx, apps[1]!.application_id, { type: "disconnected", data: { reason: "status changed" } }));
    assert.equal((await port().list()).find((s) => s.id === systemA), undefined);
    const row = await w.call(w.tokens.sts_admin, "GET", `/api/mail/systems/${systemA}`);
    assert.deepEqual([row.json.status, row.json.disconnectReason, row.json.domains], ["disconnected", "status changed", []]);
    void orgB;
  });
});
