/**
 * Category database benchmark: build a synthetic database of 1 M domains (plus the curated seed), then
 * report build / serialise / load time, size per domain (serialised bytes and heap delta) and lookups per
 * second for hits, misses and deep subdomains — side by side with a named peer, a JavaScript `Map` of
 * every entry walked suffix by suffix (what one would write first).
 *
 *   node --import tsx benchmarks/categories.bench.ts            # 1 M domains
 *   QAQPA_BENCH_DOMAINS=200000 node --import tsx benchmarks/categories.bench.ts
 *
 * Synthetic names are deterministic (seeded PRNG): 1–3 labels of 3–14 characters under a mix of TLDs,
 * about a quarter with a `www.`/`cdn.`/… prefix. "Hot set" queries cycle over 1,000 names (a gateway's
 * SNI stream is dominated by a few popular names). "Uniform" queries pick entries at random, so nearly every
 * lookup misses the CPU caches — a floor figure; "skewed" queries draw ranks log-uniformly (≈ Zipf s=1),
 * closer to real traffic, where a few thousand names carry most connections.
 *
 * Rates are per CPU-second of this process (process.cpuUsage), not per wall-clock second, so that the
 * figure is per core even when the machine is busy; the load average is printed with the results because
 * a busy machine still slows memory-bound work through shared caches.
 */
import { loadavg } from "node:os";
import { setImmediate } from "node:timers/promises";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import {
  buildCategoryDatabase,
  loadCategoryDatabase,
  serialiseCategoryDatabase,
  type CategoryEntry,
  type CategoryId,
} from "../src/categories/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const N = Number(process.env.QAQPA_BENCH_DOMAINS ?? 1_000_000);
const QUERIES = 1_000_000;
const ROUNDS = 5;

