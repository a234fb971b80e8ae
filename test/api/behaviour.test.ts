/** Bad input gets a precise 4xx problem and writes nothing; the happy paths of the registry and catalogue. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorld, newBin, ADMIN_PASSWORD, type World } from "./harness.js";
import { verifyAudit } from "../../src/store/audit.js";

async function auditCount(w: World) {
  return (await verifyAudit(w.store.db)).entries;
}

describe("API behaviour", () => {
  let w: World;
  let admin: string;
  before(async () => {
    w = await startWorld();
    admin = w.tokens.sts_admin;
  });
  after(() => w.close());

  test("ok/openapi, healthz and readyz", async () => {
    const doc = await w.call(null, "GET", "/api/openapi.json");
    assert.equal(doc.status, 200);
    assert.equal(doc.json.openapi, "3.1.0");
    assert.ok(doc.json.paths["/api/catalogue/prefixes"].post, "catalogue create is documented");
    assert.ok(doc.json.paths["/api/organisations/{id}"].get);
    assert.equal((await w.call(null, "GET", "/healthz")).status, 200);
    const ready = await w.call(null, "GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.equal(ready.json.checks.store, true);
  });

  const badInputs: [string, string, string, unknown, number, RegExp][] = [
    ["fail/invalid CIDR", "POST", "/api/catalogue/prefixes", { prefix: "10.1.300.0/24", organisationId: "ORG", operatorId: "OP" }, 400, /prefix/],
    ["fail/host bits set", "POST", "/api/catalogue/prefixes", { prefix: "10.9.9.9/24", organisationId: "ORG", operatorId: "OP" }, 400, /10\.9\.9\.0\/24/],
    ["fail/bad BIN check digit", "POST", "/api/organisations", { bin: "123456789010", nameKk: "a", nameRu: "a", nameEn: "a", class: "state_body" }, 400, /check digit|BIN|bin/],
    ["fail/BIN not 12 digits", "POST", "/api/organisations", { bin: "12345", nameKk: "a", nameRu: "a", nameEn: "a", class: "state_body" }, 400, /bin/],
    ["fail/unknown enum", "POST", "/api/organisations", { bin: "BIN", nameKk: "a", nameRu: "a", nameEn: "a", class: "ministry_of_truth" }, 400, /class/],
    ["fail/unknown property", "POST", "/api/organisations", { bin: "BIN", nameKk: "a", nameRu: "a", nameEn: "a", class: "state_body", isAdmin: true }, 400, /isAdmin/],
    ["fail/malformed JSON", "POST", "/api/organisations", "{\"bin\":", 400, /JSON/i],
  ];
  for (const [name, method, url, body, status, detail] of badInputs) {
    test(name, async () => {
      const before = await auditCount(w);
      const orgs = (await w.call(admin, "GET", "/api/organisations?limit=1")).json.total;
      const payload = typeof body === "string" ? body : JSON.parse(JSON.stringify(body).replace('"ORG"', JSON.stringify(w.ids.orgA)).replace('"OP"', JSON.stringify(w.ids.opA)).replace('"BIN"', JSON.stringify(newBin())));
      const r = await w.call(admin, method, url, payload, typeof body === "string" ? { "content-type": "application/json" } : {});
      assert.equal(r.status, status, r.body);
      assert.equal(r.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.equal(r.json.status, status);
      assert.match(r.json.code, /^QQ_ERR_/);
      assert.match(r.json.detail, detail);
      assert.equal(await auditCount(w), before, "nothing was audited");
      assert.equal((await w.call(admin, "GET", "/api/organisations?limit=1")).json.total, orgs, "nothing was written");
    });
  }

  test("fail/overlapping prefix names the conflict", async () => {
    const before = await auditCount(w);
    const r = await w.call(admin, "POST", "/api/catalogue/prefixes", { prefix: "10.2.5.0/24", organisationId: w.ids.orgA, operatorId: w.ids.opA });
    assert.equal(r.status, 409);
    assert.equal(r.json.code, "QQ_ERR_CATALOGUE_OVERLAP");
    assert.match(r.json.detail, /10\.2\.0\.0\/16/);
    assert.match(r.json.detail, /Akimat B/);
    assert.equal(r.json.conflicts[0].prefix, "10.2.0.0/16");
    const sup = await w.call(admin, "POST", "/api/catalogue/prefixes", { prefix: "10.0.0.0/8", organisationId: w.ids.orgA, operatorId: w.ids.opA });
    assert.equal(sup.status, 409, "a supernet of another organisation's prefix overlaps too");
    const dup = await w.call(admin, "POST", "/api/catalogue/prefixes", { prefix: "10.1.0.0/16", organisationId: w.ids.orgA, operatorId: w.ids.opA });
    assert.equal(dup.json.code, "QQ_ERR_DUPLICATE");
    assert.equal(await auditCount(w), before);
  });

  test("ok/nested prefix of the same organisation, longest-prefix lookup and history", async () => {
    const r = await w.call(admin, "POST", "/api/catalogue/prefixes", { prefix: "10.1.7.0/24", organisationId: w.ids.orgA, operatorId: w.ids.opA, note: "branch" });
    assert.equal(r.status, 201, r.body);
    const l = await w.call(admin, "GET", "/api/catalogue/lookup?address=10.1.7.9");
    assert.equal(l.json.match.prefix, "10.1.7.0/24");
    assert.equal((await w.call(admin, "GET", "/api/catalogue/lookup?address=10.1.8.9")).json.match.prefix, "10.1.0.0/16");
    assert.equal((await w.call(admin, "GET", "/api/catalogue/lookup?address=192.0.2.1")).json.match, null);
    assert.equal((await w.call(admin, "GET", "/api/catalogue/lookup?address=not-an-ip")).status, 400);
    await w.call(w.tokens.operator_staff, "PATCH", `/api/catalogue/prefixes/${r.json.id}`, { note: "branch office" });
    await w.call(w.tokens.operator_staff, "DELETE", `/api/catalogue/prefixes/${r.json.id}`);
    const h = await w.call(w.tokens.operator_staff, "GET", `/api/catalogue/prefixes/${r.json.id}/history`);
    assert.equal(h.status, 200);
    assert.deepEqual(h.json.map((e: any) => e.action), ["catalogue.create", "catalogue.update", "catalogue.delete"]);
    assert.equal(h.json[1].before.note, "branch");
    assert.equal(h.json[1].after.note, "branch office");
    assert.equal(h.json[1].actor.username, "op-a");
    assert.equal((await w.call(w.tokens.operatorB, "GET", `/api/catalogue/prefixes/${r.json.id}/history`)).status, 404);
  });

  test("ok/IPv6 prefixes are canonicalised", async () => {
    const r = await w.call(w.tokens.operator_staff, "POST", "/api/catalogue/prefixes", { prefix: "2001:DB8:0:0::/48", organisationId: w.ids.orgA });
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.prefix, "2001:db8::/48");
    assert.equal((await w.call(admin, "GET", "/api/catalogue/lookup?address=2001:db8::1")).json.match.prefix, "2001:db8::/48");
  });

  test("fail/oversize body and wrong content type", async () => {
    const big = await w.call(admin, "POST", "/api/organisations", JSON.stringify({ bin: newBin(), nameKk: "x".repeat(2 * 1024 * 1024), nameRu: "a", nameEn: "a", class: "state_body" }), { "content-type": "application/json" });
    assert.equal(big.status, 413);
    assert.equal(big.json.code, "QQ_ERR_BODY_TOO_LARGE");
    const xml = await w.call(admin, "POST", "/api/organisations", "<org/>", { "content-type": "application/xml" });
    assert.equal(xml.status, 415);
    assert.equal(xml.json.code, "QQ_ERR_BAD_CONTENT_TYPE");
  });

  test("fail/a failure mid-request rolls the whole transaction back", async () => {
    // The contract insert succeeds, then the audit append fails (we break the chain head on purpose):
    // neither the contract nor any audit entry may remain.
    const { sql } = await import("kysely");
    const before = (await w.call(admin, "GET", "/api/contracts?limit=1")).json.total;
    await sql`alter table audit_entry add constraint qq_test_block check (action <> 'contract.create') not valid`.execute(w.store.db);
    try {
      const r = await w.call(admin, "POST", "/api/contracts", { organisationId: w.ids.orgA, operatorId: w.ids.opA, number: "ROLLBACK-1", validFrom: "2026-01-01" });
      assert.equal(r.status, 500);
      assert.equal(r.json.code, "QQ_ERR_INTERNAL");
      assert.doesNotMatch(r.body, /qq_test_block|constraint|insert/i, "no SQL detail leaks");
    } finally {
      await sql`alter table audit_entry drop constraint qq_test_block`.execute(w.store.db);
    }
    assert.equal((await w.call(admin, "GET", "/api/contracts?limit=1")).json.total, before);
    assert.equal((await verifyAudit(w.store.db)).ok, true);
  });

  test("ok/session login, CSRF on mutating calls, logout, password change", async () => {
    const bad = await w.call(null, "POST", "/api/auth/login", { username: "admin", password: "wrong password" });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.code, "QQ_ERR_BAD_CREDENTIALS");
    const l = await w.call(null, "POST", "/api/auth/login", { username: "admin", password: ADMIN_PASSWORD });
    assert.equal(l.status, 200);
    const setCookie = String(l.headers["set-cookie"]);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(";")[0]!;
    assert.equal((await w.call(null, "GET", "/api/auth/me", undefined, { cookie })).json.username, "admin");
    const noCsrf = await w.call(null, "POST", "/api/organisations", { bin: newBin(), nameKk: "a", nameRu: "a", nameEn: "a", class: "state_body" }, { cookie });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.json.code, "QQ_ERR_CSRF");
    const withCsrf = await w.call(null, "POST", "/api/organisations", { bin: newBin(), nameKk: "a", nameRu: "a", nameEn: "a", class: "state_body" }, { cookie, "x-csrf-token": l.json.csrfToken });
    assert.equal(withCsrf.status, 201);
    const out = await w.call(null, "POST", "/api/auth/logout", undefined, { cookie, "x-csrf-token": l.json.csrfToken });
    assert.equal(out.status, 204);
    assert.equal((await w.call(null, "GET", "/api/auth/me", undefined, { cookie })).status, 401);

    const pw = await w.call(w.tokens.auditor, "POST", "/api/auth/password", { currentPassword: "wrong", newPassword: "a brand new password" });
    assert.equal(pw.status, 401);
    const pw2 = await w.call(w.tokens.auditor, "POST", "/api/auth/password", { currentPassword: "a long enough password", newPassword: "a brand new password" });
    assert.equal(pw2.status, 204);
    assert.equal((await w.call(null, "POST", "/api/auth/login", { username: "auditor", password: "a brand new password" })).status, 200);
  });

  test("ok/revoked and disabled credentials stop working", async () => {
    const created = await w.call(w.tokens.sts_engineer, "POST", "/api/tokens", { name: "ci" });
    assert.equal(created.status, 201);
    assert.equal(created.headers["cache-control"], "no-store", "a token shown once is not cached");
    const t = created.json.token as string;
    assert.equal((await w.call(t, "GET", "/api/auth/me")).status, 200);
    assert.equal((await w.call(w.tokens.sts_engineer, "DELETE", `/api/tokens/${created.json.id}`)).status, 204);
    assert.equal((await w.call(t, "GET", "/api/auth/me")).status, 401);
    const accs = (await w.call(admin, "GET", "/api/accounts?role=sts_duty_officer")).json.items;
    await w.call(admin, "PATCH", `/api/accounts/${accs[0].id}`, { disabled: true });
    assert.equal((await w.call(w.tokens.sts_duty_officer, "GET", "/api/auth/me")).status, 401);
  });

  test("ok/audit log lists changes and verifies; no secret in it", async () => {
    const list = await w.call(w.tokens.auditor, "GET", "/api/audit?limit=500");
    assert.equal(list.status, 200);
    assert.ok(list.json.items.some((e: any) => e.action === "account.create"));
    assert.doesNotMatch(list.body, /scrypt\$|password_hash|a long enough password|qqt_/);
    const v = await w.call(w.tokens.auditor, "GET", "/api/audit/verify");
    assert.equal(v.json.ok, true);
    assert.ok(v.json.entries > 10);
  });
});
