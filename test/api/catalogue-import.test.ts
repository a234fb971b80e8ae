/** p.13 bulk catalogue maintenance: all-or-nothing CSV import with per-row errors, and export. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorld, type World } from "./harness.js";
import { verifyAudit } from "../../src/store/audit.js";

describe("catalogue CSV import/export", () => {
  let w: World;
  let orgABin: string;
  let orgBBin: string;
  let opABin: string;
  before(async () => {
    w = await startWorld();
    const get = async (t: "organisation" | "telecom_operator", id: string) => (await w.store.db.selectFrom(t).select("bin").where("id", "=", id).executeTakeFirstOrThrow()).bin;
    orgABin = await get("organisation", w.ids.orgA);
    orgBBin = await get("organisation", w.ids.orgB);
    opABin = await get("telecom_operator", w.ids.opA);
  });
  after(() => w.close());

  const count = async () => (await w.call(w.tokens.sts_admin, "GET", "/api/catalogue/prefixes?limit=1")).json.total as number;

  test("fail/one bad row: every error reported with its line, nothing written", async () => {
    const before = await count();
    const audit = (await verifyAudit(w.store.db)).entries;
    const csv = [
      "prefix,organisation_bin,operator_bin,note",
      `10.1.10.0/24,${orgABin},${opABin},"HQ, floor 2"`,
      `10.1.11.5/24,${orgABin},${opABin},host bits`,
      `10.2.0.0/24,${orgABin},${opABin},inside another organisation`,
      `10.1.12.0/24,${orgBBin},${opABin},no contract with this operator`,
      `2001:db8:1::/48,${orgABin},${opABin},`,
    ].join("\n");
    const r = await w.call(w.tokens.operator_staff, "POST", "/api/catalogue/import", csv);
    assert.equal(r.status, 422, r.body);
    assert.equal(r.json.code, "QQ_ERR_CATALOGUE_IMPORT");
    const lines = r.json.errors.map((e: { line: number }) => e.line);
    assert.deepEqual(lines, [3, 4, 5]);
    assert.match(r.json.errors[0].message, /10\.1\.11\.0\/24/);
    assert.match(r.json.errors[1].message, /10\.2\.0\.0\/16/);
    assert.match(r.json.errors[2].message, /contract/);
    assert.equal(await count(), before);
    assert.equal((await verifyAudit(w.store.db)).entries, audit);
  });

  test("ok/the fixed file imports; re-import is unchanged; export round-trips", async () => {
    const csv = [
      "prefix,organisation_bin,operator_bin,note",
      `10.1.10.0/24,${orgABin},${opABin},"HQ, floor 2"`,
      `10.1.11.0/24,${orgABin},${opABin},branch`,
      `2001:db8:1::/48,${orgABin},${opABin},`,
    ].join("\r\n");
    const dry = await w.call(w.tokens.operator_staff, "POST", "/api/catalogue/import?dryRun=true", csv);
    assert.deepEqual(dry.json, { created: 3, updated: 0, unchanged: 0, removed: 0, dryRun: true });
    const r = await w.call(w.tokens.operator_staff, "POST", "/api/catalogue/import", csv);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { created: 3, updated: 0, unchanged: 0, removed: 0, dryRun: false });
    const again = await w.call(w.tokens.operator_staff, "POST", "/api/catalogue/import", csv);
    assert.deepEqual(again.json, { created: 0, updated: 0, unchanged: 3, removed: 0, dryRun: false });
    const exp = await w.call(w.tokens.operator_staff, "GET", "/api/catalogue/export");
    assert.equal(exp.status, 200);
    assert.match(exp.headers["content-type"], /text\/csv/);
    assert.match(exp.body, /"HQ, floor 2"/);
    assert.doesNotMatch(exp.body, /10\.2\.0\.0/, "another operator's prefixes are not exported");
    const round = await w.call(w.tokens.operator_staff, "POST", "/api/catalogue/import", exp.body);
    assert.equal(round.json.created, 0);
    assert.equal(round.json.updated, 0);
    assert.equal((await verifyAudit(w.store.db)).ok, true);
  });

  test("ok/replace mode removes the operator's prefixes missing from the file, and is audited", async () => {
    const csv = ["prefix,organisation_bin,operator_bin", `10.1.0.0/16,${orgABin},${opABin}`].join("\n");
    const r = await w.call(w.tokens.operator_staff, "POST", "/api/catalogue/import?mode=replace", csv);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.removed, 3);
    const mine = await w.call(w.tokens.operator_staff, "GET", "/api/catalogue/prefixes");
    assert.deepEqual(mine.json.items.map((p: { prefix: string }) => p.prefix), ["10.1.0.0/16"]);
    const other = await w.call(w.tokens.operatorB, "GET", "/api/catalogue/prefixes");
    assert.equal(other.json.total, 1, "the other operator's catalogue is untouched");
    const audit = await w.call(w.tokens.auditor, "GET", "/api/audit?action=catalogue.import");
    assert.ok(audit.json.total >= 2);
  });

  test("fail/operator staff cannot import into another operator's catalogue", async () => {
    const r = await w.call(w.tokens.operator_staff, "POST", `/api/catalogue/import?operatorId=${w.ids.opB}`, "prefix,organisation_bin,operator_bin\n");
    assert.equal(r.status, 403);
  });
});
