/**
 * Normalisation of names, URL paths and list patterns. One definition of "the same name" for the
 * importers, the compiler and the lookup, so an entry and a request can only meet in one spelling.
 *
 * Primitives:
 * - `normaliseDomain(input)`  → lower-case A-label name without its trailing dot, or a reason it is invalid;
 * - `normalisePath(path)`     → the path a URL-path entry is compared with;
 * - `parsePattern(text)`      → a list pattern: domain, URL (host + path prefix) or IPv4/IPv6 address/CIDR.
 *
 * Rule for names: strip one trailing dot (the root label), map through IDNA (UTS #46 via
 * `node:url` `domainToASCII`, the WHATWG host parser) when the name is not plain ASCII or carries an
 * `xn--` label (to check the Punycode), then require LDH labels (letters, digits, hyphen; underscore is
 * tolerated because real names carry it), 1–63 octets each, 253 in total, and a last label that is not
 * numeric (WHATWG parses such a host as an IPv4 address, RFC 3986 §3.2.2 and the URL Standard).
 */
import { domainToASCII } from "node:url";
import ipaddr from "ipaddr.js";

export type InvalidNameReason =
  | "empty"
  | "too-long"
  | "empty-label"
  | "label-too-long"
  | "bad-character"
  | "numeric-last-label"
  | "idna";

export type NormalisedName = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly reason: InvalidNameReason };

const MAX_NAME = 253;
const MAX_LABEL = 63;

// Result of the fast scan; `needsIdna` sends the name through domainToASCII.
let scanReason: InvalidNameReason | undefined;
let scanUpper = false;
let scanIdna = false;

/**
 * One left-to-right pass over an ASCII candidate of length `len`. Sets the module scratch fields instead
 * of returning an object: this runs once per lookup on the hot path.
 */
function scan(s: string, len: number, checkXn: boolean): void {
  scanReason = undefined;
  scanUpper = false;
  scanIdna = false;
  if (len === 0) return void (scanReason = "empty");
  if (len > MAX_NAME) {
    // A long non-ASCII name may still map to a short A-label; let IDNA judge it.
    for (let i = 0; i < len; i++) if (s.charCodeAt(i) > 127) return void (scanIdna = true);
    return void (scanReason = "too-long");
  }
  let labelStart = 0;
  let digitsOnly = true;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? s.charCodeAt(i) : 46;
    if (c === 46) {
      const l = i - labelStart;
      if (l === 0) return void (scanReason = "empty-label");
      if (l > MAX_LABEL) return void (scanReason = "label-too-long");
      if (checkXn && l >= 4 && (s.charCodeAt(labelStart) | 32) === 120 && (s.charCodeAt(labelStart + 1) | 32) === 110 &&
          s.charCodeAt(labelStart + 2) === 45 && s.charCodeAt(labelStart + 3) === 45) {
        scanIdna = true;
      }
      if (i < len) {
        labelStart = i + 1;
        digitsOnly = true;
      }
      continue;
    }
    if (c >= 97 && c <= 122) digitsOnly = false;
    else if (c >= 48 && c <= 57) { /* digit */ }
    else if (c === 45 || c === 95) digitsOnly = false;
    else if (c >= 65 && c <= 90) { scanUpper = true; digitsOnly = false; }
    else if (c > 127) return void (scanIdna = true);
    else return void (scanReason = "bad-character");
  }
  if (digitsOnly) return void (scanReason = "numeric-last-label");
  // "0x1f" as a last label is a hexadecimal IPv4 part in the WHATWG host parser.
  if (len - labelStart >= 2 && s.charCodeAt(labelStart) === 48 && (s.charCodeAt(labelStart + 1) | 32) === 120 &&
      /^0x[0-9a-fA-F]*$/.test(s.slice(labelStart, len))) {
    scanReason = "numeric-last-label";
  }
}

const INVALID: { readonly [K in InvalidNameReason]: NormalisedName } = Object.freeze({
  empty: Object.freeze({ ok: false, reason: "empty" }),
  "too-long": Object.freeze({ ok: false, reason: "too-long" }),
  "empty-label": Object.freeze({ ok: false, reason: "empty-label" }),
  "label-too-long": Object.freeze({ ok: false, reason: "label-too-long" }),
  "bad-character": Object.freeze({ ok: false, reason: "bad-character" }),
  "numeric-last-label": Object.freeze({ ok: false, reason: "numeric-last-label" }),
  idna: Object.freeze({ ok: false, reason: "idna" }),
} as const);

