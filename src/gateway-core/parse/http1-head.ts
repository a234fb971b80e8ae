/**
 * HTTP/1.x message heads for the proxy: the request head a client sends (explicit proxy and transparent
 * :80) and the response head an upstream sends back.
 *
 * Primitives:
 *   parseRequestHead(bytes)               → need-more | ok(head, consumed) | error(code, message)
 *   parseResponseHead(bytes, method)      → need-more | ok(head, consumed) | error(code, message)
 *   parseFieldLines(bytes, start, end, …) the field-line grammar, shared with the chunked trailer section
 *
 * `bytes` is everything received so far; both parsers answer 'need-more' until the blank line that ends the
 * head (RFC 9112 §2.1) and keep no state between calls. `consumed` is where the body (or the tunnel) starts.
 *
 *   bytes ─▶ skip empty lines before a request-line (RFC 9112 §2.2)
 *        ─▶ find CRLF CRLF ──absent──▶ early checks (size cap, bare LF, method token) ─▶ need-more | error
 *        ─▶ start-line ─▶ field lines ─▶ framing (RFC 9112 §6.3) ─▶ ok | error
 *
 * This parser sits between two parties that may disagree about where a message ends, so it refuses every
 * ambiguity that request smuggling is built on instead of guessing (RFC 9112 §11.2):
 *   - bare LF and bare CR are errors (RFC 9112 §2.2 allows a recipient to accept a bare LF; a proxy that does
 *     and an upstream that does not see different messages, so we do not);
 *   - obs-fold is an error (RFC 9112 §5.2 allows reject or replace; we reject);
 *   - whitespace between field name and colon is an error (RFC 9112 §5.1 MUST reject);
 *   - Content-Length together with Transfer-Encoding is an error (RFC 9112 §6.1 allows a server to reject);
 *   - differing Content-Length values are an error (RFC 9112 §6.3 item 5); identical repeats are accepted
 *     (RFC 9110 §8.6 allows it);
 *   - Transfer-Encoding whose final coding is not chunked, a coding we do not know, chunked twice, or any
 *     Transfer-Encoding in HTTP/1.0 is an error (RFC 9112 §6.1, §6.3 item 4, §7);
 *   - more or fewer than one Host in HTTP/1.1 is an error (RFC 9112 §3.2), and so is userinfo in the target
 *     (RFC 9110 §4.2.4).
 * Limits: MAX_HEAD_BYTES per head, MAX_HEADERS field lines.
 */

/** Largest head accepted, start-line + field lines + the blank line. */
export const MAX_HEAD_BYTES = 32 * 1024;
/** Most field lines accepted in one head (and in one trailer section). */
export const MAX_HEADERS = 100;

export type Http1ErrorCode =
  | "head-too-large"
  | "too-many-headers"
  | "bare-lf" // LF without CR (RFC 9112 §2.2)
  | "bare-cr" // CR without LF (RFC 9112 §2.2)
  | "bad-request-line" // request-line structure (RFC 9112 §3)
  | "bad-method" // method is not a token
  | "bad-target" // request-target form or bytes (RFC 9112 §3.2)
  | "userinfo-in-target" // user@host in the target (RFC 9110 §4.2.4)
  | "bad-version" // not HTTP-version syntax
  | "unsupported-version" // HTTP/x.y other than 1.0 and 1.1
  | "bad-status-line" // status-line structure (RFC 9112 §4)
  | "bad-header-name" // field-name not a token, or whitespace before the colon (RFC 9112 §5.1)
  | "bad-header-value" // control character in a field value (RFC 9110 §5.5)
  | "obs-fold" // line folding (RFC 9112 §5.2)
  | "missing-host" // HTTP/1.1 request without Host (RFC 9112 §3.2)
  | "duplicate-host"
  | "bad-host" // Host or target authority is not host[:port]
  | "duplicate-header" // a singleton field sent twice (Proxy-Authorization)
  | "bad-content-length"
  | "conflicting-content-length"
  | "cl-and-te" // both Content-Length and Transfer-Encoding
  | "bad-transfer-encoding" // unknown coding, parameters, or chunked twice
  | "te-not-chunked-last" // request Transfer-Encoding whose final coding is not chunked
  | "te-in-http10"; // Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1)

export interface Http1Error {
  readonly kind: "error";
  readonly code: Http1ErrorCode;
  readonly message: string;
}

