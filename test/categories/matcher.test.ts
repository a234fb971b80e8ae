import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, entry, hitsOf, SOURCE } from "./helpers.js";

const db = compile([
  entry("bank.kz", "finance-banking"),
  entry("promo.bank.kz", "advertising"),
  entry("kz", "news"),
  entry("gov.kz", "government-legal"),
  entry("example.com", "news"),
  entry("example.com", "shopping"),
  entry("ample.com", "malware"),
  entry("xn--e1afmkfd.com", "adult"),
  entry("example.com/shop/cart", "shopping"),
  entry("example.com/shop", "advertising"),
  entry("www.example.com/news", "news"),
  entry("192.0.2.0/24", "malware"),
  entry("192.0.2.7", "phishing"),
  entry("0.0.0.0/0", "advertising"),
  entry("2001:db8::/32", "vpn"),
  entry("2001:db8:1::1", "doh"),
]);

const domainCases: [string, string, [string, string[]][] | string][] = [
  ["ok/exact entry", "bank.kz", [["bank.kz", ["finance-banking"]], ["kz", ["news"]]]],
  ["ok/subdomain by whole labels", "online.bank.kz", [["bank.kz", ["finance-banking"]], ["kz", ["news"]]]],
  ["ok/most specific first, protected parent still reported", "x.promo.bank.kz",
    [["promo.bank.kz", ["advertising"]], ["bank.kz", ["finance-banking"]], ["kz", ["news"]]]],
  ["fail/a label that merely ends with the entry is not under it", "evilbank.kz", [["kz", ["news"]]]],
  ["fail/the entry as a prefix is not a match", "bank.kz.evil.com", []],
  ["ok/string suffix without a label boundary", "example.com", [["example.com", ["news", "shopping"]]]],
  ["fail/ample.com does not cover example.com by string suffix only", "sample.com", []],
  ["ok/ample.com itself", "www.ample.com", [["ample.com", ["malware"]]]],
  ["ok/trailing dot", "www.bank.kz.", [["bank.kz", ["finance-banking"]], ["kz", ["news"]]]],
  ["ok/upper case", "WWW.Bank.KZ", [["bank.kz", ["finance-banking"]], ["kz", ["news"]]]],
  ["ok/IDN in Unicode matches its A-label entry", "пример.com", [["xn--e1afmkfd.com", ["adult"]]]],
  ["ok/A-label in upper case", "WWW.XN--E1AFMKFD.COM", [["xn--e1afmkfd.com", ["adult"]]]],
  ["ok/IDN in upper case and a full-width dot", "WWW.ПРИМЕР．COM", [["xn--e1afmkfd.com", ["adult"]]]],
  ["ok/miss", "unrelated.org", []],
  ["fail/empty label", "a..bank.kz", "invalid:empty-label"],
  ["fail/two trailing dots", "bank.kz..", "invalid:empty-label"],
  ["fail/bad character", "bank.kz/path", "invalid:bad-character"],
  ["fail/broken punycode", "xn--zz.bank.kz", "invalid:idna"],
  ["fail/address is not a domain", "192.0.2.7", "invalid:numeric-last-label"],
];
for (const [name, input, want] of domainCases) {
  test(`${name}: lookupDomain(${JSON.stringify(input)})`, () => assert.deepEqual(hitsOf(db.lookupDomain(input)), want));
}

test("ok/each hit names its source and list version, and the protected flag", () => {
  const r = db.lookupDomain("x.promo.bank.kz");
  assert.ok(r.ok);
  assert.equal(r.protected, true);
  assert.deepEqual(r.hits.map((h) => h.protected), [false, true, false]);
  assert.deepEqual(r.hits[1]!.origins, [{ category: "finance-banking", source: SOURCE.name, sourceVersion: "v1" }]);
  assert.equal(r.hits[0]!.kind, "domain");
  const miss = db.lookupDomain("unrelated.org");
  assert.ok(miss.ok && !miss.protected && miss.hits.length === 0);
});

