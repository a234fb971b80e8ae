/**
 * The workflows on the store with a fake clock: the scheduler delivers reminders at 80 %, escalations when a
 * term passes and automatic transitions, once each, across weekends, holidays and the year boundary; a
 * calendar correction moves a pending deadline; p.13 end to end through recordDetections, the scheduler and
 * the outbox sink (the gateway side comes with the gateway's own end-to-end test).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startWorld, type World } from "../api/harness.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { configureWorkflows } from "../../src/workflows/runtime.js";
import { memoryMailSystems } from "../../src/workflows/ports.js";
import { createScheduler, type Scheduler } from "../../src/workflows/scheduler.js";
import { workflowJobHandlers, scheduleSweep } from "../../src/workflows/index.js";
import { openRootDistribution } from "../../src/workflows/root-distribution.js";
import { inTx } from "../../src/services/context.js";
import { mailDisconnectionOnStatusChange, recordEvent, submitApplication } from "../../src/services/applications.js";
import { blockedSources, recordDetections, reconcileUnknownSources } from "../../src/services/unknown-sources.js";
import { gatewayPolicies } from "../../src/services/policies.js";
import { buildCategoriesFromStore, compileSnapshot } from "../../src/services/policy-snapshot.js";
import { incidentFromEmail } from "../../src/services/incidents.js";
import { systemPrincipal, type Principal } from "../../src/domain/authz.js";

const almaty = (wall: string) => new Date(`${wall}+05:00`);

describe("workflows on the store, driven by a fake clock", () => {
  let w: World;
  let clock = almaty("2025-12-26T10:00:00");
  let scheduler: Scheduler;
  const mail = memoryMailSystems();
  let operatorA: Principal;
  let orgA: Principal;
  const sts: Principal = { accountId: "sts-1", username: "engineer", role: "sts_engineer", operatorId: null, organisationId: null, via: "token" };

  before(async () => {
    configureWorkflows({ sealer: createSealer(randomBytes(32)), stsAddress: "aps@sts.example", dutyAddress: "duty@sts.example", mailSystems: mail });
    w = await startWorld();
    operatorA = { accountId: "op-1", username: "op-a", role: "operator_staff", operatorId: w.ids.opA, organisationId: null, via: "token" };
    orgA = { accountId: "org-1", username: "org-a", role: "organisation_staff", operatorId: null, organisationId: w.ids.orgA, via: "token" };
    scheduler = createScheduler({ db: w.store.db, handlers: workflowJobHandlers(), clock: () => clock });
  });
  after(() => w.close());

  const as = <T>(p: Principal, at: Date, fn: Parameters<typeof inTx<T>>[3]) => inTx(w.store, p, null, fn, at);
  const mails = async (subject: RegExp) => (await w.store.db.selectFrom("outbox_message").selectAll().orderBy("created_at").execute()).filter((m) => subject.test(m.subject));
  const events = async (id: string) => (await w.store.db.selectFrom("application_event").select(["type", "data"]).where("application_id", "=", id).orderBy("seq").execute());
  const tickAt = async (at: Date) => {
    clock = at;
    return scheduler.tick(at);
  };

  const channel = { bandwidthGbps: 10, plannedPeriod: { from: "2026-02-01" }, objectName: "DC", objectAddress: "Astana", mainChannel: { description: "A" }, reserveChannel: { description: "B" }, independentPaths: true, contacts: [{ fullName: "NOC", email: "noc@a.example" }] };

  test("p.6, p.10: the STS answer is reminded at 80 % (13 January 2026) and escalated when overdue (end of 14 January), once each", async () => {
    const app = await as(operatorA, almaty("2025-12-26T10:00:00"), (ctx) => submitApplication(ctx, "channel-connection", { document: channel }));
    assert.equal(app.deadlines[0]!.dueDate, "2026-01-14");
    assert.equal(await tickAt(almaty("2026-01-12T23:59:00")), 0, "nothing is due before the reminder");
    await tickAt(almaty("2026-01-13T00:00:00"));
    const reminders = await mails(new RegExp(`^Reminder: ${app.number}`));
    assert.equal(reminders.length, 1);
    assert.deepEqual(reminders[0]!.recipients, ["aps@sts.example"]);
    await tickAt(almaty("2026-01-15T00:00:00"));
    const overdue = await mails(new RegExp(`^Overdue: ${app.number}`));
    assert.equal(overdue.length, 1);
    assert.match(overdue[0]!.body_text, /p\.6, p\.10/);
    // A restart (a new scheduler), a sweep re-requesting every wake-up, and more ticks: nothing fires twice.
    scheduler = createScheduler({ db: w.store.db, handlers: workflowJobHandlers(), clock: () => clock });
    await scheduleSweep(w.store.db, clock);
    await tickAt(almaty("2026-01-15T00:30:00"));
    await tickAt(almaty("2026-01-16T00:00:00"));
    assert.equal((await mails(new RegExp(`^(Reminder|Overdue): ${app.number}`))).length, 2);
    assert.deepEqual((await events(app.id)).map((e) => e.type), ["submitted", "deadline-reminded", "deadline-overdue"]);
  });

  test("Appendix 2 and p.7: specifications issued, readiness overdue escalates, not renewed → cancelled automatically", async () => {
    clock = almaty("2026-02-02T09:00:00");
    const app = await as(operatorA, clock, (ctx) => submitApplication(ctx, "channel-connection", { document: channel }));
    const issued = await as(sts, almaty("2026-02-03T11:00:00"), (ctx) => recordEvent(ctx, app.id, { type: "specifications-issued", data: { number: "TS-7", objectName: "DC", operatorName: "Operator A", connectionPoint: "Rack 4" } }));
    const renewal = issued.deadlines.find((d) => d.kind === "specifications-renewal")!;
    assert.equal(renewal.dueDate, "2026-03-25", "valid until 4 April (3 Feb + 60), cancelled unless renewed by 10 days before");
    assert.equal(issued.deadlines.find((d) => d.kind === "readiness")!.dueDate, "2026-02-12");
    await tickAt(almaty("2026-03-26T00:00:01"));
    const after = await w.store.db.selectFrom("application").select("state").where("id", "=", app.id).executeTakeFirstOrThrow();
    assert.equal(after.state, "cancelled");
    assert.equal((await mails(new RegExp(`^${app.number}: technical specifications cancelled`))).length, 2, "operator and STS");
    const ev = (await events(app.id)).map((e) => e.type);
    assert.deepEqual(ev.filter((t) => t.startsWith("deadline") || t === "cancelled"), ["deadline-reminded", "deadline-overdue", "deadline-reminded", "cancelled"]);
  });

  test("a decreed day off set after submission moves the deadline; the old wake-up is stale, the sweep requests the new one", async () => {
    clock = almaty("2026-11-02T10:00:00");
    const app = await as(orgA, clock, (ctx) => submitApplication(ctx, "waf-connection", { document: { domain: "moved.gov.example", ipAddresses: ["192.0.2.1"], operatorName: "A", webServer: { name: "nginx", version: "1.26" }, https: false, contacts: [{ fullName: "X", email: "x@ministry.example" }] } }));
    assert.equal(app.deadlines[0]!.dueDate, "2026-11-16");
    await w.store.db.insertInto("calendar_day").values({ date: "2026-11-06", kind: "decreed-day-off", name: "transfer", source: "test order", updated_by: "test" }).execute();
    await tickAt(almaty("2026-11-06T12:00:00"));
    await tickAt(almaty("2026-11-17T00:00:00"));
    assert.equal((await mails(new RegExp(`^Overdue: ${app.number}`))).length, 0, "the old due date no longer exists");
    await tickAt(almaty("2026-11-18T00:00:00"));
    const overdue = await mails(new RegExp(`^Overdue: ${app.number}`));
    assert.equal(overdue.length, 1);
    assert.match(overdue[0]!.subject, /due 2026-11-17/);
    await w.store.db.deleteFrom("calendar_day").where("date", "=", "2026-11-06").execute();
  });

  test("p.15-1, p.16: an applied access policy is in the gateway's policies for one year, reminded 30 and 7 days before, then lapses", async () => {
    clock = almaty("2026-03-02T10:00:00");
    const signer = { signerBin: "x", subject: "CN=test", issuer: "CN=root", serial: "01", algorithm: "ECDSA P-256 SHA-256", notBefore: "", notAfter: "", signingTime: null, signerIin: null, chain: [] };
    configureWorkflows({ eds: { verify: async () => ({ ok: true, ...signer }) } });
    await w.store.db.insertInto("eds_trust_anchor").values({ name: "stub", kind: "root", pem: "stub", fingerprint_sha256: "stub", subject: "CN=stub", not_after: new Date("2030-01-01"), created_by: "test" }).execute();
    const app = await as(orgA, clock, (ctx) => submitApplication(ctx, "access-policy", { document: { categories: ["news"], networks: ["10.1.0.0/24"] }, signature: "MIIBstubstubstubstub" }));
    assert.equal(app.signature?.verified, true);
    await as(sts, almaty("2026-03-10T12:00:00"), (ctx) => recordEvent(ctx, app.id, { type: "applied" }));
    const inForce = await gatewayPolicies(w.store.db, almaty("2026-06-01T12:00:00"));
    assert.deepEqual(inForce.accessPolicies.map((p) => [p.categories, p.networks, p.validFrom, p.validTo]), [[["news"], ["10.1.0.0/24"], "2026-03-10", "2027-03-09"]]);
    // The gateway's snapshot keeps Almaty days too: half an hour into the term's first and last Almaty days the
    // UTC date is still the day before, and neither may shift the term by a day.
    const categories = await buildCategoriesFromStore(w.store.db);
    const policyAt = async (at: Date) => (await compileSnapshot(w.store.db, { hosts: {}, categories, now: at })).organisations.find((o) => o.id === w.ids.orgA)?.policy ?? null;
    assert.equal(await policyAt(almaty("2026-03-09T23:30:00")), null, "not before its first day");
    const first = await policyAt(almaty("2026-03-10T00:30:00"));
    assert.deepEqual([first?.validFrom, first?.validUntil], ["2026-03-09T19:00:00.000Z", "2027-03-09T19:00:00.000Z"], "in force from Almaty midnight, the day after its last day");
    assert.notEqual(await policyAt(almaty("2027-03-09T23:30:00")), null, "in force on its last day");
    assert.equal(await policyAt(almaty("2027-03-10T00:30:00")), null, "not after its last day");
    await tickAt(almaty("2027-03-02T00:00:00"));
    await tickAt(almaty("2027-03-03T00:00:00"));
    const notices = await mails(new RegExp(`${app.number}: the access policy lapses`));
    assert.equal(notices.length, 2);
    assert.ok(notices.every((m) => m.subject.startsWith("[no applicant address on record]") && m.recipients[0] === "aps@sts.example"), "no address on record: STS passes it on");
    await tickAt(almaty("2027-03-10T00:00:00"));
    assert.equal((await w.store.db.selectFrom("access_policy").select("status").where("application_id", "=", app.id).executeTakeFirstOrThrow()).status, "lapsed");
    assert.deepEqual((await gatewayPolicies(w.store.db, almaty("2027-03-10T12:00:00"))).accessPolicies, []);
    await w.store.db.deleteFrom("eds_trust_anchor").where("name", "=", "stub").execute();
  });

  test("p.13: one notice per operator listing its addresses; blocked after 5 working days across Nauryz; unblocked when the catalogue covers it", async () => {
    const notified = almaty("2026-03-20T12:00:00");
    clock = almaty("2026-03-20T11:55:00");
    await recordDetections(w.store.db, [
      { address: "203.0.113.7", at: clock, hits: 4, operatorId: w.ids.opA },
      { address: "203.0.113.9", at: clock, hits: 1, operatorId: w.ids.opA },
      { address: "10.1.9.9", at: clock, hits: 2, operatorId: w.ids.opA }, // inside prefix A: not unknown
      { address: "198.51.100.4", at: clock, hits: 1, operatorId: w.ids.opB },
      { address: "not an address", at: clock, hits: 1 },
      { address: "192.0.2.200", at: clock, hits: 1 }, // no operator known: listed to STS
    ], clock);
    await recordDetections(w.store.db, [{ address: "203.0.113.7", at: clock, hits: 2, operatorId: w.ids.opA }], clock);
    await tickAt(notified);
    const notices = await mails(/not in the IP address catalogue/);
    assert.equal(notices.length, 2, "one e-mail per operator");
    const unattributed = await mails(/without a telecom operator/);
    assert.equal(unattributed.length, 1);
    assert.match(unattributed[0]!.body_text, /192\.0\.2\.200/);
    const a = notices.find((m) => m.recipients.includes("noc@a.example"))!;
    assert.match(a.body_text, /203\.0\.113\.7\t.*connections 6\n203\.0\.113\.9/);
    assert.match(a.body_text, /by the end of 2026-04-01/);
    assert.doesNotMatch(a.body_text, /10\.1\.9\.9/);
    await tickAt(almaty("2026-04-01T23:59:00"));
    assert.deepEqual(await blockedSources(w.store.db), []);
    // Operator B fixes its catalogue in time.
    await w.call(w.tokens.sts_admin, "POST", "/api/catalogue/prefixes", { prefix: "198.51.100.0/24", organisationId: w.ids.orgB, operatorId: w.ids.opB });
    await w.store.db.transaction().execute((tx) => reconcileUnknownSources(tx, almaty("2026-04-01T23:59:30")));
    await tickAt(almaty("2026-04-02T00:00:00"));
    assert.deepEqual((await blockedSources(w.store.db)).map((b) => b.address), ["203.0.113.7", "203.0.113.9"]);
    assert.equal((await mails(/IP addresses blocked \(p\.13\)/)).length, 1);
    // Operator A adds them: unblocked at once (the catalogue services reconcile; calling it again changes nothing).
    await w.call(w.tokens.sts_admin, "POST", "/api/catalogue/prefixes", { prefix: "203.0.113.0/28", organisationId: w.ids.orgA, operatorId: w.ids.opA });
    await w.store.db.transaction().execute((tx) => reconcileUnknownSources(tx, almaty("2026-04-03T10:00:00")));
    assert.deepEqual(await blockedSources(w.store.db), []);
    const audit = await w.store.db.selectFrom("audit_entry").select("body").where("action", "=", "unknown-source.resolved").execute();
    assert.ok(audit.some((a) => JSON.parse(a.body).after.unblocked.join() === "203.0.113.7,203.0.113.9"), "the unblocking is audited");
    const listed = await w.call(w.tokens.operator_staff, "GET", "/api/unknown-sources");
    assert.deepEqual(listed.json.items.map((x: { address: string; state: string }) => `${x.address} ${x.state}`).sort(), ["203.0.113.7 resolved", "203.0.113.9 resolved"]);
  });

  test("p.21–22: a new root notifies every operator once; an acknowledgement closes it; the others escalate", async () => {
    clock = almaty("2026-05-04T10:00:00");
    const opened = await w.store.db.transaction().execute((tx) => openRootDistribution(tx, { certificateId: "root-2", fingerprint: "AA:BB" }, clock));
    assert.equal(opened.length, 2);
    assert.deepEqual(await w.store.db.transaction().execute((tx) => openRootDistribution(tx, { certificateId: "root-2", fingerprint: "AA:BB" }, clock)), []);
    assert.equal((await mails(/new gateway root certificate/)).length, 2);
    const mine = await w.store.db.selectFrom("application").select("id").where("kind", "=", "root-distribution").where("operator_id", "=", w.ids.opA).executeTakeFirstOrThrow();
    await as(operatorA, almaty("2026-05-05T10:00:00"), (ctx) => recordEvent(ctx, mine.id, { type: "acknowledged", data: { organisationsInformed: 12 } }));
    await tickAt(almaty("2026-06-01T00:00:00"));
    const esc = await mails(/^Overdue: ROOT-/);
    assert.equal(esc.length, 2, "STS and operator B, not operator A");
    assert.ok(esc.every((m) => !m.recipients.includes("noc@a.example")));
  });

  test("UGEM p.9: connecting a mail system creates it through the mail port; p.11 disconnects it", async () => {
    clock = almaty("2026-06-01T10:00:00");
    const app = await as(orgA, clock, (ctx) => submitApplication(ctx, "mail-gateway-connection", { document: { domain: "Mail.Gov.Example", owner: "Ministry A", serverAddresses: ["192.0.2.25"], contacts: [{ fullName: "Postmaster", email: "postmaster@ministry.example" }] } }));
    await as(sts, almaty("2026-06-02T10:00:00"), (ctx) => recordEvent(ctx, app.id, { type: "connected" }));
    assert.deepEqual([...mail.systems.values()].map((s) => [s.domain, s.serverAddresses, s.ownerEmail, s.inbound]), [["mail.gov.example", ["192.0.2.25"], "postmaster@ministry.example", { host: "192.0.2.25", port: 25 }]]);
    const pending = await w.store.db.transaction().execute((tx) => mailDisconnectionOnStatusChange(tx, w.ids.orgA, "no longer a state body", almaty("2026-06-03T09:00:00")));
    assert.deepEqual(pending, [app.number]);
    assert.equal((await mails(new RegExp(`^${app.number}: disconnection of mail\\.gov\\.example requested`, "i"))).length, 1);
    await as(sts, almaty("2026-06-03T10:00:00"), (ctx) => recordEvent(ctx, app.id, { type: "disconnected", data: { reason: "status changed" } }));
    assert.equal(mail.systems.size, 0);
  });

  test("p.14: an e-mail to the duty address becomes one incident, attributed by its sender", async () => {
    const m = { messageId: "<abc@ministry.example>", from: "NOC@A.example", subject: "DDoS on portal", text: "Since 09:00", receivedAt: almaty("2026-06-05T09:10:00") };
    const first = await incidentFromEmail(w.store.db, m);
    const again = await incidentFromEmail(w.store.db, m);
    assert.equal(first.created, true);
    assert.deepEqual(again, { id: first.id, number: first.number, created: false });
    const row = await w.store.db.selectFrom("application").selectAll().where("id", "=", first.id).executeTakeFirstOrThrow();
    assert.equal(row.operator_id, w.ids.opA);
    assert.equal(row.payload.reporterEmail, "noc@a.example");
    assert.equal((await mails(/MEDIUM incident reported/)).at(-1)!.recipients[0], "duty@sts.example");
    const audit = await w.store.db.selectFrom("audit_entry").select("body").where("entity_id", "=", first.id).execute();
    assert.match(audit[0]!.body, /system:inbound-mail/);
    void systemPrincipal;
  });
});
