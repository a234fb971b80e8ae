/**
 * A compact, immutable label trie stored as one open-addressing hash table: the domain part of the
 * category database.
 *
 * Primitives:
 * - `SuffixTableBuilder.add(name, value)` then `.build()` → `SuffixTable`;
 * - `SuffixTable.walk(name)` → how many label suffixes of `name` carry a value (least specific first in
 *   `hitStart` / `hitValue`), or `WALK_INVALID` / `WALK_NEEDS_IDNA`. The walk also validates and
 *   lower-cases the name on the fly (see normalise.ts for the rule), so a lookup reads its input once.
 *
 * Layout. Every stored name and each of its label suffixes ("a.bank.kz" → "bank.kz" → "kz") is a node;
 * a node is keyed by (parent node, label). Ancestors that are not entries themselves are interior nodes
 * (value 0). A slot is five 32-bit words:
 *
 *   [ len | value << 8 ][ parent slot + 1 (0 = top level) ][ label word 0 ][ word 1 ][ word 2 ]
 *
 * with `len` = 0 marking an empty slot. Label bytes are packed in order into little-endian words, zero
 * padded. A label of up to 12 bytes lives in the three words; a longer one keeps its first 8 bytes in
 * words 1–2 and, in word 0, the offset of the whole label in `pool`. The right-to-left walk builds the
 * same packing as it reads, with a 96-bit shift register (each character enters at the low byte and pushes
 * the others up), so a query label is hashed and packed in one pass without branches. Open addressing
 * with linear probing at a fill of 0.7.
 *
 * Walk. Right to left over the name: at each dot, look up (parent, label). Every node's ancestors are
 * nodes, so the walk stops probing at the first label that is not one — a miss costs one or two probes
 * whatever the depth of the name.
 *
 * Exactness. A slot matches only if its parent index, length and label bytes are equal to the query's
 * (a long label's bytes past the eighth are compared with the pool), and the parent was itself matched exactly, so by induction
 * a matched node spells exactly the query's suffix. The hash (FNV-1a of the label mixed with the parent
 * index, through murmur3's fmix32) only chooses where to start probing: a collision — accidental or
 * crafted, FNV is not keyed — costs a probe, never a false match. A false match would exempt a site from
 * inspection under p.20 or block a legitimate one; its probability here is zero, not small.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const PARENT_MIX = 0x9e3779b1;
/** Fill of the table: linear probing stays short (≈2 probes to find, ≈6 to miss) at 0.7. */
const LOAD = 0.7;
const WORDS = 5;
const INLINE = 12;
export const MAX_SUFFIX_VALUE = 0xffffff;

export const WALK_INVALID = -1;
export const WALK_NEEDS_IDNA = -2;