/** How the bytes after the head are framed (RFC 9112 §6.3). */
export type BodyFraming =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "until-close" } // responses only: read until the upstream closes
  | { readonly kind: "tunnel" }; // responses only: 2xx to CONNECT, 101 Switching Protocols

export type HostKind = "name" | "ipv4" | "ipv6";

/** A host and optional port from a request target or a Host field. */
export interface Authority {
  /** Lower-cased; an IPv6 literal without brackets; a name without a trailing dot. */
  readonly host: string;
  readonly hostKind: HostKind;
  readonly port: number | null;
}

export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

/** Fields every head shares. Fast-lookup values join repeated lines with ", " (RFC 9110 §5.3). */
export interface FieldLookups {
  /** Field lines as received, flat: [name0, value0, name1, value1, …] (names keep their case). */
  readonly headers: readonly string[];
  readonly connection: string | null;
  readonly contentLength: number | null;
  readonly transferEncoding: string | null;
  readonly upgrade: string | null;
  /** Persistent connection after this message (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  readonly framing: BodyFraming;
}

export interface RequestHead extends FieldLookups {
  readonly method: string;
  readonly target: string;
  readonly targetForm: TargetForm;
  readonly version: "1.0" | "1.1";
  /** Scheme of an absolute-form target, lower-cased; null otherwise. */
  readonly scheme: string | null;
  /** Path and query of an origin- or absolute-form target ("/" when the absolute form has none). */
  readonly path: string | null;
  /** Where the request goes: the target's authority (absolute/authority form), else the Host field. */
  readonly authority: Authority | null;
  readonly host: string | null;
  readonly expect: string | null;
  readonly proxyAuthorization: string | null;
  /** Non-standard but sent by browsers and curl to proxies; informative (keepAlive follows Connection). */
  readonly proxyConnection: string | null;
}

export interface ResponseHead extends FieldLookups {
  readonly version: "1.0" | "1.1";
  readonly status: number;
  readonly reason: string;
}

export type RequestHeadResult =
  | { readonly kind: "need-more" }
  | { readonly kind: "ok"; readonly head: RequestHead; readonly consumed: number }
  | Http1Error;

export type ResponseHeadResult =
  | { readonly kind: "need-more" }
  | { readonly kind: "ok"; readonly head: ResponseHead; readonly consumed: number }
  | Http1Error;

const NEED_MORE = Object.freeze({ kind: "need-more" } as const);
const FRAMING_NONE: BodyFraming = Object.freeze({ kind: "none" });
const FRAMING_CHUNKED: BodyFraming = Object.freeze({ kind: "chunked" });
const FRAMING_UNTIL_CLOSE: BodyFraming = Object.freeze({ kind: "until-close" });
const FRAMING_TUNNEL: BodyFraming = Object.freeze({ kind: "tunnel" });

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");

/**
 * Buffer#latin1Slice is what buf.toString("latin1", s, e) ends in, minus the argument checks and encoding
 * lookup — a measurable share per field line (Node's own randomUUID and busboy call it the same way).
 * latin1 maps every byte to one code unit, so obs-text survives and nothing is decoded or replaced.
 */
type Latin1 = { latin1Slice(start: number, end: number): string };
function latin1(b: Buffer, s: number, e: number): string {
  return (b as unknown as Latin1).latin1Slice(s, e);
}

function fail(code: Http1ErrorCode, message: string): Http1Error {
  return { kind: "error", code, message };
}

/** tchar (RFC 9110 §5.6.2): "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** field-vchar / SP / HTAB (RFC 9110 §5.5), obs-text included: 1 = allowed in a field value. */
const VALUE_CHAR = new Uint8Array(256);
VALUE_CHAR[HTAB] = 1;
for (let c = 0x20; c <= 0x7e; c++) VALUE_CHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VALUE_CHAR[c] = 1;

// Field names the parser looks up, compared case-insensitively against the bytes.
const enum Known { Other, Host, Connection, ContentLength, TransferEncoding, Upgrade, Expect, ProxyAuthorization, ProxyConnection }
const KNOWN_NAMES: ReadonlyArray<readonly [string, Known]> = [
  ["host", Known.Host],
  ["connection", Known.Connection],
  ["content-length", Known.ContentLength],
  ["transfer-encoding", Known.TransferEncoding],
  ["upgrade", Known.Upgrade],
  ["expect", Known.Expect],
  ["proxy-authorization", Known.ProxyAuthorization],
  ["proxy-connection", Known.ProxyConnection],
];
const KNOWN_BY_LENGTH: Array<Array<readonly [Buffer, Known]>> = [];
for (const [n, k] of KNOWN_NAMES) (KNOWN_BY_LENGTH[n.length] ??= []).push([Buffer.from(n, "latin1"), k]);

