/**
 * TLS ClientHello parser: the first thing the gateway reads on every TLS flow, before any decision
 * (architecture habit 4, "peek, then choose a chain").
 *
 * Primitives:
 *   parseClientHello(bytes) → { kind: 'need-more' }
 *                           | { kind: 'ok', hello, consumed }
 *                           | { kind: 'error', code, message }
 *   ja4(parts)              the FoxIO JA4 fingerprint of already-parsed values (exported for tests/tools)
 *
 * `bytes` is everything the client has sent so far; the caller calls again with a longer buffer after
 * 'need-more'. The parser keeps no per-flow state, so a flow is free to re-ask (sans-IO: bytes in,
 * value out). It walks the record layer (RFC 8446 §5.1) first, which is cheap, and parses the handshake
 * body only once every byte of the ClientHello is present:
 *
 *   bytes ──▶ [record walk] ──incomplete──▶ need-more
 *                 │  │
 *                 │  └──bad header / not a ClientHello / over the cap──▶ error (as early as the bytes show it)
 *                 ▼
 *          one record? ──yes──▶ parse the body in place (no copy)
 *                 │no
 *                 ▼
 *          copy the fragments into one reusable scratch buffer ──▶ parse the body
 *
 * Untrusted input: every length is checked against its container before it is used; every loop advances by
 * at least one byte within a bounded buffer; no exception leaves the module (a thrown one would be a bug,
 * and the fuzz tests look for it). Strings are made only for values the result carries (SNI, ALPN, JA4).
 *
 * GREASE (RFC 8701) values are recognised and left out of every list (flag `grease`); the padding
 * extension (RFC 7685) is accepted and skipped. An SSL 2.0-compatible hello (RFC 5246 Appendix E.2) is
 * refused: it cannot carry SNI, so no policy could be applied to it.
 */
import { hash } from "node:crypto";

/** Largest ClientHello body accepted (the handshake message, excluding its 4-byte header). */
export const MAX_CLIENT_HELLO_BYTES = 16_384;
/** Records a ClientHello may be spread over. RFC 6066 §4 lets a peer go down to 512-byte fragments, so a
 *  legitimate 16 KiB hello needs at most 33; more is an evasion attempt (one-byte records) or garbage. */
export const MAX_CLIENT_HELLO_RECORDS = 64;

export type ClientHelloErrorCode =
  | "not-tls" // first byte is not a TLS handshake record
  | "sslv2-hello" // SSL 2.0-compatible ClientHello (RFC 5246 Appendix E.2)
  | "bad-record-version" // record legacy version is not 3.0–3.4
  | "empty-record" // zero-length handshake fragment (RFC 8446 §5.1 forbids them)
  | "record-overflow" // record longer than 2^14 (RFC 8446 §5.1)
  | "interleaved-record" // another content type before the ClientHello is complete (RFC 8446 §5.1)
  | "too-many-records"
  | "not-client-hello" // handshake message type is not client_hello (1)
  | "too-large" // ClientHello body over MAX_CLIENT_HELLO_BYTES
  | "trailing-handshake-data" // handshake bytes after the ClientHello in its last record
  | "truncated" // body shorter than its fixed fields
  | "bad-version" // legacy_version is not 3.x
  | "bad-session-id"
  | "bad-cipher-suites"
  | "bad-compression"
  | "bad-extensions" // extensions block length does not match its container
  | "bad-extension" // one extension overruns the block
  | "duplicate-extension" // RFC 8446 §4.2
  | "psk-not-last" // pre_shared_key must be the last extension (RFC 8446 §4.2.11)
  | "bad-sni" // server_name structure (RFC 6066 §3)
  | "sni-duplicate"
  | "sni-invalid" // host_name is not a DNS name
  | "sni-ip-literal" // host_name is an IP address (RFC 6066 §3 forbids literals)
  | "bad-alpn" // RFC 7301 §3.1
  | "bad-supported-versions" // RFC 8446 §4.2.1
  | "bad-signature-algorithms" // RFC 8446 §4.2.3
  | "bad-supported-groups" // RFC 8446 §4.2.7
  | "bad-key-share"; // RFC 8446 §4.2.8

