import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { describeConflict, findConflicts, type Candidate, type CatalogueEntry, type Conflict } from "../../../src/domain/catalogue/overlap.js";
import { contains, makePrefix, parsePrefix, type Prefix } from "../../../src/domain/catalogue/prefix.js";
import { runs } from "./profile.js";

function P(text: string): Prefix {
  const r = parsePrefix(text);
  if (!r.ok) throw new Error(`${text}: ${r.message}`);
  return r.prefix;
}
const E = (id: string, prefix: string, organisationId: string): CatalogueEntry => ({ id, prefix: P(prefix), organisationId });
const C = (prefix: string, organisationId: string, id?: string): Candidate => (id === undefined ? { prefix: P(prefix), organisationId } : { prefix: P(prefix), organisationId, id });

/** A compact view for table tests: "candidate kind relation other". */
function view(conflicts: Conflict[]): string[] {
  return conflicts.map((c) => `${c.candidate} ${c.kind} ${c.relation} ${c.other.source === "existing" ? `e:${c.other.id}` : `c:${c.other.index}`}@${c.other.organisationId}`);
}

const EXISTING = [
  E("a", "10.0.0.0/8", "org1"),
  E("b", "10.1.0.0/16", "org1"), // nested within org1: allowed
  E("c", "192.0.2.0/24", "org2"),
  E("d", "2001:db8::/32", "org3"),
  E("e", "2001:db8:1::/48", "org3"),
];

const CASES: [string, Candidate[], string[]][] = [
  ["ok/nesting within the same organisation is allowed", [C("10.1.2.0/24", "org1"), C("2001:db8:1:2::/64", "org3"), C("10.0.0.0/7", "org1")], []],
  ["ok/disjoint prefixes of other organisations", [C("11.0.0.0/8", "org2"), C("192.0.3.0/24", "org1"), C("2001:db9::/32", "org1")], []],
  ["ok/IPv4 and IPv6 never overlap", [C("::/8", "org9"), C("::a00:0/104", "org9")], []], // ::a00:0/104 is not 10.0.0.0/8
  ["fail/equal prefix of another organisation", [C("192.0.2.0/24", "org1")], ["0 overlap equal e:c@org2"]],
  ["fail/contained by another organisation's prefix, at every level", [C("10.1.2.0/24", "org2")], ["0 overlap contained-by e:a@org1", "0 overlap contained-by e:b@org1"]],
  ["fail/contains another organisation's prefixes", [C("0.0.0.0/0", "org4")], ["0 overlap contains e:a@org1", "0 overlap contains e:b@org1", "0 overlap contains e:c@org2"]],
  ["fail/duplicate within the same organisation", [C("10.1.0.0/16", "org1")], ["0 duplicate equal e:b@org1"]],
  ["fail/a /65 inside another organisation's /48", [C("2001:db8:1:0:8000::/65", "org5")], ["0 overlap contained-by e:d@org3", "0 overlap contained-by e:e@org3"]],
  ["fail/a /128 inside another organisation's /48", [C("2001:db8:1::1", "org5")], ["0 overlap contained-by e:d@org3", "0 overlap contained-by e:e@org3"]],
  ["ok/a /128 beside it", [C("2001:db8:1::1", "org3"), C("2001:db8:1::2", "org5"), C("2001:db8:1::3/128", "org3")], ["1 overlap contained-by e:d@org3", "1 overlap contained-by e:e@org3"]],
  ["ok/an edit does not conflict with its old self", [C("10.1.0.0/16", "org1", "b")], []],
  ["fail/moving a prefix to another organisation still meets the others", [C("10.1.0.0/16", "org2", "b")], ["0 overlap contained-by e:a@org1"]],
  [
    "fail/conflicts inside the batch: both candidates of different organisations are reported",
    [C("198.51.100.0/24", "org6"), C("198.51.100.128/25", "org7")],
    ["0 overlap contains c:1@org7", "1 overlap contained-by c:0@org6"],
  ],
  [
    "fail/duplicate inside the batch is reported once, on the later row",
    [C("198.51.100.0/24", "org6"), C("203.0.113.0/24", "org6"), C("198.51.100.0/24", "org6")],
    ["2 duplicate equal c:0@org6"],
  ],
  ["ok/nesting inside the batch for one organisation", [C("198.51.100.0/24", "org6"), C("198.51.100.0/25", "org6")], []],
  [
    "fail/equal prefixes of two organisations inside the batch",
    [C("203.0.113.0/24", "org6"), C("203.0.113.0/24", "org7")],
    ["0 overlap equal c:1@org7", "1 overlap equal c:0@org6"],
  ],
];

