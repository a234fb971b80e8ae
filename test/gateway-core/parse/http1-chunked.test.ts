import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ChunkedDecoder,
  MAX_CHUNK_EXTENSION_BYTES,
  MAX_CHUNK_LINE,
  type ChunkedEvent,
} from "../../../src/gateway-core/parse/http1-chunked.js";
import { MAX_HEADERS, MAX_HEAD_BYTES, parseRequestHead, parseResponseHead } from "../../../src/gateway-core/parse/http1-head.js";
import { FUZZ_RUNS, corpus, fixture, rng } from "./support.js";

interface Decoded {
  body: string;
  trailers: readonly string[] | undefined;
  rest: number | undefined;
  error: string | undefined;
}

/** Feeds `pieces` in order and folds the events; `rest` is relative to the last piece fed. */
function decode(pieces: Buffer[]): Decoded {
  const d = new ChunkedDecoder();
  const out: Decoded = { body: "", trailers: undefined, rest: undefined, error: undefined };
  for (const p of pieces) {
    for (const e of d.push(p)) fold(out, e);
    if (out.rest !== undefined || out.error !== undefined) break;
  }
  return out;
}

function fold(out: Decoded, e: ChunkedEvent): void {
  if (e.kind === "data") out.body += e.data.toString("latin1");
  else if (e.kind === "trailers") out.trailers = e.headers;
  else if (e.kind === "end") out.rest = e.rest;
  else out.error = e.code;
}

const one = (s: string) => decode([Buffer.from(s, "latin1")]);