function knownName(b: Buffer, s: number, e: number): Known {
  const cands = KNOWN_BY_LENGTH[e - s];
  if (cands === undefined) return Known.Other;
  outer: for (const [name, k] of cands) {
    for (let i = 0; i < name.length; i++) {
      const c = b[s + i]!;
      // ASCII letters fold with 0x20; the names hold only letters and '-', which does not fold.
      if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== name[i]) continue outer;
    }
    return k;
  }
  return Known.Other;
}

/** Collected while reading field lines; reset for every head. */
export interface FieldState {
  headers: string[];
  host: string | null;
  hostCount: number;
  connection: string | null;
  contentLength: string | null;
  transferEncoding: string | null;
  upgrade: string | null;
  expect: string | null;
  proxyAuthorization: string | null;
  proxyConnection: string | null;
}

function newFieldState(): FieldState {
  return { headers: [], host: null, hostCount: 0, connection: null, contentLength: null, transferEncoding: null, upgrade: null, expect: null, proxyAuthorization: null, proxyConnection: null };
}

function join(prev: string | null, v: string): string {
  return prev === null ? v : prev + ", " + v;
}

/**
 * Field lines in [pos, end), where `end` is the start of the blank line's CRLF and every line ends in
 * CRLF (RFC 9112 §5). Returns an error or undefined; fills `st`. Used for heads and chunked trailers.
 */
export function parseFieldLines(b: Buffer, pos: number, end: number, st: FieldState, maxFields: number): Http1Error | undefined {
  let count = 0;
  while (pos < end) {
    const lf = b.indexOf(LF, pos);
    // `end` sits before a CRLF, so an LF is always found at or after it.
    if (b[lf - 1] !== CR) return fail("bare-lf", `LF without CR at offset ${lf}`);
    const eol = lf - 1;
    if (++count > maxFields) return fail("too-many-headers", `more than ${maxFields} field lines`);
    const c0 = b[pos]!;
    if (c0 === SP || c0 === HTAB) return fail("obs-fold", `folded field line at offset ${pos}`);
    let i = pos;
    while (i < eol && TCHAR[b[i]!] === 1) i++;
    if (i === pos || i === eol || b[i] !== COLON) {
      // i < eol here: the line holds at least the CR that ends it.
      const c = b[i]!;
      return fail("bad-header-name", i === pos ? `empty field name at offset ${pos}` : c === SP || c === HTAB ? `whitespace before colon at offset ${i}` : `byte 0x${c.toString(16)} in field name at offset ${i}`);
    }
    const nameEnd = i;
    i++;
    while (i < eol && (b[i] === SP || b[i] === HTAB)) i++;
    const vs = i;
    let ve = vs;
    for (; i < eol; i++) {
      const c = b[i]!;
      if (VALUE_CHAR[c] !== 1) return fail(c === CR ? "bare-cr" : "bad-header-value", `byte 0x${c.toString(16)} in field value at offset ${i}`);
      if (c !== SP && c !== HTAB) ve = i + 1;
    }
    const name = latin1(b, pos, nameEnd);
    const value = latin1(b, vs, ve);
    st.headers.push(name, value);
    switch (knownName(b, pos, nameEnd)) {
      case Known.Host: st.hostCount++; st.host = value; break;
      case Known.Connection: st.connection = join(st.connection, value); break;
      case Known.ContentLength: st.contentLength = join(st.contentLength, value); break;
      case Known.TransferEncoding: st.transferEncoding = join(st.transferEncoding, value); break;
      case Known.Upgrade: st.upgrade = join(st.upgrade, value); break;
      case Known.Expect: st.expect = join(st.expect, value); break;
      case Known.ProxyAuthorization:
        // Credentials are a singleton: two of them is a confusion between proxy and upstream.
        if (st.proxyAuthorization !== null) return fail("duplicate-header", "Proxy-Authorization sent twice");
        st.proxyAuthorization = value;
        break;
      case Known.ProxyConnection: st.proxyConnection = join(st.proxyConnection, value); break;
      default: break;
    }
    pos = lf + 1;
  }
  return undefined;
}

