import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import {
  comparePrefixes,
  contains,
  containsAddress,
  formatAddress,
  hostPrefix,
  makePrefix,
  overlaps,
  parseAddress,
  parsePrefix,
  type Prefix,
} from "../../../src/domain/catalogue/prefix.js";
import { runs } from "./profile.js";

function P(text: string): Prefix {
  const r = parsePrefix(text);
  if (!r.ok) throw new Error(`${text}: ${r.message}`);
  return r.prefix;
}

const OK: [string, string][] = [
  ["10.1.2.0/24", "10.1.2.0/24"],
  ["10.1.2.3", "10.1.2.3/32"],
  ["  192.0.2.0/24\t", "192.0.2.0/24"],
  ["0.0.0.0/0", "0.0.0.0/0"],
  ["255.255.255.255/32", "255.255.255.255/32"],
  ["0.0.0.0", "0.0.0.0/32"],
  ["2001:db8::/32", "2001:db8::/32"],
  ["2001:DB8::/32", "2001:db8::/32"],
  ["2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"],
  ["2001:db8::1", "2001:db8::1/128"],
  ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128"], // RFC 5952 §4.2.3: first of equal runs
  ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1/128"], // §4.2.2: one zero group stays
  ["2001:0:0:1::1", "2001:0:0:1::1/128"], // the longer run is compressed
  ["::", "::/128"],
  ["::/0", "::/0"],
  ["::1", "::1/128"],
  ["1::", "1::/128"],
  ["::1.2.3.4", "::102:304/128"], // IPv4-compatible (deprecated) is plain IPv6, not mapped
  ["64:ff9b::192.0.2.33", "64:ff9b::c000:221/128"], // RFC 6052 NAT64 prefix with a dotted tail
  ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8/128"],
  ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128"],
  ["2001:db8::/128", "2001:db8::/128"],
  ["2001:db8:8000::/33", "2001:db8:8000::/33"],
  ["2001:db8::8000:0:0:0/65", "2001:db8:0:0:8000::/65"],
  ["::fffe:0:0/95", "::fffe:0:0/95"], // contains the mapped /96 but is not inside it: plain IPv6
];

const FAIL: [string, string, string?][] = [
  ["", "invalid-prefix"],
  ["   ", "invalid-prefix"],
  ["10.1.2.3/24", "host-bits-set", "10.1.2.0/24"],
  ["2001:db8::1/32", "host-bits-set", "2001:db8::/32"],
  ["10.0.0.1/0", "host-bits-set", "0.0.0.0/0"],
  ["10.1.2.0/33", "invalid-length"],
  ["2001:db8::/129", "invalid-length"],
  ["10.1.2.0/", "invalid-length"],
  ["10.1.2.0/024", "invalid-length"],
  ["10.1.2.0/+24", "invalid-length"],
  ["10.1.2.0/2 4", "invalid-length"],
  ["10.1.2.0/1000", "invalid-length"],
  ["10.1.2.0/24/24", "invalid-prefix"],
  ["fe80::1%eth0", "zone-id"],
  ["fe80::%1/64", "zone-id"],
  ["fe80::/64%eth0", "zone-id"],
  ["::ffff:10.1.2.3", "ipv4-mapped", "10.1.2.3/32"],
  ["::ffff:10.1.2.0/120", "ipv4-mapped", "10.1.2.0/24"],
  ["::ffff:0:0/96", "ipv4-mapped", "0.0.0.0/0"],
  ["::ffff:a01:200/120", "ipv4-mapped", "10.1.2.0/24"],
  ["010.1.2.3", "leading-zeros"],
  ["10.01.2.3/32", "leading-zeros"],
  ["::ffff:010.1.2.3", "leading-zeros"],
  ["10.1.2", "invalid-prefix"],
  ["10.1.2.3.4", "invalid-prefix"],
  ["0x0a.1.2.3", "invalid-prefix"],
  ["256.1.2.3", "invalid-prefix"],
  ["1000.1.2.3", "invalid-prefix"],
  ["::ffff:0:0/95", "host-bits-set", "::fffe:0:0/95"],
  ["10.1.2.-1", "invalid-prefix"],
  ["10.1.2.3 /32", "invalid-prefix"],
  ["١٠.1.2.3", "invalid-prefix"], // Arabic-Indic digits are not ASCII digits
  ["1::2::3", "invalid-prefix"],
  [":::", "invalid-prefix"],
  [":1::", "invalid-prefix"],
  ["1::2:", "invalid-prefix"],
  ["1:2:3:4:5:6:7:8:9", "invalid-prefix"],
  ["1:2:3:4:5:6:7", "invalid-prefix"],
  ["1:2:3:4:5:6:7:8::", "invalid-prefix"],
  ["1:2:3:4::5:6:7:8", "invalid-prefix"],
  ["12345::", "invalid-prefix"],
  ["g::", "invalid-prefix"],
  ["1.2.3.4::", "invalid-prefix"],
  ["::1.2.3", "invalid-prefix"],
  ["1:2:3:4:5:6:7:1.2.3.4", "invalid-prefix"],
  ["1.2.3.4:5::", "invalid-prefix"],
  ["[2001:db8::1]", "invalid-prefix"],
  ["2001:db8::/32".padEnd(80, " ") + "x", "invalid-prefix"],
  ["a".repeat(65), "invalid-prefix"],
];

