/**
 * Prefixes of the IP address catalogue (Rules p.13: the telecom operator keeps the catalogue of the
 * organisations' addresses up to date; the gateway recognises an organisation by its source address).
 *
 * Primitives:
 *   - `Prefix`       an IPv4 or IPv6 network in canonical form: family, network words, length, text;
 *   - `IpAddress`    one address (what the gateway sees on a socket, what a lookup asks about);
 *   - `parsePrefix`  text → `Prefix` or a typed error with a stable code;
 *   - `parseAddress` text → `IpAddress` (IPv4-mapped IPv6 is unmapped to IPv4);
 *   - `makePrefix`   words + length → `Prefix` (for generators, the snapshot compiler, tests);
 *   - `comparePrefixes`, `contains`, `overlaps`, `containsAddress`: the order and relations that the
 *     overlap rule (overlap.ts) and the longest-prefix-match table (lpm.ts) are built on.
 *
 * The parser is written here rather than delegated to ipaddr.js because the catalogue must reject what
 * ipaddr.js accepts on purpose: it reads `010.1.2.3` as octal (8.1.2.3, the inet_aton reading) but the
 * same octets inside `::ffff:010.1.2.3` as decimal (https://github.com/whitequark/ipaddr.js/issues/213),
 * accepts the classful forms `10.1.2` and `0x0a.1.2.3`, and prints `::1.2.3.4` as `::ffff:102:304`.
 * A catalogue entry whose meaning depends on which parser reads it cannot be the basis of a block
 * decision (p.13), so the accepted grammar is exactly: dotted-quad IPv4 with decimal octets and no
 * leading zeros; IPv6 as in RFC 4291 §2.2 (with an optional trailing dotted quad); an optional `/length`.
 *
 * Canonical text: IPv4 dotted quad, IPv6 per RFC 5952 §4 (lower case, no leading zeros, the longest run
 * of two or more zero groups compressed, the first one on a tie); the length is always written, so a
 * bare `10.1.2.3` becomes `10.1.2.3/32`. Two prefixes are the same network exactly when their texts are
 * equal.
 *
 * IPv4-mapped IPv6 (`::ffff:0:0/96`, RFC 4291 §2.5.5.2) is refused as a catalogue prefix: it is IPv4
 * space written as IPv6, so accepting it would let the same addresses sit in the catalogue twice under
 * two families and escape the overlap rule. The error suggests the IPv4 form. Addresses, on the other
 * hand, are unmapped: a dual-stack listener reports an IPv4 peer as `::ffff:a.b.c.d`, and it must be
 * looked up as the IPv4 address it is.
 */

export type IpFamily = 4 | 6;

/**
 * A network in canonical form. `words` holds the network address as unsigned 32-bit words, most
 * significant first (one word for IPv4, four for IPv6); bits past `length` are zero. Treat it as
 * read-only: typed arrays cannot be frozen, and the prefix is shared by every structure built from it.
 */
export interface Prefix {
  readonly family: IpFamily;
  readonly words: Uint32Array;
  readonly length: number;
  readonly text: string;
}

/** One address; `words` as in `Prefix`. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly words: Uint32Array;
  readonly text: string;
}

/** Stable error codes: the API, the CSV import and the portal's translations key on them. */
export type PrefixErrorCode =
  | "invalid-prefix"
  | "invalid-address"
  | "invalid-length"
  | "host-bits-set"
  | "zone-id"
  | "ipv4-mapped"
  | "leading-zeros";

export interface PrefixError {
  readonly ok: false;
  readonly code: PrefixErrorCode;
  readonly message: string;
  /** The canonical prefix the input most likely meant (host bits cleared, IPv4 form of a mapped prefix). */
  readonly suggestion?: string;
}

export type PrefixResult = { readonly ok: true; readonly prefix: Prefix } | PrefixError;
export type AddressResult = { readonly ok: true; readonly address: IpAddress } | PrefixError;

/** Longest accepted input: a full IPv6 address with a trailing dotted quad and `/128` is 49 characters. */
const MAX_INPUT = 64;