/**
 * Content-Length (RFC 9110 §8.6): 1*DIGIT; a list of identical values (repeated lines or "5, 5") is one
 * value; differing values are an unrecoverable framing error (RFC 9112 §6.3 item 5).
 */
function contentLength(v: string): number | Http1Error {
  let value = -1;
  let cur = -1;
  for (let i = 0; i <= v.length; i++) {
    const c = i < v.length ? v.charCodeAt(i) : 0x2c;
    if (c >= 0x30 && c <= 0x39) {
      cur = cur < 0 ? c - 0x30 : cur * 10 + (c - 0x30);
      if (cur > Number.MAX_SAFE_INTEGER) return fail("bad-content-length", "Content-Length too large");
    } else if (c === 0x2c) {
      if (cur < 0) return fail("bad-content-length", `Content-Length "${v}"`);
      if (value >= 0 && value !== cur) return fail("conflicting-content-length", `Content-Length "${v}"`);
      value = cur;
      cur = -1;
      while (i + 1 < v.length && (v.charCodeAt(i + 1) === SP || v.charCodeAt(i + 1) === HTAB)) i++;
    } else {
      return fail("bad-content-length", `Content-Length "${v}"`);
    }
  }
  return value;
}

const KNOWN_CODINGS = new Set(["chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"]);

/** Transfer-Encoding list (RFC 9112 §6.1): known codings only, no parameters, chunked at most once. */
function transferCodings(v: string): { chunkedLast: boolean } | Http1Error {
  let chunked = false;
  let last = "";
  for (const raw of v.split(",")) {
    const c = raw.trim().toLowerCase();
    if (c === "") continue; // empty list elements are allowed and ignored (RFC 9110 §5.6.1)
    if (!KNOWN_CODINGS.has(c)) return fail("bad-transfer-encoding", `transfer coding "${c}"`);
    if (c === "chunked") {
      if (chunked) return fail("bad-transfer-encoding", "chunked applied twice (RFC 9112 §7)");
      chunked = true;
    }
    last = c;
  }
  if (last === "") return fail("bad-transfer-encoding", "empty Transfer-Encoding");
  return { chunkedLast: last === "chunked" };
}

function hasToken(list: string | null, token: string): boolean {
  if (list === null) return false;
  for (const t of list.split(",")) if (t.trim().toLowerCase() === token) return true;
  return false;
}

/** RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 persists only with "keep-alive". */
function keepAlive(minor: number, connection: string | null): boolean {
  if (hasToken(connection, "close")) return false;
  return minor === 1 || hasToken(connection, "keep-alive");
}

/** "HTTP/1.1" or "HTTP/1.0" at [s, s+8): returns the minor version, or an error. */
function httpVersion(b: Buffer, s: number, e: number): 0 | 1 | Http1Error {
  if (e - s === 8 && b[s] === 0x48 && b[s + 1] === 0x54 && b[s + 2] === 0x54 && b[s + 3] === 0x50 && b[s + 4] === 0x2f && b[s + 6] === 0x2e) {
    const major = b[s + 5]!;
    const minor = b[s + 7]!;
    if (major >= 0x30 && major <= 0x39 && minor >= 0x30 && minor <= 0x39) {
      if (major === 0x31 && (minor === 0x30 || minor === 0x31)) return (minor - 0x30) as 0 | 1;
      return fail("unsupported-version", `HTTP/${major - 0x30}.${minor - 0x30}`);
    }
  }
  return fail("bad-version", `"${b.toString("latin1", s, Math.min(e, s + 16))}" is not an HTTP version`);
}

/**
 * Finds the end of the head; before it is there, refuses early what can never become a valid head.
 * Returns the index of the CRLFCRLF, NEED_MORE, or an error.
 */
function findHeadEnd(b: Buffer, start: number): number | Http1Error | typeof NEED_MORE {
  const idx = b.indexOf(CRLFCRLF, start);
  if (idx >= 0) {
    if (idx + 4 > MAX_HEAD_BYTES) return fail("head-too-large", `head over ${MAX_HEAD_BYTES} bytes`);
    return idx;
  }
  if (b.length >= MAX_HEAD_BYTES) return fail("head-too-large", `no end of head within ${MAX_HEAD_BYTES} bytes`);
  // A bare LF would never be followed by the CRLFCRLF we wait for: say so now rather than at the cap.
  for (let lf = b.indexOf(LF, start); lf >= 0; lf = b.indexOf(LF, lf + 1)) {
    if (b[lf - 1] !== CR) return fail("bare-lf", `LF without CR at offset ${lf}`);
  }
  return NEED_MORE;
}