export interface ClientHello {
  /** legacy_version of the ClientHello body (RFC 8446 §4.1.2): 0x0303 from every TLS 1.3 client. */
  readonly legacyVersion: number;
  /** Version field of the first record header; informative only (RFC 8446 §5.1 says ignore it). */
  readonly recordVersion: number;
  /** supported_versions in client order (RFC 8446 §4.2.1); empty when the extension is absent. */
  readonly supportedVersions: readonly number[];
  /** Highest version offered: the largest of supportedVersions, else legacyVersion. */
  readonly maxVersion: number;
  readonly cipherSuites: readonly number[];
  /** Extension types in wire order. */
  readonly extensions: readonly number[];
  /** host_name from server_name (RFC 6066 §3), validated as a DNS name and lower-cased; null when absent. */
  readonly serverName: string | null;
  /** ALPN protocol names in client order (RFC 7301), bytes as latin1. */
  readonly alpn: readonly string[];
  readonly signatureAlgorithms: readonly number[];
  readonly supportedGroups: readonly number[];
  /** Groups of the key shares sent (RFC 8446 §4.2.8), e.g. 0x11ec X25519MLKEM768. */
  readonly keyShareGroups: readonly number[];
  /** encrypted_client_hello (0xfe0d) is present: the real name may be hidden from us (real ECH or GREASE). */
  readonly ech: boolean;
  /** The client can verify an ECDSA P-256 leaf (so the gateway may bump with its ECDSA key). */
  readonly offersEcdsa: boolean;
  /** GREASE values (RFC 8701) were present in some list; they are not in the lists above. */
  readonly grease: boolean;
  /** JA4 fingerprint (FoxIO JA4 spec), 't' for TLS over TCP. */
  readonly ja4: string;
  /** Records the ClientHello was spread over. */
  readonly records: number;
}

export interface ClientHelloError {
  readonly kind: "error";
  readonly code: ClientHelloErrorCode;
  readonly message: string;
}

export type ClientHelloResult =
  | { readonly kind: "need-more" }
  | { readonly kind: "ok"; readonly hello: ClientHello; readonly consumed: number }
  | ClientHelloError;

const NEED_MORE: ClientHelloResult = Object.freeze({ kind: "need-more" });

const CT_HANDSHAKE = 22;
const HS_CLIENT_HELLO = 1;
const RECORD_HEADER = 5;
const HS_HEADER = 4;
const MAX_RECORD = 16_384; // RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14

const EXT_SERVER_NAME = 0x0000;
const EXT_SUPPORTED_GROUPS = 0x000a;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;
const EXT_ALPN = 0x0010;
const EXT_PRE_SHARED_KEY = 0x0029;
const EXT_SUPPORTED_VERSIONS = 0x002b;
const EXT_KEY_SHARE = 0x0033;
const EXT_ECH = 0xfe0d;

const SIG_ECDSA_SECP256R1_SHA256 = 0x0403;
const GROUP_SECP256R1 = 0x0017;

function fail(code: ClientHelloErrorCode, message: string): ClientHelloError {
  return { kind: "error", code, message };
}

/** RFC 8701 §2: GREASE values are 0x?A?A with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

// Reusable scratch space: parsing is synchronous, so one set per process (worker) is enough.
const hsHeader = new Uint8Array(HS_HEADER);
const scratch = Buffer.allocUnsafe(HS_HEADER + MAX_CLIENT_HELLO_BYTES);
const seen = new Uint32Array(65_536 / 32); // bitset of extension types seen in the current hello
const seenTypes = new Uint16Array(MAX_CLIENT_HELLO_BYTES / 4); // the same types as a list, to clear the bitset
let seenCount = 0;

/**
 * Parses the ClientHello at the start of `bytes` (everything received so far on the flow).
 * `consumed` on success is the end of the last record holding the ClientHello.
 */