/** Splits bytes at pseudo-random points. */
function split(bytes: Buffer, seed: number): Buffer[] {
  const next = rng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(next() * 7);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

// --- real bodies --------------------------------------------------------------------------------------

for (const [name, want] of [
  ["curl-post-chunked.bin", { body: "first line\nsecond line\n", trailers: undefined }],
  ["node-post-chunked.bin", { body: '{"a":1,"b":2}', trailers: undefined }],
  ["node-response-chunked.bin", { body: "hello, world\n", trailers: ["X-Checksum", "abc123"] }],
] as const) {
  test(`ok/${name}: body and trailers, whole, byte by byte and in random pieces`, () => {
    const bytes = fixture("http1", name);
    const head = name.includes("response") ? parseResponseHead(bytes, "GET") : parseRequestHead(bytes);
    assert.equal(head.kind, "ok");
    const body = bytes.subarray(head.kind === "ok" ? head.consumed : 0);
    const whole = decode([body]);
    assert.equal(whole.body, want.body);
    assert.deepEqual(whole.trailers, want.trailers);
    assert.equal(whole.rest, body.length);
    const bytewise = decode([...body].map((c) => Buffer.from([c])));
    assert.deepEqual({ ...bytewise, rest: 0 }, { ...whole, rest: 0 });
    assert.equal(bytewise.rest, 1);
    for (let seed = 1; seed < 30; seed++) assert.equal(decode(split(body, seed)).body, want.body);
  });
}

// --- accepted -----------------------------------------------------------------------------------------

test("ok/data events are views into the pushed buffer, not copies", () => {
  const input = Buffer.from("5\r\nhello\r\n0\r\n\r\n");
  const events = new ChunkedDecoder().push(input);
  const data = events[0]!;
  assert.equal(data.kind, "data");
  assert.equal(data.kind === "data" && data.data.buffer, input.buffer);
});

test("ok/hex sizes of either case, leading zeros, extensions with BWS and quoted values", () => {
  assert.equal(one("A\r\n0123456789\r\n0\r\n\r\n").body, "0123456789");
  assert.equal(one("00000a\r\n0123456789\r\n0\r\n\r\n").body, "0123456789");
  assert.equal(one('3 ;name="v; x"\t;flag\r\nabc\r\n0;last\r\n\r\n').body, "abc");
  assert.equal(one("3\t ;x=1\r\nabc\r\n0\r\n\r\n").body, "abc");
});

test("ok/next message bytes after the body are left to the caller", () => {
  const r = one("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n");
  assert.equal(r.rest, 13);
});

test("ok/trailer section with several fields, split anywhere", () => {
  const text = "1\r\nx\r\n0\r\nX-A: 1\r\nX-B:  two \r\n\r\n";
  const want = ["X-A", "1", "X-B", "two"];
  assert.deepEqual(one(text).trailers, want);
  const b = Buffer.from(text);
  for (let cut = 1; cut < b.length; cut++) {
    const r = decode([b.subarray(0, cut), b.subarray(cut)]);
    assert.deepEqual(r.trailers, want, `cut at ${cut}`);
    assert.equal(r.body, "x");
  }
});

test("ok/after the end, pushes belong to the next message; done is set", () => {
  const d = new ChunkedDecoder();
  assert.equal(d.done, false);
  d.push(Buffer.from("0\r\n\r\n"));
  assert.equal(d.done, true);
  assert.deepEqual(d.push(Buffer.from("more")), [{ kind: "end", rest: 0 }]);
});

test("ok/empty pushes are harmless", () => {
  const d = new ChunkedDecoder();
  assert.deepEqual(d.push(Buffer.alloc(0)), []);
  d.push(Buffer.from("0\r\nX: 1\r\n"));
  assert.deepEqual(d.push(Buffer.alloc(0)), []);
  assert.deepEqual(d.push(Buffer.from("\r\n")).at(-1), { kind: "end", rest: 2 });
});

// --- refused ----------------------------------------------------------------------------------------------

const FAILS: Array<[string, string, string]> = [
  ["no size", "\r\n", "bad-chunk-size"],
  ["non-hex size", "g\r\n", "bad-chunk-size"],
  ["negative size", "-1\r\n", "bad-chunk-size"],
  ["0x prefix", "0x5\r\n", "bad-chunk-size"],
  ["space before the size", " 5\r\n", "bad-chunk-size"],
  ["whitespace after the size without extension", "5 \r\nhello\r\n", "bad-chunk-size"],
  ["size then garbage", "5z\r\n", "bad-chunk-size"],
  ["size over 2^48", "1000000000001\r\n", "chunk-size-overflow"],
  ["bare LF after the size", "5\nhello\r\n", "bare-lf"],
  ["bare CR after the size", "5\rhello", "bare-cr"],
  ["bare LF in an extension", "5;a\nhello", "bare-lf"],
  ["control byte in an extension", "5;a\x01\r\nhello", "bad-chunk-extension"],
  ["DEL in an extension", "5;a\x7f\r\n", "bad-chunk-extension"],
  ["data longer than its size", "3\r\nabcd\r\n", "bad-chunk-end"],
  ["data shorter than its size", "5\r\nabc\r\n0\r\n\r\n", "bad-chunk-end"],
  ["data followed by CR only", "3\r\nabc\rX", "bad-chunk-end"],
  ["trailer bare LF", "0\r\nX: 1\n\r\n", "bare-lf"],
  ["trailer bare CR", "0\r\nX: 1\rY\r\n\r\n", "bare-cr"],
  ["final bare CR", "0\r\n\rX", "bare-cr"],
  ["trailer obs-fold", "0\r\nX: 1\r\n 2\r\n\r\n", "obs-fold"],
  ["trailer bad name", "0\r\nX Y: 1\r\n\r\n", "bad-header-name"],
  ["trailer control byte", "0\r\nX: \x01\r\n\r\n", "bad-header-value"],
];

for (const [name, text, want] of FAILS) {
  test(`fail/${name} → ${want}`, () => {
    assert.equal(one(text).error, want);
    // The same answer when the bytes arrive one at a time.
    assert.equal(decode([...Buffer.from(text, "latin1")].map((c) => Buffer.from([c]))).error, want);
  });
}

test("fail/errors are sticky", () => {
  const d = new ChunkedDecoder();
  const [e] = d.push(Buffer.from("zz"));
  assert.equal(e?.kind, "error");
  assert.deepEqual(d.push(Buffer.from("5\r\nhello\r\n")), [e]);
});

test("fail/limits: size line, extension budget, trailer size and count", () => {
  assert.equal(one("5;" + "a".repeat(MAX_CHUNK_LINE)).error, "chunk-line-too-long");
  assert.equal(one("0".repeat(MAX_CHUNK_LINE + 1)).error, "chunk-line-too-long");
  assert.equal(one("5" + " ".repeat(MAX_CHUNK_LINE + 1)).error, "chunk-line-too-long");
  const ext = ";" + "e".repeat(1000);
  const many = ("1" + ext + "\r\nx\r\n").repeat(Math.ceil(MAX_CHUNK_EXTENSION_BYTES / 1000) + 1);
  assert.equal(one(many).error, "chunk-extensions-too-large");
  const big = "0\r\n" + ("X: " + "v".repeat(1000) + "\r\n").repeat(Math.ceil(MAX_HEAD_BYTES / 1000) + 1) + "\r\n";
  assert.equal(one(big).error, "trailers-too-large");
  assert.equal(decode(split(Buffer.from(big), 7)).error, "trailers-too-large");
  // The section counts with its final CRLF: exactly the limit passes, one more byte does not.
  const section = (n: number) => "0\r\nX: " + "v".repeat(n) + "\r\n\r\n";
  assert.deepEqual(one(section(MAX_HEAD_BYTES - 7)).trailers?.length, 2);
  assert.equal(one(section(MAX_HEAD_BYTES - 6)).error, "trailers-too-large");
  assert.equal(one("0\r\n" + "X: 1\r\n".repeat(MAX_HEADERS + 1) + "\r\n").error, "too-many-headers");
});

// --- corpus and fuzzing ----------------------------------------------------------------------------------

test("ok/regression corpus keeps its results", () => {
  for (const { name, bytes, expected } of corpus("http1-chunked")) {
    const r = decode([bytes]);
    const got = r.error ?? (r.rest !== undefined ? "end" : "need-more");
    if (expected !== undefined) assert.equal(got, expected, name);
  }
});

test("fuzz/random bytes never throw; events stay within the input", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (pieces) => {
      const d = new ChunkedDecoder();
      let errors = 0;
      for (const p of pieces) {
        const b = Buffer.from(p);
        for (const e of d.push(b)) {
          if (e.kind === "data") assert.ok(e.data.length > 0 && e.data.length <= b.length);
          if (e.kind === "end") assert.ok(e.rest >= 0 && e.rest <= b.length);
          if (e.kind === "error") errors++;
        }
      }
      assert.ok(errors <= pieces.length);
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test("fuzz/any chunking of an encoded body decodes to the same bytes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 6 }),
      fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/), fc.stringMatching(/^[ -~]{0,12}$/)), { maxLength: 3 }),
      fc.integer({ min: 1, max: 1000 }),
      fc.boolean(),
      (chunks, trailers, seed, upper) => {
        const enc = Buffer.concat([
          ...chunks.map((c) => Buffer.concat([Buffer.from((upper ? c.length.toString(16).toUpperCase() : c.length.toString(16)) + "\r\n"), Buffer.from(c), Buffer.from("\r\n")])),
          Buffer.from("0\r\n" + trailers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n"),
        ]);
        const r = decode(split(enc, seed));
        assert.equal(r.error, undefined);
        assert.equal(r.body, Buffer.concat(chunks.map((c) => Buffer.from(c))).toString("latin1"));
        assert.deepEqual(r.trailers ?? [], trailers.flatMap(([n, v]) => [n, v.trim()]));
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});
