/**
 * Shared by the parser tests: fixture loading, re-chunking, the fuzz profile, and a ClientHello builder for
 * table tests (so each `fail/…` case changes one field of an otherwise valid hello).
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const FIXTURES = join(ROOT, "fixtures");
export const CORPUS = join(dirname(fileURLToPath(import.meta.url)), "corpus");

export function fixture(dir: string, file: string): Buffer {
  return readFileSync(join(FIXTURES, dir, file));
}

export function fixtureNames(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith(".bin")).sort();
}

/**
 * Regression corpus of one parser: every input file, and expected.json mapping a file name to the result
 * kind ("ok", "need-more") or error code it must keep producing.
 */
export function corpus(parser: string): Array<{ name: string; bytes: Buffer; expected: string | undefined }> {
  const dir = join(CORPUS, parser);
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Record<string, string>;
  return readdirSync(dir)
    .filter((f) => f.endsWith(".bin"))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)), expected: expected[name] }));
}

/** fast-check run counts: quick in `npm test`, deep with QAQPA_FUZZ=deep. */
export const FUZZ_RUNS = process.env.QAQPA_FUZZ === "deep" ? 200_000 : 300;

/** Deterministic pseudo-random sizes for splitting, so a failure names its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** The prefixes a byte-by-byte reader sees: bytes[0..1), bytes[0..2), … */
export function* prefixes(bytes: Buffer): Generator<Buffer> {
  for (let i = 1; i <= bytes.length; i++) yield bytes.subarray(0, i);
}

export const u8 = (n: number) => Buffer.from([n & 0xff]);
export const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
export const vec8 = (b: Buffer) => Buffer.concat([u8(b.length), b]);
export const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
export const list16 = (vals: number[]) => Buffer.concat(vals.map(u16));

export type Ext = [type: number, data: Buffer];

export const ext = {
  sni: (name: string): Ext => [0x0000, vec16(Buffer.concat([u8(0), vec16(Buffer.from(name, "latin1"))]))],
  alpn: (...names: Array<string | Buffer>): Ext => [0x0010, vec16(Buffer.concat(names.map((n) => vec8(typeof n === "string" ? Buffer.from(n, "latin1") : n))))],
  versions: (...v: number[]): Ext => [0x002b, vec8(list16(v))],
  sigalgs: (...v: number[]): Ext => [0x000d, vec16(list16(v))],
  groups: (...v: number[]): Ext => [0x000a, vec16(list16(v))],
  keyShare: (...groups: number[]): Ext => [0x0033, vec16(Buffer.concat(groups.map((g) => Buffer.concat([u16(g), vec16(Buffer.alloc(32, 7))]))))],
  raw: (type: number, data: Buffer = Buffer.alloc(0)): Ext => [type, data],
};

export interface HelloSpec {
  version?: number;
  sessionId?: Buffer;
  ciphers?: number[];
  compression?: Buffer;
  /** Extensions; null leaves the extensions block out entirely (pre-TLS 1.2 style). */
  exts?: Ext[] | null;
  /** Bytes appended to the body after the extensions block. */
  trailing?: Buffer;
}

/** A TLS 1.3-style ClientHello body (RFC 8446 §4.1.2) with sensible defaults. */
export function helloBody(spec: HelloSpec = {}): Buffer {
  const exts = spec.exts === undefined
    ? [ext.sni("example.com"), ext.alpn("h2", "http/1.1"), ext.versions(0x0304, 0x0303), ext.sigalgs(0x0403, 0x0804, 0x0401), ext.groups(0x001d, 0x0017), ext.keyShare(0x001d)]
    : spec.exts;
  return Buffer.concat([
    u16(spec.version ?? 0x0303),
    Buffer.alloc(32, 0x11),
    vec8(spec.sessionId ?? Buffer.alloc(32, 0x22)),
    vec16(list16(spec.ciphers ?? [0x1301, 0x1302, 0xc02b, 0xc02f])),
    spec.compression ?? vec8(Buffer.from([0])),
    exts === null ? Buffer.alloc(0) : vec16(Buffer.concat(exts.map(([t, d]) => Buffer.concat([u16(t), vec16(d)])))),
    spec.trailing ?? Buffer.alloc(0),
  ]);
}

/** Handshake message: msg_type, u24 length, body. */
export function handshake(body: Buffer, type = 1): Buffer {
  return Buffer.concat([u8(type), u24(body.length), body]);
}

/** Wraps handshake bytes into handshake records of at most `size` bytes each (or sizes from `sizes`). */
export function records(hs: Buffer, size: number | (() => number) = 16_384, version = 0x0301): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < hs.length; ) {
    const n = Math.max(1, Math.min(hs.length - i, typeof size === "number" ? size : size()));
    out.push(Buffer.from([22]), u16(version), u16(n), hs.subarray(i, i + n));
    i += n;
  }
  return Buffer.concat(out);
}

export function hello(spec: HelloSpec = {}): Buffer {
  return records(handshake(helloBody(spec)));
}

/** The handshake bytes of a record stream (every record's fragment, concatenated). */
export function unrecord(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i + 5 <= bytes.length; ) {
    const n = bytes.readUInt16BE(i + 3);
    out.push(bytes.subarray(i + 5, i + 5 + n));
    i += 5 + n;
  }
  return Buffer.concat(out);
}
