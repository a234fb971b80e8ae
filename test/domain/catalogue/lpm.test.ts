import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  buildLpmTable,
  LpmBuildError,
  LpmFormatError,
  LpmTable,
  LPM_INVALID_ADDRESS,
  LPM_MAX_VALUE,
  LPM_NO_MATCH,
  parseIPv4ToUint32,
  parseIPv6ToWords,
  type LpmEntry,
} from "../../../src/domain/catalogue/lpm.js";
import { formatAddress, makePrefix, parseAddress, parsePrefix, type Prefix } from "../../../src/domain/catalogue/prefix.js";
import { runs } from "./profile.js";

function P(text: string): Prefix {
  const r = parsePrefix(text);
  if (!r.ok) throw new Error(`${text}: ${r.message}`);
  return r.prefix;
}

const CATALOGUE: [string, number][] = [
  ["10.0.0.0/8", 1],
  ["10.1.0.0/16", 2],
  ["10.1.2.0/24", 3],
  ["10.1.2.128/25", 1], // back to the outer value: ranges must not merge across the /24
  ["10.2.0.0/16", 1], // same value as its parent: merged away
  ["192.0.2.0/24", 4],
  ["198.51.100.7/32", 5],
  ["255.255.255.255/32", 6],
  ["2001:db8::/32", 10],
  ["2001:db8:1::/48", 11],
  ["2001:db8:1::1/128", 12],
  ["2001:db8:1:0:8000::/65", 13],
  ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 14],
];
const table = buildLpmTable(CATALOGUE.map(([p, value]) => ({ prefix: P(p), value })));

const LOOKUPS: [string, number][] = [
  ["10.0.0.0", 1],
  ["10.255.255.255", 1],
  ["10.1.0.0", 2],
  ["10.1.2.0", 3],
  ["10.1.2.127", 3],
  ["10.1.2.128", 1],
  ["10.1.2.255", 1],
  ["10.1.3.0", 2],
  ["10.2.3.4", 1],
  ["9.255.255.255", LPM_NO_MATCH],
  ["11.0.0.0", LPM_NO_MATCH],
  ["0.0.0.0", LPM_NO_MATCH],
  ["192.0.2.77", 4],
  ["198.51.100.7", 5],
  ["198.51.100.8", LPM_NO_MATCH],
  ["255.255.255.255", 6],
  ["255.255.255.254", LPM_NO_MATCH],
  ["::ffff:10.1.2.3", 3], // dual-stack socket form of an IPv4 peer
  ["::ffff:a01:203", 3],
  ["2001:db8::1", 10],
  ["2001:DB8:0:0:0:0:0:1", 10],
  ["2001:db8:1::", 11],
  ["2001:db8:1::1", 12],
  ["2001:db8:1::2", 11],
  ["2001:db8:1:0:8000::", 13],
  ["2001:db8:1:0:7fff:ffff:ffff:ffff", 11],
  ["2001:db8:1:0:ffff:ffff:ffff:ffff", 13],
  ["2001:db8:1:1::", 11],
  ["2001:db9::", LPM_NO_MATCH],
  ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", LPM_NO_MATCH],
  ["::", LPM_NO_MATCH],
  ["::1", LPM_NO_MATCH],
  ["fe80::1%eth0", LPM_NO_MATCH],
  ["2001:db8::1%2", 10],
  ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 14],
  ["", LPM_INVALID_ADDRESS],
  ["10.1.2", LPM_INVALID_ADDRESS],
  ["010.1.2.3", LPM_INVALID_ADDRESS],
  ["10.1.2.3 ", LPM_INVALID_ADDRESS],
  ["10.1.2.256", LPM_INVALID_ADDRESS],
  ["2001:db8::1%", LPM_INVALID_ADDRESS],
  ["2001:db8::/32", LPM_INVALID_ADDRESS],
  ["localhost", LPM_INVALID_ADDRESS],
  ["1:2:3:4:5:6:7:1.2.3.4", LPM_INVALID_ADDRESS],
  ["1:2:3:4:5:6:1.2.3.4", LPM_NO_MATCH],
  ["1::2::3", LPM_INVALID_ADDRESS],
  ["1:2:3:4::5:6:7:8", LPM_INVALID_ADDRESS],
  ["1:2:3:4:5:6:7:8:9", LPM_INVALID_ADDRESS],
  ["12345::", LPM_INVALID_ADDRESS],
  ["1:2:3:4:5:6:7", LPM_INVALID_ADDRESS],
  ["1:", LPM_INVALID_ADDRESS],
  ["2001:dbж::1", LPM_INVALID_ADDRESS], // a non-ASCII character where a hex digit belongs
  [":1", LPM_INVALID_ADDRESS],
];