/** Empty lines before a request-line are ignored (RFC 9112 §2.2); returns the first other offset. */
function skipEmptyLines(b: Buffer): number {
  let i = 0;
  while (i + 1 < b.length && b[i] === CR && b[i + 1] === LF) i += 2;
  return i;
}

// --- request head -----------------------------------------------------------------------------------------

export function parseRequestHead(b: Buffer): RequestHeadResult {
  const start = skipEmptyLines(b);
  if (start >= MAX_HEAD_BYTES) return fail("head-too-large", `no request-line within ${MAX_HEAD_BYTES} bytes`);
  // Early: the method is a token followed by SP (RFC 9112 §3); anything else will never be a request.
  let m = start;
  while (m < b.length && TCHAR[b[m]!] === 1) m++;
  if (m < b.length && (b[m] !== SP || m === start)) {
    const c = b[m]!;
    if (c === LF) return fail("bare-lf", `LF without CR at offset ${m}`);
    if (c === CR && m === start) return b.length > m + 1 ? fail("bare-cr", `CR without LF at offset ${m}`) : NEED_MORE;
    if (c === CR) return fail("bad-request-line", "request-line ends after the method");
    return fail("bad-method", `byte 0x${c.toString(16)} in method at offset ${m}`);
  }
  const end = findHeadEnd(b, start);
  if (typeof end !== "number") return end;

  // request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3)
  const lf = b.indexOf(LF, start);
  if (b[lf - 1] !== CR) return fail("bare-lf", `LF without CR at offset ${lf}`);
  const eol = lf - 1;
  const sp1 = m;
  let sp2 = sp1 + 1;
  while (sp2 < eol && b[sp2]! > SP && b[sp2]! < 0x7f) sp2++;
  if (sp2 === sp1 + 1 || sp2 >= eol || b[sp2] !== SP) {
    const c = b[sp2]!;
    if (sp2 < eol && c !== SP) return fail(c === CR ? "bare-cr" : "bad-target", `byte 0x${c.toString(16)} in request-target at offset ${sp2}`);
    return fail("bad-request-line", "request-line is not method SP target SP version");
  }
  const minor = httpVersion(b, sp2 + 1, eol);
  if (typeof minor !== "number") return minor;

  const st = newFieldState();
  const ferr = parseFieldLines(b, lf + 1, end + 2, st, MAX_HEADERS);
  if (ferr) return ferr;

  const method = latin1(b, start, sp1);
  const target = latin1(b, sp1 + 1, sp2);
  const t = requestTarget(method, target);
  if (isError(t)) return t;

  // Host (RFC 9112 §3.2): exactly one in HTTP/1.1; valid when present.
  if (st.hostCount > 1) return fail("duplicate-host", `${st.hostCount} Host fields`);
  if (st.hostCount === 0 && minor === 1) return fail("missing-host", "HTTP/1.1 request without Host");
  let hostAuthority: Authority | null = null;
  if (st.host !== null && st.host !== "") {
    const a = parseAuthority(st.host, false);
    if (isError(a)) return a;
    hostAuthority = a;
  }

  const framing = requestFraming(method, minor, st);
  if ("code" in framing) return framing;

  const head: RequestHead = {
    method,
    target,
    targetForm: t.form,
    version: minor === 1 ? "1.1" : "1.0",
    scheme: t.scheme,
    path: t.path,
    // RFC 9112 §3.2.2: a proxy ignores Host when the target carries the authority.
    authority: t.authority ?? hostAuthority,
    headers: st.headers,
    host: st.host,
    connection: st.connection,
    // Valid here: framing has checked it (and refused it next to Transfer-Encoding).
    contentLength: st.contentLength === null ? null : (contentLength(st.contentLength) as number),
    transferEncoding: st.transferEncoding,
    upgrade: st.upgrade,
    expect: st.expect,
    proxyAuthorization: st.proxyAuthorization,
    proxyConnection: st.proxyConnection,
    keepAlive: keepAlive(minor, st.connection),
    framing,
  };
  return { kind: "ok", head, consumed: end + 4 };
}