for (const [name, candidates, expected] of CASES) {
  for (const strategy of ["scan", "sweep"] as const) {
    test(`${name} (${strategy})`, () => {
      assert.deepEqual(view(findConflicts(EXISTING, candidates, { strategy })), expected);
    });
  }
}

test("ok/auto picks either strategy with the same answer", () => {
  const many = Array.from({ length: 10 }, (_, i) => C(`10.${i}.0.0/16`, i % 2 ? "org1" : "org2"));
  assert.deepEqual(findConflicts(EXISTING, many), findConflicts(EXISTING, many, { strategy: "scan" }));
  assert.deepEqual(findConflicts(EXISTING, many.slice(0, 2)), findConflicts(EXISTING, many.slice(0, 2), { strategy: "sweep" }));
});

test("ok/a conflict names the other prefix and its organisation", () => {
  const [c] = findConflicts(EXISTING, [C("10.1.2.0/24", "org2")]);
  assert.ok(c && c.other.source === "existing");
  assert.equal(c.other.id, "a");
  assert.equal(c.other.prefix.text, "10.0.0.0/8");
  assert.equal(c.other.organisationId, "org1");
});

test("ok/describeConflict", () => {
  const cand = C("10.1.2.0/24", "org2");
  const [c1] = findConflicts(EXISTING, [cand]);
  assert.match(describeConflict(c1!, cand.prefix), /^10\.1\.2\.0\/24 lies inside 10\.0\.0\.0\/8 of organisation org1 \(catalogue entry a\).*p\.13/);
  const big = C("0.0.0.0/0", "org4");
  assert.match(describeConflict(findConflicts(EXISTING, [big])[0]!, big.prefix), /contains 10\.0\.0\.0\/8/);
  const eq = C("192.0.2.0/24", "org1");
  assert.match(describeConflict(findConflicts(EXISTING, [eq])[0]!, eq.prefix), /is the same prefix as 192\.0\.2\.0\/24/);
  const dup = C("10.1.0.0/16", "org1");
  assert.match(describeConflict(findConflicts(EXISTING, [dup])[0]!, dup.prefix), /already registered for this organisation \(catalogue entry b\)/);
  const batch = [C("198.51.100.0/24", "org6"), C("198.51.100.0/25", "org7")];
  assert.match(describeConflict(findConflicts([], batch)[0]!, batch[0]!.prefix), /\(candidate 1\)/);
});

test("ok/numeric identifiers work as well as strings", () => {
  const existing: CatalogueEntry<number, number>[] = [{ id: 1, prefix: P("10.0.0.0/8"), organisationId: 100 }];
  const conflicts = findConflicts(existing, [{ prefix: P("10.1.0.0/16"), organisationId: 200 }, { prefix: P("10.0.0.0/8"), organisationId: 100, id: 1 }]);
  // Candidate 1 edits entry 1 in place (no conflict with its old self) but still contains candidate 0.
  assert.deepEqual(conflicts.map((c) => [c.candidate, c.kind, c.relation, c.other.source]), [
    [0, "overlap", "contained-by", "existing"],
    [0, "overlap", "contained-by", "candidate"],
    [1, "overlap", "contains", "candidate"],
  ]);
});