for (const [address, expected] of LOOKUPS) {
  test(`ok/lookup ${JSON.stringify(address)} → ${expected}`, () => {
    assert.equal(table.lookup(address), expected);
  });
}

test("ok/a destroyed socket's undefined remoteAddress is an invalid address, not an exception", () => {
  assert.equal(table.lookup(undefined), LPM_INVALID_ADDRESS);
});

test("ok/raw lookups agree with string lookups", () => {
  assert.equal(table.lookupV4(0x0a010203), 3);
  assert.equal(table.lookupV6(0x20010db8, 0x00010000, 0, 1), 12);
  assert.equal(table.lookupV6(0, 0, 0xffff, 0x0a010203), 3);
  assert.equal(table.lookupBytes(Uint8Array.of(10, 1, 2, 3)), 3);
  assert.equal(table.lookupBytes(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)), 12);
  const framed = Uint8Array.of(9, 9, 192, 0, 2, 1, 9);
  assert.equal(table.lookupBytes(framed, 2, 4), 4);
  assert.equal(table.lookupBytes(framed, 5, 4), LPM_INVALID_ADDRESS);
  assert.equal(table.lookupBytes(framed, -1, 4), LPM_INVALID_ADDRESS);
  assert.equal(table.lookupBytes(new Uint8Array(16), 0, 8 as 4), LPM_INVALID_ADDRESS);
});

test("ok/stats count prefixes and merged ranges", () => {
  const s = table.stats;
  assert.equal(s.v4Prefixes, 8);
  assert.equal(s.v6Prefixes, 5);
  assert.ok(s.v4Ranges <= 2 * s.v4Prefixes + 1);
  assert.equal(s.bytes, table.toBuffer().length);
});

test("ok/an empty table answers no match everywhere", () => {
  const empty = buildLpmTable([]);
  assert.equal(empty.lookup("10.1.2.3"), LPM_NO_MATCH);
  assert.equal(empty.lookup("2001:db8::1"), LPM_NO_MATCH);
  assert.deepEqual(empty.stats, { v4Prefixes: 0, v6Prefixes: 0, v4Ranges: 1, v6Ranges: 1, bytes: 24 + 8 + 20 });
  const again = LpmTable.fromBuffer(empty.toBuffer());
  assert.equal(again.lookup("0.0.0.0"), LPM_NO_MATCH);
});

test("ok/the whole space: /0 prefixes", () => {
  const t = buildLpmTable([{ prefix: P("0.0.0.0/0"), value: 7 }, { prefix: P("::/0"), value: 8 }, { prefix: P("10.0.0.0/8"), value: 9 }]);
  assert.equal(t.lookup("0.0.0.0"), 7);
  assert.equal(t.lookup("255.255.255.255"), 7);
  assert.equal(t.lookup("10.9.9.9"), 9);
  assert.equal(t.lookup("ffff::"), 8);
  assert.equal(t.lookup("::ffff:10.0.0.1"), 9);
});

