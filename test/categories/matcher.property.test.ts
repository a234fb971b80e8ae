/**
 * The compiled matcher against a reference: a linear scan over the entries with the whole-label suffix
 * rule (`name === e || name.endsWith("." + e)`). Quick profile by default; QAQPA_FUZZ=deep runs 20× more.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { domainToASCII } from "node:url";
import fc from "fast-check";
import type { CategoryEntry } from "../../src/categories/entry.js";
import { decodeParts, encodeParts } from "../../src/categories/serialise.js";
import { CategoryDatabase } from "../../src/categories/matcher.js";
import type { CategoryId } from "../../src/categories/taxonomy.js";
import { compile, entry } from "./helpers.js";

const RUNS = process.env.QAQPA_FUZZ === "deep" ? 2000 : 100;

// Labels chosen to collide as strings: suffixes of each other ("bank"/"evilbank", "a"/"ba"/"aba"), the
// 12-byte inline limit and longer labels sharing their first 8 bytes, hyphen/underscore, an A-label.
const LABELS = [
  "a", "b", "ab", "ba", "aba", "bank", "evilbank", "kz", "com", "x-y", "a_b", "xn--e1afmkfd", "gov",
  "abcdefghijkl", "abcdefghijklm", "abcdefghijkln", "abcdefgh-very-long-label-0", "abcdefgh-very-long-label-1",
  "0", "9a", "www",
];
const CATS: CategoryId[] = ["finance-banking", "news", "malware", "government-legal", "adult"];

const label = fc.constantFrom(...LABELS);
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join(".")).filter((n) => !/(^|\.)\d+$/.test(n));
const entries = fc.array(fc.tuple(name, fc.constantFrom(...CATS)), { maxLength: 40 });

/** Spell a canonical name the way clients do: random case, maybe the root dot, maybe as Unicode. */
const spelling = (n: string) =>
  fc.tuple(fc.array(fc.boolean(), { minLength: n.length, maxLength: n.length }), fc.boolean(), fc.boolean()).map(([upper, dot, unicode]) => {
    let s = unicode ? n.replace("xn--e1afmkfd", "пример") : n;
    s = [...s].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join("");
    return dot ? s + "." : s;
  });

function reference(list: readonly [string, CategoryId][], query: string): [string, string[]][] {
  let n = query.endsWith(".") ? query.slice(0, -1) : query;
  n = domainToASCII(n);
  const byPattern = new Map<string, Set<string>>();
  for (const [p, c] of list) {
    if (n === p || n.endsWith("." + p)) {
      if (!byPattern.has(p)) byPattern.set(p, new Set());
      byPattern.get(p)!.add(c);
    }
  }
  const order = new Map(CATS.map((c, i) => [c, i]));
  return [...byPattern.entries()]
    .sort((x, y) => y[0].length - x[0].length)
    .map(([p, cs]) => [p, [...cs].sort((a, b) => order.get(a as CategoryId)! - order.get(b as CategoryId)!)]);
}

function actual(db: CategoryDatabase, query: string): [string, string[]][] {
  const r = db.lookupDomain(query);
  assert.ok(r.ok, `${query}: ${JSON.stringify(r)}`);
  const order = new Map(CATS.map((c, i) => [c, i]));
  return r.hits.map((h) => [h.pattern, [...h.categories].sort((a, b) => order.get(a)! - order.get(b)!)]);
}

test("ok/property: lookupDomain equals the linear whole-label scan (names around the entries)", () => {
  fc.assert(
    fc.property(entries, fc.array(name, { minLength: 1, maxLength: 3 }), fc.array(label, { maxLength: 2 }), (list, extra, prefix) => {
      const db = compile(list.map(([p, c]) => entry(p, c)));
      const queries = [...list.map(([p]) => p), ...extra].map((q) => (prefix.length ? prefix.join(".") + "." + q : q));
      for (const q of queries) {
        if (/(^|\.)\d+$/.test(q)) continue;
        assert.deepEqual(actual(db, q), reference(list, q), q);
      }
    }),
    { numRuns: RUNS },
  );
});

test("ok/property: case, the root dot and Unicode spelling do not change the result", () => {
  fc.assert(
    fc.property(entries, name.chain((n) => fc.tuple(fc.constant(n), spelling(n))), (list, [canonical, spelled]) => {
      const db = compile(list.map(([p, c]) => entry(p, c)));
      assert.deepEqual(actual(db, spelled), reference(list, canonical));
    }),
    { numRuns: RUNS },
  );
});

test("ok/property: a serialised database reads back with the same hash and the same answers", () => {
  fc.assert(
    fc.property(entries, fc.array(name, { maxLength: 10 }), (list, queries) => {
      const db = compile(list.map(([p, c]) => entry(p, c)));
      const back = decodeParts(encodeParts(db.parts));
      const db2 = new CategoryDatabase(back.parts, back.contentHash);
      assert.equal(back.contentHash, db.contentHash);
      for (const q of [...queries, ...list.map(([p]) => p)]) assert.deepEqual(db2.lookupDomain(q), db.lookupDomain(q));
    }),
    { numRuns: Math.ceil(RUNS / 4) },
  );
});

test("ok/property: thousands of random names — every entry found, random names agree with the scan", () => {
  // "xn--…" labels would have to be valid Punycode; the A-label cases are covered above.
  const alnum = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,18}[a-z]$/).filter((l) => !l.startsWith("xn--"));
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(alnum, fc.constantFrom("com", "kz", "org", "com.kz")).map(([a, t]) => `${a}.${t}`), { minLength: 500, maxLength: 3000 }),
      fc.array(alnum, { maxLength: 50 }), (names, probes) => {
        const list = names.map((n, i) => [n, CATS[i % CATS.length]!] as [string, CategoryId]);
        const db = compile(list.map(([p, c]) => entry(p, c)));
        for (const [n, c] of list) {
          const r = db.lookupDomain(`www.${n}`);
          assert.ok(r.ok && r.hits[0]!.pattern === n && r.hits[0]!.categories.includes(c), n);
        }
        for (const p of probes) for (const q of [`${p}.com`, `${p}.kz`]) assert.deepEqual(actual(db, q), reference(list, q));
      }),
    { numRuns: Math.max(5, Math.ceil(RUNS / 20)) },
  );
});

test("ok/property: address entries equal a bitwise prefix scan (IPv4)", () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const toU32 = ([a, b, c, d]: [number, number, number, number]): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const toText = (u: number): string => [u >>> 24, (u >>> 16) & 255, (u >>> 8) & 255, u & 255].join(".");
  const mask = (p: number): number => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);
  fc.assert(
    fc.property(fc.array(fc.tuple(v4, fc.integer({ min: 0, max: 32 })), { maxLength: 30 }), fc.array(v4, { maxLength: 20 }), (nets, probes) => {
      const list: CategoryEntry[] = [];
      const ref: [number, number, string][] = [];
      for (const [a, p] of nets) {
        const base = (toU32(a) & mask(p)) >>> 0;
        const key = p === 32 ? toText(base) : `${toText(base)}/${p}`;
        list.push(entry(key, "malware"));
        ref.push([base, p, key]);
      }
      const db = compile(list);
      for (const a of [...probes, ...nets.map(([x]) => x)]) {
        const u = toU32(a);
        const want = [...new Set(ref.filter(([b, p]) => ((u & mask(p)) >>> 0) === b).sort((x, y) => y[1] - x[1]).map(([, , k]) => k))];
        const r = db.lookupIp(toText(u));
        assert.ok(r.ok);
        assert.deepEqual(r.hits.map((h) => h.pattern), want);
      }
    }),
    { numRuns: RUNS },
  );
});
