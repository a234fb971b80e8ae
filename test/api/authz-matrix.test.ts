/**
 * Every API route × every role: a role without the route's permission gets 403, an anonymous caller 401,
 * and a scoped role (operator staff, organisation staff) can neither read nor change another scope's data.
 * The test walks the API's own list of routes, so a new route without a case here fails the suite.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorld, newBin, type World } from "./harness.js";
import { ROLES, PERMISSIONS, type Role, type Permission } from "../../src/domain/authz.js";

type Req = { method: string; url: string; body?: unknown };
interface Case {
  own: (w: World) => Promise<Req> | Req;
  /** the same operation on the other operator's / organisation's data; omitted where the route has no scope */
  other?: (w: World) => Promise<Req> | Req;
}

let n = 0;
const names = (x: string) => ({ nameKk: x, nameRu: x, nameEn: x });
const freshPrefix = () => `10.${100 + Math.floor(n / 250)}.${n++ % 250}.0/24`;
async function adminPrefix(w: World, org: "A" | "B") {
  const r = await w.call(w.tokens.sts_admin, "POST", "/api/catalogue/prefixes", { prefix: freshPrefix(), organisationId: org === "A" ? w.ids.orgA : w.ids.orgB, operatorId: org === "A" ? w.ids.opA : w.ids.opB });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.id as string;
}

async function bin(w: World, orgId: string) {
  return (await w.store.db.selectFrom("organisation").select("bin").where("id", "=", orgId).executeTakeFirstOrThrow()).bin;
}
async function opBin(w: World, opId: string) {
  return (await w.store.db.selectFrom("telecom_operator").select("bin").where("id", "=", opId).executeTakeFirstOrThrow()).bin;
}

