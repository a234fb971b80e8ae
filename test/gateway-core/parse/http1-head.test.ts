import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  MAX_HEADERS,
  MAX_HEAD_BYTES,
  createFieldState,
  parseAuthority,
  parseFieldLines,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
  type RequestHeadResult,
  type ResponseHead,
  type ResponseHeadResult,
} from "../../../src/gateway-core/parse/http1-head.js";
import { FUZZ_RUNS, corpus, fixture, fixtureNames, prefixes } from "./support.js";

const req = (s: string) => parseRequestHead(Buffer.from(s, "latin1"));
const res = (s: string, method = "GET") => parseResponseHead(Buffer.from(s, "latin1"), method);

function okReq(r: RequestHeadResult): RequestHead {
  if (r.kind !== "ok") assert.fail(`expected ok, got ${JSON.stringify(r)}`);
  return r.head;
}
function okRes(r: ResponseHeadResult): ResponseHead {
  if (r.kind !== "ok") assert.fail(`expected ok, got ${JSON.stringify(r)}`);
  return r.head;
}
function code(r: RequestHeadResult | ResponseHeadResult): string {
  return r.kind === "error" ? r.code : r.kind;
}

// --- real clients --------------------------------------------------------------------------------------

const REQUESTS = fixtureNames("http1").filter((n) => !n.includes("response"));

test("ok/captured requests: form, authority and framing", () => {
  const want: Record<string, Partial<RequestHead> & { host?: string; port?: number | null }> = {
    "chromium-proxy-connect.bin": { method: "CONNECT", targetForm: "authority", host: "fixture.example:443", proxyConnection: "keep-alive" },
    "chromium-proxy-get.bin": { method: "GET", targetForm: "absolute", scheme: "http", path: "/page" },
    "curl-origin-get.bin": { method: "GET", targetForm: "origin", path: "/search?q=qaqpa" },
    "curl-post-chunked.bin": { method: "POST", targetForm: "origin", transferEncoding: "chunked" },
    "curl-proxy-connect.bin": { method: "CONNECT", targetForm: "authority", target: "fixture.example:443" },
    "curl-proxy-get.bin": { method: "GET", targetForm: "absolute", proxyAuthorization: "Basic b2ZmaWNlcjpzZWNyZXQ=" },
    "node-post-chunked.bin": { method: "POST", connection: "keep-alive", transferEncoding: "chunked" },
  };
  assert.deepEqual(REQUESTS, Object.keys(want).sort());
  for (const name of REQUESTS) {
    const h = okReq(parseRequestHead(fixture("http1", name)));
    for (const [k, v] of Object.entries(want[name]!)) assert.deepEqual(h[k as keyof RequestHead], v, `${name} ${k}`);
    assert.equal(h.version, "1.1");
    assert.equal(h.keepAlive, true);
  }
  const connect = okReq(parseRequestHead(fixture("http1", "curl-proxy-connect.bin")));
  assert.deepEqual(connect.authority, { host: "fixture.example", hostKind: "name", port: 443 });
  assert.deepEqual(connect.framing, { kind: "none" });
  const get = okReq(parseRequestHead(fixture("http1", "chromium-proxy-get.bin")));
  assert.deepEqual(get.authority, { host: "fixture.example", hostKind: "name", port: null });
  assert.equal(get.headers[0], "Host");
  assert.equal(get.headers.length % 2, 0);
  const post = okReq(parseRequestHead(fixture("http1", "node-post-chunked.bin")));
  assert.deepEqual(post.framing, { kind: "chunked" });
  assert.equal(post.headers[0], "content-type", "case preserved");
});

for (const name of fixtureNames("http1")) {
  test(`ok/${name} byte by byte: need-more until the blank line, then the same head`, () => {
    const bytes = fixture("http1", name);
    const parse = (b: Buffer) => (name.includes("response") ? parseResponseHead(b, "GET") : parseRequestHead(b));
    const whole = parse(bytes);
    assert.equal(whole.kind, "ok");
    const consumed = whole.kind === "ok" ? whole.consumed : 0;
    for (const p of prefixes(bytes)) {
      const r = parse(p);
      if (p.length < consumed) assert.equal(r.kind, "need-more", `at ${p.length}`);
      else assert.deepEqual(r, whole, `at ${p.length}`);
    }
  });
}