let seed = 0x9e3779b9;
function rand(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789";
function label(min: number, max: number): string {
  const n = min + Math.floor(rand() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHA[Math.floor(rand() * (i === 0 ? 26 : ALPHA.length))];
  return s;
}
const TLDS = ["com", "com", "com", "net", "org", "kz", "kz", "ru", "info", "io", "de", "co.uk", "com.kz", "xyz", "top"];
const PREFIXES = ["www", "cdn", "api", "m", "static", "mail", "img"];
const CATS: CategoryId[] = ["adult", "gambling", "malware", "phishing", "news", "shopping", "games", "advertising"];
function name(): string {
  let n = label(3, 14) + "." + TLDS[Math.floor(rand() * TLDS.length)];
  if (rand() < 0.1) n = label(3, 8) + "." + n;
  if (rand() < 0.25) n = PREFIXES[Math.floor(rand() * PREFIXES.length)] + "." + n;
  return n;
}
/**
 * Strings built by concatenation are rope (cons) strings in V8, and reading their characters walks the
 * rope; names from the network arrive as flat strings (Buffer#toString). Flatten before measuring.
 */
function flat(a: string[]): string[] {
  return JSON.parse(JSON.stringify(a)) as string[];
}
function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function mem(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await setImmediate();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function timeLookups(queries: readonly string[], look: (q: string) => number): number {
  let sink = 0;
  for (let i = 0; i < Math.min(queries.length, 200_000); i++) sink += look(queries[i]!); // warm-up
  // CPU time of this process, not wall time: "per core" should not depend on what else the machine runs.
  const c0 = process.cpuUsage();
  for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < queries.length; i++) sink += look(queries[i]!);
  const c = process.cpuUsage(c0);
  if (sink === -1) console.log(sink);
  return (queries.length * ROUNDS) / ((c.user + c.system) / 1e6);
}

// ---- data (built inside functions: temporaries of top-level module code can stay reachable from the
// module's frame and would make the heap figures below wrong)
function makeData() {
  const names = new Set<string>();
  while (names.size < N) names.add(name());
  const domainList = flat([...names]);
  const entries: CategoryEntry[] = domainList.map((pattern, i) => ({ pattern, category: CATS[i % CATS.length]!, source: "synthetic" }));
  const pick = (): string => domainList[Math.floor(rand() * domainList.length)]!;
  const hits = flat(shuffle(Array.from({ length: QUERIES }, pick)));
  const hot = flat(Array.from({ length: QUERIES }, () => domainList[Math.floor(rand() * 1000)]!));
  const skewed = flat(Array.from({ length: QUERIES }, () => domainList[Math.floor(Math.exp(rand() * Math.log(domainList.length))) - 1]!));
  const deep = flat(shuffle(Array.from({ length: QUERIES }, () => `${label(2, 6)}.${label(2, 6)}.${pick()}`)));
  const misses: string[] = [];
  while (misses.length < QUERIES) {
    const q = rand() < 0.5 ? name() : `${label(2, 6)}.${name()}`;
    if (!names.has(q)) misses.push(q);
  }
  return { entries, hits, hot, skewed, deep, misses: flat(shuffle(misses)) };
}
const { entries, hits, hot, skewed, deep, misses } = makeData();

function cpuMs<T>(f: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const r = f();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / 1000];
}

// ---- peer: a Map of every entry, walked suffix by suffix
async function heapOf<T>(make: () => T): Promise<[T, number]> {
  const before = await mem();
  const value = make();
  return [value, (await mem()) - before];
}
const [map, heapMap] = await heapOf(() => {
  const m = new Map<string, CategoryId>();
  // Fresh key strings, so that the Map's figure includes its keys as ours includes its names.
  for (const e of entries) m.set(Buffer.from(e.pattern, "latin1").toString("latin1"), e.category);
  return m;
});

// ---- build, serialise, load (CPU time: see above)
const [built, buildMs] = cpuMs(() => buildCategoryDatabase({
  version: "bench",
  lists: [{ source: { name: "synthetic", licence: "CC0-1.0", fetched: "2026-11-26", version: "bench" }, entries }],
}));
if (built.rejected.length) throw new Error(`rejected ${built.rejected.length}, e.g. ${JSON.stringify(built.rejected[0])}`);
const [buf, serialiseMs] = cpuMs(() => serialiseCategoryDatabase(built.database));
const [[db, loadMs], heapDb] = await heapOf(() => cpuMs(() => loadCategoryDatabase(buf)));
const stats = db.stats();
const count = stats.domainEntries;

function mapLookup(q: string): number {
  let n = 0;
  let s = q.toLowerCase();
  if (s.endsWith(".")) s = s.slice(0, -1);
  for (;;) {
    if (map.has(s)) n++;
    const dot = s.indexOf(".");
    if (dot < 0) return n;
    s = s.slice(dot + 1);
  }
}

/** Calibration: FNV-1a over the name and nothing else — the CPU-bound floor of any hashing matcher here. */
function hashOnly(q: string): number {
  let h = 0x811c9dc5;
  for (let i = q.length - 1; i >= 0; i--) h = Math.imul(h ^ q.charCodeAt(i), 0x01000193);
  return h & 1;
}

const ours = (q: string): number => {
  const r = db.lookupDomain(q);
  return r.ok ? r.hits.length : 0;
};

// Sanity: both agree on entry counts for a sample (the Map peer has no seed entries, compare hits only).
for (let i = 0; i < 1000; i++) if (ours(hits[i]!) < 1) throw new Error(`missed ${hits[i]}`);

const rows: [string, number, number][] = [
  ["hits, hot set (1,000 names, cache-resident)", timeLookups(hot, ours), timeLookups(hot, mapLookup)],
  ["hits, skewed (≈ Zipf over 1 M)", timeLookups(skewed, ours), timeLookups(skewed, mapLookup)],
  ["hits, uniform (exact entry)", timeLookups(hits, ours), timeLookups(hits, mapLookup)],
  ["hits, uniform, 2 labels below an entry", timeLookups(deep, ours), timeLookups(deep, mapLookup)],
  ["misses, uniform", timeLookups(misses, ours), timeLookups(misses, mapLookup)],
];

const fmt = (n: number, d = 1): string => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\ncategory database, ${fmt(count, 0)} domains (+ curated seed), node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
console.log("| measure | value |");
console.log("|---|---|");
console.log(`| build (seed + ${fmt(N, 0)} entries → compiled), CPU | ${fmt(buildMs, 0)} ms |`);
console.log(`| serialise, CPU | ${fmt(serialiseMs, 0)} ms |`);
console.log(`| load (hash + structure + floor check), CPU | ${fmt(loadMs, 0)} ms |`);
console.log(`| serialised size | ${fmt(buf.length / 1048576)} MiB = ${fmt(buf.length / count)} bytes/domain |`);
console.log(`|   slot table / long-label pool | ${fmt(stats.tableBytes / count)} / ${fmt(stats.poolBytes / count)} bytes/domain (${fmt(stats.nodes, 0)} nodes in ${fmt(stats.capacity, 0)} slots, load ${fmt(stats.nodes / stats.capacity, 2)}) |`);
console.log(`| heap delta after load | ${fmt(heapDb / count)} bytes/domain |`);
console.log(`| peer: Map<string, category> heap (keys included) | ${fmt(heapMap / N)} bytes/domain |`);
console.log("");
console.log("| lookups/s (1 core) | qaqpa | peer Map | ratio |");
console.log("|---|---|---|---|");
for (const [label, a, b] of rows) console.log(`| ${label} | ${fmt(a / 1e6, 2)} M | ${fmt(b / 1e6, 2)} M | ${fmt(a / b, 2)}× |`);
const floor = timeLookups(hits, hashOnly);
console.log(`| calibration: FNV-1a of the name only, no table | ${fmt(floor / 1e6, 2)} M | | |`);