test("ok/the same prefix twice with the same value is one prefix", () => {
  const t = buildLpmTable([{ prefix: P("10.0.0.0/8"), value: 1 }, { prefix: P("10.0.0.0/8"), value: 1 }]);
  assert.equal(t.stats.v4Prefixes, 1);
  assert.equal(t.lookup("10.0.0.1"), 1);
});

test("fail/the same prefix with two values", () => {
  assert.throws(
    () => buildLpmTable([{ prefix: P("2001:db8::/32"), value: 1 }, { prefix: P("2001:db8::/32"), value: 2 }]),
    (e: unknown) => e instanceof LpmBuildError && e.code === "conflicting-values" && /2001:db8::\/32/.test(e.message),
  );
});

test("fail/values outside 0..LPM_MAX_VALUE", () => {
  for (const value of [-1, 1.5, LPM_MAX_VALUE + 1, Number.NaN]) {
    assert.throws(() => buildLpmTable([{ prefix: P("10.0.0.0/8"), value }]), (e: unknown) => e instanceof LpmBuildError && e.code === "invalid-value");
  }
  assert.equal(buildLpmTable([{ prefix: P("10.0.0.0/8"), value: LPM_MAX_VALUE }]).lookup("10.0.0.0"), LPM_MAX_VALUE);
});

test("ok/toBuffer → fromBuffer keeps every answer (Buffer and plain Uint8Array)", () => {
  const buf = table.toBuffer();
  const copies = [LpmTable.fromBuffer(buf), LpmTable.fromBuffer(new Uint8Array(buf))];
  const sliced = Buffer.concat([Buffer.from([1, 2, 3]), buf]).subarray(3);
  copies.push(LpmTable.fromBuffer(new Uint8Array(sliced.buffer, sliced.byteOffset, sliced.byteLength)));
  for (const t of copies) {
    for (const [address, expected] of LOOKUPS) assert.equal(t.lookup(address), expected, address);
    assert.deepEqual(t.stats, table.stats);
    assert.deepEqual(t.toBuffer(), buf);
  }
});

test("fail/fromBuffer refuses damaged tables", () => {
  const good = table.toBuffer();
  const damaged = (f: (b: Buffer) => Buffer | Uint8Array) => f(Buffer.from(good));
  const cases: [string, Buffer | Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["truncated header", good.subarray(0, 10)],
    ["bad magic", damaged((b) => { b[0] = 0; return b; })],
    ["version", damaged((b) => { b[4] = 2; return b; })],
    ["reserved", damaged((b) => { b[6] = 1; return b; })],
    ["truncated body", good.subarray(0, good.length - 1)],
    ["trailing bytes", Buffer.concat([good, Buffer.from([0])])],
    ["zero ranges", damaged((b) => { b.writeUInt32LE(0, 8); return b; })],
    ["too many ranges for its prefixes", damaged((b) => { b.writeUInt32LE(0, 16); return b; })],
    ["IPv4 not from 0", damaged((b) => { b.writeUInt32LE(5, 24); return b; })],
    ["IPv4 out of order", damaged((b) => { b.writeUInt32LE(0xffffffff, 28); return b; })],
    ["IPv6 not from ::", damaged((b) => { b.writeUInt32LE(1, 24 + table.stats.v4Ranges * 8 + 12); return b; })],
    ["IPv6 out of order", damaged((b) => { b.writeUInt32LE(0xffffffff, 24 + table.stats.v4Ranges * 8 + 16); return b; })],
    ["IPv6 start repeated", damaged((b) => { b.fill(0, 24 + table.stats.v4Ranges * 8 + 16, 24 + table.stats.v4Ranges * 8 + 32); return b; })],
    ["negative value", damaged((b) => { b.writeInt32LE(-5, 24 + table.stats.v4Ranges * 4); return b; })],
  ];
  for (const [name, buf] of cases) {
    assert.throws(() => LpmTable.fromBuffer(buf), LpmFormatError, name);
  }
});