for (const [input, canonical] of OK) {
  test(`ok/${JSON.stringify(input)} → ${canonical}`, () => {
    const r = parsePrefix(input);
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.equal(r.prefix.text, canonical);
    // Canonical text is a fixed point.
    const again = parsePrefix(r.prefix.text);
    assert.ok(again.ok);
    assert.equal(again.prefix.text, canonical);
    assert.deepEqual(again.prefix.words, r.prefix.words);
  });
}

for (const [input, code, suggestion] of FAIL) {
  test(`fail/${JSON.stringify(input.length > 30 ? input.slice(0, 30) + "…" : input)} → ${code}`, () => {
    const r = parsePrefix(input);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.code, code, r.message);
    assert.ok(r.message.length > 0);
    assert.equal(r.suggestion, suggestion);
  });
}

test("fail/non-string input", () => {
  assert.equal(parsePrefix(undefined as unknown as string).ok, false);
  assert.equal(parseAddress(42 as unknown as string).ok, false);
});

test("ok/host-bits message suggests the network", () => {
  const r = parsePrefix("10.1.2.3/24");
  assert.ok(!r.ok);
  assert.match(r.message, /did you mean 10\.1\.2\.0\/24/);
});

test("ok/parseAddress unmaps IPv4-mapped IPv6, as a dual-stack socket reports IPv4 peers", () => {
  const cases: [string, string, 4 | 6][] = [
    ["192.0.2.1", "192.0.2.1", 4],
    ["::ffff:192.0.2.1", "192.0.2.1", 4],
    ["::FFFF:c000:201", "192.0.2.1", 4],
    ["2001:DB8::0001", "2001:db8::1", 6],
    [" ::1 ", "::1", 6],
  ];
  for (const [input, text, family] of cases) {
    const r = parseAddress(input);
    assert.ok(r.ok, input);
    assert.equal(r.address.text, text);
    assert.equal(r.address.family, family);
  }
});

test("fail/parseAddress", () => {
  const cases: [string, string][] = [
    ["", "invalid-address"],
    ["10.1.2.0/24", "invalid-address"],
    ["10.1.2", "invalid-address"],
    ["2001:db8::g", "invalid-address"],
    ["fe80::1%eth0", "zone-id"],
    ["010.1.2.3", "leading-zeros"],
    ["1".repeat(70), "invalid-address"],
  ];
  for (const [input, code] of cases) {
    const r = parseAddress(input);
    assert.ok(!r.ok, input);
    assert.equal(r.code, code, input);
  }
});

test("ok/makePrefix builds and checks", () => {
  const r = makePrefix(4, [0x0a010200], 24);
  assert.ok(r.ok);
  assert.equal(r.prefix.text, "10.1.2.0/24");
  const words = [0x20010db8, 0, 0, 0];
  const r6 = makePrefix(6, words, 32);
  assert.ok(r6.ok);
  words[0] = 0; // the prefix keeps its own copy
  assert.equal(r6.prefix.text, "2001:db8::/32");
});

test("fail/makePrefix", () => {
  const cases: [4 | 6, number[], number, string][] = [
    [4, [0x0a010203], 24, "host-bits-set"],
    [4, [0], 33, "invalid-length"],
    [4, [0], -1, "invalid-length"],
    [4, [0], 1.5, "invalid-length"],
    [6, [0], 0, "invalid-prefix"],
    [4, [0, 0], 0, "invalid-prefix"],
    [4, [-1], 32, "invalid-prefix"],
    [4, [2 ** 32], 32, "invalid-prefix"],
    [4, [0.5], 32, "invalid-prefix"],
    [6, [0, 0, 0xffff, 0x0a000000], 104, "ipv4-mapped"],
  ];
  for (const [family, words, length, code] of cases) {
    const r = makePrefix(family, words, length);
    assert.ok(!r.ok, `${words} /${length}`);
    assert.equal(r.code, code);
  }
});