// ---------------------------------------------------------------------------------------------------
// Property: the sweep (and the scan) equal the O(n·m) reference.

function reference<Id, Org>(existing: readonly CatalogueEntry<Id, Org>[], candidates: readonly Candidate<Id, Org>[]): string[] {
  const out: string[] = [];
  candidates.forEach((c, ci) => {
    const judge = (other: { prefix: Prefix; organisationId: Org }, label: string, isEarlierCandidate: boolean | undefined) => {
      const equal = other.prefix.text === c.prefix.text;
      const relation = equal ? "equal" : contains(c.prefix, other.prefix) ? "contains" : contains(other.prefix, c.prefix) ? "contained-by" : undefined;
      if (relation === undefined) return;
      if (other.organisationId === c.organisationId) {
        // Duplicates inside the batch: only the later candidate reports.
        if (equal && isEarlierCandidate !== false) out.push(`${ci} duplicate equal ${label}`);
        return;
      }
      out.push(`${ci} overlap ${relation} ${label}`);
    };
    existing.forEach((e) => {
      if (c.id !== undefined && c.id === e.id) return;
      judge(e, `e:${String(e.id)}@${String(e.organisationId)}`, undefined);
    });
    candidates.forEach((o, oi) => {
      if (oi !== ci) judge(o, `c:${oi}@${String(o.organisationId)}`, oi < ci);
    });
  });
  return out;
}

const word = fc.integer({ min: 0, max: 0xffffffff });
function mask(words: number[], len: number): number[] {
  return words.map((x, i) => {
    const bits = len - 32 * i;
    if (bits >= 32) return x >>> 0;
    if (bits <= 0) return 0;
    return (x & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
  });
}
// Few bases and short ranges of lengths so that equal, nested and disjoint pairs are all common.
const prefix = fc.oneof(
  fc.tuple(fc.constantFrom(0x0a000000, 0x0a010000, 0xc0000200), fc.integer({ min: 0, max: 0x3ffff }), fc.integer({ min: 6, max: 32 })).map(([b, j, len]) => makePrefix(4, mask([(b + j * 64) >>> 0], len), len)),
  fc.tuple(fc.constantFrom(0x20010db8, 0x2a000000), word, fc.integer({ min: 16, max: 128 })).map(([b, j, len]) => makePrefix(6, mask([b, j & 0xff030000, j & 0xc0000000, j & 0x3], len), len)),
).map((r) => {
  if (!r.ok) throw new Error(r.message);
  return r.prefix;
});
const org = fc.constantFrom("o1", "o2", "o3");

test("ok/property: findConflicts equals the naive O(n·m) reference, for both strategies", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(prefix, org), { maxLength: 40 }),
      fc.array(fc.tuple(prefix, org, fc.option(fc.nat(45), { nil: undefined })), { maxLength: 25 }),
      (ex, ca) => {
        const existing = ex.map(([p, o], i) => ({ id: `x${i}`, prefix: p, organisationId: o }));
        const candidates: Candidate[] = ca.map(([p, o, id]) => (id === undefined ? { prefix: p, organisationId: o } : { prefix: p, organisationId: o, id: `x${id}` }));
        const expected = reference(existing, candidates);
        assert.deepEqual(view(findConflicts(existing, candidates, { strategy: "sweep" })), expected);
        assert.deepEqual(view(findConflicts(existing, candidates, { strategy: "scan" })), expected);
      },
    ),
    runs(500),
  );
});

test("ok/property: auditing a catalogue finds nothing after its conflicts are removed", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(prefix, org), { maxLength: 60 }), (list) => {
      const cands: Candidate[] = list.map(([p, o]) => ({ prefix: p, organisationId: o }));
      const bad = new Set(findConflicts([], cands).map((c) => c.candidate));
      const kept = cands.filter((_, i) => !bad.has(i));
      // Removing every reported candidate may drop more than needed, but what stays is always clean.
      assert.deepEqual(findConflicts([], kept), []);
    }),
    runs(300),
  );
});
