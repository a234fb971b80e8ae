/**
 * The compiled category database as bytes: it travels inside the gateway's policy snapshot, and its
 * content hash is its identity there.
 *
 *   offset  size  field
 *   0       8     magic "QQCATDB\0"
 *   8       4     format (1), u32 LE
 *   12      4     meta length M (bytes of UTF-8 JSON, padded with spaces to a multiple of 4)
 *   16      4     slot table length T (bytes; 20 per slot)
 *   20      4     pool length P (bytes)
 *   24      32    SHA-256 over bytes 0..24 and everything after byte 56
 *   56      M     meta: version, taxonomy version, sources (name, licence, fetched, version, url,
 *                 entry count), category ids, category sets, URL-path and address entries
 *   56+M    T     domain suffix table, u32 LE words (see suffix-table.ts)
 *   56+M+T  P     domain name pool (ASCII)
 *
 * Deterministic: equal parts give equal bytes, so two control-plane replicas compiling the same lists
 * announce the same snapshot id. Reading verifies the hash and then the structure slot by slot (every
 * label's home slot recomputed), and copies the arrays out of the buffer so that nobody holding the
 * buffer can change the matcher after it was checked. Reading costs one pass over the table; a crafted
 * table cannot make a lookup loop or read outside the arrays (verify() checks parents, bounds, padding
 * and reachability), and the hash keeps accidental corruption out before that.
 */
import { createHash } from "node:crypto";
import type { CompiledSource } from "./entry.js";
import type { DatabaseParts } from "./matcher.js";
import { normaliseDomain, normalisePath, parsePattern } from "./normalise.js";
import { SuffixTable } from "./suffix-table.js";
import { type CategoryId, isCategoryId } from "./taxonomy.js";

const MAGIC = Buffer.from("QQCATDB\0", "latin1");
const FORMAT = 1;
const HEADER = 56;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export type CategoryDatabaseErrorCode = "malformed" | "hash-mismatch" | "unsupported-format" | "unknown-category" | "protected-floor";

