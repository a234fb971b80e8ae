/**
 * absoluteTarget (http1-forward.ts) reads host, port and path of an absolute-form request from the parsed head
 * instead of `new URL`; where it answers, it must answer as WHATWG URL would (the host without a trailing dot,
 * as the parsed authority has it). A wrong answer here would decide on, and forward to, another path or host.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { absoluteTarget, urlTarget } from "../../src/gateway/http1-forward.js";
import { parseRequestHead, type RequestHead } from "../../src/gateway-core/parse/http1-head.js";

function head(target: string): RequestHead | null {
  const r = parseRequestHead(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`, "latin1"));
  return r.kind === "ok" ? r.head : null;
}

/** What the URL fallback of #request computes, with the host's trailing dot dropped as the parsed authority drops it. */
function byUrl(target: string): { host: string; port: number; path: string } | null {
  const t = urlTarget(target);
  return t && { ...t, host: t.host.replace(/\.$/, "") };
}

test("ok/the usual absolute-form targets take the parsed head", () => {
  for (const t of ["http://shop.example/", "http://shop.example:8080/a/b.html?q=1&x=y", "http://10.1.2.3/1k", "http://Shop.Example/.well-known/x", "http://a_b.example/~u/(x)*,;=:@!$"]) {
    const h = head(t);
    assert.ok(h, t);
    assert.deepEqual(absoluteTarget(h), byUrl(t), t);
    assert.notEqual(absoluteTarget(h), null, t);
  }
});

test("ok/what URL would change goes to URL", () => {
  for (const t of ["http://shop.example/a/../b", "http://shop.example/a/./b", "http://shop.example/%2e%2e/b", "http://shop.example/a b", "http://shop.example/?q='x'", "http://[::1]/", "http://xn--80ak6aa92e.example/", "https://shop.example/", "http://shop.example/a\\b", "http://shop.example/."]) {
    const h = head(t);
    if (h) assert.equal(absoluteTarget(h), null, t);
  }
});

test("property/where absoluteTarget answers, it answers as new URL does", () => {
  const label = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
  const host = fc.oneof(
    fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join(".")),
    fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => `${ls.join(".")}.`),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((q) => q.join(".")),
    fc.constantFrom("0x7f.1", "127.1", "010.0.0.1", "xn--p1ai", "a.0x10", "[::1]", "[0:0::1]", "EXAMPLE.com", "a..b"),
  );
  const port = fc.oneof(fc.constant(""), fc.integer({ min: 0, max: 70000 }).map((p) => `:${p}`), fc.constantFrom(":", ":080", ":80"));
  const pathChar = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(..."abcXYZ019-._~!$&()*+,;=:@/?") },
    { weight: 2, arbitrary: fc.constantFrom("/", ".", "..", "/./", "/../", "?", "%2e", "%2E", "%41", "%", "'", "\\", "|", "^", "`", "{", "}", "[", "]", '"', "<", ">") },
    { weight: 1, arbitrary: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  );
  const path = fc.oneof(fc.constant(""), fc.array(pathChar, { maxLength: 24 }).map((cs) => `/${cs.join("")}`), fc.array(pathChar, { maxLength: 8 }).map((cs) => `?${cs.join("")}`));
  let answered = 0;
  fc.assert(
    fc.property(fc.constantFrom("http", "HTTP", "https"), host, port, path, (scheme, h, p, pa) => {
      const target = `${scheme}://${h}${p}${pa}`;
      const parsed = head(target);
      if (!parsed) return;
      const fast = absoluteTarget(parsed);
      if (fast === null) return;
      answered++;
      assert.deepEqual(fast, byUrl(target), target);
    }),
    { numRuns: 20_000 },
  );
  // The generator reaches the fast path often, or the property says nothing.
  assert.ok(answered > 2_000, `fast path taken ${answered} times`);
});
