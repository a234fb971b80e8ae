import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCategoryDatabase, checkProtectedFloor } from "../../src/categories/database.js";
import { parsePattern } from "../../src/categories/normalise.js";
import { BASELINE_SEED, CURATED_SEED, PROTECTED_SEED, SEED_VERSION } from "../../src/categories/seed/index.js";
import { BASELINE_BLOCKED_CATEGORIES, PROTECTED_CATEGORIES, isProtectedCategory } from "../../src/categories/taxonomy.js";

const db = buildCategoryDatabase({ version: "seed-test" });

test("ok/every protected seed entry maps to one of the seven protected ids (p.20)", () => {
  assert.ok(PROTECTED_SEED.length > 100);
  for (const e of PROTECTED_SEED) assert.ok((PROTECTED_CATEGORIES as readonly string[]).includes(e.category), `${e.pattern} → ${e.category}`);
  for (const c of PROTECTED_CATEGORIES) assert.ok(PROTECTED_SEED.some((e) => e.category === c), `no seed entry for ${c}`);
});

test("ok/baseline seed entries are baseline-blocked categories, none protected", () => {
  for (const e of BASELINE_SEED) {
    assert.ok(BASELINE_BLOCKED_CATEGORIES.includes(e.category), `${e.pattern} → ${e.category}`);
    assert.equal(isProtectedCategory(e.category), false);
  }
  for (const c of ["vpn", "remote-access", "doh", "malware"]) assert.ok(BASELINE_SEED.some((e) => e.category === c), c);
});

