/**
 * Minimal DER (X.690 §10) writer and reader for the certificates the CA builds.
 *
 * Primitives: `tlv` (tag ‖ length ‖ value), the universal types X.509 needs (INTEGER, OID, BOOLEAN, BIT/OCTET
 * STRING, UTF8/Printable/IA5 strings, UTCTime/GeneralizedTime), `writeLength`/`lengthSize` for the leaf
 * template that splices bytes into a preallocated buffer, and `readTlv`/`children` to walk a certificate.
 *
 * Why hand-rolled: the leaf hot path re-encodes a handful of lengths around spliced bytes (see leaf.ts); a
 * generic ASN.1 object model would allocate a tree per leaf. Only single-byte tags (numbers < 31) occur in
 * X.509, so the writer supports exactly those and the reader refuses anything else.
 */

export class DerError extends Error {
  override name = "DerError";
}

/** Number of bytes the DER length octets of `n` take (X.690 §8.1.3: short form below 128, else long form). */
export function lengthSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x100) return 2;
  if (n < 0x10000) return 3;
  if (n < 0x1000000) return 4;
  return 5;
}

/** Writes the length octets of `n` at `off`; returns the offset after them. */
export function writeLength(buf: Buffer, off: number, n: number): number {
  if (n < 0x80) {
    buf[off] = n;
    return off + 1;
  }
  const size = lengthSize(n) - 1;
  buf[off++] = 0x80 | size;
  for (let i = size - 1; i >= 0; i--) buf[off++] = (n >>> (8 * i)) & 0xff;
  return off;
}

export function encodeLength(n: number): Buffer {
  const b = Buffer.allocUnsafe(lengthSize(n));
  writeLength(b, 0, n);
  return b;
}

/** tag ‖ length ‖ concatenated contents. */
export function tlv(tag: number, ...contents: readonly Buffer[]): Buffer {
  let len = 0;
  for (const c of contents) len += c.length;
  const out = Buffer.allocUnsafe(1 + lengthSize(len) + len);
  out[0] = tag;
  let off = writeLength(out, 1, len);
  for (const c of contents) {
    c.copy(out, off);
    off += c.length;
  }
  return out;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export const seq = (...c: readonly Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...c);
export const set = (...c: readonly Buffer[]): Buffer => tlv(TAG.SET, ...c);
/** [n] EXPLICIT (constructed context-specific). */
export const explicit = (n: number, ...c: readonly Buffer[]): Buffer => tlv(0xa0 | n, ...c);
/** [n] IMPLICIT over a primitive (e.g. GeneralName dNSName = [2] IA5String, keyIdentifier = [0] OCTET STRING). */
export const implicitPrimitive = (n: number, value: Buffer): Buffer => tlv(0x80 | n, value);
/** [n] IMPLICIT over a constructed type (e.g. NameConstraints excludedSubtrees = [1] GeneralSubtrees). */
export const implicitConstructed = (n: number, ...c: readonly Buffer[]): Buffer => tlv(0xa0 | n, ...c);

export const NULL = Buffer.from([TAG.NULL, 0x00]);

export function bool(v: boolean): Buffer {
  return Buffer.from([TAG.BOOLEAN, 0x01, v ? 0xff : 0x00]);
}

/** Strips leading zero octets of an unsigned magnitude (keeps at least one). */
export function stripLeadingZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * DER INTEGER of a non-negative magnitude (X.690 §8.3.2: minimal two's complement — strip redundant leading
 * zeros, add one 0x00 when the top bit is set so the value stays positive).
 */
export function uint(magnitude: Buffer): Buffer {
  const m = stripLeadingZeros(magnitude);
  return (m[0]! & 0x80) !== 0 ? tlv(TAG.INTEGER, Buffer.from([0]), m) : tlv(TAG.INTEGER, m);
}

export function smallInt(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new DerError(`integer out of range: ${n}`);
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return uint(b);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map((p) => Number(p));
  if (parts.length < 2 || parts.some((p) => !Number.isInteger(p) || p < 0)) throw new DerError(`bad OID ${dotted}`);
  const bytes: number[] = [];
  const arcs = [parts[0]! * 40 + parts[1]!, ...parts.slice(2)];
  for (const arc of arcs) {
    const chunk: number[] = [arc & 0x7f];
    let v = Math.floor(arc / 128);
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(bytes));
}

export const octets = (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b);
export const bits = (b: Buffer, unused = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.from([unused]), b);
export const utf8 = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, "utf8"));
export const ia5 = (s: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(s, "latin1"));

export function printable(s: string): Buffer {
  // X.680 §41.4: A–Z a–z 0–9 space ' ( ) + , - . / : = ?
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s)) throw new DerError(`not a PrintableString: ${s}`);
  return tlv(TAG.PRINTABLE_STRING, Buffer.from(s, "latin1"));
}

/**
 * Named-bit BIT STRING (X.690 §11.2.2: trailing zero bits removed, unused-bit count set accordingly), as used by
 * KeyUsage (RFC 5280 §4.2.1.3).
 */
export function namedBits(bitNumbers: readonly number[]): Buffer {
  if (bitNumbers.length === 0) return bits(Buffer.alloc(0));
  const max = Math.max(...bitNumbers);
  const bytes = Buffer.alloc((max >> 3) + 1);
  for (const n of bitNumbers) bytes[n >> 3]! |= 0x80 >> (n & 7);
  return bits(bytes, 7 - (max & 7));
}

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

/**
 * RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; both in Zulu with seconds and no
 * fractions.
 */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest =
    pad(d.getUTCMonth() + 1, 2) + pad(d.getUTCDate(), 2) + pad(d.getUTCHours(), 2) + pad(d.getUTCMinutes(), 2) + pad(d.getUTCSeconds(), 2) + "Z";
  if (y >= 1950 && y < 2050) return tlv(TAG.UTC_TIME, Buffer.from(pad(y % 100, 2) + rest, "latin1"));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(pad(y, 4) + rest, "latin1"));
}

// ---------------------------------------------------------------------------------------------- reader

export interface Tlv {
  readonly tag: number;
  /** Offset of the tag octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset after the last content octet. */
  readonly end: number;
}

export function readTlv(buf: Buffer, off: number, limit = buf.length): Tlv {
  if (off + 2 > limit) throw new DerError("truncated TLV");
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tags are not used in X.509");
  let p = off + 1;
  let len = buf[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError("indefinite or oversized length");
    if (p + n > limit) throw new DerError("truncated length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  if (p + len > limit) throw new DerError("content runs past its container");
  return { tag, start: off, contentStart: p, end: p + len };
}

export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let off = parent.contentStart;
  while (off < parent.end) {
    const t = readTlv(buf, off, parent.end);
    out.push(t);
    off = t.end;
  }
  return out;
}

export const content = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.contentStart, t.end);
export const whole = (buf: Buffer, t: Tlv): Buffer => buf.subarray(t.start, t.end);

export function readOid(buf: Buffer, t: Tlv): string {
  if (t.tag !== TAG.OID) throw new DerError("expected OID");
  const b = content(buf, t);
  const arcs: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...arcs].join(".");
}

export function readTime(buf: Buffer, t: Tlv): Date {
  const s = content(buf, t).toString("latin1");
  let m: RegExpMatchArray | null;
  if (t.tag === TAG.UTC_TIME && (m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  if (t.tag === TAG.GENERALIZED_TIME && (m = s.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  throw new DerError(`unsupported time ${s}`);
}
