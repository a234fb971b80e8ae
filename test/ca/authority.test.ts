import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CaAuthority,
  DEFAULT_BANK_DOMAINS,
  createLeafNamePolicy,
  excludedSubtreesFor,
  isWithinSubtree,
  parseLeafName,
  wildcardReaches,
} from "../../src/ca/authority/index.js";
import { CaConfigError, InvalidLeafNameError, ProtectedNameError } from "../../src/ca/errors.js";

describe("parseLeafName", () => {
  const ok: [string, string, object?][] = [
    ["example.kz", "example.kz"],
    ["WWW.Example.KZ", "www.example.kz"],
    ["www.example.kz.", "www.example.kz"],
    ["xn--80ak6aa92e.kz", "xn--80ak6aa92e.kz"],
    ["1.example.kz", "1.example.kz"],
    ["a-b.c-d.kz", "a-b.c-d.kz"],
    ["*.example.kz", "*.example.kz", { allowWildcard: true }],
    ["192.0.2.1", "192.0.2.1", { allowIp: true }],
    ["2001:db8::1", "2001:db8::1", { allowIp: true }],
    ["[2001:DB8::1]", "2001:db8::1", { allowIp: true }],
  ];
  for (const [input, expected, opts] of ok) {
    test(`ok/${input}`, () => assert.equal(parseLeafName(input, opts).name, expected));
  }

  const fail: [string, string, object?][] = [
    ["", "syntax"],
    ["localhost", "syntax"],
    ["under_score.example.kz", "syntax"],
    ["-lead.example.kz", "syntax"],
    ["trail-.example.kz", "syntax"],
    ["dou..ble.kz", "syntax"],
    ["space .kz", "syntax"],
    ["пример.kz", "syntax"],
    ["example.123", "syntax"],
    ["0x7f.1", "syntax"],
    [`${"a".repeat(64)}.kz`, "syntax"],
    [["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(59), "kz"].join("."), "too-long"],
    ["*.example.kz", "wildcard-not-allowed"],
    ["w*.example.kz", "syntax", { allowWildcard: true }],
    ["a.*.example.kz", "syntax", { allowWildcard: true }],
    ["*.kz", "syntax", { allowWildcard: true }],
    ["192.0.2.1", "ip-not-allowed"],
    ["::1", "ip-not-allowed"],
    ["fe80::1%eth0", "syntax", { allowIp: true }],
    ["01.2.3.4", "syntax", { allowIp: true }],
  ];
  for (const [input, reason, opts] of fail) {
    test(`fail/${input.length > 40 ? input.slice(0, 40) + "…" : input || "(empty)"} → ${reason}`, () => {
      assert.throws(
        () => parseLeafName(input, opts),
        (e: unknown) => e instanceof InvalidLeafNameError && e.reason === reason && e.code === "QQ_ERR_VALIDATION" && e.status === 400,
      );
    });
  }
});

describe("RFC 5280 §4.2.1.10 subtree matching", () => {
  const table: [string, string, boolean][] = [
    ["gov.kz", "gov.kz", true],
    ["www.gov.kz", "gov.kz", true],
    ["a.b.gov.kz", "gov.kz", true],
    ["egov.kz", "gov.kz", false],
    ["notgov.kz", "gov.kz", false],
    ["kz", "gov.kz", false],
    ["gov.kz.evil.com", "gov.kz", false],
  ];
  for (const [name, subtree, expected] of table) {
    test(`${expected ? "ok" : "fail"}/${name} within ${subtree}`, () => assert.equal(isWithinSubtree(name, subtree), expected));
  }

  test("ok/a wildcard reaches a subtree at or one label below its base", () => {
    assert.equal(wildcardReaches("gov.kz", "gov.kz"), true); // *.gov.kz
    assert.equal(wildcardReaches("x.gov.kz", "gov.kz"), true); // *.x.gov.kz
    assert.equal(wildcardReaches("kz", "gov.kz"), true); // *.kz stands for gov.kz
    assert.equal(wildcardReaches("kz", "a.gov.kz"), false); // one label only (RFC 6125 §6.4.3)
    assert.equal(wildcardReaches("example.kz", "gov.kz"), false);
  });
});

describe("the two refusals", () => {
  const policy = createLeafNamePolicy({
    isProtected: (n) => n === "clinic.example.kz" || n === "health.example.kz",
    excludedDnsSubtrees: excludedSubtreesFor(["mybank.kz"]),
    allowWildcard: true,
  });
  const refusal = (reason: string) => (e: unknown) => e instanceof ProtectedNameError && e.reason === reason && e.code === "QQ_ERR_FORBIDDEN";

  test("fail/protected-category: the injected predicate alone refuses", () => {
    assert.throws(() => policy("clinic.example.kz"), refusal("protected-category"));
    assert.throws(() => policy("*.health.example.kz"), refusal("protected-category"));
  });
  test("fail/name-constraint: the subtree list alone refuses (predicate says no)", () => {
    assert.throws(() => policy("www.gov.kz"), refusal("name-constraint"));
    assert.throws(() => policy("EGOV.KZ."), refusal("name-constraint"));
    assert.throws(() => policy("online.mybank.kz"), refusal("name-constraint"));
    assert.throws(() => policy("*.gov.kz"), refusal("name-constraint"));
    assert.throws(() => policy("*.example.gov.kz"), refusal("name-constraint"));
  });
  test("ok/other names pass, including a wildcard that cannot reach a protected subtree", () => {
    assert.equal(policy("www.example.kz").name, "www.example.kz");
    assert.equal(policy("*.example.kz").name, "*.example.kz");
    assert.equal(policy("kaspi.kz").name, "kaspi.kz", "bank list replaced by configuration");
  });
  test("ok/the ProtectedNameError renders as problem+json naming the rule", () => {
    try {
      policy("www.gov.kz");
      assert.fail("refused");
    } catch (e) {
      const body = (e as ProtectedNameError).toJSON();
      assert.equal(body.status, 403);
      assert.equal(body.reason, "name-constraint");
      assert.equal(body.subtree, "gov.kz");
    }
  });
});

describe("CaAuthority configuration", () => {
  test("ok/default exclusions are gov.kz, egov.kz and the default bank list", () => {
    const a = new CaAuthority({ isProtected: () => false });
    assert.deepEqual(a.excludedDnsSubtrees.slice(0, 2), ["gov.kz", "egov.kz"]);
    for (const b of ["halykbank.kz", "kaspi.kz", "nationalbank.kz", "bcc.kz", "forte.kz", "jusan.kz"]) assert.ok(a.excludedDnsSubtrees.includes(b));
    assert.equal(a.excludedDnsSubtrees.length, 2 + DEFAULT_BANK_DOMAINS.length);
  });
  test("ok/configured bank domains replace the default, the stable namespaces stay", () => {
    const a = new CaAuthority({ isProtected: () => false, bankDomains: ["Example-Bank.kz"] });
    assert.deepEqual(a.excludedDnsSubtrees, ["gov.kz", "egov.kz", "example-bank.kz"]);
    assert.throws(() => a.checkLeafName("www.gov.kz"), ProtectedNameError);
    assert.equal(a.checkLeafName("kaspi.kz").name, "kaspi.kz");
  });
  test("fail/a constraint written as .gov.kz or *.gov.kz is a configuration error", () => {
    assert.throws(() => new CaAuthority({ isProtected: () => false, bankDomains: [".bank.kz"] }), CaConfigError);
    assert.throws(() => new CaAuthority({ isProtected: () => false, bankDomains: ["*.bank.kz"] }), CaConfigError);
  });
});
