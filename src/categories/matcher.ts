/**
 * The compiled category database and its lookups.
 *
 * Primitives:
 * - `compileCategories({ version, sources, entries })` → `{ parts, rejected }` (pure, deterministic:
 *   the same entries in any order give the same parts, hence the same bytes and content hash);
 * - `new CategoryDatabase(parts, contentHash)` — built by `database.ts`, which adds the curated seed;
 * - `CategoryDatabase.lookupDomain(name)` → every entry on the name's label path, most specific first;
 * - `.lookupUrl(host, path)` → URL-path entries for the request (after bump), then the host's entries;
 * - `.lookupIp(address)` → exact and CIDR entries containing the address, longest prefix first;
 * - `.lookupHost(host)` → `lookupIp` for an address literal, `lookupDomain` otherwise.
 *
 * Matching rule (docs/categories.md): an entry `bank.kz` covers `bank.kz` and every name ending in
 * `.bank.kz`, compared by whole labels — `evilbank.kz` is not under it. The lookup returns *all* covering
 * entries, not only the most specific one, because p.20 is decided by the caller: when `bank.kz` is
 * finance-banking and `promo.bank.kz` is advertising, the request for `x.promo.bank.kz` still carries
 * finance-banking and is not decrypted. Each hit names the category set's origins (source and list version)
 * so the decision log can say which list said what.
 */
import type { CategoryEntry, CategorySource, CompiledSource } from "./entry.js";
import {
  type InvalidNameReason,
  lastInvalidReason,
  normaliseDomainFast,
  normalisePath,
  parseHostAddress,
  parsePattern,
  pathHasPrefix,
} from "./normalise.js";
import { MAX_SUFFIX_VALUE, SuffixTable, SuffixTableBuilder, WALK_INVALID, WALK_NEEDS_IDNA } from "./suffix-table.js";
import { CATEGORIES, type CategoryId, TAXONOMY_VERSION, categoryIndex, isCategoryId, isProtectedCategory } from "./taxonomy.js";

export interface CategoryOrigin {
  readonly category: CategoryId;
  readonly source: string;
  readonly sourceVersion: string;
}

/** The categories one pattern carries, shared by every pattern with the same categories and sources. */
export interface CategorySet {
  /** Distinct, in taxonomy order. */
  readonly categories: readonly CategoryId[];
  /** True when any category is one of the seven of p.20. */
  readonly protected: boolean;
  readonly origins: readonly CategoryOrigin[];
}

export interface CategoryHit extends CategorySet {
  readonly kind: "domain" | "url" | "ip";
  /** The matched entry in canonical form: `bank.kz`, `example.com/path`, `192.0.2.0/24`. */
  readonly pattern: string;
}

export type CategoryLookup =
  | { readonly ok: true; readonly hits: readonly CategoryHit[]; readonly protected: boolean }
  | { readonly ok: false; readonly reason: InvalidNameReason | "invalid-address" };

export interface RejectedEntry {
  readonly entry: CategoryEntry;
  readonly reason: string;
}

/** The parts of a database, as compiled or as read back from its serialised form. */
export interface DatabaseParts {
  readonly version: string;
  readonly taxonomyVersion: string;
  readonly sources: readonly CompiledSource[];
  /** Category ids as stored; `sets` refer to them by position. */
  readonly categories: readonly CategoryId[];
  /** Index 0 is unused (0 marks an interior node); each set is a list of [category index, source index]. */
  readonly sets: readonly (readonly (readonly [number, number])[])[];
  readonly domains: SuffixTable;
  readonly domainEntries: number;
  /** [host, [[path, set id], …]] sorted by host, paths longest first. */
  readonly urls: readonly (readonly [string, readonly (readonly [string, number])[]])[];
  /** [canonical pattern, set id], sorted by pattern. */
  readonly ips: readonly (readonly [string, number])[];
}

const EMPTY_HITS: readonly CategoryHit[] = Object.freeze([]);
const MISS: CategoryLookup = Object.freeze({ ok: true, hits: EMPTY_HITS, protected: false });
const BAD_ADDRESS: CategoryLookup = Object.freeze({ ok: false, reason: "invalid-address" });
const INVALID = new Map<InvalidNameReason, CategoryLookup>();
function invalid(reason: InvalidNameReason): CategoryLookup {
  let r = INVALID.get(reason);
  if (!r) INVALID.set(reason, (r = Object.freeze({ ok: false, reason })));
  return r;
}

interface IpGroup {
  readonly prefix: number;
  readonly table: Map<number | string, number>; // masked key → index into ipList
}