export function invalidName(reason: InvalidNameReason): NormalisedName {
  return INVALID[reason];
}

/**
 * The canonical form of a host name, or `null` with the reason in `lastInvalidReason()`. Allocation-free
 * when the input is already canonical (the common case for SNI and Host values).
 */
export function normaliseDomainFast(input: string): string | null {
  let len = input.length;
  if (len > 0 && input.charCodeAt(len - 1) === 46) len--;
  scan(input, len, true);
  if (scanReason !== undefined) return null;
  if (!scanIdna) {
    const s = len === input.length ? input : input.slice(0, len);
    return scanUpper ? s.toLowerCase() : s;
  }
  return idnaPath(input.slice(0, len));
}

function idnaPath(s: string): string | null {
  let a: string;
  try {
    a = domainToASCII(s);
  } catch {
    a = "";
  }
  if (a === "") {
    scanReason = "idna";
    return null;
  }
  // A full-width final dot maps to "."; strip it as the root label like an ASCII one.
  let len = a.length;
  if (len > 0 && a.charCodeAt(len - 1) === 46) len--;
  scan(a, len, false);
  if (scanReason !== undefined) return null;
  if (scanIdna) {
    // domainToASCII returned a non-ASCII character: not a name we can match.
    scanReason = "idna";
    return null;
  }
  const out = len === a.length ? a : a.slice(0, len);
  return scanUpper ? out.toLowerCase() : out;
}

export function lastInvalidReason(): InvalidNameReason {
  return scanReason ?? "bad-character";
}

export function normaliseDomain(input: string): NormalisedName {
  const name = normaliseDomainFast(input);
  return name === null ? INVALID[lastInvalidReason()] : { ok: true, name };
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Canonical form of a request or pattern path for prefix comparison: query and fragment dropped,
 * percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2), dot segments removed (§5.2.4),
 * repeated slashes collapsed, letters (escapes included) lower-cased, no trailing slash.
 * Case-insensitive on purpose, as squidGuard compares: `/Path` and `/path` reach the same resource on
 * many servers, and an entry a client can dodge by changing case would not be worth having.
 */
export function normalisePath(path: string): string {
  let p = path;
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  if (p.includes("%")) {
    p = p.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
      const ch = String.fromCharCode(parseInt(hex, 16));
      return UNRESERVED.test(ch) ? ch : m;
    });
  }
  p = p.toLowerCase();
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

/** True when `path` (normalised) lies at or below `prefix` (normalised) on a segment boundary. */
export function pathHasPrefix(path: string, prefix: string): boolean {
  if (prefix === "/") return true;
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47);
}

export type Pattern =
  | { readonly kind: "domain"; readonly key: string }
  | { readonly kind: "url"; readonly host: string; readonly path: string; readonly key: string }
  | { readonly kind: "ip"; readonly family: 4 | 6; readonly bytes: Uint8Array; readonly prefix: number; readonly key: string };

export type ParsedPattern = { readonly ok: true; readonly pattern: Pattern } | { readonly ok: false; readonly reason: string };

function fail(reason: string): ParsedPattern {
  return { ok: false, reason };
}

const FOUR_PART = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV4_ANY = /^[0-9a-fA-FxX.]+$/;

function parseAddress(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  let t = text;
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  // Strict four-part decimal only: "10.1" or "0x7f.1" in a list is more likely a typo than an address.
  // (The regex first: ipaddr.js answers "no" by throwing, which is slow over a million names.)
  if (FOUR_PART.test(t) && ipaddr.IPv4.isValidFourPartDecimal(t)) return { family: 4, bytes: Uint8Array.from(ipaddr.IPv4.parse(t).toByteArray()) };
  if (t.includes(":") && ipaddr.IPv6.isValid(t)) {
    const a = ipaddr.IPv6.parse(t);
    if (a.zoneId !== undefined) return undefined;
    if (a.isIPv4MappedAddress()) return { family: 4, bytes: Uint8Array.from(a.toIPv4Address().toByteArray()) };
    return { family: 6, bytes: Uint8Array.from(a.toByteArray()) };
  }
  return undefined;
}