export class CategoryDatabaseError extends Error {
  override name = "CategoryDatabaseError";
  readonly code: CategoryDatabaseErrorCode;
  constructor(code: CategoryDatabaseErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

interface Meta {
  format: number;
  version: string;
  taxonomyVersion: string;
  sources: CompiledSource[];
  categories: string[];
  sets: [number, number][][];
  domainNodes: number;
  domainEntries: number;
  urls: [string, [string, number][]][];
  ips: [string, number][];
}

function metaOf(parts: DatabaseParts): Buffer {
  const meta: Meta = {
    format: FORMAT,
    version: parts.version,
    taxonomyVersion: parts.taxonomyVersion,
    // Fixed key order: the caller's object layout must not change the bytes.
    sources: parts.sources.map((s) => {
      const o: { name: string; licence: string; fetched: string; version: string; url?: string; entryCount: number } = {
        name: s.name, licence: s.licence, fetched: s.fetched, version: s.version, entryCount: s.entryCount,
      };
      if (s.url !== undefined) o.url = s.url;
      return o;
    }),
    categories: [...parts.categories],
    sets: parts.sets.map((set) => set.map(([c, s]) => [c, s] as [number, number])),
    domainNodes: parts.domains.nodes,
    domainEntries: parts.domainEntries,
    urls: parts.urls.map(([h, paths]) => [h, paths.map(([p, id]) => [p, id] as [string, number])]),
    ips: parts.ips.map(([p, id]) => [p, id]),
  };
  const json = Buffer.from(JSON.stringify(meta), "utf8");
  const padded = Buffer.alloc((json.length + 3) & ~3, 0x20);
  json.copy(padded);
  return padded;
}

function slotBytes(slots: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(slots.buffer, slots.byteOffset, slots.byteLength);
  const out = Buffer.alloc(slots.byteLength);
  for (let i = 0; i < slots.length; i++) out.writeUInt32LE(slots[i]!, i * 4);
  return out;
}

function headerOf(meta: Buffer, slots: Buffer, pool: Uint8Array): Buffer {
  const h = Buffer.alloc(HEADER);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(FORMAT, 8);
  h.writeUInt32LE(meta.length, 12);
  h.writeUInt32LE(slots.length, 16);
  h.writeUInt32LE(pool.byteLength, 20);
  return h;
}

function digest(header: Buffer, meta: Uint8Array, slots: Uint8Array, pool: Uint8Array): Buffer {
  return createHash("sha256").update(header.subarray(0, 24)).update(meta).update(slots).update(pool).digest();
}

/** SHA-256 (hex) of the serialised form, computed without building the buffer. */
export function contentHashOf(parts: DatabaseParts): string {
  const meta = metaOf(parts);
  const slots = slotBytes(parts.domains.slots);
  return digest(headerOf(meta, slots, parts.domains.pool), meta, slots, parts.domains.pool).toString("hex");
}

export function encodeParts(parts: DatabaseParts): Buffer {
  const meta = metaOf(parts);
  const slots = slotBytes(parts.domains.slots);
  const pool = parts.domains.pool;
  const header = headerOf(meta, slots, pool);
  digest(header, meta, slots, pool).copy(header, 24);
  return Buffer.concat([header, meta, slots, pool]);
}

function malformed(message: string): never {
  throw new CategoryDatabaseError("malformed", message);
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isIndex = (v: unknown, limit: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < limit;

/** Read and verify a serialised database. Throws `CategoryDatabaseError` on any defect. */
export function decodeParts(buf: Uint8Array): { parts: DatabaseParts; contentHash: string } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER || !b.subarray(0, 8).equals(MAGIC)) malformed("not a category database");
  const format = b.readUInt32LE(8);
  if (format !== FORMAT) throw new CategoryDatabaseError("unsupported-format", `category database format ${format}`);
  const m = b.readUInt32LE(12);
  const t = b.readUInt32LE(16);
  const p = b.readUInt32LE(20);
  if (m % 4 !== 0 || t % 20 !== 0 || HEADER + m + t + p !== b.length) malformed("section lengths do not add up");
  const metaBytes = b.subarray(HEADER, HEADER + m);
  const slotSrc = b.subarray(HEADER + m, HEADER + m + t);
  const poolSrc = b.subarray(HEADER + m + t);
  const hash = digest(b, metaBytes, slotSrc, poolSrc);
  if (!hash.equals(b.subarray(24, HEADER))) throw new CategoryDatabaseError("hash-mismatch", "content hash does not match");

  let meta: Meta;
  try {
    meta = JSON.parse(metaBytes.toString("utf8")) as Meta;
  } catch {
    malformed("metadata is not JSON");
  }
  if (typeof meta !== "object" || meta === null) malformed("metadata is not an object");
  if (!isStr(meta.version) || !isStr(meta.taxonomyVersion)) malformed("version fields");
  if (!Array.isArray(meta.sources) || !meta.sources.every((s) => s && isStr(s.name) && isStr(s.licence) && isStr(s.fetched) && isStr(s.version) &&
      (s.url === undefined || isStr(s.url)) && Number.isInteger(s.entryCount))) malformed("sources");
  if (!Array.isArray(meta.categories) || !meta.categories.every(isStr)) malformed("categories");
  for (const c of meta.categories) {
    // A database from a newer taxonomy: refuse rather than match ids this gateway cannot interpret.
    if (!isCategoryId(c)) throw new CategoryDatabaseError("unknown-category", `unknown category ${c} (taxonomy ${meta.taxonomyVersion})`);
  }
  const nc = meta.categories.length;
  const ns = meta.sources.length;
  if (!Array.isArray(meta.sets) || !Array.isArray(meta.sets[0]) || meta.sets[0].length !== 0) malformed("category sets");
  for (const set of meta.sets.slice(1)) {
    if (!Array.isArray(set) || set.length === 0 || !set.every((pr) => Array.isArray(pr) && pr.length === 2 && isIndex(pr[0], nc) && isIndex(pr[1], ns))) {
      malformed("category set");
    }
  }
  const nsets = meta.sets.length;
  if (!Array.isArray(meta.urls) || !meta.urls.every((u) => Array.isArray(u) && u.length === 2 && isStr(u[0]) && Array.isArray(u[1]) &&
      u[1].every((pp) => Array.isArray(pp) && pp.length === 2 && isStr(pp[0]) && isIndex(pp[1], nsets) && pp[1] !== 0))) malformed("URL entries");
  for (const [host, paths] of meta.urls) {
    const n = normaliseDomain(host);
    if (!n.ok || n.name !== host) malformed(`URL host ${host}`);
    for (const [path] of paths) if (path === "/" || normalisePath(path) !== path) malformed(`URL path ${path}`);
  }
  if (!Array.isArray(meta.ips) || !meta.ips.every((e) => Array.isArray(e) && e.length === 2 && isStr(e[0]) && isIndex(e[1], nsets) && e[1] !== 0)) malformed("address entries");
  for (const [pattern] of meta.ips) {
    const parsed = parsePattern(pattern);
    if (!parsed.ok || parsed.pattern.kind !== "ip" || parsed.pattern.key !== pattern) malformed(`address entry ${pattern}`);
  }
  if (!Number.isInteger(meta.domainNodes) || !Number.isInteger(meta.domainEntries)) malformed("domain counts");

  // Copy out: the matcher must not share memory with a buffer someone else holds.
  const slots = new Uint32Array(t / 4);
  if (LITTLE_ENDIAN) new Uint8Array(slots.buffer).set(slotSrc);
  else for (let i = 0; i < slots.length; i++) slots[i] = slotSrc.readUInt32LE(i * 4);
  const pool = new Uint8Array(p);
  pool.set(poolSrc);
  const table = new SuffixTable(slots, pool, meta.domainNodes);
  const defect = table.verify(nsets - 1);
  if (defect) malformed(`domain table: ${defect}`);

  const parts: DatabaseParts = {
    version: meta.version,
    taxonomyVersion: meta.taxonomyVersion,
    sources: meta.sources,
    categories: meta.categories as CategoryId[],
    sets: meta.sets,
    domains: table,
    domainEntries: meta.domainEntries,
    urls: meta.urls,
    ips: meta.ips,
  };
  return { parts, contentHash: hash.toString("hex") };
}
