import { test } from "node:test";
import assert from "node:assert/strict";
import { normaliseDomain, normalisePath, parsePattern, pathHasPrefix } from "../../src/categories/normalise.js";

const names: [string, string][] = [
  ["example.com", "example.com"],
  ["Example.COM", "example.com"],
  ["example.com.", "example.com"],
  ["a_b.example.com", "a_b.example.com"],
  ["xn--80ak6aa92e.com", "xn--80ak6aa92e.com"],
  ["XN--80AK6AA92E.COM", "xn--80ak6aa92e.com"],
  ["пример.рф", "xn--e1afmkfd.xn--p1ai"],
  ["ПРИМЕР.РФ.", "xn--e1afmkfd.xn--p1ai"],
  ["faß.de", "xn--fa-hia.de"],
  ["ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"],
  ["kz", "kz"],
  ["a.b.c.d.e.f.kz", "a.b.c.d.e.f.kz"],
  [`${"a".repeat(63)}.kz`, `${"a".repeat(63)}.kz`],
  ["1.example.com", "1.example.com"],
  ["example.123abc", "example.123abc"],
];
for (const [input, want] of names) {
  test(`ok/name ${JSON.stringify(input)} → ${want}`, () => {
    assert.deepEqual(normaliseDomain(input), { ok: true, name: want });
  });
}

const badNames: [string, string][] = [
  ["", "empty"],
  [".", "empty"],
  ["example.com..", "empty-label"],
  ["a..b", "empty-label"],
  [".example.com", "empty-label"],
  [`${"a".repeat(64)}.kz`, "label-too-long"],
  [`${"a.".repeat(127)}kz`, "too-long"],
  ["exa mple.com", "bad-character"],
  ["a*b.com", "bad-character"],
  ["a!b.com", "bad-character"],
  ["%41.com", "bad-character"],
  ["example.com/", "bad-character"],
  ["1.2.3.4", "numeric-last-label"],
  ["example.123", "numeric-last-label"],
  ["example.0x1f", "numeric-last-label"],
  ["xn--zz.com", "idna"],
  ["xn--.com", "idna"],
  ["a\u200db.com", "idna"],
];
for (const [input, reason] of badNames) {
  test(`fail/name ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + "…" : input)} is ${reason}`, () => {
    assert.deepEqual(normaliseDomain(input), { ok: false, reason });
  });
}

const paths: [string, string][] = [
  ["/", "/"],
  ["", "/"],
  ["/Path/To/", "/path/to"],
  ["/a//b///c", "/a/b/c"],
  ["/a/./b/../c", "/a/c"],
  ["/../../etc", "/etc"],
  ["/p%61th", "/path"],
  ["/a%2Fb", "/a%2fb"],
  ["/search?q=1#frag", "/search"],
];
for (const [input, want] of paths) {
  test(`ok/path ${JSON.stringify(input)} → ${want}`, () => assert.equal(normalisePath(input), want));
}

test("ok/path prefixes match on segment boundaries only", () => {
  assert.equal(pathHasPrefix("/path", "/path"), true);
  assert.equal(pathHasPrefix("/path/x", "/path"), true);
  assert.equal(pathHasPrefix("/pathology", "/path"), false);
  assert.equal(pathHasPrefix("/pat", "/path"), false);
  assert.equal(pathHasPrefix("/anything", "/"), true);
});

const patterns: [string, string, string][] = [
  ["example.com", "domain", "example.com"],
  [".example.com", "domain", "example.com"],
  ["*.Example.com.", "domain", "example.com"],
  ["example.com/", "domain", "example.com"],
  ["https://example.com/", "domain", "example.com"],
  ["example.com/Path/", "url", "example.com/path"],
  ["http://www.example.com/a/b?c=d", "url", "www.example.com/a/b"],
  ["192.0.2.1", "ip", "192.0.2.1"],
  ["192.0.2.0/24", "ip", "192.0.2.0/24"],
  ["0.0.0.0/0", "ip", "0.0.0.0/0"],
  ["2001:DB8::1", "ip", "2001:db8::1"],
  ["[2001:db8::1]", "ip", "2001:db8::1"],
  ["2001:db8::/32", "ip", "2001:db8::/32"],
  ["::ffff:192.0.2.1", "ip", "192.0.2.1"],
  ["пример.рф", "domain", "xn--e1afmkfd.xn--p1ai"],
];
for (const [input, kind, key] of patterns) {
  test(`ok/pattern ${JSON.stringify(input)} is ${kind} ${key}`, () => {
    const p = parsePattern(input);
    assert.ok(p.ok, JSON.stringify(p));
    assert.equal(p.pattern.kind, kind);
    assert.equal(p.pattern.key, key);
  });
}

const badPatterns: [string, RegExp][] = [
  ["", /empty/],
  ["two words.com", /whitespace/],
  ["192.0.2.1/8", /bits set beyond/],
  ["10.0.0.0/33", /exceeds 32/],
  ["2001:db8::/129", /exceeds 128/],
  ["192.0.2.1/path", /host name, not an address/],
  ["example.com:8080", /ports/],
  ["user@example.com", /credentials/],
  ["999.1.1.1", /invalid name/],
  ["10.1", /invalid name/],
  ["exa_mple..com", /invalid name \(empty-label\)/],
  ["exa$mple.com", /invalid name/],
];
for (const [input, reason] of badPatterns) {
  test(`fail/pattern ${JSON.stringify(input)}`, () => {
    const p = parsePattern(input);
    assert.equal(p.ok, false);
    if (!p.ok) assert.match(p.reason, reason);
  });
}
