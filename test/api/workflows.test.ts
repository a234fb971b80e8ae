/**
 * The workflows through the HTTP API: EDS-signed applications (openssl-made signatures: valid, wrong BIN,
 * expired, untrusted, tampered), secrets that never come back, illegal transitions listing the allowed ones,
 * the thirty-day lock-out, attachments, and the public re-categorisation request.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startWorld, type World } from "./harness.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { configureWorkflows } from "../../src/workflows/runtime.js";
import { createEdsVerifier } from "../../src/workflows/eds/index.js";
import { addCalendarDays, civilDateOf } from "../../src/domain/working-days/index.js";
import { makeEdsFixture, type EdsFixture } from "../workflows/support/eds.js";
import { documents } from "./authz-cases/workflows.js";
import { sealContext } from "../../src/services/applications.js";

describe("workflows API", () => {
  let w: World;
  let eds: EdsFixture;
  let binA: string;
  let binB: string;
  const sealer = createSealer(randomBytes(32));
  before(async () => {
    configureWorkflows({ sealer, eds: createEdsVerifier() });
    eds = makeEdsFixture();
    w = await startWorld();
    binA = (await w.store.db.selectFrom("organisation").select("bin").where("id", "=", w.ids.orgA).executeTakeFirstOrThrow()).bin;
    binB = (await w.store.db.selectFrom("organisation").select("bin").where("id", "=", w.ids.orgB).executeTakeFirstOrThrow()).bin;
  });
  after(() => w.close());

  const org = () => w.tokens.organisation_staff;

  test("fail/p.15: a signed application is refused while STS has configured no trust anchor", async () => {
    const doc = documents.accessPolicy("A");
    const r = await w.call(org(), "POST", "/api/applications/access-policy", { document: doc, signature: eds.signDocument(doc, eds.signer(binA)) });
    assert.equal(r.status, 503);
    assert.equal(r.json.code, "QQ_ERR_EDS_NOT_CONFIGURED");
  });

  test("ok/STS configures the NCA root; a trust anchor must be a CA certificate", async () => {
    const add = await w.call(w.tokens.sts_admin, "POST", "/api/eds/trust-anchors", { name: "NCA RK root (test)", kind: "root", pem: eds.rootPem });
    assert.equal(add.status, 201, add.body);
    assert.match(add.json.fingerprintSha256, /^[0-9a-f]{64}$/);
    const dup = await w.call(w.tokens.sts_admin, "POST", "/api/eds/trust-anchors", { name: "again", kind: "root", pem: eds.rootPem });
    assert.equal(dup.status, 409);
    const junk = await w.call(w.tokens.sts_admin, "POST", "/api/eds/trust-anchors", { name: "junk", kind: "root", pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" });
    assert.equal(junk.status, 400);
  });

  test("ok/p.15: an access policy signed by the organisation's EDS is accepted and its verification stored", async () => {
    const doc = documents.accessPolicy("A");
    const r = await w.call(org(), "POST", "/api/applications/access-policy", { document: doc, signature: eds.signDocument(doc, eds.signer(binA)) });
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.signature.verified, true);
    assert.equal(r.json.signature.signerBin, binA);
    assert.match(r.json.signature.algorithm, /ECDSA/);
    const tl = await w.call(org(), "GET", `/api/applications/${r.json.id}/timeline`);
    assert.deepEqual(tl.json.events.map((e: { type: string }) => e.type), ["submitted", "signature-verified"]);
    assert.equal(tl.json.events[0].paragraph, "p.15, p.15-1, p.16");
  });

  const refusals: [string, () => { signer: () => ReturnType<EdsFixture["signer"]>; tamper?: boolean }, number, string, RegExp][] = [
    ["wrong signer BIN", () => ({ signer: () => eds.signer(binB) }), 422, "bin-mismatch", /not the applicant organisation's BIN/],
    ["expired signer certificate", () => ({ signer: () => eds.signer(binA, { expired: true }) }), 422, "expired", /./],
    ["untrusted chain", () => ({ signer: () => eds.signer(binA, { untrusted: true }) }), 422, "untrusted-chain", /./],
    ["tampered document", () => ({ signer: () => eds.signer(binA), tamper: true }), 422, "digest-mismatch", /./],
    ["no digitalSignature key usage", () => ({ signer: () => eds.signer(binA, { noDigitalSignature: true }) }), 422, "key-usage", /./],
  ];
  for (const [name, setup, status, code, message] of refusals) {
    test(`fail/p.15: ${name} is refused with the exact reason`, async () => {
      const s = setup();
      const doc = documents.accessPolicy("A");
      const signature = eds.signDocument(doc, s.signer());
      const sent = s.tamper ? { ...doc, categories: [...doc.categories, "gambling"] } : doc;
      const before = (await w.store.db.selectFrom("application").select("id").execute()).length;
      const r = await w.call(org(), "POST", "/api/applications/access-policy", { document: sent, signature });
      assert.equal(r.status, status, r.body);
      assert.equal(r.json.code, "QQ_ERR_EDS_SIGNATURE");
      assert.equal(r.json.eds.code, code, r.body);
      assert.match(r.json.eds.message, message);
      assert.equal(r.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.equal((await w.store.db.selectFrom("application").select("id").execute()).length, before, "nothing stored");
    });
  }

  test("fail/p.15-2: an exception without a signature is refused; networks outside the catalogue are named", async () => {
    const unsigned = await w.call(org(), "POST", "/api/applications/exception", { document: documents.exception("A") });
    assert.equal(unsigned.status, 400);
    assert.equal(unsigned.json.code, "QQ_ERR_EDS_SIGNATURE_REQUIRED");
    const doc = { ...documents.exception("A"), networks: ["10.1.3.0/24", "172.16.0.0/24"] };
    const outside = await w.call(org(), "POST", "/api/applications/exception", { document: doc, signature: eds.signDocument(doc, eds.signer(binA)) });
    assert.equal(outside.status, 422);
    assert.equal(outside.json.code, "QQ_ERR_NOT_IN_CATALOGUE");
    assert.deepEqual(outside.json.addresses, ["172.16.0.0/24"]);
  });

  test("ok/p.15-2: an approved exception is in the organisation's policy until its date", async () => {
    const doc = documents.exception("A");
    const sub = await w.call(org(), "POST", "/api/applications/exception", { document: doc, signature: eds.signDocument(doc, eds.signer(binA)) });
    assert.equal(sub.status, 201, sub.body);
    const until = doc.requestedUntil;
    const late = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${sub.json.id}/events`, { type: "approved", data: { expiresOn: addCalendarDays(until, 1) } });
    assert.equal(late.status, 409);
    assert.match(late.json.detail, /after the date the organisation asked for/);
    const ok = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${sub.json.id}/events`, { type: "approved", data: { expiresOn: until } });
    assert.equal(ok.status, 200, ok.body);
    const ex = await w.call(org(), "GET", "/api/policy-exceptions");
    assert.ok(ex.json.items.some((e: { applicationId: string; expiresOn: string; services: { name: string }[] }) => e.applicationId === sub.json.id && e.expiresOn === until && e.services[0]!.name === "AnyDesk"));
    const other = await w.call(w.tokens.organisationB, "GET", "/api/policy-exceptions");
    assert.ok(!other.json.items.some((e: { applicationId: string }) => e.applicationId === sub.json.id), "organisation B does not see A's exception");
  });

  test("ok/p.17: the private key is sealed — never in a response, an event, the audit log or the outbox — and opens with its context", async () => {
    const doc = documents.waf();
    const r = await w.call(org(), "POST", "/api/applications/waf-connection", { document: doc });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json.sealedFields, ["privateKeyPem"]);
    assert.equal(r.json.document.privateKeyPem, undefined);
    const everywhere = [
      r.body,
      (await w.call(w.tokens.sts_admin, "GET", `/api/applications/${r.json.id}`)).body,
      (await w.call(w.tokens.sts_admin, "GET", `/api/applications/${r.json.id}/timeline`)).body,
      JSON.stringify(await w.store.db.selectFrom("audit_entry").select("body").execute()),
      JSON.stringify(await w.store.db.selectFrom("outbox_message").selectAll().execute()),
      JSON.stringify(await w.store.db.selectFrom("application").select(["payload", "sealed"]).execute()),
      JSON.stringify(await w.store.db.selectFrom("application_event").selectAll().execute()),
    ].join("\n");
    assert.ok(!everywhere.includes("SECRET"), "the key appears nowhere in the clear");
    const audit = await w.store.db.selectFrom("audit_entry").select("body").where("entity_id", "=", r.json.id).executeTakeFirstOrThrow();
    assert.match(audit.body, /"privateKeyPem":"\[sealed\]"/);
    const row = await w.store.db.selectFrom("application").select("sealed").where("id", "=", r.json.id).executeTakeFirstOrThrow();
    assert.match(sealer.open(row.sealed.privateKeyPem!, sealContext(r.json.id, "privateKeyPem")).toString(), /SECRET/);
    assert.throws(() => sealer.open(row.sealed.privateKeyPem!, sealContext("another", "privateKeyPem")));
  });

  test("ok/p.18: web-root credentials are sealed; a password for FTP is required, not a key", async () => {
    const r = await w.call(org(), "POST", "/api/applications/defacement-protection", { document: documents.defacement() });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json.sealedFields, ["credentials.password", "privateKeyPem"]);
    assert.ok(!r.body.includes("hunter2"));
    const ftpKey = { ...documents.defacement(), webRootAccess: { protocol: "ftp", host: "h", port: 21, rootPath: "/", login: "u" }, credentials: { privateKeyPem: "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----" } };
    const bad = await w.call(org(), "POST", "/api/applications/defacement-protection", { document: ftpKey });
    assert.equal(bad.status, 400);
    assert.match(bad.json.detail, /FTP authenticates with a password/);
  });

  test("fail/an illegal transition is a 409 listing the allowed events; roles and scopes are checked first", async () => {
    const r = await w.call(org(), "POST", "/api/applications/waf-connection", { document: documents.waf() });
    const id = r.json.id;
    const self = await w.call(org(), "POST", `/api/applications/${id}/events`, { type: "connected" });
    assert.equal(self.status, 409);
    assert.equal(self.json.code, "QQ_ERR_ILLEGAL_TRANSITION");
    assert.deepEqual(self.json.allowed, ["withdrawn"]);
    const wrong = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${id}/events`, { type: "readiness-confirmed" });
    assert.equal(wrong.status, 409);
    assert.deepEqual(wrong.json.allowed.sort(), ["connected", "information-requested", "rejected"]);
    assert.equal((await w.call(w.tokens.organisationB, "POST", `/api/applications/${id}/events`, { type: "withdrawn" })).status, 404, "another organisation does not see it");
    assert.equal((await w.call(w.tokens.auditor, "POST", `/api/applications/${id}/events`, { type: "withdrawn" })).status, 403);
    const noReason = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${id}/events`, { type: "rejected", data: {} });
    assert.equal(noReason.status, 400, "a rejection states its reasons (p.17)");
    const stale = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${id}/events`, { type: "connected", expectedVersion: 7 });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.code, "QQ_ERR_STALE_VERSION");
  });

  test("fail/p.17: after a rejection a new application for the resource is refused until 30 calendar days passed, with the date", async () => {
    const doc = documents.waf();
    const r = await w.call(org(), "POST", "/api/applications/waf-connection", { document: doc });
    const rej = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${r.json.id}/events`, { type: "rejected", data: { reason: "no technical capability at the node" } });
    assert.equal(rej.status, 200, rej.body);
    const from = addCalendarDays(civilDateOf(new Date()), 31);
    const again = await w.call(org(), "POST", "/api/applications/waf-connection", { document: doc });
    assert.equal(again.status, 409);
    assert.equal(again.json.code, "QQ_ERR_RESUBMISSION_LOCKED");
    assert.equal(again.json.allowedFrom, from);
    assert.match(again.json.detail, new RegExp(`accepted from ${from}`));
    const otherSite = await w.call(org(), "POST", "/api/applications/waf-connection", { document: documents.waf() });
    assert.equal(otherSite.status, 201, "the lock-out is per resource");
  });

  test("fail/UGEM p.8: an operator cannot file an organisation's application; an organisation cannot file an operator's", async () => {
    assert.equal((await w.call(w.tokens.operator_staff, "POST", "/api/applications/mail-gateway-connection", { document: documents.mail() })).status, 403);
    assert.equal((await w.call(org(), "POST", "/api/applications/channel-connection", { document: documents.channel() })).status, 403);
    const noApplicant = await w.call(w.tokens.sts_admin, "POST", "/api/applications/channel-connection", { document: documents.channel() });
    assert.equal(noApplicant.status, 400);
    const zeroGbps = await w.call(w.tokens.operator_staff, "POST", "/api/applications/channel-connection", { document: { ...documents.channel(), bandwidthGbps: 0 } });
    assert.equal(zeroGbps.status, 400, "Appendix 1: minimum 1 Gbps");
    const halfGbps = await w.call(w.tokens.operator_staff, "POST", "/api/applications/channel-connection", { document: { ...documents.channel(), bandwidthGbps: 1.5 } });
    assert.equal(halfGbps.status, 400, "Appendix 1: whole Gbps");
  });

  test("fail/attachments are size- and type-limited, and the content must be what the type says", async () => {
    const r = await w.call(org(), "POST", "/api/applications/resource-change", { document: documents.change() });
    const url = `/api/applications/${r.json.id}/attachments`;
    const exe = await w.call(org(), "POST", url, { name: "letter.pdf", mediaType: "application/pdf", contentBase64: Buffer.from("MZ\x90\x00not a pdf").toString("base64") });
    assert.equal(exe.status, 415);
    const html = await w.call(org(), "POST", url, { name: "x.html", mediaType: "text/html", contentBase64: "PGh0bWw+" });
    assert.equal(html.status, 400);
    const pdf = await w.call(org(), "POST", url, { name: "letter.pdf", mediaType: "application/pdf", contentBase64: Buffer.from("%PDF-1.7\n%test").toString("base64") });
    assert.equal(pdf.status, 201, pdf.body);
    const got = await w.app.inject({ method: "GET", url: `${url}/${pdf.json.id}`, headers: { authorization: `Bearer ${org()}` } });
    assert.equal(got.headers["content-type"], "application/pdf");
    assert.equal(got.body, "%PDF-1.7\n%test");
  });

  test("ok/p.19: a late notice is flagged; STS completes it only when the follow-up tasks are done", async () => {
    const late = { change: "change", domain: "portal.gov.example", changedOn: addCalendarDays(civilDateOf(new Date()), -20), changes: [{ field: "ip-address", to: "192.0.2.99" }] };
    const r = await w.call(org(), "POST", "/api/applications/resource-change", { document: late });
    assert.equal(r.status, 201, r.body);
    const tl = await w.call(org(), "GET", `/api/applications/${r.json.id}/timeline`);
    assert.ok(tl.json.events.some((e: { type: string; paragraph: string }) => e.type === "flagged-late" && e.paragraph === "p.19"));
    assert.equal(r.json.tasks.length, 2);
    const early = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${r.json.id}/events`, { type: "completed" });
    assert.equal(early.status, 409);
    for (const t of r.json.tasks) assert.equal((await w.call(w.tokens.sts_engineer, "POST", `/api/tasks/${t.id}/done`)).status, 200);
    const done = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${r.json.id}/events`, { type: "completed" });
    assert.equal(done.status, 200, done.body);
    assert.equal(done.json.state, "completed");
  });

  test("ok/p.14: incidents reach the duty queue by severity; the reporter sees only theirs", async () => {
    await w.call(org(), "POST", "/api/incidents", { document: { ...documents.incident(), severity: "low", title: "low one" } });
    await w.call(w.tokens.operator_staff, "POST", "/api/incidents", { document: { ...documents.incident(), severity: "critical", title: "critical one" } });
    const q = await w.call(w.tokens.sts_duty_officer, "GET", "/api/incidents?state=reported");
    assert.equal(q.status, 200);
    const titles = q.json.items.map((i: { title: string }) => i.title);
    assert.ok(titles.indexOf("critical one") < titles.indexOf("low one"));
    const mine = await w.call(org(), "GET", "/api/incidents");
    assert.ok(mine.json.items.every((i: { organisationId: string }) => i.organisationId === w.ids.orgA));
  });

  test("ok/a public re-categorisation request: no account, a status token, an audited decision, counted", async () => {
    const sub = await w.call(null, "POST", "/api/recategorisation-requests", { host: "library.example.org", referenceId: "blk-7f3a", requested: "recategorise", suggestedCategory: "education", reason: "it is a public library catalogue" });
    assert.equal(sub.status, 201, sub.body);
    assert.match(sub.json.number, /^RQ-\d{4}-\d{6}$/);
    const st = await w.call(null, "GET", `/api/recategorisation-requests/status?token=${sub.json.statusToken}`);
    assert.equal(st.json.state, "submitted");
    assert.equal(st.json.decision, null);
    const id = (await w.store.db.selectFrom("application").select("id").where("number", "=", sub.json.number).executeTakeFirstOrThrow()).id;
    const d = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${id}/events`, { type: "decided", data: { outcome: "granted", reason: "a library, not a file-sharing site", category: "education" } });
    assert.equal(d.status, 200, d.body);
    const st2 = await w.call(null, "GET", `/api/recategorisation-requests/status?token=${sub.json.statusToken}`);
    assert.equal(st2.json.decision.outcome, "granted");
    assert.equal((await w.call(null, "GET", "/api/recategorisation-requests/status?token=xxxxxxxxxxxxxxxxxxxxxxxx")).status, 404);
    const stats = await w.call(w.tokens.auditor, "GET", `/api/applications/stats?from=2026-01-01&to=${addCalendarDays(civilDateOf(new Date()), 1)}`);
    assert.equal(stats.json.recategorisation.granted, 1);
    const audit = await w.call(w.tokens.auditor, "GET", `/api/audit?entityType=application&limit=500`);
    assert.ok(audit.json.items.some((e: { action: string }) => e.action === "application.decided"));
  });

  test("fail/the public form is rate-limited per address", async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) last = (await w.call(null, "POST", "/api/recategorisation-requests", { host: "x.example", requested: "unblock", reason: "please look at it again" })).status;
    assert.equal(last, 429);
  });

  test("ok/canonical JSON: the exact bytes to sign", async () => {
    const r = await w.call(org(), "POST", "/api/applications/canonical", { kind: "access-policy", document: { networks: ["10.1.2.0/24"], categories: ["news"] } });
    assert.equal(r.json.canonical, '{"categories":["news"],"networks":["10.1.2.0/24"]}');
  });
});

describe("UGEM p.11 through the registry", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w.close());

  test("ok/disconnecting an organisation opens the disconnection of its connected mail system", async () => {
    const app = await w.call(w.tokens.organisation_staff, "POST", "/api/applications/mail-gateway-connection", { document: documents.mail() });
    assert.equal(app.status, 201, app.body);
    const connected = await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${app.json.id}/events`, { type: "connected" });
    assert.equal(connected.status, 200, connected.body);
    const before = await w.call(w.tokens.sts_admin, "GET", `/api/applications/${app.json.id}`);
    assert.equal(before.json.state, "connected");
    const patch = await w.call(w.tokens.sts_admin, "PATCH", `/api/organisations/${w.ids.orgA}`, { status: "disconnected" });
    assert.equal(patch.status, 200, patch.body);
    const afterwards = await w.call(w.tokens.sts_admin, "GET", `/api/applications/${app.json.id}`);
    assert.equal(afterwards.json.state, "disconnection-pending");
  });
});