test("ok/every seed entry is canonical, unique, dated, sourced and says why", () => {
  const seen = new Set<string>();
  for (const e of CURATED_SEED) {
    const p = parsePattern(e.pattern);
    assert.ok(p.ok, `${e.pattern}: ${JSON.stringify(p)}`);
    assert.equal(p.pattern.key, e.pattern, "seed patterns are written in canonical form");
    const key = `${e.pattern} ${e.category}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
    assert.equal(e.source, "qaqpa-curated");
    assert.match(e.added, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(e.added <= SEED_VERSION);
    assert.ok(e.reason.length >= 5, `${e.pattern} needs a reason`);
    assert.ok(Object.isFrozen(e));
  }
  assert.ok(Object.isFrozen(CURATED_SEED) && Object.isFrozen(PROTECTED_SEED));
  assert.deepEqual(db.rejected, []);
});

// A protected entry is an exemption from inspection for everything below it: a public suffix or a
// vendor's whole zone would exempt unrelated sites (anyone can register under .com.kz; microsoft.com
// hosts far more than updates). Government zones with restricted registration are the exception.
const RESTRICTED_ZONES = new Set(["gov", "gov.kz", "gov.uk", "gov.ru"]);
const TOO_BROAD = [
  "kz", "com.kz", "org.kz", "net.kz", "edu.kz", "com", "net", "org", "ru", "io", "me", "app", "dev", "co.uk", "org.uk", "eu", "int",
  "microsoft.com", "apple.com", "google.com", "googleapis.com", "gstatic.com", "amazonaws.com", "cloudfront.net", "akamaized.net",
  "azureedge.net", "windows.net", "cloudflare.com", "appspot.com", "yandex.ru", "yandex.kz", "mail.ru", "github.com", "office.com",
  "live.com", "microsoftonline.com", "icloud.com", "cdn-apple.com", "mp.microsoft.com", "kaspersky.com", "eset.com", "drweb.com",
  "ubuntu.com", "debian.org", "fedoraproject.org", "proton.me", "cloud.microsoft",
];
test("fail/no protected seed entry is a public suffix or a vendor's whole zone", () => {
  for (const e of PROTECTED_SEED) {
    if (RESTRICTED_ZONES.has(e.pattern)) continue;
    assert.ok(!TOO_BROAD.includes(e.pattern), `${e.pattern} is too broad for ${e.category}`);
    assert.ok(e.pattern.includes("."), `${e.pattern}: single-label zone`);
  }
});

test("ok/gov.kz and its subdomains are government-legal and protected; egov.kz is listed in its own right", () => {
  for (const n of ["gov.kz", "www.gov.kz", "kgd.gov.kz", "cabinet.kgd.gov.kz", "astana.gov.kz", "a.b.c.gov.kz", "GOV.KZ.", "egov.kz", "idp.egov.kz", "adilet.zan.kz", "elicense.kz", "akorda.kz"]) {
    const r = db.database.lookupDomain(n);
    assert.ok(r.ok && r.protected, n);
    assert.ok(r.hits.some((h) => h.categories.includes("government-legal")), n);
  }
  for (const n of ["evilgov.kz", "gov.kz.evil.com", "govkz.com", "xgov.kz"]) {
    const r = db.database.lookupDomain(n);
    assert.ok(r.ok && !r.protected, n);
  }
});

test("ok/banks, update hosts and conferencing are protected by host, not by vendor zone", () => {
  const protectedNames: [string, string][] = [
    ["online.halykbank.kz", "finance-banking"], ["kaspi.kz", "finance-banking"], ["nationalbank.kz", "finance-banking"],
    ["s07.upd.kaspersky.com", "security-updates"], ["dnl-03.geo.kaspersky.com", "security-updates"], ["update.eset.com", "security-updates"],
    ["definitionupdates.microsoft.com", "security-updates"], ["database.clamav.net", "security-updates"],
    ["download.windowsupdate.com", "os-updates"], ["tlu.dl.delivery.mp.microsoft.com", "os-updates"], ["kz.archive.ubuntu.com", "os-updates"],
    ["security.debian.org", "os-updates"], ["swscan.apple.com", "os-updates"],
    ["us02web.zoom.us", "video-conferencing"], ["teams.microsoft.com", "video-conferencing"], ["meet.google.com", "video-conferencing"],
    ["damumed.kz", "health-wellness"], ["who.int", "health-wellness"], ["vault.bitwarden.com", "personal-privacy"], ["pki.gov.kz", "personal-privacy"],
  ];
  for (const [n, c] of protectedNames) {
    const r = db.database.lookupDomain(n);
    assert.ok(r.ok && r.protected && r.hits.some((h) => h.categories.includes(c as never)), `${n} → ${c}`);
  }
  for (const n of ["microsoft.com", "www.microsoft.com", "apple.com", "google.com", "www.kaspersky.com", "eset.com", "ubuntu.com", "evilhalykbank.kz"]) {
    const r = db.database.lookupDomain(n);
    assert.ok(r.ok && !r.protected, `${n} must not be protected`);
  }
});

test("ok/no baseline-blocked seed entry lies inside a protected seed zone, nor the other way round", () => {
  for (const e of CURATED_SEED) {
    const p = parsePattern(e.pattern);
    if (!p.ok || p.pattern.kind === "ip") continue;
    const r = p.pattern.kind === "url" ? db.database.lookupUrl(p.pattern.host, p.pattern.path) : db.database.lookupDomain(p.pattern.key);
    assert.ok(r.ok);
    const cats = r.hits.flatMap((h) => h.categories);
    if (isProtectedCategory(e.category)) assert.ok(!cats.some((c) => BASELINE_BLOCKED_CATEGORIES.includes(c)), `${e.pattern} is also ${cats}`);
    else assert.ok(!cats.some(isProtectedCategory), `${e.pattern} (${e.category}) falls under a protected entry: ${cats}`);
  }
});

test("ok/a database built by buildCategoryDatabase always carries the whole floor", () => {
  assert.deepEqual(checkProtectedFloor(db.database), []);
  const withLists = buildCategoryDatabase({ version: "x", lists: [{ source: { name: "l", licence: "x", fetched: "2026-11-26", version: "1" }, entries: [{ pattern: "example.com", category: "news", source: "l" }] }] });
  assert.deepEqual(checkProtectedFloor(withLists.database), []);
  const src = withLists.database.sources.map((s) => [s.name, s.entryCount]);
  assert.deepEqual(src, [["l", 1], ["qaqpa-curated", CURATED_SEED.length]]);
});
