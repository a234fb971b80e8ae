import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { domainToASCII, fileURLToPath } from "node:url";
import { parseHostsFile } from "../../src/categories/importers/hosts.js";
import { parsePlainList } from "../../src/categories/importers/plain.js";
import { importUt1Directory, parseSquidGuardDomains, parseSquidGuardUrls, parseUt1Files, UT1_CATEGORY_MAP } from "../../src/categories/importers/squidguard.js";
import { buildCategoryDatabase } from "../../src/categories/database.js";
import { SOURCE } from "./helpers.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/category-lists/", import.meta.url));
const read = (p: string): string => readFileSync(FIXTURES + p, "utf8");
const UT1 = { fetched: "2026-11-20", version: "2026-11-20" };

test("ok/UT1 directory: mapped categories, URL lists, gzip, CRLF and BOM; unmapped and regex lists skipped", async () => {
  const r = await importUt1Directory(FIXTURES + "ut1", UT1);
  assert.deepEqual(r.source, { name: "ut1", licence: "CC-BY-SA-4.0", fetched: "2026-11-20", version: "2026-11-20", url: "https://dsi.ut-capitole.fr/blacklists/" });
  const by = (c: string): string[] => r.entries.filter((e) => e.category === c).map((e) => e.pattern);
  assert.deepEqual(by("finance-banking"), ["halykbank.kz", "kaspi.kz", "bcc.kz", "banque-france.fr", "bundesbank.de", "www.hsbc.com", "bnpparibas.com"]);
  assert.deepEqual(by("vpn"), ["nordvpn.com", "expressvpn.com", "protonvpn.com", "vpn.example.kz"]);
  assert.deepEqual(by("remote-access"), ["anydesk.com", "teamviewer.com", "rustdesk.com", "remotedesktop.google.com", "splashtop.com"]);
  assert.deepEqual(by("doh"), ["1.1.1.1", "8.8.8.8", "149.112.112.112", "cloudflare-dns.com", "dns.google", "dns.adguard.com", "2606:4700:4700::1111", "nixnet.xyz/dns", "odvr.nic.cz/doh"]);
  assert.deepEqual(by("news"), ["tengrinews.kz", "zakon.kz", "nur.kz", "bbc.co.uk", "lemonde.fr"]);
  assert.deepEqual(by("adult"), ["adult-example.com", "xn--80ak6aa92e.com", domainToASCII("порно-пример.рф")]);
  assert.deepEqual(by("malware"), ["malware.wicar.org", "malware-example.top"]);
  assert.ok(r.entries.every((e) => e.source === "ut1"));
  assert.deepEqual(r.errors.map((e) => [e.file, e.line]), [
    ["adult/domains", 4],
    ["bank/domains", 9],
    ["doh/domains", 8],
    ["doh/urls", 3],
    ["press/domains", 6],
    ["press/domains", 7],
  ]);
  assert.match(r.errors.find((e) => e.file === "bank/domains")!.reason, /more than one field/);
  assert.equal(r.errors.find((e) => e.file === "bank/domains")!.text, "evil bank.com");
  assert.match(r.errors.find((e) => e.file === "doh/domains")!.reason, /bits set beyond/);
  assert.match(r.errors.find((e) => e.file === "adult/domains")!.reason, /idna/);
  assert.deepEqual(r.skipped.map((s) => s.path).sort(), ["cooking/domains", "malware/expressions"]);
});

test("ok/UT1 mapping can be extended or narrowed by the caller", () => {
  const files = [{ category: "cooking", kind: "domains" as const, text: "marmiton.org\n" }, { category: "bank", kind: "domains" as const, text: "bank.example\n" }];
  const r = parseUt1Files(files, { ...UT1, name: "ut1-custom", mapping: { cooking: "entertainment", bank: null } });
  assert.deepEqual(r.entries, [{ pattern: "marmiton.org", category: "entertainment", source: "ut1-custom" }]);
  assert.deepEqual(r.skipped.map((s) => s.path), ["bank/domains"]);
});

test("ok/the UT1 map sends the categories the baseline and p.20 care about to our ids", () => {
  assert.equal(UT1_CATEGORY_MAP["bank"], "finance-banking");
  assert.equal(UT1_CATEGORY_MAP["remote-control"], "remote-access");
  assert.equal(UT1_CATEGORY_MAP["press"], "news");
  assert.equal(UT1_CATEGORY_MAP["social_networks"], "social-networks");
  for (const c of ["vpn", "malware", "phishing", "doh", "adult", "gambling"]) assert.equal(UT1_CATEGORY_MAP[c], c);
  // Too loose to widen the p.20 exemption with: left to the curated seed.
  assert.equal(UT1_CATEGORY_MAP["update"], undefined);
});

