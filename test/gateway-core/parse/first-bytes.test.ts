import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  FIRST_BYTES_DECISION_CAP,
  classifyFirstBytes,
  type FirstBytesResult,
  type FlowProtocol,
} from "../../../src/gateway-core/parse/first-bytes.js";
import { FUZZ_RUNS, corpus, fixture, fixtureNames, prefixes } from "./support.js";

function protocol(r: FirstBytesResult): FlowProtocol | "need-more" {
  return r.kind === "decided" ? r.protocol : "need-more";
}
const of = (b: Buffer | number[] | string, final = false) =>
  protocol(classifyFirstBytes(typeof b === "string" ? Buffer.from(b, "latin1") : Buffer.from(b), final));

// --- real and specified first bytes -------------------------------------------------------------------

const FIRST_BYTES: Record<string, FlowProtocol> = {
  "bittorrent-handshake.bin": "bittorrent",
  "openvpn-reset-v2.bin": "openvpn",
  "openvpn-reset-v2-tls-auth.bin": "openvpn",
  "openvpn-reset-v3.bin": "openvpn",
  "rdp-x224-cr.bin": "rdp",
  "socks4-connect.bin": "socks4",
  "socks4a-curl.bin": "socks4",
  "socks5-curl.bin": "socks5",
  "socks5-greeting.bin": "socks5",
  "ssh-openssh.bin": "ssh",
};

const ALL: Array<[string, Buffer, FlowProtocol]> = [
  ...fixtureNames("first-bytes").map((n): [string, Buffer, FlowProtocol] => [`first-bytes/${n}`, fixture("first-bytes", n), FIRST_BYTES[n]!]),
  ...fixtureNames("client-hello").map((n): [string, Buffer, FlowProtocol] => [`client-hello/${n}`, fixture("client-hello", n), "tls"]),
  ...fixtureNames("http1").filter((n) => !n.includes("response")).map((n): [string, Buffer, FlowProtocol] => [`http1/${n}`, fixture("http1", n), "http"]),
];

test("ok/every first-bytes fixture has an expected protocol", () => {
  assert.deepEqual(fixtureNames("first-bytes"), Object.keys(FIRST_BYTES).sort());
});

for (const [name, bytes, want] of ALL) {
  test(`ok/${name} is ${want}; every prefix is need-more or the same answer, decided within the cap`, () => {
    assert.equal(of(bytes), want);
    let decidedAt = -1;
    for (const p of prefixes(bytes)) {
      const got = of(p);
      if (got === "need-more") {
        assert.equal(decidedAt, -1, `need-more again at ${p.length} after deciding`);
        continue;
      }
      assert.equal(got, want, `at ${p.length}`);
      if (decidedAt < 0) decidedAt = p.length;
    }
    assert.ok(decidedAt > 0 && decidedAt <= FIRST_BYTES_DECISION_CAP, `decided at ${decidedAt}`);
  });
}

// --- each detector's edges ----------------------------------------------------------------------------

test("ok/ssh 1.99 and the identification prefix", () => {
  assert.equal(of("SSH-1.99-OpenSSH_3.9p1\r\n"), "ssh");
  assert.equal(of("SSH-2.0"), "need-more");
  assert.equal(of("SSH-1.5-x\r\n"), "unknown");
});

test("ok/http: any token method, each target form", () => {
  for (const s of ["GET /", "OPTIONS *", "CONNECT a.kz:443", "GET http://a.kz/", "M-SEARCH * HTTP/1.1", "CONNECT 10.0.0.1:443", "CONNECT [::1]:443", "PRI * HTTP/2.0"]) {
    assert.equal(of(s), "http", s);
  }
  assert.equal(of("GET"), "need-more");
  assert.equal(of("GET "), "need-more");
  assert.equal(of("GET  /"), "unknown");
  assert.equal(of("HELO mail.example\r\n"), "http", "token SP letter: indistinguishable by design");
  assert.equal(of("GET -"), "unknown");
  assert.equal(of(" GET /"), "unknown");
});

test("ok/tls record versions and the SSL 2.0-compatible hello", () => {
  assert.equal(of([0x16, 0x03, 0x00]), "tls");
  assert.equal(of([0x16, 0x03, 0x04]), "tls");
  assert.equal(of([0x16, 0x03, 0x05]), "unknown");
  assert.equal(of([0x16, 0x02, 0x01]), "unknown");
  assert.equal(of([0x16]), "need-more");
  assert.equal(of([0x16, 0x03]), "need-more");
  assert.equal(of([0x16, 0x02]), "unknown");
  assert.equal(of([0x80, 0x2e, 0x01, 0x00, 0x02]), "tls");
  assert.equal(of([0x80, 0x2e, 0x01, 0x03, 0x01]), "tls");
  assert.equal(of([0x80, 0x2e, 0x01, 0x03, 0x04]), "unknown");
  assert.equal(of([0x80, 0x2e, 0x01, 0x02, 0x00]), "unknown");
  assert.equal(of([0x80, 0x2e, 0x02]), "unknown");
  assert.equal(of([0x80, 0x2e, 0x01, 0x03]), "need-more");
});