export class CategoryDatabase {
  readonly version: string;
  readonly taxonomyVersion: string;
  readonly sources: readonly CompiledSource[];
  /** SHA-256 (hex) of the serialised body; set by the serialiser, the database's identity in a snapshot. */
  readonly contentHash: string;
  /** The compiled arrays, for the serialiser; typed arrays cannot be frozen — treat as read-only. */
  readonly parts: DatabaseParts;

  readonly #sets: readonly CategorySet[];
  readonly #domains: SuffixTable;
  readonly #urlHosts: SuffixTable;
  readonly #urlGroups: readonly { readonly host: string; readonly paths: readonly (readonly [string, number])[] }[];
  readonly #ip4: readonly IpGroup[];
  readonly #ip6: readonly IpGroup[];
  readonly #ipList: readonly (readonly [string, number])[];

  constructor(parts: DatabaseParts, contentHash: string) {
    this.parts = parts;
    this.version = parts.version;
    this.taxonomyVersion = parts.taxonomyVersion;
    this.sources = Object.freeze(parts.sources.map((s) => Object.freeze({ ...s })));
    this.contentHash = contentHash;
    this.#domains = parts.domains;
    this.#sets = parts.sets.map((pairs, i) => (i === 0 ? EMPTY_SET : freezeSet(pairs, parts.categories, this.sources)));

    const hostBuilder = new SuffixTableBuilder();
    this.#urlGroups = parts.urls.map(([host, paths]) => ({ host, paths }));
    this.#urlGroups.forEach((g, i) => hostBuilder.add(g.host, i + 1));
    this.#urlHosts = hostBuilder.build();

    this.#ipList = parts.ips;
    const v4 = new Map<number, IpGroup>();
    const v6 = new Map<number, IpGroup>();
    parts.ips.forEach(([pattern], i) => {
      const p = parsePattern(pattern);
      if (!p.ok || p.pattern.kind !== "ip") throw new Error(`bad address entry ${pattern}`);
      const { family, bytes, prefix } = p.pattern;
      const groups = family === 4 ? v4 : v6;
      let g = groups.get(prefix);
      if (!g) groups.set(prefix, (g = { prefix, table: new Map() }));
      g.table.set(family === 4 ? v4Key(bytes, prefix) : v6Key(bytes, prefix), i);
    });
    this.#ip4 = [...v4.values()].sort((a, b) => b.prefix - a.prefix);
    this.#ip6 = [...v6.values()].sort((a, b) => b.prefix - a.prefix);
  }

  /** Category sets by id (id 0 is the empty set). */
  get sets(): readonly CategorySet[] {
    return this.#sets;
  }

  stats(): { domainEntries: number; urlEntries: number; ipEntries: number; nodes: number; capacity: number; tableBytes: number; poolBytes: number; sets: number } {
    return {
      domainEntries: this.parts.domainEntries,
      urlEntries: this.#urlGroups.reduce((n, g) => n + g.paths.length, 0),
      ipEntries: this.#ipList.length,
      nodes: this.#domains.nodes,
      capacity: this.#domains.capacity,
      tableBytes: this.#domains.slots.byteLength,
      poolBytes: this.#domains.pool.byteLength,
      sets: this.#sets.length - 1,
    };
  }

  /** All entries on the label path of `name`, most specific first. */
  lookupDomain(input: string): CategoryLookup {
    const t = this.#domains;
    let s = input;
    let n = t.walk(s);
    if (n === WALK_NEEDS_IDNA) {
      // Rare path: non-ASCII or an xn-- label; map through IDNA, then walk the A-label form.
      const a = normaliseDomainFast(input);
      if (a === null) return invalid(lastInvalidReason());
      s = a;
      n = t.walk(s, false);
    }
    if (n === WALK_INVALID) return invalid(t.reason);
    if (n === 0) return MISS;
    let name = t.length === s.length ? s : s.slice(0, t.length);
    if (t.upper) name = name.toLowerCase();
    const sets = this.#sets;
    const hits: CategoryHit[] = new Array(n);
    let prot = false;
    for (let k = 0; k < n; k++) {
      const start = t.hitStart[n - 1 - k]!;
      const set = sets[t.hitValue[n - 1 - k]!]!;
      prot ||= set.protected;
      hits[k] = { kind: "domain", pattern: start === 0 ? name : name.slice(start), categories: set.categories, protected: set.protected, origins: set.origins };
    }
    return { ok: true, hits, protected: prot };
  }