test("fail/an unreadable UT1 directory is an error, not an exception", async () => {
  const r = await importUt1Directory(FIXTURES + "does-not-exist", UT1);
  assert.deepEqual(r.entries, []);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.line, 0);
  assert.match(r.errors[0]!.reason, /ENOENT/);
});

test("ok/hosts file: several names per line, housekeeping skipped, malformed lines reported", () => {
  const r = parseHostsFile(read("hosts.txt"), { source: SOURCE, category: "advertising" });
  assert.deepEqual(r.entries.map((e) => e.pattern), [
    "ads.example-tracker.com",
    "metrics.example-tracker.com",
    "telemetry.example-tracker.com",
    "tabbed.example-ads.net",
    "ipv6-sink.example-ads.net",
    "upper.example-ads.net",
  ]);
  assert.ok(r.entries.every((e) => e.category === "advertising" && e.source === SOURCE.name));
  assert.deepEqual(r.errors.map((e) => e.line), [15, 16, 17, 18, 19]);
  assert.deepEqual(r.errors.map((e) => e.reason), [
    "address without a name",
    "first field is not an address",
    "bad_name!.example.com: invalid name (bad-character)",
    "1.2.3.4: a hosts file names hosts only",
    "example.com/path: a hosts file names hosts only",
  ]);
});

test("ok/plain list: wildcards, URL paths, addresses and CIDRs; malformed lines reported with their numbers", () => {
  const r = parsePlainList(read("plain.txt"), { source: SOURCE, category: "gambling" });
  assert.deepEqual(r.entries.map((e) => e.pattern), [
    "example-casino.com",
    "wildcard-casino.net",
    "star-casino.org",
    "casino.example.kz/games/poker",
    "203.0.113.0/24",
    "2001:db8:c0de::/48",
    "198.51.100.7",
    "bet.example.com/live",
    domainToASCII("пример-казино.рф"),
  ]);
  assert.deepEqual(r.errors.map((e) => [e.line, e.text]), [
    [9, "two words.com"],
    [11, "999.1.1.1"],
    [12, "10.0.0.1/33"],
    [13, "192.0.2.1/8"],
    [14, "exa$mple.com"],
    [15, "xn--zz.com"],
  ]);
});

test("fail/importers never throw on hostile input", () => {
  const hostile = [
    "",
    "\u0000\u0001\u0002",
    "#".repeat(10000),
    "a".repeat(100000),
    "\n".repeat(1000),
    "0.0.0.0 " + "x.".repeat(200) + "com",
    "\ud800.com",
    "[::1]/7",
    "http://",
    "//",
    "*.",
  ].join("\n");
  for (const parse of [parsePlainList, parseHostsFile, parseSquidGuardDomains, parseSquidGuardUrls]) {
    const r = parse(hostile, { source: SOURCE, category: "malware" });
    assert.ok(Array.isArray(r.entries) && Array.isArray(r.errors));
    for (const e of r.errors) assert.ok(e.line >= 1 && e.text.length <= 200);
  }
  const r = parsePlainList("example.com\n", { source: SOURCE, category: "not-a-category" as never });
  assert.deepEqual(r.entries, []);
  assert.match(r.errors[0]!.reason, /unknown category/);
  const n = parsePlainList(null as never, { source: SOURCE, category: "news" });
  assert.match(n.errors[0]!.reason, /not text/);
});

test("ok/an imported list compiles next to the seed and its matches name the list's source and version", async () => {
  const ut1 = await importUt1Directory(FIXTURES + "ut1", UT1);
  const built = buildCategoryDatabase({ version: "t", lists: [ut1] });
  assert.deepEqual(built.rejected, []);
  const r = built.database.lookupDomain("online.halykbank.kz");
  assert.ok(r.ok && r.protected);
  assert.deepEqual(r.hits[0]!.origins.map((o) => `${o.category}:${o.source}@${o.sourceVersion}`).sort(), [
    "finance-banking:qaqpa-curated@2026-11-26",
    "finance-banking:ut1@2026-11-20",
  ]);
  const u = built.database.lookupUrl("odvr.nic.cz", "/doh/dns-query");
  assert.ok(u.ok && u.hits[0]!.kind === "url" && u.hits[0]!.categories.includes("doh"));
  assert.equal(built.database.sources.find((s) => s.name === "ut1")!.entryCount, ut1.entries.length);
});
