/**
 * The overlap rule of the IP address catalogue (Rules p.13).
 *
 * The gateway attributes a source address to exactly one organisation (the Rules' "User"), and p.13
 * blocks addresses that are not in the catalogue, so the catalogue must never be ambiguous:
 *
 *   - a prefix may not overlap a prefix of ANOTHER organisation — neither be equal to it, contain it nor
 *     be contained by it (for prefixes, sharing an address means one contains the other);
 *   - the same prefix registered twice for the same organisation is a duplicate;
 *   - nesting within one organisation is allowed: an organisation may register 10.1.0.0/16 and also
 *     10.1.2.0/24 (for instance under another contract or operator). The longest-prefix-match table
 *     (lpm.ts) resolves the nested prefix first, and both resolve to the same organisation.
 *
 * Primitives: `CatalogueEntry` (a stored prefix), `Candidate` (a prefix to be added or an entry being
 * edited), `Conflict` (one violated pair, naming the other prefix and its organisation) and
 * `findConflicts`.
 *
 * Algorithm: every existing entry and every candidate go into one list sorted by `comparePrefixes`
 * (network, then shorter first). In that order the prefixes that contain an item are exactly those on
 * a stack of nested ancestors kept during one sweep, so each item is compared only with its ancestors:
 * O((n + m) log(n + m) + pairs), where an IPv6 item has at most 128 strict ancestors. A batch of 100,000
 * candidates against 100,000 entries takes well under a second (benchmarks/catalogue-lpm.bench.ts);
 * a handful of candidates (one API edit) are scanned linearly instead, which avoids the sort.
 */
import type { Prefix } from "./prefix.js";

export interface CatalogueEntry<Id = string, Org = string> {
  readonly id: Id;
  readonly prefix: Prefix;
  readonly organisationId: Org;
}

export interface Candidate<Id = string, Org = string> {
  readonly prefix: Prefix;
  readonly organisationId: Org;
  /**
   * Set when the candidate is an edit of that existing entry: the entry is then not compared with its
   * own new version (moving a prefix to another organisation must not conflict with its old self).
   */
  readonly id?: Id;
}

/** How the candidate relates to the other prefix: equal to it, containing it, or contained by it. */
export type Relation = "equal" | "contains" | "contained-by";

/** `overlap`: the other prefix belongs to another organisation. `duplicate`: same prefix, same organisation. */
export type ConflictKind = "overlap" | "duplicate";

export type ConflictOther<Id, Org> =
  | { readonly source: "existing"; readonly id: Id; readonly prefix: Prefix; readonly organisationId: Org }
  | { readonly source: "candidate"; readonly index: number; readonly prefix: Prefix; readonly organisationId: Org };

export interface Conflict<Id = string, Org = string> {
  /** Index of the candidate in the `candidates` argument. */
  readonly candidate: number;
  readonly kind: ConflictKind;
  readonly relation: Relation;
  readonly other: ConflictOther<Id, Org>;
}

export interface FindConflictsOptions {
  /**
   * `sweep` sorts everything once; `scan` compares each candidate with every entry (cheaper for one or
   * two candidates); `auto` (default) picks by batch size. Both give the same conflicts in the same order.
   */
  readonly strategy?: "auto" | "sweep" | "scan";
}

/** Up to this many candidates, a linear scan beats sorting the whole catalogue. */
const SCAN_MAX_CANDIDATES = 4;

interface Sink<Id, Org> {
  existing: readonly CatalogueEntry<Id, Org>[];
  candidates: readonly Candidate<Id, Org>[];
  out: { c: Conflict<Id, Org>; otherRank: number }[];
}

function orgOf<Id, Org>(s: Sink<Id, Org>, i: number): Org {
  const n = s.existing.length;
  return i >= n ? s.candidates[i - n]!.organisationId : s.existing[i]!.organisationId;
}

function otherOf<Id, Org>(s: Sink<Id, Org>, i: number): ConflictOther<Id, Org> {
  const n = s.existing.length;
  if (i >= n) {
    const c = s.candidates[i - n]!;
    return { source: "candidate", index: i - n, prefix: c.prefix, organisationId: c.organisationId };
  }
  const e = s.existing[i]!;
  return { source: "existing", id: e.id, prefix: e.prefix, organisationId: e.organisationId };
}

/** Records one conflict of candidate item `cand` with item `against`, unless an edit meets its old self. */
function report<Id, Org>(s: Sink<Id, Org>, cand: number, against: number, kind: ConflictKind, relation: Relation): void {
  const n = s.existing.length;
  const ci = cand - n;
  if (against < n) {
    const id = s.candidates[ci]!.id;
    if (id !== undefined && Object.is(id, s.existing[against]!.id)) return;
  }
  s.out.push({ c: { candidate: ci, kind, relation, other: otherOf(s, against) }, otherRank: against });
}

/**
 * Judges the pair (outer ⊇ inner); at least one side is a candidate (both strategies only visit such
 * pairs). Items are numbered 0..n-1 existing, n..n+m-1 candidates; `equal` tells whether the two
 * prefixes are identical.
 */
