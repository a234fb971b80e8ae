/**
 * Longest-prefix match over the IP address catalogue: source address → organisation (Rules p.13: the
 * gateway recognises the organisation by the source address and detects addresses missing from the
 * catalogue). It runs once per connection on the data plane, from the immutable policy snapshot.
 *
 * Primitives:
 *   - `buildLpmTable(entries)`  `{prefix, value}` → immutable `LpmTable` (IPv4 and IPv6 mixed);
 *   - `LpmTable.lookup(text)`   the address string from the socket → value, `LPM_NO_MATCH` or
 *                                `LPM_INVALID_ADDRESS`; no allocation;
 *   - `lookupV4(uint32)`, `lookupV6(w0, w1, w2, w3)`, `lookupBytes(bytes)`: the same from raw forms;
 *   - `toBuffer()` / `LpmTable.fromBuffer()`: the table inside the policy snapshot;
 *   - `parseIPv4ToUint32`, `parseIPv6ToWords`: the allocation-free parsers of the hot path.
 *
 * Design. Nested prefixes are flattened into disjoint ranges that cover the whole address space, each
 * carrying the value of its innermost (longest) prefix or `LPM_NO_MATCH`; adjacent ranges with the same
 * value are merged. A lookup is then "the last range starting at or before the address": a binary
 * search over a sorted array of range starts. IPv4 starts are one Uint32Array; IPv6 starts are four
 * uint32 words per range (all 128 bits, so /65–/128 prefixes are exact; BigInt would allocate). A
 * 65,537-entry index on the top 16 bits of the address narrows each search to the ranges of that /16
 * (IPv4) or 16-bit IPv6 block, usually a handful. n prefixes give at most 2n + 1 ranges per family.
 *
 * A value is a small non-negative integer that the snapshot compiler maps to organisation and operator
 * (or to the catalogue entry). The same prefix given twice with two values is refused: the catalogue's
 * overlap rule (overlap.ts) makes that impossible, so it signals a compiler bug, not data to guess at.
 *
 * Addresses in IPv4-mapped IPv6 form (::ffff:a.b.c.d, RFC 4291 §2.5.5.2), as a dual-stack listener
 * reports IPv4 peers, are looked up as IPv4 by every entry point; the catalogue never holds mapped
 * prefixes (prefix.ts).
 */
import type { Prefix } from "./prefix.js";

/** The address is in no catalogue prefix (an unknown source, p.13). */
export const LPM_NO_MATCH = -1;
/** The string is not an IPv4 or IPv6 address. */
export const LPM_INVALID_ADDRESS = -2;
/** Largest value a table can carry (values are stored as int32; negatives are the two answers above). */
export const LPM_MAX_VALUE = 0x7fffffff;

export interface LpmEntry {
  readonly prefix: Prefix;
  readonly value: number;
}

export class LpmBuildError extends Error {
  override name = "LpmBuildError";
  constructor(readonly code: "invalid-value" | "conflicting-values", message: string) {
    super(message);
  }
}

export class LpmFormatError extends Error {
  override name = "LpmFormatError";
}

export interface LpmStats {
  readonly v4Prefixes: number;
  readonly v6Prefixes: number;
  readonly v4Ranges: number;
  readonly v6Ranges: number;
  /** Size of `toBuffer()`. */
  readonly bytes: number;
}

// ---------------------------------------------------------------------------------------------------
// Allocation-free parsers of the hot path. They accept the same grammar as prefix.ts for addresses
// (strict dotted quad, RFC 4291 §2.2 IPv6), and additionally ignore an IPv6 zone id (`%eth0`), which
// Node reports for link-local peers and which does not change which prefix an address is in.

/**
 * Parses `s[start, end)` as a strict dotted quad; returns the address as an unsigned 32-bit integer, or
 * -1. No leading zeros (an octal reading would differ), octets 0–255, exactly four.
 */
function parseV4Range(s: string, start: number, end: number): number {
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let leadingZero = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && leadingZero) return -1;
      if (digits === 0) leadingZero = c === 48;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      acc = acc * 256 + part;
      part = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return acc * 256 + part;
}