test("ok/captured response: status, framing, keep-alive", () => {
  const h = okRes(parseResponseHead(fixture("http1", "node-response-chunked.bin"), "GET"));
  assert.equal(h.status, 200);
  assert.equal(h.reason, "OK");
  assert.deepEqual(h.framing, { kind: "chunked" });
  assert.equal(h.keepAlive, false);
});

// --- requests: accepted ---------------------------------------------------------------------------------

test("ok/request forms", () => {
  assert.equal(okReq(req("OPTIONS * HTTP/1.1\r\nHost: a.kz\r\n\r\n")).targetForm, "asterisk");
  const abs = okReq(req("GET HTTPS://Example.KZ:8443?q=1 HTTP/1.1\r\nHost: ignored.kz\r\n\r\n"));
  assert.equal(abs.scheme, "https");
  assert.equal(abs.path, "/?q=1");
  assert.deepEqual(abs.authority, { host: "example.kz", hostKind: "name", port: 8443 });
  assert.equal(okReq(req("GET http://a.kz HTTP/1.1\r\nHost: a.kz\r\n\r\n")).path, "/");
  const v6 = okReq(req("CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n"));
  assert.deepEqual(v6.authority, { host: "2001:db8::1", hostKind: "ipv6", port: 443 });
  const v4 = okReq(req("GET / HTTP/1.1\r\nHost: 192.0.2.1:80\r\n\r\n"));
  assert.deepEqual(v4.authority, { host: "192.0.2.1", hostKind: "ipv4", port: 80 });
});