export function addressKey(family: 4 | 6, bytes: Uint8Array, prefix: number): string {
  const full = family === 4 ? 32 : 128;
  const a = ipaddr.fromByteArray(Array.from(bytes));
  // RFC 5952 text for IPv6 so one address has one key.
  const text = a instanceof ipaddr.IPv6 ? a.toRFC5952String() : a.toString();
  return prefix === full ? text : `${text}/${prefix}`;
}

/**
 * A list pattern in its canonical spelling. Accepts, per line of a list:
 * `example.com`, `.example.com` / `*.example.com` (the same thing: entries always cover subdomains),
 * `example.com/some/path` (optionally with `http://` or `https://`), `192.0.2.1`, `192.0.2.0/24`,
 * `2001:db8::1`, `2001:db8::/32`. A CIDR with host bits set is refused rather than widened.
 */
export function parsePattern(raw: string): ParsedPattern {
  let t = raw.trim();
  if (t === "") return fail("empty pattern");
  if (/\s/.test(t)) return fail("whitespace inside pattern");
  const scheme = /^https?:\/\//i.exec(t);
  if (scheme) t = t.slice(scheme[0].length);
  const slash = t.indexOf("/");
  const head = slash < 0 ? t : t.slice(0, slash);
  const tail = slash < 0 ? "" : t.slice(slash);

  const addr = parseAddress(head);
  if (addr) {
    const full = addr.family === 4 ? 32 : 128;
    if (tail === "" || (scheme && /^\/*$/.test(tail))) {
      return { ok: true, pattern: { kind: "ip", family: addr.family, bytes: addr.bytes, prefix: full, key: addressKey(addr.family, addr.bytes, full) } };
    }
    if (!scheme && /^\/\d{1,3}$/.test(tail)) {
      const prefix = Number(tail.slice(1));
      if (prefix > full) return fail(`prefix length ${prefix} exceeds ${full}`);
      if (!hostBitsClear(addr.bytes, prefix)) return fail("address has bits set beyond the prefix length");
      return { ok: true, pattern: { kind: "ip", family: addr.family, bytes: addr.bytes, prefix, key: addressKey(addr.family, addr.bytes, prefix) } };
    }
    return fail("URL entries need a host name, not an address");
  }

  if (head.includes(":") || head.includes("@")) return fail("ports and credentials are not part of a pattern");
  let host = head;
  if (host.startsWith("*.")) host = host.slice(2);
  else if (host.startsWith(".")) host = host.slice(1);
  const n = normaliseDomain(host);
  if (!n.ok) return fail(`invalid name (${n.reason})`);
  if (tail === "") return { ok: true, pattern: { kind: "domain", key: n.name } };
  const path = normalisePath(tail);
  // "example.com/" names the whole host: that is a domain entry.
  if (path === "/") return { ok: true, pattern: { kind: "domain", key: n.name } };
  return { ok: true, pattern: { kind: "url", host: n.name, path, key: n.name + path } };
}

function hostBitsClear(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

/** A literal address in a host position (`192.0.2.1`, `[2001:db8::1]`, `2001:db8::1`), or undefined. */
export function parseHostAddress(host: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  let t = host;
  if (t.startsWith("[") && t.endsWith("]")) t = t.slice(1, -1);
  if (t.includes(":")) {
    if (!ipaddr.IPv6.isValid(t)) return undefined;
    const a = ipaddr.IPv6.parse(t);
    if (a.isIPv4MappedAddress()) return { family: 4, bytes: Uint8Array.from(a.toIPv4Address().toByteArray()) };
    return { family: 6, bytes: Uint8Array.from(a.toByteArray()) };
  }
  // Any form the WHATWG host parser would read as IPv4 ("10.1", "0x7f.1", a trailing dot) counts: a
  // client could otherwise dodge an address entry by spelling the address differently.
  const u = t.endsWith(".") ? t.slice(0, -1) : t;
  if (IPV4_ANY.test(u) && ipaddr.IPv4.isValid(u)) return { family: 4, bytes: Uint8Array.from(ipaddr.IPv4.parse(u).toByteArray()) };
  return undefined;
}