export function parseClientHello(bytes: Buffer): ClientHelloResult {
  const len = bytes.length;
  if (len === 0) return NEED_MORE;
  const b0 = bytes[0]!;
  if (b0 !== CT_HANDSHAKE) {
    // SSL 2.0 record: high bit set, 15-bit length, then msg_type 1 (RFC 5246 Appendix E.2).
    if (b0 & 0x80) {
      if (len < 3) return NEED_MORE;
      if (bytes[2] === 1) return fail("sslv2-hello", "SSL 2.0-compatible ClientHello is not accepted");
    }
    return fail("not-tls", `first byte 0x${hex2(b0)} is not a TLS handshake record`);
  }

  // --- record walk (RFC 8446 §5.1) -------------------------------------------------------------------
  let off = 0;
  let records = 0;
  let have = 0; // handshake bytes in complete records
  let hdrHave = 0; // bytes of the 4-byte handshake header seen so far (complete or partial records)
  let total = -1; // handshake message length incl. header, once known
  let recordVersion = 0;
  for (;;) {
    if (off >= len) return NEED_MORE;
    if (bytes[off] !== CT_HANDSHAKE) {
      return fail("interleaved-record", `content type ${bytes[off]} at offset ${off} before the ClientHello is complete`);
    }
    if (off + 1 < len && bytes[off + 1] !== 3) return fail("bad-record-version", `record version major ${bytes[off + 1]} at offset ${off}`);
    if (off + 2 < len && bytes[off + 2]! > 4) return fail("bad-record-version", `record version 3.${bytes[off + 2]} at offset ${off}`);
    if (off + RECORD_HEADER > len) return NEED_MORE;
    const rlen = (bytes[off + 3]! << 8) | bytes[off + 4]!;
    if (rlen === 0) return fail("empty-record", `zero-length handshake record at offset ${off}`);
    if (rlen > MAX_RECORD) return fail("record-overflow", `record of ${rlen} bytes at offset ${off}`);
    if (records === 0) recordVersion = (bytes[off + 1]! << 8) | bytes[off + 2]!;
    if (++records > MAX_CLIENT_HELLO_RECORDS) return fail("too-many-records", `ClientHello spread over more than ${MAX_CLIENT_HELLO_RECORDS} records`);
    const dataStart = off + RECORD_HEADER;
    const avail = Math.min(rlen, len - dataStart);
    // Collect the handshake header as soon as its bytes show up, to refuse early what is not a ClientHello.
    if (hdrHave < HS_HEADER) {
      for (let i = 0; i < avail && hdrHave < HS_HEADER; i++) hsHeader[hdrHave++] = bytes[dataStart + i]!;
      if (hdrHave > 0 && hsHeader[0] !== HS_CLIENT_HELLO) return fail("not-client-hello", `handshake type ${hsHeader[0]}`);
      if (hdrHave === HS_HEADER) {
        const body = (hsHeader[1]! << 16) | (hsHeader[2]! << 8) | hsHeader[3]!;
        if (body > MAX_CLIENT_HELLO_BYTES) return fail("too-large", `ClientHello of ${body} bytes (limit ${MAX_CLIENT_HELLO_BYTES})`);
        total = HS_HEADER + body;
      }
    }
    if (avail < rlen) return NEED_MORE;
    have += rlen;
    off = dataStart + rlen;
    if (total >= 0 && have >= total) {
      if (have > total) {
        return fail("trailing-handshake-data", `${have - total} handshake bytes after the ClientHello`);
      }
      break;
    }
  }

  // --- contiguous body --------------------------------------------------------------------------------
  let body: Buffer;
  let start: number;
  if (records === 1) {
    body = bytes;
    start = RECORD_HEADER + HS_HEADER;
  } else {
    let w = 0;
    for (let r = 0; r < off; ) {
      const rlen = (bytes[r + 3]! << 8) | bytes[r + 4]!;
      scratch.set(bytes.subarray(r + RECORD_HEADER, r + RECORD_HEADER + rlen), w);
      w += rlen;
      r += RECORD_HEADER + rlen;
    }
    body = scratch;
    start = HS_HEADER;
  }
  const r = parseBody(body, start, start + total - HS_HEADER, recordVersion, records);
  if (r.kind !== "ok") return r;
  return { kind: "ok", hello: r.hello, consumed: off };
}

type BodyResult = { kind: "ok"; hello: ClientHello } | ClientHelloError;