/** Request body framing (RFC 9112 §6.3 items 3–7, as a server/proxy reading a request). */
function requestFraming(method: string, minor: number, st: FieldState): BodyFraming | Http1Error {
  const framing = framingFromFields(minor, st, true);
  if ("code" in framing) return framing;
  // RFC 9110 §9.3.6: a CONNECT request has no content; what follows belongs to the tunnel.
  return method === "CONNECT" ? FRAMING_NONE : framing;
}

function framingFromFields(minor: number, st: FieldState, request: boolean): BodyFraming | Http1Error {
  if (st.transferEncoding !== null) {
    if (st.contentLength !== null) return fail("cl-and-te", "both Content-Length and Transfer-Encoding");
    if (minor === 0) return fail("te-in-http10", "Transfer-Encoding in an HTTP/1.0 message");
    const te = transferCodings(st.transferEncoding);
    if ("code" in te) return te;
    if (te.chunkedLast) return FRAMING_CHUNKED;
    // RFC 9112 §6.3 item 4: a request without chunked last cannot be framed; a response runs to close.
    return request ? fail("te-not-chunked-last", `Transfer-Encoding "${st.transferEncoding}"`) : FRAMING_UNTIL_CLOSE;
  }
  if (st.contentLength !== null) {
    const n = contentLength(st.contentLength);
    if (typeof n !== "number") return n;
    return n === 0 && request ? FRAMING_NONE : { kind: "length", length: n };
  }
  return request ? FRAMING_NONE : FRAMING_UNTIL_CLOSE;
}

interface Target {
  form: TargetForm;
  scheme: string | null;
  path: string | null;
  authority: Authority | null;
}

/** request-target forms (RFC 9112 §3.2). Bytes are already known to be visible ASCII. */
function requestTarget(method: string, t: string): Target | Http1Error {
  if (method === "CONNECT") {
    // authority-form = uri-host ":" port, and only for CONNECT (RFC 9112 §3.2.3).
    const a = parseAuthority(t, true);
    if (isError(a)) return a;
    return { form: "authority", scheme: null, path: null, authority: a };
  }
  if (t.includes("#")) return fail("bad-target", "fragment in request-target");
  const c0 = t.charCodeAt(0);
  if (c0 === 0x2f) return { form: "origin", scheme: null, path: t, authority: null };
  if (t === "*") {
    if (method !== "OPTIONS") return fail("bad-target", `asterisk-form with ${method}`);
    return { form: "asterisk", scheme: null, path: null, authority: null };
  }
  // absolute-form = absolute-URI (RFC 9112 §3.2.2); a proxy needs its authority, so "scheme://" is required.
  const colon = t.indexOf(":");
  if (colon <= 0 || !isScheme(t, colon) || t.charCodeAt(colon + 1) !== 0x2f || t.charCodeAt(colon + 2) !== 0x2f) {
    return fail("bad-target", `request-target "${t.slice(0, 64)}" is not origin-, absolute-, authority- or asterisk-form`);
  }
  const as = colon + 3;
  let ae = as;
  while (ae < t.length && t.charCodeAt(ae) !== 0x2f && t.charCodeAt(ae) !== 0x3f) ae++;
  const auth = t.slice(as, ae);
  if (auth.includes("@")) return fail("userinfo-in-target", "userinfo in request-target");
  const a = parseAuthority(auth, false);
  if (isError(a)) return a;
  const rest = t.slice(ae);
  return { form: "absolute", scheme: t.slice(0, colon).toLowerCase(), path: rest === "" ? "/" : rest.charCodeAt(0) === 0x3f ? "/" + rest : rest, authority: a };
}

