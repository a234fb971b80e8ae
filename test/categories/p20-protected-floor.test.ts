/**
 * p.20: the seven categories are never decrypted, and the curated protected seed is a floor that STS
 * overrides cannot lower. Overrides can add categories anywhere and can remove what imported lists say.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCategoryDatabase } from "../../src/categories/database.js";
import { applyOverrides, type CategoryOverride } from "../../src/categories/overrides.js";
import { CURATED_SEED } from "../../src/categories/seed/index.js";
import { entry } from "./helpers.js";

const o = (action: "add" | "remove", pattern: string, category: CategoryOverride["category"]): CategoryOverride => ({ action, pattern, category, reason: "test" });

test("fail/an override cannot remove a protected seed entry (gov.kz, a bank, an update host)", () => {
  for (const [pattern, category] of [["gov.kz", "government-legal"], ["halykbank.kz", "finance-banking"], ["GOV.KZ.", "government-legal"], ["windowsupdate.com", "os-updates"]] as const) {
    const r = applyOverrides([...CURATED_SEED], [o("remove", pattern, category)]);
    assert.equal(r.applied.length, 0);
    assert.equal(r.rejected[0]!.reason, "protected-floor", pattern);
    assert.equal(r.entries.length, CURATED_SEED.length);
  }
});

test("fail/the floor holds when an imported list repeats the seed entry", () => {
  const entries = [...CURATED_SEED, entry("halykbank.kz", "finance-banking")];
  const r = applyOverrides(entries, [o("remove", "halykbank.kz", "finance-banking")]);
  assert.equal(r.rejected[0]?.reason, "protected-floor");
  assert.equal(r.entries.length, entries.length);
});

test("ok/an override may remove a protected category an imported list gave (a shop UT1 calls a bank)", () => {
  const entries = [...CURATED_SEED, entry("shop.example", "finance-banking"), entry("shop.example", "shopping")];
  const r = applyOverrides(entries, [o("remove", "shop.example", "finance-banking")]);
  assert.deepEqual(r.rejected, []);
  assert.deepEqual(r.entries.filter((e) => e.pattern === "shop.example").map((e) => e.category), ["shopping"]);
});

test("ok/an override may remove a non-protected seed entry (a misfiled VPN) and add any category", () => {
  const r = applyOverrides([...CURATED_SEED], [
    o("remove", "nordvpn.com", "vpn"),
    o("add", "*.Intranet-Bank.KZ.", "finance-banking"),
    o("add", "news.example/opinion", "news"),
  ]);
  assert.deepEqual(r.rejected, []);
  assert.ok(!r.entries.some((e) => e.pattern === "nordvpn.com"));
  assert.deepEqual(r.entries.slice(-2), [
    { pattern: "intranet-bank.kz", category: "finance-banking", source: "sts-override" },
    { pattern: "news.example/opinion", category: "news", source: "sts-override" },
  ]);
});

test("ok/overrides apply in order; later ones see earlier ones", () => {
  const r = applyOverrides([], [o("add", "a.example", "games"), o("remove", "a.example", "games"), o("remove", "a.example", "games")]);
  assert.equal(r.applied.length, 2);
  assert.deepEqual(r.rejected.map((x) => x.reason), ["no-match"]);
  assert.deepEqual(r.entries, []);
  // An STS-added protected entry is not the seed: STS may take it back.
  const p = applyOverrides([], [o("add", "clinic.example", "health-wellness"), o("remove", "clinic.example", "health-wellness")]);
  assert.deepEqual(p.rejected, []);
});

test("fail/invalid overrides are rejected with a reason, never thrown", () => {
  const r = applyOverrides([], [o("add", "bad name", "news"), o("add", "ok.example", "telepathy" as never), o("remove", "nothing.example", "news")]);
  assert.deepEqual(r.rejected.map((x) => x.reason), ["invalid-pattern", "unknown-category", "no-match"]);
});

test("ok/the floor survives the whole build: a refused removal leaves gov.kz protected, an accepted one takes effect", () => {
  const built = buildCategoryDatabase({
    version: "1",
    lists: [{ source: { name: "l", licence: "x", fetched: "2026-11-26", version: "1" }, entries: [{ pattern: "shop.example", category: "finance-banking", source: "l" }] }],
    overrides: [o("remove", "gov.kz", "government-legal"), o("remove", "shop.example", "finance-banking")],
  });
  assert.deepEqual(built.overrides.rejected.map((x) => x.reason), ["protected-floor"]);
  const gov = built.database.lookupDomain("kgd.gov.kz");
  assert.ok(gov.ok && gov.protected);
  const shop = built.database.lookupDomain("shop.example");
  assert.ok(shop.ok && !shop.protected && shop.hits.length === 0);
});

test("fail/imported lists cannot pose as the curated seed or as STS decisions", () => {
  const fake = { source: { name: "qaqpa-curated", licence: "x", fetched: "2026-11-26", version: "1" }, entries: [{ pattern: "evil.example", category: "finance-banking" as const, source: "qaqpa-curated" }] };
  const built = buildCategoryDatabase({ version: "1", lists: [fake, { ...fake, source: { ...fake.source, name: "sts-override" } }] });
  assert.deepEqual(built.listErrors, ["source name qaqpa-curated is reserved", "source name sts-override is reserved"]);
  const r = built.database.lookupDomain("evil.example");
  assert.ok(r.ok && r.hits.length === 0);
  // And an entry cannot claim another list's name from inside a list.
  const smuggled = buildCategoryDatabase({ version: "1", lists: [{ source: { ...fake.source, name: "l" }, entries: [{ pattern: "evil.example", category: "news", source: "qaqpa-curated" }] }] });
  assert.equal(smuggled.rejected.length, 1);
});