/** Parses a strict dotted-quad IPv4 address to an unsigned 32-bit integer, or -1. */
export function parseIPv4ToUint32(s: string): number {
  return parseV4Range(s, 0, s.length);
}

const groups = new Int32Array(8);

/** Hex digit values by character code, -1 for anything else: one load per character. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[97 + c] = 10 + c;
  HEX[65 + c] = 10 + c;
}

/**
 * Parses an IPv6 address into four big-endian uint32 words in `out`; returns false when `s` is not one.
 * An embedded dotted quad is accepted as the last 32 bits; a zone id is ignored.
 */
export function parseIPv6ToWords(s: string, out: Uint32Array): boolean {
  let end = s.indexOf("%");
  if (end === -1) end = s.length;
  else if (end === s.length - 1) return false; // "%" with an empty zone
  let i = 0;
  let n = 0;
  let dbl = -1;
  if (end >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    dbl = 0;
    i = 2;
    if (end === 2) {
      out[0] = 0; out[1] = 0; out[2] = 0; out[3] = 0;
      return true;
    }
  }
  for (;;) {
    const groupStart = i;
    let v = 0;
    let digits = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      const h = c < 128 ? HEX[c]! : -1;
      if (h < 0) break;
      if (++digits > 4) return false;
      v = (v << 4) | h;
      i++;
    }
    if (i < end && s.charCodeAt(i) === 46) {
      // The embedded IPv4 part: it must be the last thing and fill the last two groups.
      if (n > 6) return false;
      const w = parseV4Range(s, groupStart, end);
      if (w < 0) return false;
      groups[n++] = w >>> 16;
      groups[n++] = w & 0xffff;
      break;
    }
    if (digits === 0) return false;
    groups[n++] = v;
    if (i === end) break;
    if (n === 8 || s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (dbl !== -1) return false;
      dbl = n;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false;
    }
  }
  if (dbl === -1) {
    if (n !== 8) return false;
  } else {
    if (n > 7) return false;
    // Move the groups after "::" to the end and zero the gap.
    const tail = n - dbl;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k]!;
    for (let k = dbl; k < 8 - tail; k++) groups[k] = 0;
  }
  out[0] = ((groups[0]! << 16) | groups[1]!) >>> 0;
  out[1] = ((groups[2]! << 16) | groups[3]!) >>> 0;
  out[2] = ((groups[4]! << 16) | groups[5]!) >>> 0;
  out[3] = ((groups[6]! << 16) | groups[7]!) >>> 0;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Building: flatten nested prefixes into disjoint ranges.

const BUCKETS = 1 << 16;

/**
 * Sweeps the prefixes of one family in `comparePrefixes` order and emits the start and value of every
 * range where the innermost covering prefix changes. Keys are BigInt here (build time only); the
 * result is packed into typed arrays.
 */
interface FlatItem {
  start: bigint;
  end: bigint;
  length: number;
  value: number;
  text: string;
}

function flatten(items: FlatItem[], max: bigint): { starts: bigint[]; values: number[]; prefixes: number } {
  items.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.length - b.length));
  const starts: bigint[] = [0n];
  const values: number[] = [LPM_NO_MATCH];
  const emit = (at: bigint, value: number) => {
    const last = starts.length - 1;
    if (starts[last] === at) {
      // Two boundaries at one key (a range closes where the next opens): the later one wins.
      values[last] = value;
      if (last > 0 && values[last - 1] === value) { starts.pop(); values.pop(); }
    } else if (values[last] !== value) {
      starts.push(at);
      values.push(value);
    }
  };
  const stack: { end: bigint; value: number }[] = [];
  const close = () => {
    const top = stack.pop()!;
    if (top.end < max) emit(top.end + 1n, stack.length > 0 ? stack[stack.length - 1]!.value : LPM_NO_MATCH);
  };
  let prev: FlatItem | undefined;
  let prefixes = 0;
  for (const it of items) {
    if (prev !== undefined && prev.start === it.start && prev.length === it.length) {
      if (prev.value !== it.value) {
        throw new LpmBuildError("conflicting-values", `${it.text} is given twice, with values ${prev.value} and ${it.value}`);
      }
      continue;
    }
    prev = it;
    prefixes++;
    while (stack.length > 0 && stack[stack.length - 1]!.end < it.start) close();
    emit(it.start, it.value);
    stack.push({ end: it.end, value: it.value });
  }
  while (stack.length > 0) close();
  return { starts, values, prefixes };
}

