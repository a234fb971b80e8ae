/**
 * Catalogue benchmark (Rules p.13): the longest-prefix match the gateway runs once per connection, the
 * overlap check and CSV import the control plane runs per catalogue update.
 *
 *   node --import tsx benchmarks/catalogue-lpm.bench.ts [--prefixes 100000] [--lookups 1000000] [--rounds 5]
 *
 * The data is synthetic and deterministic (seeded): 100,000 prefixes, 70 % IPv4 (/16–/32, mostly
 * /22–/29, a fifth nested inside another) and 30 % IPv6 (/29–/128, mostly /48–/64, some /65–/128).
 * Lookup addresses are 80 % inside a catalogue prefix and 20 % anywhere. Rates are per second of this
 * process's CPU time (what one core gives, even on a shared machine), with the best wall-clock round
 * beside them; times are CPU time with wall-clock time beside. The alternative rows show why the table
 * has its own parser. The header prints the load average the figures were taken under.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import ipaddr from "ipaddr.js";
import { exportCatalogueCsv, parseCatalogueCsv, type CatalogueCsvRow } from "../src/domain/catalogue/csv.js";
import { buildLpmTable, LpmTable, parseIPv6ToWords, type LpmEntry } from "../src/domain/catalogue/lpm.js";
import { findConflicts, type Candidate, type CatalogueEntry } from "../src/domain/catalogue/overlap.js";
import { binCheckDigit } from "../src/domain/catalogue/bin-check.js";
import { formatAddress, makePrefix, type Prefix } from "../src/domain/catalogue/prefix.js";

const { values: args } = parseArgs({
  options: {
    prefixes: { type: "string", default: "100000" },
    lookups: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "5" },
  },
});
const N = Number(args.prefixes);
const LOOKUPS = Number(args.lookups);
const ROUNDS = Number(args.rounds);

// mulberry32: small, seeded, good enough to spread test data.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mask(words: number[], len: number): number[] {
  return words.map((x, i) => {
    const bits = len - 32 * i;
    if (bits >= 32) return x >>> 0;
    if (bits <= 0) return 0;
    return (x & ((0xffffffff << (32 - bits)) >>> 0)) >>> 0;
  });
}

function generatePrefixes(count: number, seed: number): Prefix[] {
  const r = rng(seed);
  const u32 = () => Math.floor(r() * 4294967296) >>> 0;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Prefix[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    let family: 4 | 6 = r() < 0.7 ? 4 : 6;
    let words: number[];
    let len: number;
    const parent = out.length > 0 && r() < 0.2 ? out[Math.floor(r() * out.length)]! : undefined;
    if (parent && parent.length < (parent.family === 4 ? 32 : 128)) {
      // A nested prefix: the parent's bits, random below them, a longer length.
      family = parent.family;
      const bits = parent.family === 4 ? 32 : 128;
      len = parent.length + 1 + Math.floor(r() * Math.min(8, bits - parent.length));
      const noise = family === 4 ? [u32()] : [u32(), u32(), u32(), u32()];
      const keep = mask([...parent.words], parent.length);
      const below = noise.map((x, i) => (x & ~mask([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff].slice(0, noise.length), parent.length)[i]!) >>> 0);
      words = mask(keep.map((x, i) => (x | below[i]!) >>> 0), len);
    } else if (family === 4) {
      len = pick([16, 20, 22, 23, 24, 24, 24, 25, 26, 27, 28, 28, 29, 30, 32, 32]);
      words = mask([u32()], len);
    } else {
      len = pick([29, 32, 40, 44, 48, 48, 48, 56, 56, 60, 64, 64, 64, 72, 96, 112, 120, 127, 128]);
      // Global unicast space (2000::/3), as Kazakh operators' allocations are.
      words = mask([((0x20000000 | (u32() & 0x1fffffff)) >>> 0), u32(), u32(), u32()], len);
    }
    const p = makePrefix(family, words, len);
    if (!p.ok || seen.has(p.prefix.text)) continue;
    seen.add(p.prefix.text);
    out.push(p.prefix);
  }
  return out;
}

function addressesFor(prefixes: readonly Prefix[], count: number, seed: number, family: 4 | 6 | "mixed"): { text: string[]; words: Uint32Array[] } {
  const r = rng(seed);
  const u32 = () => Math.floor(r() * 4294967296) >>> 0;
  const byFamily = family === "mixed" ? prefixes : prefixes.filter((p) => p.family === family);
  const text: string[] = [];
  const words: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    let f: 4 | 6;
    let w: number[];
    if (r() < 0.8) {
      const p = byFamily[Math.floor(r() * byFamily.length)]!;
      f = p.family;
      const noise = f === 4 ? [u32()] : [u32(), u32(), u32(), u32()];
      const m = mask(f === 4 ? [0xffffffff] : [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], p.length);
      w = noise.map((x, k) => ((p.words[k]! & m[k]!) | (x & ~m[k]!)) >>> 0);
    } else {
      f = family === "mixed" ? (r() < 0.7 ? 4 : 6) : family;
      w = f === 4 ? [u32()] : [((0x20000000 | (u32() & 0x1fffffff)) >>> 0), u32(), u32(), u32()];
    }
    const ww = Uint32Array.from(w);
    words.push(ww);
    text.push(formatAddress(f, ww));
  }
  return { text, words };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Runs `body` (which does `n` lookups) ROUNDS times. Returns the median rate per second of this
 * process's CPU time (user + system, `process.cpuUsage`) and the best wall-clock rate. On a shared
 * machine other processes stretch wall-clock time but not the CPU time this loop consumes, so the CPU
 * figure is what one core gives; the wall-clock figure is a lower bound taken under the printed load.
 */
