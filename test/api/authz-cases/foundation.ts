/**
 * Authorisation cases of the foundation routes. Each subsystem keeps its cases in a file of this folder;
 * the matrix test (../authz-matrix.test.ts) loads them all and fails on any guarded route without a case.
 */
import assert from "node:assert/strict";
import { newBin, type World } from "../harness.js";
import type { Case } from "./types.js";

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

export const CASES: Record<string, Case> = {
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
  "PUT /api/calendar/years/:year": { own: async () => ({ method: "PUT", url: "/api/calendar/years/2026", body: JSON.parse((await import("node:fs")).readFileSync(new URL("../../../src/domain/working-days/data/2026.json", import.meta.url), "utf8")) }) },
  "GET /api/notifications": { own: () => ({ method: "GET", url: "/api/notifications" }) },
};