/** ClientHello body, RFC 8446 §4.1.2 (with the optional extensions of RFC 5246 §7.4.1.2). */
function parseBody(b: Buffer, p: number, end: number, recordVersion: number, records: number): BodyResult {
  if (end - p < 35) return fail("truncated", "ClientHello shorter than version + random + session id length");
  const legacyVersion = (b[p]! << 8) | b[p + 1]!;
  if (b[p] !== 3) return fail("bad-version", `legacy_version 0x${hex4(legacyVersion)}`);
  p += 2 + 32; // version, random

  const sidLen = b[p]!;
  if (sidLen > 32 || p + 1 + sidLen > end) return fail("bad-session-id", `legacy_session_id of ${sidLen} bytes`);
  p += 1 + sidLen;

  if (p + 2 > end) return fail("bad-cipher-suites", "cipher_suites missing");
  const csLen = (b[p]! << 8) | b[p + 1]!;
  p += 2;
  if (csLen < 2 || csLen & 1 || p + csLen > end) return fail("bad-cipher-suites", `cipher_suites length ${csLen}`);
  let grease = false;
  const cipherSuites: number[] = [];
  for (const e = p + csLen; p < e; p += 2) {
    const v = (b[p]! << 8) | b[p + 1]!;
    if (isGrease(v)) grease = true;
    else cipherSuites.push(v);
  }

  if (p + 1 > end) return fail("bad-compression", "legacy_compression_methods missing");
  const cmLen = b[p]!;
  p += 1;
  if (cmLen < 1 || p + cmLen > end) return fail("bad-compression", `legacy_compression_methods length ${cmLen}`);
  let hasNull = false;
  for (let i = 0; i < cmLen; i++) if (b[p + i] === 0) hasNull = true;
  // RFC 5246 §7.4.1.2 and RFC 8446 §4.1.2: the null method MUST be offered.
  if (!hasNull) return fail("bad-compression", "null compression not offered");
  p += cmLen;

  const extensions: number[] = [];
  const supportedVersions: number[] = [];
  const alpn: string[] = [];
  const signatureAlgorithms: number[] = [];
  const supportedGroups: number[] = [];
  const keyShareGroups: number[] = [];
  let serverName: string | null = null;
  let sniPresent = false;
  let ech = false;
  let alpnFirst = -1; // offset of the first ALPN name, for JA4
  let alpnFirstLen = 0;
  let err: BodyResult | undefined;

  // Extensions are optional before TLS 1.2 (RFC 5246 §7.4.1.2: "the presence of extensions can be
  // detected by determining whether there are bytes following the compression_methods").
  if (p < end) {
    if (p + 2 > end) return fail("bad-extensions", "one stray byte after compression methods");
    const exLen = (b[p]! << 8) | b[p + 1]!;
    p += 2;
    if (p + exLen !== end) return fail("bad-extensions", `extensions length ${exLen}, ${end - p} bytes left`);
    while (p < end) {
      if (p + 4 > end) { err = fail("bad-extension", `truncated extension header at body offset ${p}`); break; }
      const type = (b[p]! << 8) | b[p + 1]!;
      const elen = (b[p + 2]! << 8) | b[p + 3]!;
      const d = p + 4;
      const de = d + elen;
      if (de > end) { err = fail("bad-extension", `extension 0x${hex4(type)} of ${elen} bytes overruns the hello`); break; }
      const bit = 1 << (type & 31);
      if (seen[type >>> 5]! & bit) { err = fail("duplicate-extension", `extension 0x${hex4(type)} appears twice`); break; }
      seen[type >>> 5]! |= bit;
      seenTypes[seenCount++] = type;
      if (isGrease(type)) grease = true;
      else extensions.push(type);
      if (type === EXT_PRE_SHARED_KEY && de !== end) { err = fail("psk-not-last", "pre_shared_key is not the last extension"); break; }

      switch (type) {
        case EXT_SERVER_NAME: {
          sniPresent = true;
          // ServerNameList server_name_list<1..2^16-1>; ServerName { NameType; HostName<1..2^16-1> }
          if (elen < 2 || ((b[d]! << 8) | b[d + 1]!) !== elen - 2 || elen === 2) { err = fail("bad-sni", "server_name list length mismatch"); break; }
          for (let q = d + 2; q < de; ) {
            if (q + 3 > de) { err = fail("bad-sni", "truncated server_name entry"); break; }
            const nameType = b[q]!;
            const nlen = (b[q + 1]! << 8) | b[q + 2]!;
            q += 3;
            // Only host_name (0) is defined, and ServerName has no generic length for other types.
            if (nameType !== 0) { err = fail("bad-sni", `server_name type ${nameType}`); break; }
            if (nlen === 0 || q + nlen > de) { err = fail("bad-sni", `host_name length ${nlen}`); break; }
            if (serverName !== null) { err = fail("sni-duplicate", "two host_name entries"); break; }
            const v = validateHostName(b, q, q + nlen);
            if (typeof v !== "string") { err = v; break; }
            serverName = v;
            q += nlen;
          }
          break;
        }
        case EXT_ALPN: {
          // ProtocolNameList protocol_name_list<2..2^16-1>; ProtocolName<1..2^8-1> (RFC 7301 §3.1)
          if (elen < 2 || ((b[d]! << 8) | b[d + 1]!) !== elen - 2 || elen < 4) { err = fail("bad-alpn", "protocol_name_list length mismatch"); break; }
          for (let q = d + 2; q < de; ) {
            const nlen = b[q]!;
            if (nlen === 0 || q + 1 + nlen > de) { err = fail("bad-alpn", `protocol name of ${nlen} bytes`); break; }
            if (alpnFirst < 0) { alpnFirst = q + 1; alpnFirstLen = nlen; }
            alpn.push(latin1(b, q + 1, q + 1 + nlen));
            q += 1 + nlen;
          }
          break;
        }
        case EXT_SUPPORTED_VERSIONS: {
          // ProtocolVersion versions<2..254> (RFC 8446 §4.2.1)
          if (elen < 3 || b[d]! !== elen - 1 || (elen - 1) & 1) { err = fail("bad-supported-versions", `supported_versions of ${elen} bytes`); break; }
          if (readU16List(b, d + 1, de, supportedVersions)) grease = true;
          break;
        }
        case EXT_SIGNATURE_ALGORITHMS: {
          // SignatureScheme supported_signature_algorithms<2..2^16-2> (RFC 8446 §4.2.3)
          if (!u16ListOk(b, d, elen)) { err = fail("bad-signature-algorithms", "signature_algorithms length mismatch"); break; }
          if (readU16List(b, d + 2, de, signatureAlgorithms)) grease = true;
          break;
        }
        case EXT_SUPPORTED_GROUPS: {
          // NamedGroup named_group_list<2..2^16-1> (RFC 8446 §4.2.7)
          if (!u16ListOk(b, d, elen)) { err = fail("bad-supported-groups", "supported_groups length mismatch"); break; }
          if (readU16List(b, d + 2, de, supportedGroups)) grease = true;
          break;
        }
        case EXT_KEY_SHARE: {
          // KeyShareEntry client_shares<0..2^16-1>; KeyShareEntry { NamedGroup; key_exchange<1..2^16-1> } (§4.2.8)
          if (elen < 2 || ((b[d]! << 8) | b[d + 1]!) !== elen - 2) { err = fail("bad-key-share", "client_shares length mismatch"); break; }
          for (let q = d + 2; q < de; ) {
            if (q + 4 > de) { err = fail("bad-key-share", "truncated KeyShareEntry"); break; }
            const group = (b[q]! << 8) | b[q + 1]!;
            const klen = (b[q + 2]! << 8) | b[q + 3]!;
            if (klen === 0 || q + 4 + klen > de) { err = fail("bad-key-share", `key_exchange of ${klen} bytes for group 0x${hex4(group)}`); break; }
            if (isGrease(group)) grease = true;
            else keyShareGroups.push(group);
            q += 4 + klen;
          }
          break;
        }
        case EXT_ECH:
          ech = true;
          break;
        default:
          // padding (RFC 7685), session tickets, GREASE and everything else: skipped by length.
          break;
      }
      if (err) break;
      p = de;
    }
    // Clear exactly the words set above, so the bitset is clean for the next hello.
    for (let i = 0; i < seenCount; i++) seen[seenTypes[i]! >>> 5] = 0;
    seenCount = 0;
    if (err) return err;
  }

  let maxVersion = legacyVersion;
  if (supportedVersions.length > 0) {
    maxVersion = supportedVersions[0]!;
    for (const v of supportedVersions) if (v > maxVersion) maxVersion = v;
  }
  const tls13 = supportedVersions.includes(0x0304);
  const hello: ClientHello = {
    legacyVersion,
    recordVersion,
    supportedVersions,
    maxVersion,
    cipherSuites,
    extensions,
    serverName,
    alpn,
    signatureAlgorithms,
    supportedGroups,
    keyShareGroups,
    ech,
    offersEcdsa: offersEcdsa(tls13, cipherSuites, signatureAlgorithms, supportedGroups, extensions),
    grease,
    // JA4: the highest supported_versions value, else legacy_version (a GREASE-only list falls back too).
    ja4: ja4Fingerprint(maxVersion, sniPresent, cipherSuites, extensions, b, alpnFirst, alpnFirstLen, signatureAlgorithms),
    records,
  };
  return { kind: "ok", hello };
}