const urlCases: [string, string, string, string[]][] = [
  ["ok/longest path first, then the host's entries", "example.com", "/shop/cart/items?id=1",
    ["example.com/shop/cart", "example.com/shop", "example.com"]],
  ["ok/segment boundary", "example.com", "/shop", ["example.com/shop", "example.com"]],
  ["fail/not on a segment boundary", "example.com", "/shopping", ["example.com"]],
  ["ok/subdomain of the URL entry's host", "m.www.example.com", "/NEWS/today", ["www.example.com/news", "example.com"]],
  ["fail/parent host does not inherit a subdomain's URL entry", "example.com", "/news", ["example.com"]],
  ["ok/dot segments cannot step around an entry", "example.com", "/x/../shop/./cart", ["example.com/shop/cart", "example.com/shop", "example.com"]],
  ["ok/percent-encoded letters", "example.com", "/%73hop", ["example.com/shop", "example.com"]],
];
for (const [name, host, path, want] of urlCases) {
  test(`${name}: lookupUrl(${host}, ${path})`, () => {
    const r = db.lookupUrl(host, path);
    assert.ok(r.ok);
    assert.deepEqual(r.hits.map((h) => h.pattern), want);
    assert.deepEqual(r.hits.filter((h) => h.kind === "url").length, want.filter((p) => p.includes("/")).length);
  });
}

const ipCases: [string, string, string[] | string][] = [
  ["ok/exact beats CIDR, longest prefix first", "192.0.2.7", ["192.0.2.7", "192.0.2.0/24", "0.0.0.0/0"]],
  ["ok/CIDR", "192.0.2.200", ["192.0.2.0/24", "0.0.0.0/0"]],
  ["ok/default route entry", "198.51.100.1", ["0.0.0.0/0"]],
  ["ok/IPv4-mapped IPv6 is IPv4", "::ffff:192.0.2.7", ["192.0.2.7", "192.0.2.0/24", "0.0.0.0/0"]],
  ["ok/IPv6 exact and CIDR", "2001:db8:1::1", ["2001:db8:1::1", "2001:db8::/32"]],
  ["ok/IPv6 in brackets", "[2001:db8:ffff::5]", ["2001:db8::/32"]],
  ["ok/IPv6 miss", "2001:db9::1", []],
  ["fail/not an address", "example.com", "invalid:invalid-address"],
];
for (const [name, input, want] of ipCases) {
  test(`${name}: lookupIp(${input})`, () => {
    const r = db.lookupIp(input);
    assert.deepEqual(r.ok ? r.hits.map((h) => h.pattern) : `invalid:${r.reason}`, want);
  });
}

test("ok/lookupHost sends address literals to the address table and names to the label table", () => {
  const a = db.lookupHost("192.0.2.7");
  assert.ok(a.ok && a.hits[0]!.kind === "ip");
  const b = db.lookupHost("[2001:db8:1::1]");
  assert.ok(b.ok && b.hits[0]!.pattern === "2001:db8:1::1");
  const c = db.lookupHost("online.bank.kz");
  assert.ok(c.ok && c.hits[0]!.pattern === "bank.kz");
  // A name that only starts with a digit is still a name.
  const d = db.lookupHost("1.bank.kz");
  assert.ok(d.ok && d.hits[0]!.pattern === "bank.kz");
  // Other spellings of an IPv4 address are addresses, not names (WHATWG host parser).
  const e = db.lookupHost("0xc0.0.2.7");
  assert.ok(e.ok && e.hits[0]!.pattern === "192.0.2.7");
});

test("ok/an entry for a bare top-level label covers the zone", () => {
  const r = db.lookupDomain("anything.at.all.kz");
  assert.deepEqual(hitsOf(r), [["kz", ["news"]]]);
});

test("ok/the same entries in another order compile to the same content hash", () => {
  const entries = [entry("a.kz", "news"), entry("b.a.kz", "games"), entry("10.0.0.0/8", "vpn"), entry("a.kz/x", "adult"), entry("a.kz", "adult")];
  const h1 = compile(entries).contentHash;
  const h2 = compile([...entries].reverse()).contentHash;
  assert.equal(h1, h2);
  assert.notEqual(h1, compile(entries.slice(1)).contentHash);
});