function fail(code: PrefixErrorCode, message: string, suggestion?: string): PrefixError {
  return suggestion === undefined ? { ok: false, code, message } : { ok: false, code, message, suggestion };
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** Surrounding spaces, tabs and line breaks are forgiven (pasted input); anything else inside is not. */
function trimAscii(s: string): string {
  if (s.length === 0 || (!isSpace(s.charCodeAt(0)) && !isSpace(s.charCodeAt(s.length - 1)))) return s;
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
}

const DECIMAL = /^[0-9]+$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses a strict dotted quad into one word, or explains why not. */
function parseV4(text: string): number | PrefixError {
  const parts = text.split(".");
  if (parts.length !== 4) return fail("invalid-prefix", `"${text}" is not a dotted-quad IPv4 address`);
  let word = 0;
  for (const part of parts) {
    if (!DECIMAL.test(part)) return fail("invalid-prefix", `"${text}" is not a dotted-quad IPv4 address`);
    if (part.length > 1 && part.charCodeAt(0) === 48) {
      // inet_aton reads a leading zero as octal, most other parsers as decimal: refuse the ambiguity.
      return fail("leading-zeros", `"${text}": the octet "${part}" has a leading zero, which some systems read as octal; write it without leading zeros`);
    }
    if (part.length > 3 || Number(part) > 255) return fail("invalid-prefix", `"${text}": the octet "${part}" is greater than 255`);
    word = word * 256 + Number(part);
  }
  return word;
}

/** Parses RFC 4291 §2.2 text into eight 16-bit groups, or explains why not. */
function parseV6(text: string): number[] | PrefixError {
  const bad = (why: string) => fail("invalid-prefix", `"${text}" is not an IPv6 address: ${why}`);
  const dbl = text.indexOf("::");
  if (dbl !== -1 && text.indexOf("::", dbl + 1) !== -1) return bad('"::" may appear only once');
  const head = dbl === -1 ? text : text.slice(0, dbl);
  const tail = dbl === -1 ? "" : text.slice(dbl + 2);
  const headParts = head === "" ? [] : head.split(":");
  const tailParts = tail === "" ? [] : tail.split(":");
  const all = dbl === -1 ? headParts : tailParts;
  // A trailing dotted quad (RFC 4291 §2.2 form 3) stands for the last two groups.
  let v4: number | undefined;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes(".")) {
    const w = parseV4(last);
    if (typeof w !== "number") {
      return w.code === "leading-zeros" ? w : bad(`the embedded IPv4 part "${last}" is not a dotted quad`);
    }
    v4 = w;
    all.pop();
  }
  const groups: number[] = [];
  const readGroups = (parts: string[]): PrefixError | undefined => {
    for (const p of parts) {
      if (!HEX_GROUP.test(p)) return bad(p === "" ? "empty group" : `"${p}" is not a group of one to four hex digits`);
      groups.push(parseInt(p, 16));
    }
    return undefined;
  };
  const e1 = readGroups(headParts);
  if (e1) return e1;
  const headCount = groups.length;
  if (dbl !== -1) {
    const e2 = readGroups(tailParts);
    if (e2) return e2;
  }
  if (v4 !== undefined) groups.push(v4 >>> 16, v4 & 0xffff);
  if (dbl === -1) {
    if (groups.length !== 8) return bad(`${groups.length} groups instead of 8`);
    return groups;
  }
  if (groups.length > 7) return bad('"::" must stand for at least one zero group');
  const zeros = new Array<number>(8 - groups.length).fill(0);
  return [...groups.slice(0, headCount), ...zeros, ...groups.slice(headCount)];
}

function wordsFromGroups(groups: number[]): Uint32Array {
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return w;
}

/** Mask of the bits of word `i` (0-based) covered by a prefix of `length`. */
function wordMask(i: number, length: number): number {
  const bits = length - 32 * i;
  if (bits >= 32) return 0xffffffff;
  if (bits <= 0) return 0;
  return (0xffffffff << (32 - bits)) >>> 0;
}

function formatV4(word: number): string {
  return `${word >>> 24}.${(word >>> 16) & 255}.${(word >>> 8) & 255}.${word & 255}`;
}

/** RFC 5952 §4 text of an IPv6 address; IPv4-mapped ones in the mixed notation of §5. */
function formatV6(words: Uint32Array): string {
  if (isMappedWords(words)) return `::ffff:${formatV4(words[3]!)}`;
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(words[i]! >>> 16, words[i]! & 0xffff);
  let bestAt = -1;
  let bestLen = 1; // §4.2.2: a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; } // §4.2.3: the first of equal runs wins
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (bestAt === -1) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** Canonical text of an address given as words. */
export function formatAddress(family: IpFamily, words: Uint32Array): string {
  return family === 4 ? formatV4(words[0]!) : formatV6(words);
}

function isMappedWords(w: Uint32Array): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff;
}