function rate(n: number, body: () => number): { cpu: number; wall: number; check: number } {
  let check = 0;
  body(); // warm-up
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    check += body();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    cpu.push(n / ((c.user + c.system) / 1e6));
    wall.push(n / dt);
  }
  return { cpu: median(cpu), wall: Math.max(...wall), check };
}

/** Runs `f` once; returns its CPU and wall-clock milliseconds. */
function time<T>(f: () => T): { ms: number; wallMs: number; value: T } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = f();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1e3, wallMs, value };
}

const rows: [string, string, string][] = [];
const fmtRate = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
const fmtMs = (t: { ms: number; wallMs: number }) => `${t.ms.toFixed(0)} ms (wall ${t.wallMs.toFixed(0)} ms)`;

// ---------------------------------------------------------------------------------------------------

const prefixes = generatePrefixes(N, 13);
const entries: LpmEntry[] = prefixes.map((prefix, i) => ({ prefix, value: i % 60_000 }));
const v4count = prefixes.filter((p) => p.family === 4).length;

const build = time(() => buildLpmTable(entries));
const table = build.value;
const st = table.stats;
rows.push(["build", `${N.toLocaleString("en")} prefixes (${v4count} IPv4, ${N - v4count} IPv6) → ${st.v4Ranges} + ${st.v6Ranges} ranges`, fmtMs(build)]);
const ser = time(() => table.toBuffer());
rows.push(["toBuffer", `${(ser.value.length / 1024).toFixed(0)} KiB`, fmtMs(ser)]);
const de = time(() => LpmTable.fromBuffer(ser.value));
rows.push(["fromBuffer", "with validation and index rebuild", fmtMs(de)]);

const mixed = addressesFor(prefixes, LOOKUPS, 7, "mixed");
const only4 = addressesFor(prefixes, LOOKUPS, 8, 4);
const only6 = addressesFor(prefixes, LOOKUPS, 9, 6);
const mapped = only4.text.map((s) => `::ffff:${s}`);

const byString = (list: string[]) => () => {
  let acc = 0;
  for (let i = 0; i < list.length; i++) acc += table.lookup(list[i]!);
  return acc;
};
const lookups: [string, { cpu: number; wall: number; check: number }][] = [
  ["lookup(string), IPv4", rate(LOOKUPS, byString(only4.text))],
  ["lookup(string), IPv6", rate(LOOKUPS, byString(only6.text))],
  ["lookup(string), 70 % IPv4 / 30 % IPv6", rate(LOOKUPS, byString(mixed.text))],
  ["lookup(string), ::ffff:a.b.c.d (dual-stack socket)", rate(LOOKUPS, byString(mapped))],
];
const v4raw = Uint32Array.from(only4.words, (w) => w[0]!);
lookups.push(["lookupV4(uint32)", rate(LOOKUPS, () => {
  let acc = 0;
  for (let i = 0; i < v4raw.length; i++) acc += table.lookupV4(v4raw[i]!);
  return acc;
})]);
const v6raw = new Uint32Array(only6.words.length * 4);
only6.words.forEach((w, i) => v6raw.set(w, i * 4));
lookups.push(["lookupV6(w0, w1, w2, w3)", rate(LOOKUPS, () => {
  let acc = 0;
  for (let i = 0; i < v6raw.length; i += 4) acc += table.lookupV6(v6raw[i]!, v6raw[i + 1]!, v6raw[i + 2]!, v6raw[i + 3]!);
  return acc;
})]);
// Alternatives, side by side: the same table behind ipaddr.js parsing, and a parse-only baseline.
const some = mixed.text.slice(0, Math.min(LOOKUPS, 200_000));
lookups.push(["alternative: ipaddr.js parse + lookupBytes, mixed", rate(some.length, () => {
  let acc = 0;
  for (let i = 0; i < some.length; i++) acc += table.lookupBytes(Uint8Array.from(ipaddr.parse(some[i]!).toByteArray()));
  return acc;
})]);
const scratch = new Uint32Array(4);
lookups.push(["parse only: parseIPv6ToWords, IPv6", rate(LOOKUPS, () => {
  let acc = 0;
  for (let i = 0; i < only6.text.length; i++) acc += parseIPv6ToWords(only6.text[i]!, scratch) ? scratch[3]! & 1 : 0;
  return acc;
})]);
for (const [name, r] of lookups) rows.push([name, `per CPU-second, median of ${ROUNDS} (best wall ${fmtRate(r.wall)})`, fmtRate(r.cpu)]);