test("ok/HTTP/1.0: Host optional, keep-alive only when asked", () => {
  const h = okReq(req("GET / HTTP/1.0\r\n\r\n"));
  assert.equal(h.version, "1.0");
  assert.equal(h.authority, null);
  assert.equal(h.keepAlive, false);
  assert.equal(okReq(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).keepAlive, true);
  assert.equal(okReq(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n")).keepAlive, false);
});

test("ok/field lines: OWS trimmed, empty values, obs-text kept, order and case kept", () => {
  const h = okReq(req("GET / HTTP/1.1\r\nHost:a.kz\r\nX-Empty:\r\nX-Tab:\t v \t\r\nX-Latin: caf\xe9\r\n\r\n"));
  assert.deepEqual(h.headers, ["Host", "a.kz", "X-Empty", "", "X-Tab", "v", "X-Latin", "caf\xe9"]);
});

test("ok/fast lookups: case-insensitive names, repeated lines joined", () => {
  const h = okReq(req(
    "POST /u HTTP/1.1\r\nHOST: a.kz\r\ncontent-LENGTH: 5\r\nContent-Length: 5\r\nUpgrade: websocket\r\nCONNECTION: Upgrade\r\nConnection: keep-alive\r\n" +
    "Expect: 100-continue\r\nProxy-Connection: keep-alive\r\nX-Other: 1\r\nHosts: not-host\r\n\r\nhello",
  ));
  assert.equal(h.host, "a.kz");
  assert.equal(h.contentLength, 5);
  assert.deepEqual(h.framing, { kind: "length", length: 5 });
  assert.equal(h.upgrade, "websocket");
  assert.equal(h.connection, "Upgrade, keep-alive");
  assert.equal(h.expect, "100-continue");
  assert.equal(h.proxyConnection, "keep-alive");
  assert.equal(h.proxyAuthorization, null);
});

test("ok/Content-Length: identical repeats, lists, zero", () => {
  assert.deepEqual(okReq(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7,\t7\r\n\r\n")).framing, { kind: "length", length: 7 });
  const zero = okReq(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"));
  assert.deepEqual(zero.framing, { kind: "none" });
  assert.equal(zero.contentLength, 0);
});

test("ok/Transfer-Encoding: codings before chunked, empty elements", () => {
  assert.deepEqual(okReq(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: , Chunked\r\n\r\n")).framing, { kind: "chunked" });
});

test("ok/CONNECT never has a body to frame", () => {
  assert.deepEqual(okReq(req("CONNECT a.kz:443 HTTP/1.1\r\nHost: a.kz:443\r\nContent-Length: 10\r\n\r\n")).framing, { kind: "none" });
});

test("ok/empty lines before the request-line are skipped (RFC 9112 §2.2)", () => {
  const head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const r = req("\r\n\r\n" + head + "body");
  assert.equal(r.kind === "ok" && r.consumed, 4 + head.length);
  assert.equal(req("\r\n").kind, "need-more");
  assert.equal(req("\r").kind, "need-more");
});

test("ok/empty Host is allowed and gives no authority", () => {
  assert.equal(okReq(req("OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n")).authority, null);
});

test("ok/host names: trailing dot dropped, underscores kept", () => {
  assert.deepEqual(okReq(req("GET / HTTP/1.1\r\nHost: WWW.Example.KZ.:\r\n\r\n")).authority, { host: "www.example.kz", hostKind: "name", port: null });
  assert.equal(okReq(req("GET / HTTP/1.1\r\nHost: _srv.a-b.kz\r\n\r\n")).authority?.host, "_srv.a-b.kz");
  // Labels that only look numeric at first: names, not addresses.
  for (const h of ["a.0xz", "x0.kz", "a.01x"]) assert.equal(okReq(req(`GET / HTTP/1.1\r\nHost: ${h}\r\n\r\n`)).authority?.hostKind, "name", h);
  assert.equal(code(req("GET / HTTP/1.1\r\nHost: a.0x\r\n\r\n")), "bad-host", "0x alone is the number 0");
});

test("ok/parseAuthority IPv6 shapes", () => {
  for (const h of ["[::]", "[::1]", "[1::]", "[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7::]", "[::ffff:192.0.2.1]", "[64:ff9b::192.0.2.1]"]) {
    const a = parseAuthority(h, false);
    assert.ok(!("code" in a), h);
  }
  for (const h of ["[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[:1:2:3:4:5:6:7]", "[1:2:3:4:5:6:7:8::]", "[12345::]", "[::1.2.3]", "[::256.1.1.1]", "[:]", "[1.2.3.4]", "[v1.x]", "[::1", "[::1]x", "[::1]:99999"]) {
    const a = parseAuthority(h, false);
    assert.ok("code" in a && a.code === "bad-host", h);
  }
});

test("ok/parseFieldLines reads a bare field section (the chunked trailer use)", () => {
  const st = createFieldState();
  const b = Buffer.from("X-Checksum: abc\r\nContent-Length: 3\r\n\r\n", "latin1");
  assert.equal(parseFieldLines(b, 0, b.length - 2, st, MAX_HEADERS), undefined);
  assert.deepEqual(st.headers, ["X-Checksum", "abc", "Content-Length", "3"]);
  assert.equal(st.contentLength, "3");
});

// --- requests: refused -----------------------------------------------------------------------------------

const H = "Host: a.kz\r\n";
const REQUEST_FAILS: Array<[string, string, string]> = [
  ["bare LF line end", "GET / HTTP/1.1\nHost: a\n\n", "bare-lf"],
  ["bare LF after a CRLF request-line", "GET / HTTP/1.1\r\nHost: a\n\r\n\r\n", "bare-lf"],
  ["bare LF early, before any terminator", "GET / HTTP/1.1\r\nX: 1\nY: 2", "bare-lf"],
  ["LF first", "\nGET / HTTP/1.1\r\n\r\n", "bare-lf"],
  ["CR first", "\rGET", "bare-cr"],
  ["bare CR in a value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", "bare-cr"],
  ["bare CR in the target", "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", "bare-cr"],
  ["method then CRLF", "GET\r\n\r\n", "bad-request-line"],
  ["empty method", " / HTTP/1.1\r\n\r\n", "bad-method"],
  ["method with a slash", "GE/T / HTTP/1.1\r\n\r\n", "bad-method"],
  ["binary first byte", "\x16\x03\x01", "bad-method"],
  ["two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "bad-request-line"],
  ["no version", "GET /\r\nHost: a\r\n\r\n", "bad-request-line"],
  ["control byte in target", "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", "bad-target"],
  ["non-ASCII in target", "GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", "bad-target"],
  ["lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", "bad-version"],
  ["version with a space before CRLF", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "bad-version"],
  ["HTTP/2.0", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "unsupported-version"],
  ["HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", "unsupported-version"],
  ["HTTP/0.9 style digits", "GET / HTTP/0.9\r\n\r\n", "unsupported-version"],
  ["HTTP/x.y", "GET / HTTP/x.y\r\n\r\n", "bad-version"],
  ["obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  2\r\n\r\n", "obs-fold"],
  ["obs-fold with tab", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n", "obs-fold"],
  ["whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "bad-header-name"],
  ["empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n", "bad-header-name"],
  ["no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", "bad-header-name"],
  ["bad byte in name", "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", "bad-header-name"],
  ["NUL in value", "GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", "bad-header-value"],
  ["DEL in value", "GET / HTTP/1.1\r\nHost: a\x7fb\r\n\r\n", "bad-header-value"],
  ["HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: 1\r\n\r\n", "missing-host"],
  ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", "duplicate-host"],
  ["Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a.kz\r\n\r\n", "bad-host"],
  ["Host with a bad port", "GET / HTTP/1.1\r\nHost: a.kz:8o\r\n\r\n", "bad-host"],
  ["Host with a port too large", "GET / HTTP/1.1\r\nHost: a.kz:65536\r\n\r\n", "bad-host"],
  ["Host with a long port", "GET / HTTP/1.1\r\nHost: a.kz:000080\r\n\r\n", "bad-host"],
  ["Host decimal address", "GET / HTTP/1.1\r\nHost: 2130706433\r\n\r\n", "bad-host"],
  ["Host hex address", "GET / HTTP/1.1\r\nHost: 0x7f.1\r\n\r\n", "bad-host"],
  ["Host hex last label", "GET / HTTP/1.1\r\nHost: a.0X7F\r\n\r\n", "bad-host"],
  ["Host short dotted address", "GET / HTTP/1.1\r\nHost: 127.1\r\n\r\n", "bad-host"],
  ["Host octal-looking address", "GET / HTTP/1.1\r\nHost: 010.0.0.1\r\n\r\n", "bad-host"],
  ["Host address over 255", "GET / HTTP/1.1\r\nHost: 10.0.0.256\r\n\r\n", "bad-host"],
  ["Host with empty label", "GET / HTTP/1.1\r\nHost: a..kz\r\n\r\n", "bad-host"],
  ["Host with long label", `GET / HTTP/1.1\r\nHost: ${"a".repeat(64)}.kz\r\n\r\n`, "bad-host"],
  ["Host too long", `GET / HTTP/1.1\r\nHost: ${("a".repeat(60) + ".").repeat(5)}kz\r\n\r\n`, "bad-host"],
  ["Host a dot", "GET / HTTP/1.1\r\nHost: .\r\n\r\n", "bad-host"],
  ["Host only a port", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", "bad-host"],
  ["Host with percent-encoding", "GET / HTTP/1.1\r\nHost: a%2e.kz\r\n\r\n", "bad-host"],
  ["two Proxy-Authorization", `GET http://a.kz/ HTTP/1.1\r\n${H}Proxy-Authorization: Basic a\r\nProxy-Authorization: Basic b\r\n\r\n`, "duplicate-header"],
  ["Content-Length with a sign", `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\n`, "bad-content-length"],
  ["Content-Length empty", `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, "bad-content-length"],
  ["Content-Length list with a hole", `POST / HTTP/1.1\r\n${H}Content-Length: 5,,5\r\n\r\n`, "bad-content-length"],
  ["Content-Length hex", `POST / HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n`, "bad-content-length"],
  ["Content-Length beyond 2^53", `POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740993\r\n\r\n`, "bad-content-length"],
  ["differing Content-Length lines", `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\n`, "conflicting-content-length"],
  ["differing Content-Length list", `POST / HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\n`, "conflicting-content-length"],
  ["Content-Length and Transfer-Encoding", `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, "cl-and-te"],
  ["Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "te-in-http10"],
  ["Transfer-Encoding not chunked last", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`, "te-not-chunked-last"],
  ["Transfer-Encoding unknown", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`, "bad-transfer-encoding"],
  ["Transfer-Encoding with parameters", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked;q=1\r\n\r\n`, "bad-transfer-encoding"],
  ["chunked twice", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n`, "bad-transfer-encoding"],
  ["Transfer-Encoding empty", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ,\r\n\r\n`, "bad-transfer-encoding"],
  ["CONNECT without port", "CONNECT a.kz HTTP/1.1\r\nHost: a.kz\r\n\r\n", "bad-target"],
  ["CONNECT to port 0", "CONNECT a.kz:0 HTTP/1.1\r\nHost: a.kz\r\n\r\n", "bad-target"],
  ["CONNECT with a path", "CONNECT a.kz:443/x HTTP/1.1\r\nHost: a.kz\r\n\r\n", "bad-host"],
  ["asterisk with GET", `GET * HTTP/1.1\r\n${H}\r\n`, "bad-target"],
  ["fragment in target", `GET /a#b HTTP/1.1\r\n${H}\r\n`, "bad-target"],
  ["relative target", `GET a/b HTTP/1.1\r\n${H}\r\n`, "bad-target"],
  ["scheme without //", `GET http:a.kz/ HTTP/1.1\r\n${H}\r\n`, "bad-target"],
  ["bad scheme", `GET 1http://a.kz/ HTTP/1.1\r\n${H}\r\n`, "bad-target"],
  ["bad scheme character", `GET ht_tp://a.kz/ HTTP/1.1\r\n${H}\r\n`, "bad-target"],
  ["empty authority", `GET http:///x HTTP/1.1\r\n${H}\r\n`, "bad-host"],
  ["userinfo in target", `GET http://user:pw@a.kz/ HTTP/1.1\r\n${H}\r\n`, "userinfo-in-target"],
];

for (const [name, text, want] of REQUEST_FAILS) {
  test(`fail/request ${name} → ${want}`, () => {
    const r = req(text);
    assert.equal(code(r), want, JSON.stringify(r));
  });
}

test("fail/limits: head size and header count", () => {
  assert.equal(code(req("GET / HTTP/1.1\r\nX: " + "a".repeat(MAX_HEAD_BYTES))), "head-too-large");
  assert.equal(code(req("GET / HTTP/1.1\r\nX: " + "a".repeat(MAX_HEAD_BYTES) + "\r\n\r\n")), "head-too-large");
  assert.equal(code(req("\r\n".repeat(MAX_HEAD_BYTES / 2) + "GET")), "head-too-large");
  const many = (n: number) => "GET / HTTP/1.1\r\nHost: a\r\n" + "X: 1\r\n".repeat(n - 1) + "\r\n";
  assert.equal(req(many(MAX_HEADERS)).kind, "ok");
  assert.equal(code(req(many(MAX_HEADERS + 1))), "too-many-headers");
});

test("ok/need-more while the head is incomplete", () => {
  for (const s of ["", "G", "GET", "GET ", "GET / HTTP/1.1", "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"]) {
    assert.equal(req(s).kind, "need-more", JSON.stringify(s));
  }
});

// --- responses ----------------------------------------------------------------------------------------------

test("ok/response framing (RFC 9112 §6.3)", () => {
  const f = (s: string, m = "GET") => okRes(res(s, m)).framing;
  assert.deepEqual(f("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"), { kind: "length", length: 3 });
  assert.deepEqual(f("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), { kind: "length", length: 0 });
  assert.deepEqual(f("HTTP/1.1 200 OK\r\n\r\n"), { kind: "until-close" });
  assert.deepEqual(f("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), { kind: "until-close" });
  assert.deepEqual(f("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", "HEAD"), { kind: "none" });
  assert.deepEqual(f("HTTP/1.1 204 No Content\r\n\r\n"), { kind: "none" });
  assert.deepEqual(f("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"), { kind: "none" });
  assert.deepEqual(f("HTTP/1.1 100 Continue\r\n\r\n"), { kind: "none" });
  assert.deepEqual(f("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"), { kind: "tunnel" });
  assert.deepEqual(f("HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT"), { kind: "tunnel" });
  assert.deepEqual(f("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", "CONNECT"), { kind: "length", length: 0 });
});

test("ok/response status-line variants and keep-alive", () => {
  const a = okRes(res("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"));
  assert.equal(a.reason, "");
  assert.equal(a.keepAlive, true);
  const b = okRes(res("HTTP/1.0 999 Request denied\t(bot)\r\nContent-Length: 0\r\n\r\n"));
  assert.equal(b.status, 999);
  assert.equal(b.reason, "Request denied\t(bot)");
  assert.equal(b.keepAlive, false);
  assert.equal(b.version, "1.0");
  assert.equal(okRes(res("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n")).keepAlive, false);
  assert.equal(okRes(res("HTTP/1.1 200 OK\r\n\r\n")).keepAlive, false, "until-close ends the connection");
  const c = okRes(res("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\nUpgrade: h2c\r\n\r\n"));
  assert.equal(c.contentLength, 2);
  assert.equal(c.upgrade, "h2c");
  assert.equal(c.transferEncoding, null);
});

const RESPONSE_FAILS: Array<[string, string, string, string?]> = [
  ["not HTTP", "SSH-2.0-x\r\n", "bad-status-line"],
  ["lower-case", "http/1.1 200 OK\r\n\r\n", "bad-status-line"],
  ["HTTP/2", "HTTP/2 200\r\n\r\n", "bad-version"],
  ["HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", "unsupported-version"],
  ["two-digit status", "HTTP/1.1 20 OK\r\n\r\n", "bad-status-line"],
  ["status with letters", "HTTP/1.1 2x0 OK\r\n\r\n", "bad-status-line"],
  ["no space before status", "HTTP/1.1\t200 OK\r\n\r\n", "bad-status-line"],
  ["four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", "bad-status-line"],
  ["status below 100", "HTTP/1.1 099 Odd\r\n\r\n", "bad-status-line"],
  ["control byte in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", "bad-status-line"],
  ["bare CR in reason", "HTTP/1.1 200 O\rK\r\n\r\n", "bare-cr"],
  ["bare LF status-line", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "bare-lf"],
  ["bare LF early", "HTTP/1.1 200 OK\n", "bare-lf"],
  ["obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "obs-fold"],
  ["CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "cl-and-te"],
  ["CL and TE on a bodiless response", "HTTP/1.1 204 No Content\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "cl-and-te"],
  ["CL and TE on a tunnel", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "cl-and-te", "CONNECT"],
  ["TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "te-in-http10"],
  ["conflicting CL", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "conflicting-content-length"],
  ["bad CL on HEAD", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "bad-content-length", "HEAD"],
  ["unknown TE", "HTTP/1.1 200 OK\r\nTransfer-Encoding: br\r\n\r\n", "bad-transfer-encoding"],
];

for (const [name, text, want, method] of RESPONSE_FAILS) {
  test(`fail/response ${name} → ${want}`, () => {
    assert.equal(code(res(text, method)), want);
  });
}

test("fail/response limits and need-more", () => {
  assert.equal(code(res("HTTP/1.1 200 OK\r\nX: " + "a".repeat(MAX_HEAD_BYTES))), "head-too-large");
  assert.equal(code(res("HTTP/1.1 200 OK\r\n" + "X: 1\r\n".repeat(MAX_HEADERS + 1) + "\r\n")), "too-many-headers");
  for (const s of ["", "H", "HTTP/", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nX: 1\r\n\r"]) assert.equal(res(s).kind, "need-more", s);
});

// --- corpus and fuzzing ----------------------------------------------------------------------------------

test("ok/regression corpus keeps its results", () => {
  for (const { name, bytes, expected } of corpus("http1-head")) {
    const r = name.startsWith("response-") ? parseResponseHead(bytes, "GET") : parseRequestHead(bytes);
    if (expected !== undefined) assert.equal(code(r), expected, name);
  }
});

const TEXT = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
  fc.array(fc.constantFrom("GET", " ", "/", "HTTP/1.1", "HTTP/1.0", "\r\n", "\n", "\r", "Host", ":", "a.kz", "Content-Length", "Transfer-Encoding", "chunked", "5", ",", "\t", "CONNECT", "[::1]", ":443", "http://", "@", "\x00", "\xff"), { maxLength: 60 })
    .map((parts) => Buffer.from(parts.join(""), "latin1")),
);

test("fuzz/random and token-soup bytes never throw and always answer", () => {
  fc.assert(
    fc.property(TEXT, (b) => {
      for (const r of [parseRequestHead(b), parseResponseHead(b, "GET"), parseResponseHead(b, "HEAD")]) {
        assert.ok(r.kind === "ok" || r.kind === "need-more" || r.kind === "error");
        if (r.kind === "ok") assert.ok(r.consumed <= b.length);
      }
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test("fuzz/mutated real heads never throw; an accepted head is a prefix property", () => {
  const heads = fixtureNames("http1").map((n) => fixture("http1", n));
  fc.assert(
    fc.property(fc.constantFrom(...heads), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (orig, edits) => {
      const b = Buffer.from(orig);
      for (const [pos, val] of edits) b[pos % b.length] = val;
      const r = parseRequestHead(b);
      if (r.kind === "ok") {
        // What was accepted stays accepted, identically, whatever follows the head.
        assert.deepEqual(parseRequestHead(b.subarray(0, r.consumed)), r);
        assert.ok(!r.head.headers.some((h) => /[\r\n\0]/.test(h)));
      }
      parseResponseHead(b, "GET");
    }),
    { numRuns: FUZZ_RUNS },
  );
});