test("ok/contains, overlaps, containsAddress, hostPrefix", () => {
  const table: [string, string, boolean][] = [
    ["10.0.0.0/8", "10.1.0.0/16", true],
    ["10.1.0.0/16", "10.0.0.0/8", false],
    ["10.0.0.0/8", "10.0.0.0/8", true],
    ["10.0.0.0/8", "11.0.0.0/8", false],
    ["0.0.0.0/0", "255.255.255.255/32", true],
    ["::/0", "10.0.0.0/8", false], // families never meet
    ["2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/128", true],
    ["2001:db8::/32", "2001:db9::/32", false],
    ["2001:db8::/64", "2001:db8:0:0:8000::/65", true],
    ["2001:db8:0:0:8000::/65", "2001:db8::/65", false],
  ];
  for (const [a, b, expected] of table) {
    assert.equal(contains(P(a), P(b)), expected, `${a} ⊇ ${b}`);
    assert.equal(overlaps(P(a), P(b)), expected || contains(P(b), P(a)));
    assert.equal(overlaps(P(b), P(a)), overlaps(P(a), P(b)));
  }
  const a = parseAddress("10.1.2.3");
  assert.ok(a.ok);
  assert.equal(containsAddress(P("10.1.0.0/16"), a.address), true);
  assert.equal(containsAddress(P("10.2.0.0/16"), a.address), false);
  assert.equal(containsAddress(P("::/0"), a.address), false);
  assert.equal(hostPrefix(a.address).text, "10.1.2.3/32");
  const b = parseAddress("2001:db8::1");
  assert.ok(b.ok);
  assert.equal(hostPrefix(b.address).text, "2001:db8::1/128");
  assert.equal(contains(P("2001:db8::/32"), hostPrefix(b.address)), true);
});

test("ok/comparePrefixes: IPv4 first, then network, then shorter first", () => {
  assert.equal(comparePrefixes(P("10.0.0.0/8"), P("11.0.0.0/8")), -1);
  assert.equal(comparePrefixes(P("11.0.0.0/8"), P("10.0.0.0/8")), 1);
  assert.equal(comparePrefixes(P("10.0.0.0/8"), P("10.0.0.0/8")), 0);
  const sorted = ["2001:db8::/32", "10.1.0.0/16", "10.0.0.0/8", "::/0", "10.0.0.0/16", "9.0.0.0/8", "2001:db8::/48"]
    .map(P)
    .sort(comparePrefixes)
    .map((p) => p.text);
  assert.deepEqual(sorted, ["9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "::/0", "2001:db8::/32", "2001:db8::/48"]);
});

// ---------------------------------------------------------------------------------------------------
// Properties.

const word = fc.integer({ min: 0, max: 0xffffffff });
const v4Prefix = fc.tuple(word, fc.integer({ min: 0, max: 32 })).map(([w, len]) => {
  const r = makePrefix(4, [len === 0 ? 0 : (w & ((0xffffffff << (32 - len)) >>> 0)) >>> 0], len);
  if (!r.ok) throw new Error(r.message);
  return r.prefix;
});
const v6Words = fc.tuple(word, word, word, word);
function maskV6(w: number[], len: number): number[] {
  return w.map((x, i) => {
    const bits = len - 32 * i;
    if (bits >= 32) return x;
    if (bits <= 0) return 0;
    return (x & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
  });
}
const v6Prefix = fc.tuple(v6Words, fc.integer({ min: 0, max: 128 })).map(([w, len]) => makePrefix(6, maskV6(w, len), len)).filter((r) => r.ok).map((r) => (r as { prefix: Prefix }).prefix);
const anyPrefix = fc.oneof(v4Prefix, v6Prefix);

function big(p: Prefix): bigint {
  let x = 0n;
  for (const w of p.words) x = (x << 32n) | BigInt(w);
  return x;
}

test("ok/property: canonical text parses back to the same prefix", () => {
  fc.assert(
    fc.property(anyPrefix, (p) => {
      const r = parsePrefix(p.text);
      assert.ok(r.ok, p.text);
      assert.equal(r.prefix.text, p.text);
      assert.deepEqual(r.prefix.words, p.words);
      assert.equal(r.prefix.length, p.length);
    }),
    runs(1000),
  );
});

test("ok/property: contains agrees with interval arithmetic", () => {
  fc.assert(
    fc.property(anyPrefix, anyPrefix, (a, b) => {
      const bits = BigInt(a.family === 4 ? 32 : 128);
      const range = (p: Prefix): [bigint, bigint] => {
        const start = big(p);
        return [start, start + (1n << (bits - BigInt(p.length))) - 1n];
      };
      const [as, ae] = range(a);
      const [bs, be] = range(b);
      const expected = a.family === b.family && as <= bs && be <= ae;
      assert.equal(contains(a, b), expected);
      const disjoint = a.family !== b.family || ae < bs || be < as;
      assert.equal(overlaps(a, b), !disjoint);
    }),
    runs(2000),
  );
});

test("ok/property: IPv6 agrees with ipaddr.js on valid non-mapped addresses (words and RFC 5952 text)", () => {
  fc.assert(
    fc.property(
      // Zero-heavy groups so that "::" compression is exercised.
      fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
      fc.boolean(),
      (groups, upper) => {
        const ip = ipaddr.IPv6.parse(groups.map((g) => g.toString(16)).join(":"));
        if (ip.isIPv4MappedAddress()) return;
        const padded = ip.parts.map((g) => g.toString(16).padStart(4, "0")).join(":");
        const forms = [ip.toNormalizedString(), padded, ip.toRFC5952String()];
        for (const f of forms) {
          const r = parseAddress(upper ? f.toUpperCase() : f);
          assert.ok(r.ok, f);
          assert.equal(r.address.text, ip.toRFC5952String());
          const bytes = ip.toByteArray();
          for (let i = 0; i < 4; i++) {
            assert.equal(r.address.words[i], ((bytes[4 * i]! << 24) | (bytes[4 * i + 1]! << 16) | (bytes[4 * i + 2]! << 8) | bytes[4 * i + 3]!) >>> 0);
          }
        }
      },
    ),
    runs(1000),
  );
});

test("ok/property: strict IPv4 agrees with ipaddr.js's four-part decimal reading", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (octets) => {
      const s = octets.join(".");
      const r = parseAddress(s);
      assert.ok(r.ok);
      assert.equal(r.address.text, ipaddr.IPv4.parse(s).toString());
      assert.equal(formatAddress(4, r.address.words), s);
    }),
    runs(500),
  );
});