/**
 * Builds a prefix from its network words and length, refusing set host bits and IPv4-mapped space
 * exactly as `parsePrefix` does. `words` is copied.
 */
export function makePrefix(family: IpFamily, words: ArrayLike<number>, length: number): PrefixResult {
  const bits = family === 4 ? 32 : 128;
  const n = family === 4 ? 1 : 4;
  if (!Number.isInteger(length) || length < 0 || length > bits) {
    return fail("invalid-length", `the prefix length must be an integer from 0 to ${bits} for IPv${family}`);
  }
  if (words.length !== n) return fail("invalid-prefix", `an IPv${family} network has ${n} word${n > 1 ? "s" : ""}`);
  const masked = new Uint32Array(n);
  let hostBits = false;
  for (let i = 0; i < n; i++) {
    const x = words[i]!;
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) return fail("invalid-prefix", "network words must be unsigned 32-bit integers");
    masked[i] = (x & wordMask(i, length)) >>> 0;
    if (masked[i] !== x) hostBits = true;
  }
  const text = `${formatAddress(family, masked)}/${length}`;
  if (family === 6 && length >= 96 && isMappedWords(masked)) {
    const v4 = `${formatV4(masked[3]!)}/${length - 96}`;
    return fail("ipv4-mapped", `${formatAddress(6, Uint32Array.from(words))}/${length} is IPv4-mapped IPv6 space; register the IPv4 prefix ${v4} instead`, v4);
  }
  if (hostBits) {
    const given = `${formatAddress(family, Uint32Array.from(words))}/${length}`;
    return fail("host-bits-set", `${given} has host bits set; did you mean ${text}?`, text);
  }
  return { ok: true, prefix: { family, words: masked, length, text } };
}

function zoneId(text: string): PrefixError {
  return fail("zone-id", `"${text}" carries a zone id (RFC 4007 §11); zone ids are local to one host and have no place in the catalogue`);
}

interface ParsedAddress {
  family: IpFamily;
  words: Uint32Array;
}

function parseAddressText(text: string, what: "prefix" | "address"): ParsedAddress | PrefixError {
  if (text.includes("%")) return zoneId(text);
  if (text.includes(":")) {
    const g = parseV6(text);
    if (!Array.isArray(g)) return what === "address" && g.code === "invalid-prefix" ? { ...g, code: "invalid-address" } : g;
    return { family: 6, words: wordsFromGroups(g) };
  }
  const w = parseV4(text);
  if (typeof w !== "number") return what === "address" && w.code === "invalid-prefix" ? { ...w, code: "invalid-address" } : w;
  return { family: 4, words: Uint32Array.of(w) };
}

/**
 * One pass over the common case, an already canonical `a.b.c.d/len` or `a.b.c.d` (CSV imports hold
 * hundreds of thousands): no split, no regular expression, and the input is its own canonical text.
 * Anything unusual returns undefined and takes the full path, which explains the problem.
 */
function fastV4(text: string): PrefixResult | undefined {
  const n = text.length;
  let word = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined; // leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === 46 && digits > 0 && dots < 3) {
      word = word * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else break;
  }
  if (dots !== 3 || digits === 0) return undefined;
  word = word * 256 + part;
  let length = 32;
  if (i < n) {
    if (text.charCodeAt(i) !== 47 || n - i < 2 || n - i > 3) return undefined;
    const a = text.charCodeAt(i + 1) - 48;
    const b = n - i === 3 ? text.charCodeAt(i + 2) - 48 : -1;
    if (a < 0 || a > 9 || (b !== -1 && (a === 0 || b < 0 || b > 9))) return undefined;
    length = b === -1 ? a : a * 10 + b;
    if (length > 32) return undefined;
  }
  if (((word & wordMask(0, length)) >>> 0) !== word) return undefined;
  return { ok: true, prefix: { family: 4, words: Uint32Array.of(word), length, text: i < n ? text : `${text}/32` } };
}