/** A u16 list with a u16 byte-length prefix that fills the extension: <2..2^16-2>, even. */
function u16ListOk(b: Buffer, d: number, elen: number): boolean {
  if (elen < 4) return false;
  const n = (b[d]! << 8) | b[d + 1]!;
  return n === elen - 2 && (n & 1) === 0;
}

/** Appends the non-GREASE u16 values in [p, e) to `out`; returns whether a GREASE value was seen. */
function readU16List(b: Buffer, p: number, e: number, out: number[]): boolean {
  let g = false;
  for (; p < e; p += 2) {
    const v = (b[p]! << 8) | b[p + 1]!;
    if (isGrease(v)) g = true;
    else out.push(v);
  }
  return g;
}

/** Buffer#latin1Slice: what toString("latin1", s, e) ends in, without its argument checks (as Node's own
 *  randomUUID calls it). One code unit per byte: nothing is decoded or replaced. */
type Latin1 = { latin1Slice(start: number, end: number): string };
function latin1(b: Buffer, s: number, e: number): string {
  return (b as unknown as Latin1).latin1Slice(s, e);
}

/**
 * RFC 6066 §3: "HostName contains the fully qualified DNS hostname of the server ... represented as a byte
 * string using ASCII encoding without a trailing dot ... Literal IPv4 and IPv6 addresses are not permitted".
 * Accepted: labels of 1–63 bytes of letters, digits, '-' and '_' (underscores and edge hyphens occur in real
 * names and browsers send them; refusing them would block real sites, not attacks), at most 253 bytes.
 * An IPv4 literal is caught the way the WHATWG URL host parser catches it: the last label is a number.
 */