test("ok/property: fromBuffer on arbitrary bytes throws only LpmFormatError", () => {
  const good = table.toBuffer();
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = Buffer.from(good);
      b[i]! ^= x;
      return b;
    })), (bytes) => {
      try {
        const t = LpmTable.fromBuffer(bytes);
        // A table that loads must answer without throwing.
        t.lookup("10.1.2.3");
        t.lookup("2001:db8:1::1");
      } catch (e) {
        assert.ok(e instanceof LpmFormatError, String(e));
      }
    }),
    runs(1000),
  );
});

// ---------------------------------------------------------------------------------------------------
// The naive reference: scan every prefix, keep the longest that contains the address.

function reference(entries: readonly LpmEntry[], family: 4 | 6, words: readonly number[]): number {
  if (family === 6 && words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return reference(entries, 4, [words[3]!]);
  let best = -1;
  let value = LPM_NO_MATCH;
  for (const { prefix, value: v } of entries) {
    if (prefix.family !== family || prefix.length <= best) continue;
    let inside = true;
    for (let i = 0; i < prefix.words.length && inside; i++) {
      const bits = prefix.length - 32 * i;
      const mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      inside = ((words[i]! & mask) >>> 0) === prefix.words[i];
    }
    if (inside) { best = prefix.length; value = v; }
  }
  return value;
}

function mask(words: number[], len: number): number[] {
  return words.map((x, i) => {
    const bits = len - 32 * i;
    if (bits >= 32) return x >>> 0;
    if (bits <= 0) return 0;
    return (x & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
  });
}

const word = fc.integer({ min: 0, max: 0xffffffff });
// Prefixes near a few shared bases, so that nesting, adjacency and shared boundaries are common.
const base4 = fc.constantFrom<number>(0x0a000000, 0x0a010200, 0xc0000200, 0x00000000, 0xffffff00);
const v4Prefix = fc.tuple(base4, fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 32 })).map(([b, jitter, len]) => {
  const r = makePrefix(4, mask([(b + (jitter & 0x3ff)) >>> 0 ^ (jitter > 0xf000 ? jitter << 16 : 0)], len).map((x) => x >>> 0), len);
  if (!r.ok) throw new Error(r.message);
  return r.prefix;
});
const base6 = fc.constantFrom<number[]>([0x20010db8, 0, 0, 0], [0x20010db8, 0x00010000, 0, 0], [0, 0, 0, 0], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffff00], [0x2a000000, 0, 0, 0]);
const v6Prefix = fc.tuple(base6, fc.tuple(word, word, word, word), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 128 })).map(([b, noise, where, len]) => {
  const w = b.slice();
  // Perturb one word a little, so prefixes share long runs of bits with the base.
  w[where] = (w[where]! ^ (noise[where]! & (where === 3 ? 0xffffffff : 0xff))) >>> 0;
  const r = makePrefix(6, mask(w, len), len);
  return r.ok ? r.prefix : undefined; // the few that land in IPv4-mapped space are dropped
}).filter((p): p is Prefix => p !== undefined);
const entries = fc.array(fc.tuple(fc.oneof(v4Prefix, v6Prefix), fc.integer({ min: 0, max: 5 })), { maxLength: 60 }).map((list) => {
  // One value per prefix: the catalogue can never hold one prefix twice with two values.
  const byText = new Map<string, LpmEntry>();
  for (const [prefix, value] of list) if (!byText.has(prefix.text)) byText.set(prefix.text, { prefix, value });
  return [...byText.values()];
});