function isError(v: object): v is Http1Error {
  return (v as { kind?: unknown }).kind === "error";
}

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1) */
function isScheme(t: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = t.charCodeAt(i) | 0x20;
    const alpha = c >= 0x61 && c <= 0x7a;
    if (i === 0 ? !alpha : !(alpha || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

/**
 * uri-host [ ":" port ] (RFC 3986 §3.2.2–3.2.3), narrower than RFC 3986's reg-name on purpose: a gateway
 * that categorises by name accepts only DNS-shaped names (letters, digits, '-', '_', '.'), dotted-quad
 * IPv4 and bracketed IPv6. Other numeric forms ("0x7f.1", "2130706433") that some resolvers turn into
 * addresses are refused, so a name cannot slip past categorisation as a disguised address.
 */
export function parseAuthority(v: string, portRequired: boolean): Authority | Http1Error {
  let hostEnd = v.length;
  let hs = 0;
  let he: number;
  let kind: HostKind;
  if (v.charCodeAt(0) === 0x5b) {
    const close = v.indexOf("]");
    if (close < 0) return fail("bad-host", `"${v}": unclosed IPv6 literal`);
    he = close;
    hs = 1;
    hostEnd = close + 1;
    if (!isIpv6(v, 1, close)) return fail("bad-host", `"${v}": bad IPv6 literal`);
    kind = "ipv6";
    if (hostEnd < v.length && v.charCodeAt(hostEnd) !== COLON) return fail("bad-host", `"${v}": bytes after IPv6 literal`);
  } else {
    const colon = v.indexOf(":");
    if (colon >= 0) hostEnd = colon;
    he = hostEnd;
    // A trailing dot names the same host (RFC 1034 §3.1); drop it so categorisation sees one form.
    if (he > hs + 1 && v.charCodeAt(he - 1) === 0x2e) he--;
    const k = nameKind(v, hs, he);
    if (k === null) return fail("bad-host", `"${v}" is not a host name or address`);
    kind = k;
  }
  let port: number | null = null;
  if (hostEnd < v.length) {
    // port = *DIGIT; "host:" (empty port) is allowed by RFC 3986 and means the default.
    let p = 0;
    const ps = hostEnd + 1;
    if (v.length - ps > 5) return fail("bad-host", `"${v}": bad port`);
    for (let i = ps; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return fail("bad-host", `"${v}": bad port`);
      p = p * 10 + (c - 0x30);
    }
    if (p > 65535) return fail("bad-host", `"${v}": port out of range`);
    if (ps < v.length) port = p;
  }
  if (portRequired && (port === null || port === 0)) return fail("bad-target", `CONNECT target "${v}" needs host:port`);
  return { host: v.slice(hs, he).toLowerCase(), hostKind: kind, port };
}

function nameKind(v: string, s: number, e: number): HostKind | null {
  if (e === s || e - s > 253) return null;
  let labelStart = s;
  let allDigitsDots = true;
  for (let i = s; i <= e; i++) {
    const c = i < e ? v.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (i === labelStart || i - labelStart > 63) return null;
      labelStart = i + 1;
      continue;
    }
    const l = c | 0x20;
    const digit = c >= 0x30 && c <= 0x39;
    if (!digit) allDigitsDots = false;
    if (!(digit || (l >= 0x61 && l <= 0x7a) || c === 0x2d || c === 0x5f)) return null;
  }
  if (allDigitsDots) return isDottedQuad(v, s, e) ? "ipv4" : null;
  // The last label being a number makes URL parsers treat the whole host as an address (WHATWG URL
  // "ends in a number": decimal digits, or 0x and hex digits).
  let ls = e;
  while (ls > s && v.charCodeAt(ls - 1) !== 0x2e) ls--;
  return endsInNumber(v, ls, e) ? null : "name";
}

function endsInNumber(v: string, s: number, e: number): boolean {
  let digits = true;
  for (let i = s; i < e; i++) digits &&= isDigit(v.charCodeAt(i));
  if (digits) return true;
  if (e - s < 2 || v.charCodeAt(s) !== 0x30 || (v.charCodeAt(s + 1) | 0x20) !== 0x78) return false;
  let hex = true;
  for (let i = s + 2; i < e; i++) {
    const c = v.charCodeAt(i) | 0x20;
    hex &&= isDigit(c) || (c >= 0x61 && c <= 0x66);
  }
  return hex;
}

/** Four decimal parts of 0–255 without leading zeros (octal to some parsers: refused rather than guessed). */
function isDottedQuad(v: string, s: number, e: number): boolean {
  let parts = 0;
  let value = 0;
  let len = 0;
  for (let i = s; i <= e; i++) {
    const c = i < e ? v.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (len === 0 || value > 255 || ++parts > 4) return false;
      value = 0;
      len = 0;
    } else {
      if (!isDigit(c) || (len === 1 && value === 0)) return false;
      value = value * 10 + (c - 0x30);
      len++;
    }
  }
  return parts === 4;
}

/** IPv6address (RFC 3986 §3.2.2), checked by shape: hex groups, one "::" at most, optional dotted-quad tail. */
function isIpv6(v: string, s: number, e: number): boolean {
  const text = v.slice(s, e);
  if (text.length < 2 || !/^[0-9A-Fa-f:.]+$/.test(text)) return false;
  const dbl = text.indexOf("::");
  if (dbl >= 0 && text.indexOf("::", dbl + 1) >= 0) return false;
  let groups = text.split(":");
  let need = 8;
  const lastGroup = groups[groups.length - 1]!;
  if (lastGroup.includes(".")) {
    if (!isDottedQuad(lastGroup, 0, lastGroup.length)) return false;
    groups = groups.slice(0, -1);
    need = 6;
  }
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g === "") {
      // Empty groups come only from "::" (two at its ends when it starts or ends the address).
      if (dbl < 0) return false;
      continue;
    }
    if (g.length > 4 || g.includes(".")) return false;
    count++;
  }
  return dbl >= 0 ? count < need : count === need;
}