function validateHostName(b: Buffer, s: number, e: number): string | ClientHelloError {
  const n = e - s;
  if (n > 253) return fail("sni-invalid", `host_name of ${n} bytes`);
  let labelStart = s;
  let upper = false;
  for (let i = s; i < e; i++) {
    const c = b[i]!;
    if (c === 0x2e) {
      if (i === labelStart) return fail("sni-invalid", i === e - 1 ? "host_name ends with a dot" : "empty label in host_name");
      if (i - labelStart > 63) return fail("sni-invalid", "label longer than 63 bytes in host_name");
      labelStart = i + 1;
    } else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
    } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f)) {
      if (c === 0x3a || c === 0x5b || c === 0x5d) return fail("sni-ip-literal", "host_name is an IPv6 literal");
      return fail("sni-invalid", `byte 0x${hex2(c)} in host_name`);
    }
  }
  if (labelStart === e) return fail("sni-invalid", "host_name ends with a dot");
  if (e - labelStart > 63) return fail("sni-invalid", "label longer than 63 bytes in host_name");
  if (isNumericLabel(b, labelStart, e)) return fail("sni-ip-literal", "host_name is an IPv4 literal");
  const name = latin1(b, s, e);
  return upper ? name.toLowerCase() : name;
}

/** WHATWG URL "ends in a number": all decimal digits, or 0x followed by hex digits. */
function isNumericLabel(b: Buffer, s: number, e: number): boolean {
  let digits = true;
  for (let i = s; i < e; i++) if (b[i]! < 0x30 || b[i]! > 0x39) { digits = false; break; }
  if (digits) return true;
  if (e - s >= 2 && b[s] === 0x30 && (b[s + 1] === 0x78 || b[s + 1] === 0x58)) {
    for (let i = s + 2; i < e; i++) if (hexVal(b[i]!) < 0) return false;
    return true;
  }
  return false;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** ECDHE_ECDSA cipher suites (IANA TLS Cipher Suites registry): TLS ≤ 1.2 binds the certificate type here. */
const ECDSA_SUITES = new Set([
  0xc006, 0xc007, 0xc008, 0xc009, 0xc00a, 0xc023, 0xc024, 0xc02b, 0xc02c, 0xc048, 0xc049, 0xc05c, 0xc05d,
  0xc072, 0xc073, 0xc086, 0xc087, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xcca9,
]);

/**
 * Whether an ECDSA P-256 leaf will verify for this client.
 * - TLS 1.3 (RFC 8446 §4.2.3): the certificate key must match a signature_algorithms entry, and
 *   ecdsa_secp256r1_sha256 names the curve.
 * - TLS ≤ 1.2 (RFC 5246 §7.4.1.4.1, RFC 8422 §5.1): an ECDHE_ECDSA suite, an ECDSA entry in
 *   signature_algorithms if sent (absent means the suite's default, SHA-1 with ECDSA), and P-256 in
 *   supported_groups if sent.
 */
function offersEcdsa(tls13: boolean, suites: readonly number[], sigalgs: readonly number[], groups: readonly number[], exts: readonly number[]): boolean {
  if (tls13 && sigalgs.includes(SIG_ECDSA_SECP256R1_SHA256)) return true;
  let suite = false;
  for (const s of suites) if (ECDSA_SUITES.has(s)) { suite = true; break; }
  if (!suite) return false;
  if (exts.includes(EXT_SIGNATURE_ALGORITHMS)) {
    let ecdsa = false;
    for (const s of sigalgs) if ((s & 0xff) === 3 && (s >> 8) >= 2 && (s >> 8) <= 6) { ecdsa = true; break; }
    if (!ecdsa) return false;
  }
  return !exts.includes(EXT_SUPPORTED_GROUPS) || groups.includes(GROUP_SECP256R1);
}

// --- JA4 (FoxIO JA4 spec, technical_details/JA4.md) ------------------------------------------------------

const HEX = "0123456789abcdef";
const HEX_CODES = Buffer.from(HEX, "latin1");
const ZERO12 = "000000000000";
// Extensions (4+ bytes each) plus signature algorithms (2 bytes each) fit in one hello: at most 8192 values.
const sortScratch = new Uint16Array(MAX_CLIENT_HELLO_BYTES / 2);
const ja4Scratch = Buffer.allocUnsafe((MAX_CLIENT_HELLO_BYTES / 2) * 5 * 2);
const JA4_CACHE_ENTRIES = 4096;

function hex2(v: number): string {
  return HEX[(v >> 4) & 15]! + HEX[v & 15]!;
}
function hex4(v: number): string {
  return hex2(v >> 8) + hex2(v & 0xff);
}

/** Version code of JA4 section a: from supported_versions (highest, GREASE ignored) or legacy_version. */
function ja4Version(v: number): string {
  switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
  }
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** First and last character of the first ALPN value; its hex form when either end is not alphanumeric. */
function ja4Alpn(b: Buffer, s: number, n: number): string {
  if (s < 0 || n === 0) return "00";
  const first = b[s]!;
  const last = b[s + n - 1]!;
  if (isAlnum(first) && isAlnum(last)) return String.fromCharCode(first, last);
  return HEX[first >> 4]! + HEX[last & 15]!;
}

function twoDigits(n: number): string {
  const v = n > 99 ? 99 : n;
  return v < 10 ? "0" + v : String(v);
}

/** Writes `n` values as "xxxx,xxxx,…" into ja4Scratch at `w`; returns the new write offset. */
function writeHexList(values: ArrayLike<number>, n: number, w: number): number {
  for (let i = 0; i < n; i++) {
    if (i > 0) ja4Scratch[w++] = 0x2c;
    const v = values[i]!;
    ja4Scratch[w++] = HEX_CODES[(v >> 12) & 15]!;
    ja4Scratch[w++] = HEX_CODES[(v >> 8) & 15]!;
    ja4Scratch[w++] = HEX_CODES[(v >> 4) & 15]!;
    ja4Scratch[w++] = HEX_CODES[v & 15]!;
  }
  return w;
}

/** Sorts sortScratch[0, n) ascending: insertion sort for the usual few dozen values, the typed-array sort
 *  (O(n log n)) for the long lists a hostile client may send. */
function sortScratchPrefix(n: number): void {
  if (n > 32) {
    sortScratch.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = sortScratch[i]!;
    let j = i - 1;
    while (j >= 0 && sortScratch[j]! > v) {
      sortScratch[j + 1] = sortScratch[j]!;
      j--;
    }
    sortScratch[j + 1] = v;
  }
}

function sha12(w: number): string {
  return hash("sha256", latin1(ja4Scratch, 0, w), "hex").slice(0, 12);
}

/**
 * Real traffic repeats a handful of client stacks, and the two SHA-256 calls are most of a ClientHello's
 * parse time, so both hashed parts are cached. The key is a 32-bit FNV-1a of the values hashed (a small
 * integer: no string to build or hash); an entry keeps its values, and a hit is taken only when they are
 * equal, so a collision costs a recomputation, never a wrong fingerprint. The cache is emptied when full:
 * a client cycling fingerprints costs CPU (the uncached path), never memory.
 */
interface Ja4CacheEntry {
  readonly values: Uint16Array;
  readonly split: number;
  readonly hash: string;
}
const ja4Cache = new Map<number, Ja4CacheEntry>();

/** FNV-1a over sortScratch[0, n), seeded with the part and the split point. */
function scratchHash(part: number, split: number, n: number): number {
  let h = (0x811c9dc5 ^ part ^ (split << 8)) >>> 0;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ sortScratch[i]!, 0x01000193);
  return h;
}