test("ok/socks4 and socks5 edges", () => {
  assert.equal(of([0x04, 0x02, 0, 80, 10, 0, 0, 1]), "socks4", "BIND");
  assert.equal(of([0x04, 0x03, 0, 80, 10, 0, 0, 1, 0]), "unknown");
  assert.equal(of([0x04]), "need-more");
  assert.equal(of([0x04, 0x01, 0, 80]), "need-more");
  assert.equal(of([0x05, 0x01, 0x00]), "socks5");
  assert.equal(of([0x05, 0x00, 0x00]), "unknown");
  assert.equal(of([0x05, 0x02, 0xff, 0x00]), "unknown");
  assert.equal(of([0x05, 0x01, 0x00, 0x05, 0x01, 0x00]), "socks5", "request sent without waiting");
  assert.equal(of([0x05, 0x03, 0x00]), "need-more");
  assert.equal(of([0x05]), "need-more");
  const longGreeting = [0x05, 0x20, ...Array.from({ length: 14 }, (_, i) => i)];
  assert.equal(of(longGreeting), "socks5", "decided at the cap");
  assert.equal(of([0x05, 0x03, 0x00], true), "unknown", "final before the greeting is complete");
});

test("ok/rdp edges", () => {
  assert.equal(of([0x03, 0x00, 0x00, 0x0b, 0x06, 0xe0]), "rdp");
  assert.equal(of([0x03, 0x01, 0x00]), "unknown");
  assert.equal(of([0x03, 0x00, 0x00, 0x0b, 0x06, 0xd0]), "unknown");
  assert.equal(of([0x03, 0x00, 0x00, 0x0b, 0x07, 0xe0]), "unknown");
  assert.equal(of([0x03, 0x00, 0x00, 0x0a, 0x05, 0xe0]), "unknown");
  assert.equal(of([0x03, 0x00, 0x00, 0x0b]), "need-more");
});

test("ok/openvpn edges", () => {
  const sid = [1, 2, 3, 4, 5, 6, 7, 8];
  assert.equal(of([0x00, 0x0e, 0x38, ...sid]), "openvpn");
  assert.equal(of([0x00, 0x0e, 0x39, ...sid]), "unknown", "key_id must be 0");
  assert.equal(of([0x00, 0x0e, 0x40, ...sid]), "unknown", "P_CONTROL_V1 is not a first packet");
  assert.equal(of([0x00, 0x0d, 0x38, ...sid]), "unknown", "shorter than the smallest reset");
  assert.equal(of([0x05, 0x79, 0x38, 0xff, ...sid]), "unknown", "longer than the largest reset");
  assert.equal(of([0x00, 0x0d]), "unknown");
  assert.equal(of([0x00, 0x0e]), "need-more");
  assert.equal(of([0x00, 0x0e, 0x38]), "need-more");
  assert.equal(of([0x00]), "need-more");
  assert.equal(of([0x06]), "unknown");
});

test("ok/bittorrent decides at the cap without the whole pstr", () => {
  const bt = Buffer.from("\x13BitTorrent protocol", "latin1");
  assert.equal(of(bt.subarray(0, FIRST_BYTES_DECISION_CAP)), "bittorrent");
  assert.equal(of(bt.subarray(0, FIRST_BYTES_DECISION_CAP - 1)), "need-more");
  assert.equal(of("\x13BitTorrent protocoX"), "bittorrent", "16 bytes matched are enough, more are not read");
  assert.equal(of("\x13BitTorrenX"), "unknown");
});

test("ok/unknown: nothing matches, the cap is reached, or the caller says final", () => {
  assert.equal(of(""), "need-more");
  assert.equal(of("", true), "unknown");
  assert.equal(of([0xde, 0xad, 0xbe, 0xef]), "unknown");
  assert.equal(of("GET", true), "unknown");
  assert.equal(of("A".repeat(FIRST_BYTES_DECISION_CAP)), "unknown", "a token with no space by the cap");
  assert.equal(of("A".repeat(FIRST_BYTES_DECISION_CAP - 1)), "need-more");
});

test("ok/results are shared constants: classification does not allocate", () => {
  assert.equal(classifyFirstBytes(Buffer.from("GET / ")), classifyFirstBytes(Buffer.from("POST /")));
  assert.ok(Object.isFrozen(classifyFirstBytes(Buffer.from([0x16, 3, 1]))));
});

// --- corpus and fuzzing ----------------------------------------------------------------------------------

test("ok/regression corpus keeps its results", () => {
  for (const { name, bytes, expected } of corpus("first-bytes")) {
    if (expected !== undefined) assert.equal(of(bytes), expected, name);
  }
});

test("fuzz/random bytes: never throws, decides by the cap, final always decides, more bytes never change a decision", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
      const b = Buffer.from(raw);
      const r = classifyFirstBytes(b);
      if (b.length >= FIRST_BYTES_DECISION_CAP) assert.equal(r.kind, "decided");
      assert.equal(classifyFirstBytes(b, true).kind, "decided");
      if (r.kind === "decided" && r.protocol !== "unknown") {
        for (let n = b.length + 1; n <= 40; n++) {
          const longer = Buffer.concat([b, Buffer.alloc(n - b.length, 0x41)]);
          assert.equal(protocol(classifyFirstBytes(longer)), r.protocol);
        }
      }
    }),
    { numRuns: FUZZ_RUNS },
  );
});