// --- response head ----------------------------------------------------------------------------------------

/**
 * Response head from the upstream. `requestMethod` decides framing: a response to HEAD has no body, a 2xx
 * to CONNECT starts a tunnel (RFC 9112 §6.3 items 1–2).
 */
export function parseResponseHead(b: Buffer, requestMethod: string): ResponseHeadResult {
  // Early: a status-line starts with "HTTP/" (RFC 9112 §4).
  const prefix = Math.min(b.length, 5);
  for (let i = 0; i < prefix; i++) {
    if (b[i] !== "HTTP/".charCodeAt(i)) return fail("bad-status-line", "response does not start with HTTP/");
  }
  const end = findHeadEnd(b, 0);
  if (typeof end !== "number") return end;

  // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
  const lf = b.indexOf(LF);
  if (b[lf - 1] !== CR) return fail("bare-lf", `LF without CR at offset ${lf}`);
  const eol = lf - 1;
  const minor = httpVersion(b, 0, Math.min(8, eol));
  if (typeof minor !== "number") return minor;
  const c0 = b[9]!;
  const c1 = b[10]!;
  const c2 = b[11]!;
  if (b[8] !== SP || eol < 12 || !isDigit(c0) || !isDigit(c1) || !isDigit(c2) || (eol > 12 && b[12] !== SP)) {
    return fail("bad-status-line", "status-line is not HTTP-version SP 3DIGIT SP reason");
  }
  const status = (c0 - 0x30) * 100 + (c1 - 0x30) * 10 + (c2 - 0x30);
  if (status < 100) return fail("bad-status-line", `status ${status}`);
  // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ); a missing SP + reason is tolerated (clients ignore it).
  for (let i = 13; i < eol; i++) {
    const c = b[i]!;
    if (VALUE_CHAR[c] !== 1) return fail(c === CR ? "bare-cr" : "bad-status-line", `byte 0x${c.toString(16)} in reason-phrase`);
  }
  const st = newFieldState();
  const ferr = parseFieldLines(b, lf + 1, end + 2, st, MAX_HEADERS);
  if (ferr) return ferr;

  let framing: BodyFraming | Http1Error;
  if (requestMethod === "CONNECT" && status >= 200 && status < 300) framing = FRAMING_TUNNEL;
  else if (status === 101) framing = FRAMING_TUNNEL;
  else if (requestMethod === "HEAD" || status < 200 || status === 204 || status === 304) framing = FRAMING_NONE;
  else framing = framingFromFields(minor, st, false);
  if ("code" in framing) return framing;
  // The framing checks above still apply to fields of bodiless responses: CL+TE is refused either way.
  if (framing === FRAMING_NONE || framing === FRAMING_TUNNEL) {
    const check = framingFromFields(minor, st, false);
    if ("code" in check) return check;
  }

  const head: ResponseHead = {
    version: minor === 1 ? "1.1" : "1.0",
    status,
    reason: latin1(b, Math.min(13, eol), eol),
    headers: st.headers,
    connection: st.connection,
    contentLength: st.contentLength === null ? null : (contentLength(st.contentLength) as number),
    transferEncoding: st.transferEncoding,
    upgrade: st.upgrade,
    // A body that runs until close ends the connection, whatever Connection says (RFC 9112 §9.3).
    keepAlive: framing !== FRAMING_UNTIL_CLOSE && keepAlive(minor, st.connection),
    framing,
  };
  return { kind: "ok", head, consumed: end + 4 };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A fresh field collector, for the chunked decoder's trailer section. */
export function createFieldState(): FieldState {
  return newFieldState();
}