/**
 * Parses `a.b.c.d/len`, `x:x::x/len` or a bare address (a host prefix: /32 or /128) into canonical form.
 * Refuses set host bits (with the corrected prefix as `suggestion`), zone ids, IPv4-mapped IPv6,
 * leading zeros in IPv4 octets and in the length, and anything outside the grammar described above.
 */
export function parsePrefix(input: string): PrefixResult {
  if (typeof input !== "string") return fail("invalid-prefix", "a prefix must be text");
  const text = trimAscii(input);
  const fast = fastV4(text);
  if (fast !== undefined) return fast;
  if (text === "") return fail("invalid-prefix", "the prefix is empty");
  if (text.length > MAX_INPUT) return fail("invalid-prefix", `the prefix is longer than ${MAX_INPUT} characters`);
  if (text.includes("%")) return zoneId(text);
  const slash = text.indexOf("/");
  if (slash !== -1 && text.indexOf("/", slash + 1) !== -1) return fail("invalid-prefix", `"${text}" has more than one "/"`);
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const parsed = parseAddressText(addrText, "prefix");
  if ("ok" in parsed) return parsed;
  const bits = parsed.family === 4 ? 32 : 128;
  let length = bits;
  if (slash !== -1) {
    const lenText = text.slice(slash + 1);
    if (!DECIMAL.test(lenText) || lenText.length > 3) {
      return fail("invalid-length", `"${lenText}" is not a prefix length; write a number from 0 to ${bits}`);
    }
    if (lenText.length > 1 && lenText.charCodeAt(0) === 48) {
      return fail("invalid-length", `the prefix length "${lenText}" has a leading zero; write ${Number(lenText)}`);
    }
    length = Number(lenText);
    if (length > bits) return fail("invalid-length", `/${length} is longer than the ${bits} bits of an IPv${parsed.family} address`);
  }
  return makePrefix(parsed.family, parsed.words, length);
}

/**
 * Parses one address for a lookup. IPv4-mapped IPv6 (`::ffff:a.b.c.d`, as a dual-stack socket reports
 * an IPv4 peer) is returned as the IPv4 address. A `/length` is not an address.
 */
export function parseAddress(input: string): AddressResult {
  if (typeof input !== "string") return fail("invalid-address", "an address must be text");
  const text = trimAscii(input);
  if (text === "") return fail("invalid-address", "the address is empty");
  if (text.length > MAX_INPUT) return fail("invalid-address", `the address is longer than ${MAX_INPUT} characters`);
  if (text.includes("/")) return fail("invalid-address", `"${text}" is a prefix, not an address`);
  const parsed = parseAddressText(text, "address");
  if ("ok" in parsed) return parsed;
  if (parsed.family === 6 && isMappedWords(parsed.words)) {
    const words = Uint32Array.of(parsed.words[3]!);
    return { ok: true, address: { family: 4, words, text: formatV4(words[0]!) } };
  }
  return { ok: true, address: { family: parsed.family, words: parsed.words, text: formatAddress(parsed.family, parsed.words) } };
}

/** The host prefix (/32 or /128) of one address. */
export function hostPrefix(address: IpAddress): Prefix {
  const length = address.family === 4 ? 32 : 128;
  return { family: address.family, words: address.words.slice(), length, text: `${address.text}/${length}` };
}

/**
 * Total order: IPv4 before IPv6, then by network address, then shorter first. In this order a prefix
 * comes before every prefix it contains, which is what the sweeps in overlap.ts and lpm.ts rely on.
 */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.words.length; i++) {
    const x = a.words[i]!;
    const y = b.words[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function containsWords(family: IpFamily, net: Uint32Array, length: number, words: Uint32Array): boolean {
  const n = family === 4 ? 1 : 4;
  for (let i = 0; i < n; i++) {
    if (((words[i]! & wordMask(i, length)) >>> 0) !== net[i]) return false;
  }
  return true;
}

/** True when `a` contains `b` (every address of `b` is in `a`); a prefix contains itself. */
export function contains(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.length <= b.length && containsWords(a.family, a.words, a.length, b.words);
}

/** True when `a` and `b` share at least one address; for prefixes that means one contains the other. */
export function overlaps(a: Prefix, b: Prefix): boolean {
  return contains(a, b) || contains(b, a);
}

/** True when `address` lies in `prefix`. */
export function containsAddress(prefix: Prefix, address: IpAddress): boolean {
  return prefix.family === address.family && containsWords(prefix.family, prefix.words, prefix.length, address.words);
}
