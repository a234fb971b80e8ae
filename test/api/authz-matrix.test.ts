/**
 * Every API route × every role: a role without the route's permission gets 403, an anonymous caller 401,
 * and a scoped role (operator staff, organisation staff) can neither read nor change another scope's data.
 * The test walks the API's own list of routes, so a new route without a case here fails the suite.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startWorld, type World } from "./harness.js";
import type { Case } from "./authz-cases/types.js";
import { ROLES, PERMISSIONS, type Role, type Permission } from "../../src/domain/authz.js";

const CASES: Record<string, Case> = {};
const casesDir = join(import.meta.dirname, "authz-cases");
for (const f of readdirSync(casesDir).filter((f) => f.endsWith(".ts") && f !== "types.ts").sort()) {
  const mod = (await import(pathToFileURL(join(casesDir, f)).href)) as { CASES: Record<string, Case> };
  for (const [k, v] of Object.entries(mod.CASES)) {
    if (CASES[k]) throw new Error(`authorisation case ${k} is defined twice`);
    CASES[k] = v;
  }
}

const SCOPED: Role[] = ["operator_staff", "organisation_staff"];

describe("authorisation matrix", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w.close());

  test("every permission-guarded route has a case", () => {
    const guarded = w.app.qaqpaRoutes.filter((r) => r.access !== "public" && r.access !== "authenticated").map((r) => `${r.method} ${r.url}`);
    const missing = guarded.filter((k) => !CASES[k]);
    assert.deepEqual(missing, [], "routes without an authorisation case");
  });

  test("anonymous callers get 401 on every non-public route", async () => {
    for (const r of w.app.qaqpaRoutes.filter((x) => x.access !== "public")) {
      const url = r.url.replace(":id", "00000000-0000-4000-8000-000000000000");
      const res = await w.call(null, r.method, url, ["POST", "PATCH", "PUT"].includes(r.method) ? {} : undefined);
      assert.equal(res.status, 401, `${r.method} ${r.url}`);
      assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
    }
  });

  for (const role of ROLES) {
    test(`role ${role}`, async () => {
      for (const r of w.app.qaqpaRoutes.filter((x) => x.access !== "public" && x.access !== "authenticated")) {
        const key = `${r.method} ${r.url}`;
        const c = CASES[key]!;
        const allowed = (PERMISSIONS[r.access as Permission] as readonly Role[]).includes(role);
        const own = await c.own(w);
        const res = await w.call(w.tokens[role], own.method, own.url, own.body);
        if (!allowed) {
          assert.equal(res.status, 403, `${role} ${key} should be forbidden, got ${res.status} ${res.body}`);
          continue;
        }
        // Holding the permission is not enough for scoped roles on some writes (e.g. organisation staff may
        // read contracts but not record them); those are refused with 403, never a success on foreign data.
        // A case marked `absent` names an object that does not exist (or no longer does): a permitted caller
        // gets 404 there, never 401/403 and never a 5xx.
        assert.ok(res.status < 300 || (c.absent === true && res.status === 404) || (SCOPED.includes(role) && res.status === 403), `${role} ${key} own: ${res.status} ${res.body}`);
        if (c.other) {
          const other = await c.other(w);
          const r2 = await w.call(w.tokens[role], other.method, other.url, other.body);
          if (SCOPED.includes(role)) assert.ok([403, 404, 409].includes(r2.status), `${role} ${key} other scope must be refused, got ${r2.status} ${r2.body}`);
          else assert.ok(r2.status < 300, `${role} ${key} other: ${r2.status} ${r2.body}`);
        }
      }
    });
  }

  test("scoped lists show only the caller's scope", async () => {
    for (const [token, url, mustHave, mustNot] of [
      [w.tokens.operator_staff, "/api/organisations?limit=500", w.ids.orgA, w.ids.orgB],
      [w.tokens.operatorB, "/api/organisations?limit=500", w.ids.orgB, w.ids.orgA],
      [w.tokens.operator_staff, "/api/operators", w.ids.opA, w.ids.opB],
      [w.tokens.organisation_staff, "/api/operators", w.ids.opA, w.ids.opB],
      [w.tokens.operator_staff, "/api/contracts?limit=500", w.ids.contractA, w.ids.contractB],
      [w.tokens.organisationB, "/api/contracts?limit=500", w.ids.contractB, w.ids.contractA],
      [w.tokens.operator_staff, "/api/catalogue/prefixes?limit=500", w.ids.prefixA, w.ids.prefixB],
      [w.tokens.organisation_staff, "/api/catalogue/prefixes?limit=500", w.ids.prefixA, w.ids.prefixB],
    ] as const) {
      const r = await w.call(token, "GET", url);
      assert.equal(r.status, 200);
      const ids = r.json.items.map((x: { id: string }) => x.id);
      assert.ok(ids.includes(mustHave), `${url} should list ${mustHave}`);
      assert.ok(!ids.includes(mustNot), `${url} must not list ${mustNot}`);
    }
    const lookup = await w.call(w.tokens.operator_staff, "GET", "/api/catalogue/lookup?address=10.2.3.4");
    assert.equal(lookup.json.match, null, "another operator's prefix is not revealed by lookup");
  });

  test("operator staff cannot move a prefix to another operator's organisation", async () => {
    const r = await w.call(w.tokens.operator_staff, "PATCH", `/api/catalogue/prefixes/${w.ids.prefixA}`, { organisationId: w.ids.orgB });
    assert.ok(r.status === 409 || r.status === 403, `${r.status} ${r.body}`);
  });
});