const CASES: Record<string, Case> = {
  "GET /api/organisations": { own: () => ({ method: "GET", url: "/api/organisations" }) },
  "POST /api/organisations": { own: () => ({ method: "POST", url: "/api/organisations", body: { bin: newBin(), ...names("New body"), class: "state_body" } }) },
  "GET /api/organisations/:id": { own: (w) => ({ method: "GET", url: `/api/organisations/${w.ids.orgA}` }), other: (w) => ({ method: "GET", url: `/api/organisations/${w.ids.orgB}` }) },
  "PATCH /api/organisations/:id": { own: (w) => ({ method: "PATCH", url: `/api/organisations/${w.ids.orgA}`, body: { nameEn: "Ministry A" } }), other: (w) => ({ method: "PATCH", url: `/api/organisations/${w.ids.orgB}`, body: { nameEn: "Akimat B" } }) },
  "GET /api/operators": { own: () => ({ method: "GET", url: "/api/operators" }) },
  "POST /api/operators": { own: () => ({ method: "POST", url: "/api/operators", body: { bin: newBin(), ...names("New operator"), notificationEmails: ["x@y.example"] } }) },
  "GET /api/operators/:id": { own: (w) => ({ method: "GET", url: `/api/operators/${w.ids.opA}` }), other: (w) => ({ method: "GET", url: `/api/operators/${w.ids.opB}` }) },
  "PATCH /api/operators/:id": { own: (w) => ({ method: "PATCH", url: `/api/operators/${w.ids.opA}`, body: { nameEn: "Operator A" } }), other: (w) => ({ method: "PATCH", url: `/api/operators/${w.ids.opB}`, body: { nameEn: "Operator B" } }) },
  "GET /api/contracts": { own: () => ({ method: "GET", url: "/api/contracts" }) },
  "POST /api/contracts": {
    own: (w) => ({ method: "POST", url: "/api/contracts", body: { organisationId: w.ids.orgA, operatorId: w.ids.opA, number: `CA-${n++}`, validFrom: "2026-01-01" } }),
    other: (w) => ({ method: "POST", url: "/api/contracts", body: { organisationId: w.ids.orgB, operatorId: w.ids.opB, number: `CB-${n++}`, validFrom: "2026-01-01" } }),
  },
  "GET /api/contracts/:id": { own: (w) => ({ method: "GET", url: `/api/contracts/${w.ids.contractA}` }), other: (w) => ({ method: "GET", url: `/api/contracts/${w.ids.contractB}` }) },
  "PATCH /api/contracts/:id": {
    own: (w) => ({ method: "PATCH", url: `/api/contracts/${w.ids.contractA}`, body: { signedOn: "2025-12-20" } }),
    other: (w) => ({ method: "PATCH", url: `/api/contracts/${w.ids.contractB}`, body: { signedOn: "2025-12-20" } }),
  },
  "GET /api/catalogue/prefixes": { own: () => ({ method: "GET", url: "/api/catalogue/prefixes" }) },
  "POST /api/catalogue/prefixes": {
    own: (w) => ({ method: "POST", url: "/api/catalogue/prefixes", body: { prefix: freshPrefix(), organisationId: w.ids.orgA, operatorId: w.ids.opA } }),
    other: (w) => ({ method: "POST", url: "/api/catalogue/prefixes", body: { prefix: freshPrefix(), organisationId: w.ids.orgB, operatorId: w.ids.opB } }),
  },
  "GET /api/catalogue/prefixes/:id": { own: (w) => ({ method: "GET", url: `/api/catalogue/prefixes/${w.ids.prefixA}` }), other: (w) => ({ method: "GET", url: `/api/catalogue/prefixes/${w.ids.prefixB}` }) },
  "PATCH /api/catalogue/prefixes/:id": {
    own: (w) => ({ method: "PATCH", url: `/api/catalogue/prefixes/${w.ids.prefixA}`, body: { note: "main office" } }),
    other: (w) => ({ method: "PATCH", url: `/api/catalogue/prefixes/${w.ids.prefixB}`, body: { note: "main office" } }),
  },
  "DELETE /api/catalogue/prefixes/:id": {
    own: async (w) => ({ method: "DELETE", url: `/api/catalogue/prefixes/${await adminPrefix(w, "A")}` }),
    other: async (w) => ({ method: "DELETE", url: `/api/catalogue/prefixes/${await adminPrefix(w, "B")}` }),
  },
  "GET /api/catalogue/prefixes/:id/history": { own: (w) => ({ method: "GET", url: `/api/catalogue/prefixes/${w.ids.prefixA}/history` }), other: (w) => ({ method: "GET", url: `/api/catalogue/prefixes/${w.ids.prefixB}/history` }) },
  "POST /api/catalogue/import": {
    own: async (w) => ({ method: "POST", url: `/api/catalogue/import?dryRun=true&operatorId=${w.ids.opA}`, body: `prefix,organisation_bin,operator_bin\n${freshPrefix()},${await bin(w, w.ids.orgA)},${await opBin(w, w.ids.opA)}\n` }),
    other: async (w) => ({ method: "POST", url: `/api/catalogue/import?dryRun=true&operatorId=${w.ids.opB}`, body: `prefix,organisation_bin,operator_bin\n${freshPrefix()},${await bin(w, w.ids.orgB)},${await opBin(w, w.ids.opB)}\n` }),
  },
  "GET /api/catalogue/export": { own: () => ({ method: "GET", url: "/api/catalogue/export" }) },
  "GET /api/catalogue/lookup": { own: () => ({ method: "GET", url: "/api/catalogue/lookup?address=10.1.2.3" }) },
  "GET /api/accounts": { own: () => ({ method: "GET", url: "/api/accounts" }) },
  "POST /api/accounts": { own: () => ({ method: "POST", url: "/api/accounts", body: { username: `user${n++}`, displayName: "x", role: "auditor", password: "another long password" } }) },
  "PATCH /api/accounts/:id": { own: (w) => ({ method: "PATCH", url: `/api/accounts/${w.ids.accountOpA}`, body: { displayName: "op-a" } }) },
  "GET /api/audit": { own: () => ({ method: "GET", url: "/api/audit" }) },
  "GET /api/audit/verify": { own: () => ({ method: "GET", url: "/api/audit/verify" }) },
  "GET /api/calendar/:year": { own: () => ({ method: "GET", url: "/api/calendar/2026" }) },
  "GET /api/calendar/deadline": { own: () => ({ method: "GET", url: "/api/calendar/deadline?from=2026-03-20&workingDays=5" }) },
  "PUT /api/calendar/days/:date": { own: () => ({ method: "PUT", url: "/api/calendar/days/2027-12-30", body: { kind: "decreed-day-off", name: "test", reference: "test order" } }) },
  "DELETE /api/calendar/days/:date": {
    own: async (w) => {
      await w.call(w.tokens.sts_admin, "PUT", "/api/calendar/days/2027-12-31", { kind: "decreed-day-off", reference: "test" });
      return { method: "DELETE", url: "/api/calendar/days/2027-12-31" };
    },
  },
  "PUT /api/calendar/years/:year": { own: async () => ({ method: "PUT", url: "/api/calendar/years/2026", body: JSON.parse((await import("node:fs")).readFileSync(new URL("../../src/domain/working-days/data/2026.json", import.meta.url), "utf8")) }) },
  "GET /api/notifications": { own: () => ({ method: "GET", url: "/api/notifications" }) },
};

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
        assert.ok(res.status < 300 || (SCOPED.includes(role) && res.status === 403), `${role} ${key} own: ${res.status} ${res.body}`);
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
