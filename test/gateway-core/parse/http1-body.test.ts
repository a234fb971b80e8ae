import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BodyFramer } from "../../../src/gateway-core/parse/http1-body.js";
import { parseRequestHead, parseResponseHead, type BodyFraming } from "../../../src/gateway-core/parse/http1-head.js";
import { FUZZ_RUNS, fixture } from "./support.js";

interface Framed {
  relayed: string;
  payload: number;
  done: boolean;
  rest: string;
  error: string | undefined;
}

/** Pushes the pieces in order until the body ends; what was relayed, what is left after it. */
function frame(framing: BodyFraming, pieces: Buffer[], eof = false): Framed {
  const f = new BodyFramer(framing);
  const out: Framed = { relayed: "", payload: 0, done: f.done, rest: "", error: undefined };
  for (let i = 0; i < pieces.length; i++) {
    if (out.done) {
      out.rest += pieces[i]!.toString("latin1");
      continue;
    }
    const s = f.push(pieces[i]!);
    if (s.kind === "error") {
      out.error = s.code;
      return out;
    }
    out.relayed += s.bytes.toString("latin1");
    out.payload += s.payload;
    out.done = s.done;
    out.rest += s.rest.toString("latin1");
  }
  if (eof && !out.done) out.done = f.eof() === "complete";
  return out;
}

const b = (s: string) => Buffer.from(s, "latin1");

function cut(bytes: Buffer, points: number[]): Buffer[] {
  const ps = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of ps) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

// --- real bodies ----------------------------------------------------------------------------------------

test("ok/real chunked bodies (curl and node captures) are relayed unchanged, trailers included, up to their end", () => {
  for (const [name, payload] of [
    ["curl-post-chunked.bin", "first line\nsecond line\n".length],
    ["node-post-chunked.bin", '{"a":1,"b":2}'.length],
    ["node-response-chunked.bin", "hello, world\n".length],
  ] as const) {
    const bytes = fixture("http1", name);
    const head = name.includes("response") ? parseResponseHead(bytes, "GET") : parseRequestHead(bytes);
    assert.equal(head.kind, "ok");
    if (head.kind !== "ok") continue;
    assert.equal(head.head.framing.kind, "chunked");
    const body = bytes.subarray(head.consumed);
    const next = b("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
    const r = frame(head.head.framing, [Buffer.concat([body, next])]);
    assert.deepEqual(r, { relayed: body.toString("latin1"), payload, done: true, rest: next.toString("latin1"), error: undefined }, name);
  }
});

// --- table ----------------------------------------------------------------------------------------------

test("ok/each framing ends where RFC 9112 §6.3 says", () => {
  const cases: [string, BodyFraming, string[], boolean, Partial<Framed>][] = [
    ["no body: every byte is the next message's", { kind: "none" }, ["GET / HTTP/1.1\r\n"], false, { relayed: "", done: true, rest: "GET / HTTP/1.1\r\n" }],
    ["length 0", { kind: "length", length: 0 }, ["x"], false, { relayed: "", done: true, rest: "x" }],
    ["length across pieces", { kind: "length", length: 5 }, ["he", "llo", "NEXT"], false, { relayed: "hello", payload: 5, done: true, rest: "NEXT" }],
    ["length short of its end", { kind: "length", length: 5 }, ["hel"], false, { relayed: "hel", done: false }],
    ["chunked with extension and trailer", { kind: "chunked" }, ["3;x=1\r\nabc\r\n0\r\nT: v\r\n\r\nNEXT"], false, { relayed: "3;x=1\r\nabc\r\n0\r\nT: v\r\n\r\n", payload: 3, done: true, rest: "NEXT" }],
    ["until close: complete only at EOF", { kind: "until-close" }, ["abc", "def"], true, { relayed: "abcdef", payload: 6, done: true, rest: "" }],
    ["length cut by EOF is truncated", { kind: "length", length: 9 }, ["abc"], true, { relayed: "abc", done: false }],
  ];
  for (const [name, framing, pieces, eof, want] of cases) {
    const r = frame(framing, pieces.map(b), eof);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(r[k as keyof Framed], v, `${name}: ${k}`);
  }
});

test("fail/malformed chunked bodies and tunnels are errors, never relayed past the fault", () => {
  assert.equal(frame({ kind: "chunked" }, [b("zz\r\n")]).error, "bad-chunk-size");
  assert.equal(frame({ kind: "chunked" }, [b("3\r\nabcX\r\n")]).error, "bad-chunk-end");
  assert.equal(frame({ kind: "chunked" }, [b("3\nabc")]).error, "bare-lf");
  assert.equal(frame({ kind: "tunnel" }, [b("x")]).error, "tunnel");
  const f = new BodyFramer({ kind: "chunked" });
  assert.equal(f.push(b("1\r\na\r\n")).kind, "body");
  assert.equal(f.eof(), "truncated", "a chunked body without its last chunk is truncated");
});

// --- properties -----------------------------------------------------------------------------------------

test("property/any split of a Content-Length or chunked body relays the same bytes and leaves the same rest", () => {
  const chunk = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((u) => Buffer.from(u));
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (chunks, points, chunked) => {
      const payload = Buffer.concat(chunks);
      const body = chunked ? Buffer.concat([...chunks.map((c) => Buffer.concat([b(c.length.toString(16) + "\r\n"), c, b("\r\n")])), b("0\r\n\r\n")]) : payload;
      const framing: BodyFraming = chunked ? { kind: "chunked" } : { kind: "length", length: payload.length };
      const next = b("GET / HTTP/1.1\r\n");
      const r = frame(framing, cut(Buffer.concat([body, next]), points));
      assert.equal(r.error, undefined);
      assert.equal(r.done, true);
      assert.equal(r.relayed, body.toString("latin1"));
      assert.equal(r.payload, payload.length);
      assert.equal(r.rest, next.toString("latin1"));
    }),
    { numRuns: FUZZ_RUNS },
  );
});