export type WalkInvalidReason = "empty" | "too-long" | "empty-label" | "label-too-long" | "bad-character" | "numeric-last-label";

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Home slot: the mixed hash scaled to [0, cap) by multiplication (Lemire's range reduction) rather than
 * masked, so the capacity need not be a power of two and the table grows in proportion to its content —
 * no doubling cliff just past a power of two. IEEE-754 arithmetic is exactly specified, so builder, walk
 * and loader agree bit for bit.
 */
function home(labelHash: number, parent: number, cap: number): number {
  const i = Math.floor((fmix32(labelHash ^ Math.imul(parent, PARENT_MIX)) * cap) / 4294967296);
  return i < cap ? i : cap - 1;
}

/** FNV-1a of bytes, last to first (the order a right-to-left walk sees them). */
function labelHashOf(bytes: Uint8Array | number[], off: number, len: number): number {
  let h = FNV_OFFSET;
  for (let i = off + len - 1; i >= off; i--) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

function isNameByte(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95;
}

export class SuffixTable {
  readonly slots: Uint32Array;
  readonly pool: Uint8Array;
  readonly cap: number;
  readonly nodes: number;
  /** Result of the last `walk`: start index of each matched suffix and its value, least specific first. */
  readonly hitStart = new Int32Array(128);
  readonly hitValue = new Int32Array(128);
  /** Set by `walk`: why the name is invalid, its length without the root dot, and whether it had upper case. */
  reason: WalkInvalidReason = "empty";
  length = 0;
  upper = false;

  constructor(slots: Uint32Array, pool: Uint8Array, nodes: number) {
    this.slots = slots;
    this.pool = pool;
    this.cap = slots.length / WORDS;
    this.nodes = nodes;
  }

  get capacity(): number {
    return this.cap;
  }

  #invalid(reason: WalkInvalidReason): number {
    this.reason = reason;
    return WALK_INVALID;
  }

  /**
   * Validate, normalise and look up `s` (see the class comment). `s` may carry one trailing dot and upper
   * case; a non-ASCII character or an `xn--` label returns `WALK_NEEDS_IDNA` and the caller retries with
   * the A-label form from `domainToASCII` (the retry passes `checkXn` false).
   */
  walk(s: string, checkXn = true): number {
    let len = s.length;
    if (len > 0 && s.charCodeAt(len - 1) === 46) len--;
    this.length = len;
    this.upper = false;
    if (len === 0) return this.#invalid("empty");
    if (len > 253) {
      for (let i = 0; i < len; i++) if (s.charCodeAt(i) > 127) return WALK_NEEDS_IDNA;
      return this.#invalid("too-long");
    }
    const slots = this.slots;
    const cap = this.cap;
    const hitStart = this.hitStart;
    const hitValue = this.hitValue;
    let upper = false;
    let parent = 0;
    let probing = true;
    let n = 0;
    let h = FNV_OFFSET;
    let a0 = 0, a1 = 0, a2 = 0;
    let end = len;
    for (let i = len - 1; i >= -1; i--) {
      const c = i >= 0 ? s.charCodeAt(i) : 46;
      if (c !== 46) {
        const m = c < 128 ? NAME_BYTE[c]! : 0;
        if (m === 0) {
          if (c > 127) return WALK_NEEDS_IDNA;
          return this.#invalid("bad-character");
        }
        if (m !== c) upper = true;
        h = Math.imul(h ^ m, FNV_PRIME);
        a2 = (a2 << 8) | (a1 >>> 24);
        a1 = (a1 << 8) | (a0 >>> 24);
        a0 = (a0 << 8) | m;
        continue;
      }
      const start = i + 1;
      const l = end - start;
      if (l === 0) return this.#invalid("empty-label");
      if (l > 63) return this.#invalid("label-too-long");
      // The WHATWG host parser reads a name whose last label is a number as an IPv4 address.
      if (end === len && isNumber(s, start, end)) return this.#invalid("numeric-last-label");
      if (checkXn && l >= 4 && (s.charCodeAt(start) | 32) === 120 && (s.charCodeAt(start + 1) | 32) === 110 &&
          s.charCodeAt(start + 2) === 45 && s.charCodeAt(start + 3) === 45) {
        return WALK_NEEDS_IDNA;
      }
      if (probing) {
        const w0 = a0 >>> 0;
        const w1 = a1 >>> 0;
        const w2 = a2 >>> 0;
        let idx = home(h, parent, cap);
        let found = -1;
        for (;;) {
          const b = idx * WORDS;
          const meta = slots[b]!;
          if (meta === 0) break;
          if ((meta & 0xff) === l && slots[b + 1] === parent &&
              (l <= INLINE
                ? slots[b + 2] === w0 && slots[b + 3] === w1 && slots[b + 4] === w2
                : slots[b + 3] === w0 && slots[b + 4] === w1 && this.#poolEquals(slots[b + 2]!, s, start, l))) {
            found = idx;
            break;
          }
          idx = idx + 1 === cap ? 0 : idx + 1;
        }
        if (found < 0) probing = false;
        else {
          const v = slots[found * WORDS]! >>> 8;
          if (v !== 0) {
            hitStart[n] = start;
            hitValue[n] = v;
            n++;
          }
          parent = found + 1;
        }
      }
      h = FNV_OFFSET;
      a0 = a1 = a2 = 0;
      end = i;
    }
    this.upper = upper;
    return n;
  }

  /** Bytes 8 … l−1 of a long label (the first 8 are in the slot) against the query, lower-cased. */
  #poolEquals(off: number, s: string, start: number, l: number): boolean {
    const pool = this.pool;
    if (off + l > pool.length) return false;
    for (let k = 8; k < l; k++) {
      let b = s.charCodeAt(start + k);
      if (b >= 65 && b <= 90) b += 32;
      if (pool[off + k] !== b) return false;
    }
    return true;
  }

  /** The label bytes of an occupied slot. */
  labelOf(slot: number): Uint8Array {
    const b = slot * WORDS;
    const l = this.slots[b]! & 0xff;
    if (l > INLINE) return this.pool.subarray(this.slots[b + 2]!, this.slots[b + 2]! + l);
    const out = new Uint8Array(l);
    for (let k = 0; k < l; k++) out[k] = (this.slots[b + 2 + (k >> 2)]! >>> ((k & 3) << 3)) & 0xff;
    return out;
  }

  /**
   * Structural check of a table read from outside: every occupied slot has a valid label, a parent that
   * is an occupied slot, canonical padding, long labels inside the pool with their first bytes matching,
   * and is reachable by probing from its home slot. Returns the first defect, or undefined.
   */
  verify(maxValue: number): string | undefined {
    const { slots, pool, cap } = this;
    if (!Number.isInteger(cap) || cap < 2 || slots.length !== cap * WORDS) return "slot table length";
    let occupied = 0;
    for (let i = 0; i < cap; i++) {
      const b = i * WORDS;
      const meta = slots[b]!;
      if (meta === 0) {
        if (slots[b + 1] !== 0 || slots[b + 2] !== 0 || slots[b + 3] !== 0 || slots[b + 4] !== 0) return `slot ${i}: empty slot not zeroed`;
        continue;
      }
      occupied++;
      const l = meta & 0xff;
      if (l === 0 || l > 63) return `slot ${i}: label length ${l}`;
      if (meta >>> 8 > maxValue) return `slot ${i}: value out of range`;
      const parent = slots[b + 1]!;
      if (parent > cap || (parent !== 0 && slots[(parent - 1) * WORDS] === 0)) return `slot ${i}: parent is not a node`;
      let label: Uint8Array;
      if (l > INLINE) {
        const off = slots[b + 2]!;
        if (off + l > pool.length) return `slot ${i}: label outside the pool`;
        label = pool.subarray(off, off + l);
        const packed = pack(label, l);
        if (slots[b + 3] !== packed[0] || slots[b + 4] !== packed[1]) return `slot ${i}: label prefix differs from the pool`;
      } else {
        label = this.labelOf(i);
        for (let k = l; k < INLINE; k++) {
          if (((slots[b + 2 + (k >> 2)]! >>> ((k & 3) << 3)) & 0xff) !== 0) return `slot ${i}: label padding not zero`;
        }
      }
      for (const c of label) if (!isNameByte(c)) return `slot ${i}: bad byte in label`;
      for (let j = home(labelHashOf(label, 0, l), parent, cap); j !== i; j = j + 1 === cap ? 0 : j + 1) {
        if (slots[j * WORDS] === 0) return `slot ${i}: unreachable from its home slot`;
      }
    }
    if (occupied !== this.nodes) return `node count ${occupied} differs from header ${this.nodes}`;
    if (occupied >= cap) return "table has no empty slot";
    return undefined;
  }
}

/** The first 12 bytes of a label as three little-endian words, zero padded. */
function pack(bytes: Uint8Array, l: number): [number, number, number] {
  const w: [number, number, number] = [0, 0, 0];
  for (let k = 0; k < Math.min(l, INLINE); k++) w[k >> 2] = (w[k >> 2]! | (bytes[k]! << ((k & 3) << 3))) >>> 0;
  return w;
}

/** Name bytes: lower-case letters, digits, '-', '_' map to themselves, upper case to lower, the rest to 0. */
const NAME_BYTE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95) NAME_BYTE[c] = c;
  else if (c >= 65 && c <= 90) NAME_BYTE[c] = c + 32;
}