// ---------------------------------------------------------------------------------------------------

const MAGIC = 0x4d504c51; // "QLPM" read as a little-endian uint32
const VERSION = 1;
const HEADER = 24;

/**
 * An immutable longest-prefix-match table. Build it with `buildLpmTable` or load it with
 * `LpmTable.fromBuffer`; share it freely between flows (lookups keep no state between calls).
 */
export class LpmTable {
  readonly #s4: Uint32Array;
  readonly #v4: Int32Array;
  readonly #i4: Uint32Array;
  readonly #s6: Uint32Array;
  readonly #v6: Int32Array;
  readonly #i6: Uint32Array;
  readonly #p4: number;
  readonly #p6: number;
  readonly #scratch = new Uint32Array(4);

  /** Use `buildLpmTable` or `LpmTable.fromBuffer`; this only wires already validated arrays. */
  private constructor(s4: Uint32Array, v4: Int32Array, s6: Uint32Array, v6: Int32Array, p4: number, p6: number) {
    this.#s4 = s4;
    this.#v4 = v4;
    this.#s6 = s6;
    this.#v6 = v6;
    this.#p4 = p4;
    this.#p6 = p6;
    this.#i4 = indexOf(s4.length, (i) => (s4[i]! >>> 16) + ((s4[i]! & 0xffff) === 0 ? 0 : 1));
    this.#i6 = indexOf(v6.length, (i) => {
      const j = i * 4;
      const aligned = (s6[j]! & 0xffff) === 0 && s6[j + 1] === 0 && s6[j + 2] === 0 && s6[j + 3] === 0;
      return (s6[j]! >>> 16) + (aligned ? 0 : 1);
    });
  }

  /**
   * Builds the table. Throws `LpmBuildError` for a value that is not an integer in 0..LPM_MAX_VALUE and
   * for the same prefix given with two different values.
   */
  static build(entries: Iterable<LpmEntry>): LpmTable {
    const items4: FlatItem[] = [];
    const items6: FlatItem[] = [];
    for (const { prefix, value } of entries) {
      if (!Number.isInteger(value) || value < 0 || value > LPM_MAX_VALUE) {
        throw new LpmBuildError("invalid-value", `value ${value} for ${prefix.text} is not an integer from 0 to ${LPM_MAX_VALUE}`);
      }
      const bits = prefix.family === 4 ? 32 : 128;
      const start = bigOf(prefix.words);
      const end = start | ((1n << BigInt(bits - prefix.length)) - 1n);
      (prefix.family === 4 ? items4 : items6).push({ start, end, length: prefix.length, value, text: prefix.text });
    }
    const f4 = flatten(items4, 0xffffffffn);
    const f6 = flatten(items6, (1n << 128n) - 1n);
    const s4 = Uint32Array.from(f4.starts, (x) => Number(x));
    const s6 = new Uint32Array(f6.starts.length * 4);
    f6.starts.forEach((x, i) => {
      for (let k = 0; k < 4; k++) s6[i * 4 + k] = Number((x >> BigInt(96 - 32 * k)) & 0xffffffffn);
    });
    return new LpmTable(s4, Int32Array.from(f4.values), s6, Int32Array.from(f6.values), f4.prefixes, f6.prefixes);
  }

  get stats(): LpmStats {
    return {
      v4Prefixes: this.#p4,
      v6Prefixes: this.#p6,
      v4Ranges: this.#v4.length,
      v6Ranges: this.#v6.length,
      bytes: HEADER + this.#v4.length * 8 + this.#v6.length * 20,
    };
  }

  /** The value of the longest prefix containing the IPv4 address `addr` (uint32), or `LPM_NO_MATCH`. */
  lookupV4(addr: number): number {
    const s = this.#s4;
    const h = addr >>> 16;
    let lo = this.#i4[h]!;
    let hi = this.#i4[h + 1]!;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= addr) lo = mid;
      else hi = mid - 1;
    }
    return this.#v4[lo]!;
  }

  /** The value for an IPv6 address given as four big-endian uint32 words; IPv4-mapped goes to IPv4. */
  lookupV6(w0: number, w1: number, w2: number, w3: number): number {
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) return this.lookupV4(w3);
    const s = this.#s6;
    const h = w0 >>> 16;
    let lo = this.#i6[h]!;
    let hi = this.#i6[h + 1]!;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const j = mid * 4;
      let le: boolean;
      let x = s[j]!;
      if (x !== w0) le = x < w0;
      else if ((x = s[j + 1]!) !== w1) le = x < w1;
      else if ((x = s[j + 2]!) !== w2) le = x < w2;
      else le = s[j + 3]! <= w3;
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return this.#v6[lo]!;
  }

  /**
   * The value for an address as it comes from the socket (`socket.remoteAddress`): a value,
   * `LPM_NO_MATCH`, or `LPM_INVALID_ADDRESS`. Allocates nothing. `remoteAddress` is undefined once the
   * socket is destroyed (Node's net docs), which answers `LPM_INVALID_ADDRESS` rather than throwing.
   */
  lookup(address: string | undefined): number {
    if (typeof address !== "string") return LPM_INVALID_ADDRESS;
    const v4 = parseV4Range(address, 0, address.length);
    if (v4 >= 0) return this.lookupV4(v4);
    const w = this.#scratch;
    if (!parseIPv6ToWords(address, w)) return LPM_INVALID_ADDRESS;
    return this.lookupV6(w[0]!, w[1]!, w[2]!, w[3]!);
  }

  /** The value for 4 (IPv4) or 16 (IPv6) address bytes in network order at `offset`. */
  lookupBytes(bytes: Uint8Array, offset = 0, length: 4 | 16 = (bytes.length - offset === 16 ? 16 : 4)): number {
    if (offset < 0 || offset + length > bytes.length) return LPM_INVALID_ADDRESS;
    const word = (o: number) => ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
    if (length === 4) return this.lookupV4(word(offset));
    if (length !== 16) return LPM_INVALID_ADDRESS;
    return this.lookupV6(word(offset), word(offset + 4), word(offset + 8), word(offset + 12));
  }

  /**
   * Serialises the table for the policy snapshot. Layout (little-endian):
   *   0  "QLPM" · 4 u8 version (1) · 5 three zero bytes · 8 u32 IPv4 range count r4 · 12 u32 IPv6 range
   *   count r6 · 16 u32 IPv4 prefix count · 20 u32 IPv6 prefix count · 24 r4 × u32 IPv4 starts ·
   *   r4 × i32 IPv4 values · r6 × 4 × u32 IPv6 starts (words most significant first) · r6 × i32 IPv6 values.
   * The index is not stored: it is rebuilt on load in O(65,536 + ranges).
   */
  toBuffer(): Buffer {
    const r4 = this.#v4.length;
    const r6 = this.#v6.length;
    const buf = Buffer.alloc(HEADER + r4 * 8 + r6 * 20);
    buf.writeUInt32LE(MAGIC, 0);
    buf.writeUInt8(VERSION, 4);
    buf.writeUInt32LE(r4, 8);
    buf.writeUInt32LE(r6, 12);
    buf.writeUInt32LE(this.#p4, 16);
    buf.writeUInt32LE(this.#p6, 20);
    let o = HEADER;
    for (let i = 0; i < r4; i++, o += 4) buf.writeUInt32LE(this.#s4[i]!, o);
    for (let i = 0; i < r4; i++, o += 4) buf.writeInt32LE(this.#v4[i]!, o);
    for (let i = 0; i < r6 * 4; i++, o += 4) buf.writeUInt32LE(this.#s6[i]!, o);
    for (let i = 0; i < r6; i++, o += 4) buf.writeInt32LE(this.#v6[i]!, o);
    return buf;
  }

  /**
   * Loads a table written by `toBuffer`, checking everything a lookup relies on (sizes, ranges starting
   * at 0 and strictly increasing, values ≥ -1). A damaged snapshot is refused with `LpmFormatError`, so
   * the gateway keeps its last good snapshot (fail closed).
   */
  static fromBuffer(input: Uint8Array): LpmTable {
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (buf.length < HEADER) throw new LpmFormatError("LPM table truncated: no header");
    if (buf.readUInt32LE(0) !== MAGIC) throw new LpmFormatError("not an LPM table (bad magic)");
    if (buf.readUInt8(4) !== VERSION) throw new LpmFormatError(`unsupported LPM table version ${buf.readUInt8(4)}`);
    if (buf.readUInt8(5) !== 0 || buf.readUInt16LE(6) !== 0) throw new LpmFormatError("LPM table header: reserved bytes are not zero");
    const r4 = buf.readUInt32LE(8);
    const r6 = buf.readUInt32LE(12);
    const p4 = buf.readUInt32LE(16);
    const p6 = buf.readUInt32LE(20);
    if (r4 < 1 || r6 < 1) throw new LpmFormatError("LPM table: each family needs at least one range");
    if (buf.length !== HEADER + r4 * 8 + r6 * 20) throw new LpmFormatError("LPM table: length does not match its range counts");
    if (r4 > 2 * p4 + 1 || r6 > 2 * p6 + 1) throw new LpmFormatError("LPM table: more ranges than its prefixes can make");
    const s4 = new Uint32Array(r4);
    const v4 = new Int32Array(r4);
    const s6 = new Uint32Array(r6 * 4);
    const v6 = new Int32Array(r6);
    let o = HEADER;
    for (let i = 0; i < r4; i++, o += 4) s4[i] = buf.readUInt32LE(o);
    for (let i = 0; i < r4; i++, o += 4) v4[i] = buf.readInt32LE(o);
    for (let i = 0; i < r6 * 4; i++, o += 4) s6[i] = buf.readUInt32LE(o);
    for (let i = 0; i < r6; i++, o += 4) v6[i] = buf.readInt32LE(o);
    if (s4[0] !== 0) throw new LpmFormatError("LPM table: the first IPv4 range does not start at 0.0.0.0");
    if (s6[0] !== 0 || s6[1] !== 0 || s6[2] !== 0 || s6[3] !== 0) throw new LpmFormatError("LPM table: the first IPv6 range does not start at ::");
    for (let i = 1; i < r4; i++) {
      if (!(s4[i - 1]! < s4[i]!)) throw new LpmFormatError(`LPM table: IPv4 range ${i} is out of order`);
    }
    for (let i = 1; i < r6; i++) {
      if (compareWords(s6, (i - 1) * 4, i * 4) >= 0) throw new LpmFormatError(`LPM table: IPv6 range ${i} is out of order`);
    }
    for (const v of [v4, v6]) {
      for (let i = 0; i < v.length; i++) {
        if (v[i]! < LPM_NO_MATCH) throw new LpmFormatError(`LPM table: value ${v[i]} at range ${i} is negative`);
      }
    }
    return new LpmTable(s4, v4, s6, v6, p4, p6);
  }
}

function compareWords(a: Uint32Array, i: number, j: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[i + k]!;
    const y = a[j + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * index[h] = the last range whose start is ≤ the first key of bucket h (h = the top 16 bits), so a key in
 * bucket h is answered by a range in index[h] ..= index[h + 1]; index[65536] is the last range.
 * `firstBucket(i)` is the first bucket whose first key is ≥ the start of range i: its top 16 bits,
 * plus one unless the start is exactly the first key of that bucket.
 */
function indexOf(rangeCount: number, firstBucket: (i: number) => number): Uint32Array {
  const index = new Uint32Array(BUCKETS + 1);
  let h = 0;
  for (let r = 1; r < rangeCount; r++) {
    const b = firstBucket(r);
    while (h < b) index[h++] = r - 1;
  }
  while (h < BUCKETS) index[h++] = rangeCount - 1;
  index[BUCKETS] = rangeCount - 1;
  return index;
}

function bigOf(words: Uint32Array): bigint {
  let x = 0n;
  for (let i = 0; i < words.length; i++) x = (x << 32n) | BigInt(words[i]!);
  return x;
}

/** Builds an immutable table from `{prefix, value}` entries; see `LpmTable.build`. */
export function buildLpmTable(entries: Iterable<LpmEntry>): LpmTable {
  return LpmTable.build(entries);
}