function judge<Id, Org>(s: Sink<Id, Org>, outer: number, inner: number, equal: boolean): void {
  const n = s.existing.length;
  const sameOrg = Object.is(orgOf(s, outer), orgOf(s, inner));
  if (sameOrg && !equal) return; // nesting within one organisation is allowed
  if (sameOrg) {
    // A duplicate is reported on the candidate; when both are candidates, once, on the later one,
    // naming the first. Candidates are numbered after existing entries, so both cases are the max.
    const cand = Math.max(outer, inner);
    report(s, cand, cand === outer ? inner : outer, "duplicate", "equal");
    return;
  }
  if (outer >= n) report(s, outer, inner, "overlap", equal ? "equal" : "contains");
  if (inner >= n) report(s, inner, outer, "overlap", equal ? "equal" : "contained-by");
}

function finish<Id, Org>(s: Sink<Id, Org>): Conflict<Id, Org>[] {
  // Deterministic order, the same for both strategies: by candidate, then existing entries in input
  // order, then other candidates in input order.
  s.out.sort((a, b) => a.c.candidate - b.c.candidate || a.otherRank - b.otherRank);
  return s.out.map((x) => x.c);
}

function containsPrefix(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family || a.length > b.length) return false;
  const words = a.family === 4 ? 1 : 4;
  for (let i = 0; i < words; i++) {
    const bits = a.length - 32 * i;
    if (bits <= 0) break;
    const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((b.words[i]! & mask) >>> 0) !== a.words[i]) return false;
  }
  return true;
}

function scan<Id, Org>(s: Sink<Id, Org>): void {
  const n = s.existing.length;
  const m = s.candidates.length;
  for (let ci = 0; ci < m; ci++) {
    const cp = s.candidates[ci]!.prefix;
    for (let j = 0; j < n + m; j++) {
      if (j === n + ci) continue;
      // Each unordered candidate pair is visited twice; judge() reports both directions on one visit.
      if (j >= n && j < n + ci) continue;
      const op = j < n ? s.existing[j]!.prefix : s.candidates[j - n]!.prefix;
      if (containsPrefix(op, cp)) judge(s, j, n + ci, op.length === cp.length);
      else if (containsPrefix(cp, op)) judge(s, n + ci, j, false);
    }
  }
}

function sweep<Id, Org>(s: Sink<Id, Org>): void {
  const n = s.existing.length;
  const total = n + s.candidates.length;
  // Flat copies: the sort and the containment tests then touch typed arrays, not objects.
  const fam = new Uint8Array(total);
  const len = new Uint8Array(total);
  const w = new Uint32Array(total * 4);
  for (let i = 0; i < total; i++) {
    const p = i < n ? s.existing[i]!.prefix : s.candidates[i - n]!.prefix;
    fam[i] = p.family;
    len[i] = p.length;
    for (let k = 0; k < p.words.length; k++) w[i * 4 + k] = p.words[k]!;
  }
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => {
    if (fam[a] !== fam[b]) return fam[a]! - fam[b]!;
    for (let k = 0; k < 4; k++) {
      const x = w[a * 4 + k]!;
      const y = w[b * 4 + k]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return len[a]! - len[b]! || a - b;
  });
  const contains = (a: number, b: number): boolean => {
    if (fam[a] !== fam[b] || len[a]! > len[b]!) return false;
    const l = len[a]!;
    for (let k = 0; k < 4; k++) {
      const bits = l - 32 * k;
      if (bits <= 0) return true;
      const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      if (((w[b * 4 + k]! & mask) >>> 0) !== w[a * 4 + k]) return false;
    }
    return true;
  };
  // `stack` is the chain of prefixes containing the current one; `cands` the candidates on it, so an
  // existing item is compared only with candidate ancestors.
  const stack: number[] = [];
  const cands: number[] = [];
  for (let oi = 0; oi < total; oi++) {
    const x = order[oi]!;
    while (stack.length > 0 && !contains(stack[stack.length - 1]!, x)) {
      const popped = stack.pop()!;
      if (popped >= n) cands.pop();
    }
    const ancestors = x >= n ? stack : cands;
    for (const a of ancestors) judge(s, a, x, len[a] === len[x]);
    stack.push(x);
    if (x >= n) cands.push(x);
  }
}

/**
 * Finds every conflict of `candidates` with `existing` and with one another. An empty result means the
 * batch may be stored. Conflicts among existing entries are not reported; to audit a stored catalogue,
 * pass it as the candidates with no existing entries.
 */
export function findConflicts<Id, Org>(
  existing: readonly CatalogueEntry<Id, Org>[],
  candidates: readonly Candidate<Id, Org>[],
  options: FindConflictsOptions = {},
): Conflict<Id, Org>[] {
  const s: Sink<Id, Org> = { existing, candidates, out: [] };
  const strategy = options.strategy ?? "auto";
  if (strategy === "scan" || (strategy === "auto" && candidates.length <= SCAN_MAX_CANDIDATES)) scan(s);
  else sweep(s);
  return finish(s);
}

/** One line of English for a conflict, for logs and for the CSV import's error list. */
export function describeConflict<Id, Org>(c: Conflict<Id, Org>, candidatePrefix: Prefix): string {
  const o = c.other;
  const where = o.source === "existing" ? `catalogue entry ${String(o.id)}` : `candidate ${o.index}`;
  if (c.kind === "duplicate") return `${candidatePrefix.text} is already registered for this organisation (${where})`;
  const rel = c.relation === "equal" ? "is the same prefix as" : c.relation === "contains" ? "contains" : "lies inside";
  return `${candidatePrefix.text} ${rel} ${o.prefix.text} of organisation ${String(o.organisationId)} (${where}); prefixes of different organisations may not overlap (Rules p.13)`;
}