/** All digits, or "0x" and hex digits: what the WHATWG IPv4 parser accepts as a number. */
function isNumber(s: string, start: number, end: number): boolean {
  let digits = true;
  for (let k = start; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) {
      digits = false;
      break;
    }
  }
  if (digits) return true;
  if (end - start < 2 || s.charCodeAt(start) !== 48 || (s.charCodeAt(start + 1) | 32) !== 120) return false;
  for (let k = start + 2; k < end; k++) {
    const c = s.charCodeAt(k) | 32;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

export class SuffixTableBuilder {
  /** Full suffix → node number. */
  private readonly index = new Map<string, number>();
  private readonly parent: number[] = [];
  private readonly label: string[] = [];
  private readonly depth: number[] = [];
  private readonly val: number[] = [];

  /**
   * Add a normalised name (lower-case LDH labels, no trailing dot) with a value (1 … 2^24−1). Adding a
   * name that is already a node (an ancestor of an earlier name) sets its value.
   */
  add(name: string, value: number): void {
    if (!(value >= 1 && value <= MAX_SUFFIX_VALUE)) throw new RangeError(`suffix value ${value} out of range`);
    const node = this.node(name);
    this.val[node] = value;
  }

  private node(name: string): number {
    const known = this.index.get(name);
    if (known !== undefined) return known;
    const dot = name.indexOf(".");
    const parent = dot < 0 ? -1 : this.node(name.slice(dot + 1));
    const label = dot < 0 ? name : name.slice(0, dot);
    if (label.length === 0 || label.length > 63) throw new RangeError(`bad label in ${name}`);
    const n = this.parent.length;
    this.index.set(name, n);
    this.parent.push(parent);
    this.label.push(label);
    this.depth.push(parent < 0 ? 0 : this.depth[parent]! + 1);
    this.val.push(0);
    return n;
  }

  build(): SuffixTable {
    const n = this.parent.length;
    const cap = Math.max(8, Math.ceil((n + 1) / LOAD));
    // Parents are placed before children: a child's home slot depends on its parent's slot. Nodes keep
    // their creation order within a depth, so the same input order gives the same table.
    const byDepth: number[][] = [];
    for (let i = 0; i < n; i++) (byDepth[this.depth[i]!] ??= []).push(i);
    let poolLength = 0;
    for (let i = 0; i < n; i++) if (this.label[i]!.length > INLINE) poolLength += this.label[i]!.length;
    const pool = new Uint8Array(poolLength);
    const slots = new Uint32Array(cap * WORDS);
    const slotOf = new Int32Array(n);
    let poolAt = 0;
    const bytes = new Uint8Array(64);
    for (const level of byDepth) {
      for (const i of level ?? []) {
        const label = this.label[i]!;
        const l = label.length;
        for (let k = 0; k < l; k++) bytes[k] = label.charCodeAt(k);
        const parent = this.parent[i]! < 0 ? 0 : slotOf[this.parent[i]!]! + 1;
        let idx = home(labelHashOf(bytes, 0, l), parent, cap);
        while (slots[idx * WORDS] !== 0) idx = idx + 1 === cap ? 0 : idx + 1;
        slotOf[i] = idx;
        const b = idx * WORDS;
        slots[b] = (l | (this.val[i]! << 8)) >>> 0;
        slots[b + 1] = parent;
        const packed = pack(bytes, l);
        if (l <= INLINE) {
          slots[b + 2] = packed[0]!;
          slots[b + 3] = packed[1]!;
          slots[b + 4] = packed[2]!;
        } else {
          pool.set(bytes.subarray(0, l), poolAt);
          slots[b + 2] = poolAt;
          slots[b + 3] = packed[0]!;
          slots[b + 4] = packed[1]!;
          poolAt += l;
        }
      }
    }
    return new SuffixTable(slots, pool, n);
  }
}