function cached(key: number, split: number, n: number): string | undefined {
  const e = ja4Cache.get(key);
  if (e === undefined) return undefined;
  let same = e.split === split && e.values.length === n;
  for (let i = 0; same && i < n; i++) same = e.values[i] === sortScratch[i];
  return same ? e.hash : undefined;
}

function remember(key: number, split: number, n: number, value: string): string {
  if (ja4Cache.size >= JA4_CACHE_ENTRIES) ja4Cache.clear();
  ja4Cache.set(key, { values: sortScratch.slice(0, n), split, hash: value });
  return value;
}

function ja4Fingerprint(version: number, sni: boolean, ciphers: readonly number[], exts: readonly number[], b: Buffer, alpnStart: number, alpnLen: number, sigalgs: readonly number[]): string {
  const a = "t" + ja4Version(version) + (sni ? "d" : "i") + twoDigits(ciphers.length) + twoDigits(exts.length) + ja4Alpn(b, alpnStart, alpnLen);

  // b: the cipher suites, sorted.
  let bPart = ZERO12;
  const nc = ciphers.length;
  if (nc > 0) {
    for (let i = 0; i < nc; i++) sortScratch[i] = ciphers[i]!;
    sortScratchPrefix(nc);
    const key = scratchHash(0x62, 0, nc);
    bPart = cached(key, 0, nc) ?? remember(key, 0, nc, sha12(writeHexList(sortScratch, nc, 0)));
  }

  // c: the extensions without SNI and ALPN, sorted, then the signature algorithms in wire order.
  let n = 0;
  for (const t of exts) if (t !== EXT_SERVER_NAME && t !== EXT_ALPN) sortScratch[n++] = t;
  let cPart = ZERO12;
  if (n > 0) {
    sortScratchPrefix(n);
    const ns = sigalgs.length;
    for (let i = 0; i < ns; i++) sortScratch[n + i] = sigalgs[i]!;
    const key = scratchHash(0x63, n, n + ns);
    let c = cached(key, n, n + ns);
    if (c === undefined) {
      let w = writeHexList(sortScratch, n, 0);
      if (ns > 0) {
        ja4Scratch[w++] = 0x5f;
        w = writeHexList(sigalgs, ns, w);
      }
      c = remember(key, n, n + ns, sha12(w));
    }
    cPart = c;
  }
  return a + "_" + bPart + "_" + cPart;
}

/**
 * JA4 of already-parsed values, for tools and for checking against the spec's published examples.
 * GREASE values are dropped here as the spec requires; `alpn` is the first ALPN value's bytes.
 */
export function ja4(parts: {
  version: number;
  sni: boolean;
  ciphers: readonly number[];
  extensions: readonly number[];
  alpn?: Buffer;
  signatureAlgorithms: readonly number[];
}): string {
  const keep = (l: readonly number[]) => l.filter((v) => !isGrease(v));
  const alpn = parts.alpn ?? Buffer.alloc(0);
  return ja4Fingerprint(parts.version, parts.sni, keep(parts.ciphers), keep(parts.extensions), alpn, alpn.length > 0 ? 0 : -1, alpn.length, keep(parts.signatureAlgorithms));
}