test("ok/property: arbitrary text never throws and every refusal carries a known code", () => {
  const codes = new Set(["invalid-prefix", "invalid-address", "invalid-length", "host-bits-set", "zone-id", "ipv4-mapped", "leading-zeros"]);
  const alphabet = fc.constantFrom(..."0123456789abcdefABCDEF:./% x".split(""));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 50 })), (s) => {
      for (const r of [parsePrefix(s), parseAddress(s)]) {
        if (!r.ok) {
          assert.ok(codes.has(r.code), r.code);
          if (r.suggestion !== undefined) assert.ok(parsePrefix(r.suggestion).ok, r.suggestion);
        }
      }
    }),
    runs(3000),
  );
});

test("ok/property: IPv4 prefixes agree with an independent regular-expression oracle", () => {
  // The oracle is written from the grammar in prefix.ts, not from its code; it covers the one-pass
  // fast path and the full path alike.
  const oracle = (s: string): string | undefined => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(s);
    if (!m) return undefined;
    const parts = m.slice(1, 5);
    if (parts.some((p) => (p.length > 1 && p.startsWith("0")) || Number(p) > 255)) return undefined;
    if (m[5] !== undefined && ((m[5].length > 1 && m[5].startsWith("0")) || Number(m[5]) > 32)) return undefined;
    const len = m[5] === undefined ? 32 : Number(m[5]);
    const word = parts.reduce((a, p) => a * 256 + Number(p), 0);
    const net = len === 0 ? 0 : Number(BigInt(word) & ((0xffffffffn << BigInt(32 - len)) & 0xffffffffn));
    if (net !== word) return undefined;
    return `${parts.map(Number).join(".")}/${len}`;
  };
  const alphabet = fc.constantFrom(..."0123456789./".split(""));
  const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom("00", "01", "256", "999", "1000", ""));
  const shaped = fc.tuple(octet, octet, octet, octet, fc.option(fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom("00", "08", "", "100")))).map(([a, b, c, d, l]) => `${a}.${b}.${c}.${d}${l === null ? "" : `/${l}`}`);
  // Real networks, with the length sometimes zero-padded, so the length checks meet valid addresses.
  const network = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), fc.constantFrom("", "0", "00")).map(([w, len, pad]) => {
    const net = len === 0 ? 0 : (w & ((0xffffffff << (32 - len)) >>> 0)) >>> 0;
    return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${pad}${len}`;
  });
  fc.assert(
    fc.property(fc.oneof(shaped, network, fc.string({ unit: alphabet, maxLength: 20 })), (s) => {
      const r = parsePrefix(s);
      const expected = oracle(s);
      assert.equal(r.ok ? r.prefix.text : undefined, expected, s);
      if (r.ok) assert.equal(r.prefix.words[0], Number(expected!.split("/")[0]!.split(".").reduce((x, p) => x * 256 + Number(p), 0)));
    }),
    runs(3000),
  );
});