/** Addresses on and next to every boundary of the entries, plus random ones. */
function probes(list: readonly LpmEntry[], extra4: number[], extra6: number[][]): { family: 4 | 6; words: number[] }[] {
  const out: { family: 4 | 6; words: number[] }[] = [];
  for (const { prefix } of list) {
    if (prefix.family === 4) {
      const start = prefix.words[0]!;
      const end = (start + 2 ** (32 - prefix.length) - 1) >>> 0;
      for (const a of [start - 1, start, start + 1, end - 1, end, end + 1]) out.push({ family: 4, words: [(a + 2 ** 32) % 2 ** 32] });
    } else {
      let s = 0n;
      for (const w of prefix.words) s = (s << 32n) | BigInt(w);
      const e = s + (1n << BigInt(128 - prefix.length)) - 1n;
      const M = 1n << 128n;
      for (const a of [s - 1n, s, s + 1n, e - 1n, e, e + 1n]) {
        const x = ((a % M) + M) % M;
        out.push({ family: 6, words: [0, 1, 2, 3].map((k) => Number((x >> BigInt(96 - 32 * k)) & 0xffffffffn)) });
      }
    }
  }
  for (const a of extra4) out.push({ family: 4, words: [a] });
  for (const w of extra6) out.push({ family: 6, words: w });
  return out;
}

test("ok/property: lookups equal the naive longest-match reference (v4 and v6, every entry point, after a round trip)", () => {
  fc.assert(
    fc.property(entries, fc.array(word, { maxLength: 20 }), fc.array(fc.tuple(word, word, word, word), { maxLength: 20 }), (list, extra4, extra6) => {
      const t = buildLpmTable(list);
      const loaded = LpmTable.fromBuffer(t.toBuffer());
      for (const { family, words } of probes(list, extra4, extra6.map((w) => [...w]))) {
        const expected = reference(list, family, words);
        const text = formatAddress(family, Uint32Array.from(words));
        assert.equal(t.lookup(text), expected, `${text} in ${list.map((e) => `${e.prefix.text}=${e.value}`).join(" ")}`);
        assert.equal(loaded.lookup(text), expected, text);
        if (family === 4) {
          assert.equal(t.lookupV4(words[0]!), expected);
          assert.equal(t.lookupBytes(Uint8Array.of(words[0]! >>> 24, (words[0]! >>> 16) & 255, (words[0]! >>> 8) & 255, words[0]! & 255)), expected);
        } else {
          assert.equal(t.lookupV6(words[0]!, words[1]!, words[2]!, words[3]!), expected);
          const bytes = new Uint8Array(16);
          words.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w));
          assert.equal(t.lookupBytes(bytes), expected);
        }
      }
      const s = t.stats;
      assert.ok(s.v4Ranges <= 2 * s.v4Prefixes + 1 && s.v6Ranges <= 2 * s.v6Prefixes + 1);
    }),
    runs(300),
  );
});

test("ok/property: the fast parsers agree with parseAddress", () => {
  const alphabet = fc.constantFrom(..."0123456789abcdefABCDEF:.".split(""));
  const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
  const formatted = fc.tuple(groups, fc.nat(8), fc.boolean()).map(([g, k, dotted]) => {
    // Various legal spellings: full, "::" somewhere, a dotted tail.
    const hex = g.map((x) => x.toString(16));
    let s = hex.join(":");
    if (k < 8) {
      const run = hex.slice(k).findIndex((x) => x !== "0");
      const end = run === -1 ? 8 : k + run;
      if (end - k >= 1) s = `${hex.slice(0, k).join(":")}::${hex.slice(end).join(":")}`;
    }
    if (dotted && !s.includes("::")) s = `${hex.slice(0, 6).join(":")}:${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
    return s;
  });
  const out = new Uint32Array(4);
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 45 }), formatted, fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (s) => {
      const r = parseAddress(s);
      const v4 = parseIPv4ToUint32(s);
      const v6ok = parseIPv6ToWords(s, out);
      if (!r.ok) {
        assert.equal(v4, -1, s);
        assert.equal(v6ok, false, s);
        return;
      }
      if (!s.includes(":")) {
        assert.equal(v4, r.address.words[0], s);
        return;
      }
      assert.equal(v6ok, true, s);
      if (r.address.family === 4) assert.deepEqual([...out], [0, 0, 0xffff, r.address.words[0]]);
      else assert.deepEqual([...out], [...r.address.words]);
    }),
    runs(3000),
  );
});