// Overlap check: N existing entries of 5,000 organisations, N candidates (half new, half edits).
const existing: CatalogueEntry<number, number>[] = prefixes.map((prefix, i) => ({ id: i, prefix, organisationId: i % 5_000 }));
const fresh = generatePrefixes(N, 99);
const candidates: Candidate<number, number>[] = fresh.map((prefix, i) => ({ prefix, organisationId: (i * 7) % 5_000 }));
const ov = time(() => findConflicts(existing, candidates));
rows.push(["findConflicts", `${N.toLocaleString("en")} candidates vs ${N.toLocaleString("en")} entries → ${ov.value.length.toLocaleString("en")} conflicts`, fmtMs(ov)]);
const one = time(() => findConflicts(existing, [candidates[0]!]));
rows.push(["findConflicts", `1 candidate vs ${N.toLocaleString("en")} entries (scan)`, fmtMs(one)]);

// CSV: N rows through export and parse.
const bins = ["120340012345", "151140007776", "190740011116", "940140000385", "990140004654"];
for (let i = 0; bins.length < 200; i++) {
  const d = String(100_000_000_00 + i * 7919).slice(0, 11);
  const c = binCheckDigit(d);
  if (c !== undefined) bins.push(d + c);
}
const csvRows: CatalogueCsvRow[] = prefixes.map((prefix, i) => ({
  prefix,
  organisationBin: bins[i % bins.length]!,
  operatorBin: bins[(i * 3) % 5]!,
  ...(i % 3 === 0 ? { contractNumber: `Д-${i}/2025` } : {}),
  ...(i % 5 === 0 ? { note: i % 10 === 0 ? `Филиал №${i}, "здание" ${i}` : `branch ${i}` } : {}),
}));
const exp = time(() => exportCatalogueCsv(csvRows));
rows.push(["exportCatalogueCsv", `${N.toLocaleString("en")} rows, ${(Buffer.byteLength(exp.value) / 1048576).toFixed(1)} MiB`, fmtMs(exp)]);
const bytes = Buffer.from(exp.value, "utf8");
const parsed = time(() => parseCatalogueCsv(bytes));
if (parsed.value.errors.length > 0 || parsed.value.rows.length !== N) throw new Error(`CSV round trip failed: ${JSON.stringify(parsed.value.errors.slice(0, 3))}`);
rows.push(["parseCatalogueCsv", `${N.toLocaleString("en")} rows from bytes, every row validated`, fmtMs(parsed)]);

// ---------------------------------------------------------------------------------------------------

const width = [0, 1, 2].map((k) => Math.max(...rows.map((r) => r[k]!.length), ["what", "detail", "result"][k]!.length));
// Times are CPU time of this process; wall-clock time follows in brackets.
const line = (r: string[]) => `| ${r.map((c, k) => (k === 2 ? c.padStart(width[k]!) : c.padEnd(width[k]!))).join(" | ")} |`;
console.log("node --import tsx benchmarks/catalogue-lpm.bench.ts" + (process.argv.length > 2 ? " " + process.argv.slice(2).join(" ") : ""));
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
console.log(line(["what", "detail", "result"]));
console.log(`|${width.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows) console.log(line(r));
// Keep the lookups observable so nothing is optimised away.
console.log(`(checksum ${lookups.reduce((a, [, r]) => a + r.check, 0)})`);