  /**
   * Entries for an HTTP request seen after bump: URL-path entries of the host and its parents whose path
   * is a segment-boundary prefix of `path` (most specific host first, longest path first), then the
   * host's own entries (`lookupHost`).
   */
  lookupUrl(host: string, path: string): CategoryLookup {
    const base = this.lookupHost(host);
    if (!base.ok || this.#urlGroups.length === 0) return base;
    const name = normaliseDomainFast(host);
    if (name === null) return base; // an address literal: URL entries name hosts only
    const hosts = this.#urlHosts;
    const n = hosts.walk(name, false);
    if (n <= 0) return base;
    const p = normalisePath(path);
    const hits: CategoryHit[] = [];
    let prot = base.protected;
    for (let k = n - 1; k >= 0; k--) {
      const group = this.#urlGroups[hosts.hitValue[k]! - 1]!;
      for (const [prefix, setId] of group.paths) {
        if (!pathHasPrefix(p, prefix)) continue;
        const set = this.#sets[setId]!;
        prot ||= set.protected;
        hits.push({ kind: "url", pattern: group.host + prefix, categories: set.categories, protected: set.protected, origins: set.origins });
      }
    }
    if (hits.length === 0) return base;
    return { ok: true, hits: hits.concat(base.hits), protected: prot };
  }

  /** Whether a URL-path entry names `host` or a parent of it: then a request's categories may depend on its path. */
  hasUrlEntries(host: string): boolean {
    if (this.#urlGroups.length === 0) return false;
    const name = normaliseDomainFast(host);
    return name !== null && this.#urlHosts.walk(name, false) > 0;
  }

  /** Exact and CIDR entries containing `address`, longest prefix first. IPv4-mapped IPv6 is IPv4. */
  lookupIp(address: string): CategoryLookup {
    const a = parseHostAddress(address);
    if (!a) return BAD_ADDRESS;
    const groups = a.family === 4 ? this.#ip4 : this.#ip6;
    let hits: CategoryHit[] | undefined;
    let prot = false;
    for (const g of groups) {
      const i = g.table.get(a.family === 4 ? v4Key(a.bytes, g.prefix) : v6Key(a.bytes, g.prefix));
      if (i === undefined) continue;
      const [pattern, setId] = this.#ipList[i]!;
      const set = this.#sets[setId]!;
      prot ||= set.protected;
      (hits ??= []).push({ kind: "ip", pattern, categories: set.categories, protected: set.protected, origins: set.origins });
    }
    return hits ? { ok: true, hits, protected: prot } : MISS;
  }

  lookupHost(host: string): CategoryLookup {
    // Cheap pre-test: names almost never start with a digit, '[' or contain ':'.
    const c = host.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 91 || host.includes(":")) {
      if (parseHostAddress(host)) return this.lookupIp(host);
    }
    return this.lookupDomain(host);
  }
}

const EMPTY_SET: CategorySet = Object.freeze({ categories: Object.freeze([]), protected: false, origins: Object.freeze([]) });

function freezeSet(pairs: readonly (readonly [number, number])[], categories: readonly CategoryId[], sources: readonly CompiledSource[]): CategorySet {
  const cats: CategoryId[] = [];
  const origins: CategoryOrigin[] = [];
  for (const [c, s] of pairs) {
    const category = categories[c]!;
    const source = sources[s]!;
    if (!cats.includes(category)) cats.push(category);
    origins.push(Object.freeze({ category, source: source.name, sourceVersion: source.version }));
  }
  cats.sort((a, b) => categoryIndex(a) - categoryIndex(b));
  return Object.freeze({ categories: Object.freeze(cats), protected: cats.some(isProtectedCategory), origins: Object.freeze(origins) });
}

function v4Key(bytes: Uint8Array, prefix: number): number {
  const u = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  return prefix === 0 ? 0 : (u & (0xffffffff << (32 - prefix))) >>> 0;
}

const HEX = "0123456789abcdef";
function v6Key(bytes: Uint8Array, prefix: number): string {
  let s = "";
  const nibbles = Math.ceil(prefix / 4);
  for (let i = 0; i < nibbles; i++) {
    let v = (bytes[i >> 1]! >> (i & 1 ? 0 : 4)) & 15;
    const keep = prefix - i * 4;
    if (keep < 4) v &= (0xf0 >> keep) & 15;
    s += HEX[v];
  }
  return s;
}

export interface CompileInput {
  readonly version: string;
  readonly sources: readonly CategorySource[];
  readonly entries: Iterable<CategoryEntry>;
}

/**
 * Compile entries into a database. Never throws on bad entries: an entry with an invalid pattern, an
 * unknown category or an unknown source is returned in `rejected` with the reason. Throws only when the
 * sources themselves are inconsistent (duplicate names) — a programming error of the caller.
 */
export function compileCategories(input: CompileInput): { parts: DatabaseParts; rejected: RejectedEntry[] } {
  const sources = [...input.sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sourceIndex = new Map<string, number>();
  sources.forEach((s, i) => {
    if (sourceIndex.has(s.name)) throw new Error(`duplicate category source ${s.name}`);
    sourceIndex.set(s.name, i);
  });

  // pattern key → (category index in taxonomy, source index) codes: a number while there is one (the
  // common case, and a million Sets would dominate the build's memory), an array once there are more.
  type Codes = number | number[];
  const S = sources.length;
  const domains = new Map<string, Codes>();
  const urls = new Map<string, Map<string, Codes>>();
  const ips = new Map<string, Codes>();
  const perSource = new Array<number>(S).fill(0);
  const rejected: RejectedEntry[] = [];
  const addCode = (map: Map<string, Codes>, key: string, code: number, si: number): void => {
    const have = map.get(key);
    if (have === undefined) map.set(key, code);
    else if (typeof have === "number") {
      if (have === code) return;
      map.set(key, [have, code]);
    } else {
      if (have.includes(code)) return;
      have.push(code);
    }
    perSource[si]!++;
  };

  for (const entry of input.entries) {
    const si = sourceIndex.get(entry.source);
    if (si === undefined) { rejected.push({ entry, reason: `unknown source ${entry.source}` }); continue; }
    if (!isCategoryId(entry.category)) { rejected.push({ entry, reason: `unknown category ${String(entry.category)}` }); continue; }
    const parsed = parsePattern(entry.pattern);
    if (!parsed.ok) { rejected.push({ entry, reason: parsed.reason }); continue; }
    const code = categoryIndex(entry.category) * S + si;
    const p = parsed.pattern;
    if (p.kind === "domain") {
      addCode(domains, p.key, code, si);
    } else if (p.kind === "url") {
      let byPath = urls.get(p.host);
      if (!byPath) urls.set(p.host, (byPath = new Map()));
      addCode(byPath, p.path, code, si);
    } else {
      addCode(ips, p.key, code, si);
    }
  }

  // Category sets, numbered in a deterministic traversal (sorted keys), 0 reserved.
  const usedCategories: CategoryId[] = [];
  const categorySlot = new Map<number, number>(); // taxonomy index → position in usedCategories
  const setIds = new Map<string, number>();
  const sets: (readonly (readonly [number, number])[])[] = [[]];
  const setOf = (codes: Codes): number => {
    const sorted = typeof codes === "number" ? [codes] : [...codes].sort((a, b) => a - b);
    const key = typeof codes === "number" ? String(codes) : sorted.join(",");
    let id = setIds.get(key);
    if (id === undefined) {
      id = sets.length;
      if (id > MAX_SUFFIX_VALUE) throw new Error("too many distinct category sets");
      setIds.set(key, id);
      sets.push(sorted.map((code) => {
        const t = Math.floor(code / S);
        let c = categorySlot.get(t);
        if (c === undefined) {
          c = usedCategories.length;
          categorySlot.set(t, c);
          usedCategories.push(CATEGORIES[t]!.id);
        }
        return [c, code % S] as const;
      }));
    }
    return id;
  };

  // Sorted, so that the same entries in any order build the same table (and the same content hash).
  const domainKeys = [...domains.keys()].sort();
  const builder = new SuffixTableBuilder();
  for (const k of domainKeys) builder.add(k, setOf(domains.get(k)!));
  const table = builder.build();

  const urlList = [...urls.keys()].sort().map((host) => {
    const byPath = urls.get(host)!;
    const paths = [...byPath.keys()]
      .sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))
      .map((path) => [path, setOf(byPath.get(path)!)] as const);
    return [host, paths] as const;
  });
  const ipList = [...ips.keys()].sort().map((k) => [k, setOf(ips.get(k)!)] as const);

  const parts: DatabaseParts = {
    version: input.version,
    taxonomyVersion: TAXONOMY_VERSION,
    sources: sources.map((s, i) => ({ ...s, entryCount: perSource[i]! })),
    categories: usedCategories,
    sets,
    domains: table,
    domainEntries: domainKeys.length,
    urls: urlList,
    ips: ipList,
  };
  return { parts, rejected };
}
