import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  MAX_CLIENT_HELLO_BYTES,
  MAX_CLIENT_HELLO_RECORDS,
  isGrease,
  ja4,
  parseClientHello,
  type ClientHello,
  type ClientHelloResult,
} from "../../../src/gateway-core/parse/client-hello.js";
import {
  FUZZ_RUNS, corpus, ext, fixture, fixtureNames, handshake, hello, helloBody, list16, prefixes, records, rng,
  u16, u24, u8, unrecord, vec16, vec8, type Ext,
} from "./support.js";

function ok(r: ClientHelloResult): ClientHello {
  if (r.kind !== "ok") assert.fail(`expected ok, got ${JSON.stringify(r)}`);
  return r.hello;
}

function code(r: ClientHelloResult): string {
  return r.kind === "error" ? r.code : r.kind;
}

// --- real clients --------------------------------------------------------------------------------------

/**
 * JA4 values pinned per fixture. Cross-checked against published values: Chromium's equals FoxIO's own
 * test data for Chrome (python/test/testdata/sigalg-grease.pcapng.json, t13d1517h2_8daaf6152771_cb7bf5808d99);
 * curl's (t13d3112h2_e8f1e7e78f70_b26ce05bbdd6) and Node's (t13d591000_a33745022dd6_1f22a2ca17c4) are the
 * values fingerprinting services publish for curl/OpenSSL 3 and Node 17–22.
 */
const EXPECTED: Record<string, { sni: string | null; alpn: string[]; ja4: string; ech?: boolean; records?: number; maxVersion: number }> = {
  "chromium-h2.bin": { sni: "fixture.example", alpn: ["h2", "http/1.1"], ja4: "t13d1517h2_8daaf6152771_cb7bf5808d99", ech: true, maxVersion: 0x0304 },
  "curl-h2.bin": { sni: "fixture.example", alpn: ["h2", "http/1.1"], ja4: "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6", maxVersion: 0x0304 },
  "curl-http11.bin": { sni: "fixture.example", alpn: ["http/1.1"], ja4: "t13d3112h1_e8f1e7e78f70_b26ce05bbdd6", maxVersion: 0x0304 },
  "node-https.bin": { sni: "fixture.example", alpn: [], ja4: "t13d591000_a33745022dd6_1f22a2ca17c4", maxVersion: 0x0304 },
  "node-tls.bin": { sni: "fixture.example", alpn: ["h2", "http/1.1"], ja4: "t13d5911h2_a33745022dd6_1f22a2ca17c4", maxVersion: 0x0304 },
  "openssl-no-sni.bin": { sni: null, alpn: [], ja4: "t13i310900_e8f1e7e78f70_1f22a2ca17c4", maxVersion: 0x0304 },
  "openssl-tls12.bin": { sni: "fixture.example", alpn: ["http/1.1"], ja4: "t12d2808h1_d943125447b4_e7e480e5a997", maxVersion: 0x0303 },
  "openssl-tls13.bin": { sni: "fixture.example", alpn: ["h2", "http/1.1"], ja4: "t13d0411h2_16476d049b0b_78f1d400d464", maxVersion: 0x0304 },
  "openssl-tls13-split.bin": { sni: "fixture.example", alpn: ["h2"], ja4: "t13d0411h2_16476d049b0b_78f1d400d464", records: 3, maxVersion: 0x0304 },
};

test("ok/every captured ClientHello has a pinned expectation", () => {
  assert.deepEqual(fixtureNames("client-hello"), Object.keys(EXPECTED).sort());
});

for (const name of fixtureNames("client-hello")) {
  test(`ok/${name} parses with its SNI, ALPN and JA4`, () => {
    const bytes = fixture("client-hello", name);
    const r = parseClientHello(bytes);
    const h = ok(r);
    const e = EXPECTED[name]!;
    assert.equal(h.serverName, e.sni);
    assert.deepEqual(h.alpn, e.alpn);
    assert.equal(h.ja4, e.ja4);
    assert.equal(h.ech, e.ech ?? false);
    assert.equal(h.records, e.records ?? 1);
    assert.equal(h.maxVersion, e.maxVersion);
    assert.equal(h.legacyVersion, 0x0303);
    assert.equal(h.offersEcdsa, true);
    assert.equal(r.kind === "ok" && r.consumed, bytes.length);
  });

  test(`ok/${name} delivered byte by byte: need-more until the last byte`, () => {
    const bytes = fixture("client-hello", name);
    const whole = parseClientHello(bytes);
    for (const p of prefixes(bytes)) {
      const r = parseClientHello(p);
      if (p.length < bytes.length) assert.equal(r.kind, "need-more", `at ${p.length}`);
      else assert.deepEqual(r, whole);
    }
  });

  test(`ok/${name} re-recorded into random fragments gives the same hello`, () => {
    const bytes = fixture("client-hello", name);
    const want = ok(parseClientHello(bytes));
    const hs = unrecord(bytes);
    const minSize = Math.ceil(hs.length / MAX_CLIENT_HELLO_RECORDS);
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed);
      const spread = Math.floor(next() * 600);
      const split = records(hs, () => minSize + Math.floor(next() * spread));
      const got = ok(parseClientHello(split));
      assert.deepEqual({ ...got, records: 0 }, { ...want, records: 0 }, `seed ${seed}`);
    }
  });
}

test("ok/Chromium: GREASE left out, post-quantum key share and ECH seen", () => {
  const h = ok(parseClientHello(fixture("client-hello", "chromium-h2.bin")));
  assert.equal(h.grease, true);
  for (const l of [h.cipherSuites, h.extensions, h.supportedVersions, h.supportedGroups, h.keyShareGroups, h.signatureAlgorithms]) {
    assert.ok(l.every((v) => !isGrease(v)));
  }
  assert.ok(h.keyShareGroups.includes(0x11ec), "X25519MLKEM768 key share");
  assert.ok(h.extensions.includes(0xfe0d));
  assert.equal(h.cipherSuites.length, 15);
  assert.equal(h.extensions.length, 17);
});

test("ok/bytes after the ClientHello records are not consumed", () => {
  const bytes = fixture("client-hello", "curl-h2.bin");
  const ccs = Buffer.from([20, 3, 3, 0, 1, 1]);
  const r = parseClientHello(Buffer.concat([bytes, ccs]));
  assert.equal(r.kind === "ok" && r.consumed, bytes.length);
});

// --- JA4 against the spec's worked example (FoxIO technical_details/JA4.md) -------------------------------

const SPEC_CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const SPEC_EXTS = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015];
const SPEC_SIGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

test("ok/ja4 reproduces the spec example t13d1516h2_8daaf6152771_e5627efa2ab1", () => {
  assert.equal(ja4({ version: 0x0304, sni: true, ciphers: SPEC_CIPHERS, extensions: SPEC_EXTS, alpn: Buffer.from("h2"), signatureAlgorithms: SPEC_SIGS }), "t13d1516h2_8daaf6152771_e5627efa2ab1");
});

test("ok/ja4 GREASE ignored anywhere; no signature algorithms hashes without the underscore", () => {
  const grease = [0x0a0a, 0xfafa];
  assert.equal(
    ja4({ version: 0x0304, sni: true, ciphers: [...grease, ...SPEC_CIPHERS], extensions: [0x3a3a, ...SPEC_EXTS], alpn: Buffer.from("h2"), signatureAlgorithms: [0x6a6a, ...SPEC_SIGS] }),
    "t13d1516h2_8daaf6152771_e5627efa2ab1",
  );
  // Spec: "0005,000a,…,ff01 = 6d807ffa2a79" when there are no signature algorithms.
  assert.equal(ja4({ version: 0x0304, sni: true, ciphers: SPEC_CIPHERS, extensions: SPEC_EXTS, alpn: Buffer.from("h2"), signatureAlgorithms: [] }).slice(-12), "6d807ffa2a79");
});

test("ok/ja4 empty lists are twelve zeros; SNI-less is 'i'; no ALPN is 00", () => {
  assert.equal(ja4({ version: 0x0303, sni: false, ciphers: [], extensions: [0x0000, 0x0010], signatureAlgorithms: [0x0403] }), "t12i000200_000000000000_000000000000");
});

test("ok/ja4 version codes", () => {
  const v = (version: number) => ja4({ version, sni: false, ciphers: [], extensions: [], signatureAlgorithms: [] }).slice(1, 3);
  assert.deepEqual([0x0304, 0x0303, 0x0302, 0x0301, 0x0300, 0x0002, 0xfeff, 0xfefd, 0xfefc, 0x0305].map(v), ["13", "12", "11", "10", "s3", "s2", "d1", "d2", "d3", "00"]);
});

test("ok/ja4 ALPN: first and last alphanumeric characters, else hex (spec examples)", () => {
  const a = (bytes: number[]) => ja4({ version: 0x0304, sni: true, ciphers: [], extensions: [], alpn: Buffer.from(bytes), signatureAlgorithms: [] }).slice(8, 10);
  assert.equal(a([...Buffer.from("http/1.1")]), "h1");
  assert.equal(a([0x68]), "hh");
  assert.equal(a([0xab]), "ab");
  assert.equal(a([0xab, 0xcd]), "ad");
  assert.equal(a([0x30, 0xab]), "3b");
  assert.equal(a([0x30, 0x31, 0xab, 0xcd]), "3d");
  assert.equal(a([0x30, 0xab, 0xcd, 0x31]), "01");
  assert.equal(a([]), "00");
});

test("ok/ja4 counts cap at 99", () => {
  const many = Array.from({ length: 120 }, (_, i) => i + 1);
  assert.equal(ja4({ version: 0x0304, sni: false, ciphers: many, extensions: many, signatureAlgorithms: [] }).slice(4, 8), "9999");
});

// --- built hellos: what is accepted ----------------------------------------------------------------------

test("ok/built hello: every field read", () => {
  const h = ok(parseClientHello(hello()));
  assert.equal(h.serverName, "example.com");
  assert.deepEqual(h.alpn, ["h2", "http/1.1"]);
  assert.deepEqual(h.supportedVersions, [0x0304, 0x0303]);
  assert.deepEqual(h.signatureAlgorithms, [0x0403, 0x0804, 0x0401]);
  assert.deepEqual(h.supportedGroups, [0x001d, 0x0017]);
  assert.deepEqual(h.keyShareGroups, [0x001d]);
  assert.deepEqual(h.cipherSuites, [0x1301, 0x1302, 0xc02b, 0xc02f]);
  assert.deepEqual(h.extensions, [0x0000, 0x0010, 0x002b, 0x000d, 0x000a, 0x0033]);
  assert.equal(h.recordVersion, 0x0301);
  assert.equal(h.grease, false);
  assert.equal(h.ech, false);
});

test("ok/SNI is lower-cased; underscores and hyphens are accepted", () => {
  assert.equal(ok(parseClientHello(hello({ exts: [ext.sni("WWW.Example.COM")] }))).serverName, "www.example.com");
  assert.equal(ok(parseClientHello(hello({ exts: [ext.sni("_dmarc.a-b-.example")] }))).serverName, "_dmarc.a-b-.example");
  assert.equal(ok(parseClientHello(hello({ exts: [ext.sni("a".repeat(63) + ".kz")] }))).serverName, "a".repeat(63) + ".kz");
  assert.equal(ok(parseClientHello(hello({ exts: [ext.sni("x0.example")] }))).serverName, "x0.example");
  assert.equal(ok(parseClientHello(hello({ exts: [ext.sni("0xg.example.0xz")] }))).serverName, "0xg.example.0xz");
});

test("ok/hello without extensions (TLS 1.0 style, RFC 5246 §7.4.1.2)", () => {
  const h = ok(parseClientHello(hello({ version: 0x0301, exts: null, ciphers: [0x002f, 0x00ff] })));
  assert.deepEqual(h.extensions, []);
  assert.equal(h.maxVersion, 0x0301);
  assert.equal(h.ja4, "t10i020000_" + h.ja4.slice(11, 23) + "_000000000000");
  assert.equal(h.offersEcdsa, false);
});

test("ok/maxVersion is the highest supported_versions entry wherever it is", () => {
  const h = ok(parseClientHello(hello({ exts: [ext.versions(0x0302, 0x0304, 0x0303)] })));
  assert.equal(h.maxVersion, 0x0304);
  assert.equal(h.ja4.slice(1, 3), "13");
});

test("ok/GREASE-only supported_versions falls back to legacy_version", () => {
  const h = ok(parseClientHello(hello({ exts: [ext.versions(0x0a0a)] })));
  assert.deepEqual(h.supportedVersions, []);
  assert.equal(h.grease, true);
  assert.equal(h.ja4.slice(1, 3), "12");
});

test("ok/GREASE in groups, sigalgs, key shares, extensions; padding and ECH skipped", () => {
  const h = ok(parseClientHello(hello({
    ciphers: [0x1a1a, 0x1301],
    exts: [ext.raw(0x2a2a), ext.groups(0x3a3a, 0x001d), ext.sigalgs(0x4a4a, 0x0403), ext.keyShare(0x5a5a, 0x001d), ext.versions(0x6a6a, 0x0304), ext.raw(0x0015, Buffer.alloc(100)), ext.raw(0xfe0d, Buffer.from([0, 1, 2])), ext.raw(0x9a9a, Buffer.from([0]))],
  })));
  assert.deepEqual(h.cipherSuites, [0x1301]);
  assert.deepEqual(h.supportedGroups, [0x001d]);
  assert.deepEqual(h.signatureAlgorithms, [0x0403]);
  assert.deepEqual(h.keyShareGroups, [0x001d]);
  assert.deepEqual(h.supportedVersions, [0x0304]);
  assert.deepEqual(h.extensions, [0x000a, 0x000d, 0x0033, 0x002b, 0x0015, 0xfe0d]);
  assert.equal(h.ech, true);
  assert.equal(h.grease, true);
  // The extension bitset is shared between calls: a later hello with the same types is not a duplicate.
  ok(parseClientHello(hello({ exts: [ext.raw(0x2a2a), ext.raw(0x9a9a, Buffer.from([0]))] })));
});

test("ok/pre_shared_key as the last extension", () => {
  ok(parseClientHello(hello({ exts: [ext.sni("a.kz"), ext.raw(0x0029, Buffer.alloc(8))] })));
});

test("ok/a ClientHello of exactly the size cap over many records", () => {
  const base = helloBody({ exts: [] });
  const pad = MAX_CLIENT_HELLO_BYTES - base.length - 4; // one padding extension fills the rest
  const body = helloBody({ exts: [ext.raw(0x0015, Buffer.alloc(pad))] });
  assert.equal(body.length, MAX_CLIENT_HELLO_BYTES);
  const h = ok(parseClientHello(records(handshake(body), 512)));
  assert.equal(h.records, 33);
});

test("ok/handshake header split across records, even byte by byte", () => {
  const hs = handshake(helloBody());
  const bytes = Buffer.concat([records(hs.subarray(0, 1)), records(hs.subarray(1, 3)), records(hs.subarray(3))]);
  assert.equal(ok(parseClientHello(bytes)).records, 3);
  for (const p of prefixes(bytes)) {
    if (p.length < bytes.length) assert.equal(parseClientHello(p).kind, "need-more");
  }
});

test("ok/offersEcdsa follows the version rules", () => {
  const e = (spec: Parameters<typeof hello>[0]) => ok(parseClientHello(hello(spec))).offersEcdsa;
  // TLS 1.3: the scheme names the curve.
  assert.equal(e({ exts: [ext.versions(0x0304), ext.sigalgs(0x0804)] }), false);
  assert.equal(e({ exts: [ext.versions(0x0304), ext.sigalgs(0x0403)], ciphers: [0x1301] }), true);
  // TLS 1.2: an ECDHE_ECDSA suite, an ECDSA sigalg if the extension is sent, P-256 if groups are sent.
  assert.equal(e({ exts: [ext.sigalgs(0x0403)], ciphers: [0xc02f] }), false);
  assert.equal(e({ exts: [ext.sigalgs(0x0401)], ciphers: [0xc02b] }), false);
  assert.equal(e({ exts: [ext.sigalgs(0x0603), ext.groups(0x0018)], ciphers: [0xc02b] }), false);
  assert.equal(e({ exts: [ext.sigalgs(0x0603), ext.groups(0x0017)], ciphers: [0xc02b] }), true);
  assert.equal(e({ exts: [], ciphers: [0xc00a] }), true);
  assert.equal(e({ exts: [ext.versions(0x0304, 0x0303), ext.sigalgs(0x0804)], ciphers: [0x1301, 0xc02b] }), false);
});

// --- refusals ------------------------------------------------------------------------------------------

const base = helloBody();

/** One table row: a name, the bytes, the expected code. */
const FAILS: Array<[string, Buffer, string]> = [
  ["plain HTTP", Buffer.from("GET / HTTP/1.1\r\n"), "not-tls"],
  ["alert record", Buffer.from([21, 3, 1, 0, 2, 2, 40]), "not-tls"],
  ["SSL 2.0 compatible hello", Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]), "sslv2-hello"],
  ["high-bit garbage", Buffer.from([0x80, 0x2e, 0x07]), "not-tls"],
  ["record version 2.x", Buffer.from([22, 2]), "bad-record-version"],
  ["record version 3.5", Buffer.from([22, 3, 5]), "bad-record-version"],
  ["empty record", Buffer.from([22, 3, 1, 0, 0]), "empty-record"],
  ["record over 2^14", Buffer.from([22, 3, 1, 0x40, 0x01]), "record-overflow"],
  ["ServerHello", Buffer.from([22, 3, 3, 0, 10, 2]), "not-client-hello"],
  ["ClientHello over the cap", Buffer.concat([Buffer.from([22, 3, 1, 0, 10, 1]), u24(MAX_CLIENT_HELLO_BYTES + 1)]), "too-large"],
  ["application data before the hello is complete", Buffer.concat([records(handshake(base).subarray(0, 50)), Buffer.from([23, 3, 3, 0, 1, 0])]), "interleaved-record"],
  ["one-byte records", records(handshake(base), 1), "too-many-records"],
  ["second handshake message after the hello", records(Buffer.concat([handshake(base), handshake(Buffer.alloc(2), 20)])), "trailing-handshake-data"],
  ["body shorter than its fixed fields", records(handshake(Buffer.alloc(20, 3))), "truncated"],
  ["legacy_version 2.0", hello({ version: 0x0200 }), "bad-version"],
  ["session id of 33 bytes", hello({ sessionId: Buffer.alloc(33) }), "bad-session-id"],
  ["session id overruns", records(handshake(Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(32), Buffer.alloc(4)]))), "bad-session-id"],
  ["no cipher_suites", records(handshake(Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(0), u8(0)]))), "bad-cipher-suites"],
  ["empty cipher_suites", hello({ ciphers: [] }), "bad-cipher-suites"],
  ["odd cipher_suites", records(handshake(Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(0), vec16(Buffer.alloc(3)), vec8(Buffer.from([0]))]))), "bad-cipher-suites"],
  ["cipher_suites overrun", records(handshake(Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(0), u16(40), Buffer.alloc(4)]))), "bad-cipher-suites"],
  ["no compression methods", records(handshake(Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(0), vec16(list16([0x1301]))]))), "bad-compression"],
  ["empty compression methods", hello({ compression: vec8(Buffer.alloc(0)) }), "bad-compression"],
  ["compression without null", hello({ compression: vec8(Buffer.from([1])) }), "bad-compression"],
  ["compression overrun", records(handshake(Buffer.concat([u16(0x0303), Buffer.alloc(32), u8(0), vec16(list16([0x1301])), u8(5), u8(0)]))), "bad-compression"],
  ["one stray byte after compression", hello({ exts: null, trailing: Buffer.from([0]) }), "bad-extensions"],
  ["extensions length mismatch", hello({ trailing: Buffer.from([0]) }), "bad-extensions"],
  ["extension overruns the block", records(handshake(Buffer.concat([helloBody({ exts: null }), vec16(Buffer.from([0, 0x17, 0, 9, 1]))]))), "bad-extension"],
  ["truncated extension header", records(handshake(Buffer.concat([helloBody({ exts: null }), vec16(Buffer.from([0, 0x17]))]))), "bad-extension"],
  ["duplicate extension", hello({ exts: [ext.raw(0x0017), ext.raw(0x0017)] }), "duplicate-extension"],
  ["duplicate GREASE extension", hello({ exts: [ext.raw(0x0a0a), ext.raw(0x0a0a)] }), "duplicate-extension"],
  ["pre_shared_key not last", hello({ exts: [ext.raw(0x0029, Buffer.alloc(8)), ext.raw(0x0017)] }), "psk-not-last"],
  ["server_name empty", hello({ exts: [ext.raw(0x0000)] }), "bad-sni"],
  ["server_name empty list", hello({ exts: [ext.raw(0x0000, u16(0))] }), "bad-sni"],
  ["server_name list length mismatch", hello({ exts: [ext.raw(0x0000, Buffer.concat([u16(9), u8(0), vec16(Buffer.from("a.kz"))]))] }), "bad-sni"],
  ["server_name truncated entry", hello({ exts: [ext.raw(0x0000, vec16(Buffer.from([0, 0])))] }), "bad-sni"],
  ["server_name unknown type", hello({ exts: [ext.raw(0x0000, vec16(Buffer.concat([u8(1), vec16(Buffer.from("a.kz"))])))] }), "bad-sni"],
  ["host_name empty", hello({ exts: [ext.raw(0x0000, vec16(Buffer.concat([u8(0), u16(0)])))] }), "bad-sni"],
  ["host_name overrun", hello({ exts: [ext.raw(0x0000, vec16(Buffer.concat([u8(0), u16(9), Buffer.from("a.kz")])))] }), "bad-sni"],
  ["two host_names", hello({ exts: [ext.raw(0x0000, vec16(Buffer.concat([u8(0), vec16(Buffer.from("a.kz")), u8(0), vec16(Buffer.from("b.kz"))])))] }), "sni-duplicate"],
  ["host_name with trailing dot", hello({ exts: [ext.sni("example.com.")] }), "sni-invalid"],
  ["host_name that is a dot", hello({ exts: [ext.sni(".")] }), "sni-invalid"],
  ["host_name with empty label", hello({ exts: [ext.sni("a..kz")] }), "sni-invalid"],
  ["host_name starting with a dot", hello({ exts: [ext.sni(".kz")] }), "sni-invalid"],
  ["host_name label of 64", hello({ exts: [ext.sni("a".repeat(64) + ".kz")] }), "sni-invalid"],
  ["host_name last label of 64", hello({ exts: [ext.sni("kz." + "a".repeat(64))] }), "sni-invalid"],
  ["host_name of 254", hello({ exts: [ext.sni(("a".repeat(50) + ".").repeat(5) + "abc")] }), "sni-invalid"],
  ["host_name with a space", hello({ exts: [ext.sni("a b.kz")] }), "sni-invalid"],
  ["host_name with UTF-8", hello({ exts: [ext.sni("қазақстан.kz")] }), "sni-invalid"],
  ["host_name with NUL", hello({ exts: [ext.sni("a.kz\0evil.com")] }), "sni-invalid"],
  ["host_name IPv4", hello({ exts: [ext.sni("10.0.0.1")] }), "sni-ip-literal"],
  ["host_name IPv4 in hex", hello({ exts: [ext.sni("0x7f.1")] }), "sni-ip-literal"],
  ["host_name numeric last label", hello({ exts: [ext.sni("example.123")] }), "sni-ip-literal"],
  ["host_name hex last label", hello({ exts: [ext.sni("example.0x7F")] }), "sni-ip-literal"],
  ["host_name hex last label, capital X", hello({ exts: [ext.sni("example.0X7f")] }), "sni-ip-literal"],
  ["host_name IPv6", hello({ exts: [ext.sni("::1")] }), "sni-ip-literal"],
  ["host_name bracketed IPv6", hello({ exts: [ext.sni("[::1]")] }), "sni-ip-literal"],
  ["ALPN empty", hello({ exts: [ext.raw(0x0010)] }), "bad-alpn"],
  ["ALPN list length mismatch", hello({ exts: [ext.raw(0x0010, Buffer.concat([u16(5), vec8(Buffer.from("h2"))]))] }), "bad-alpn"],
  ["ALPN empty name", hello({ exts: [ext.alpn("h2", "")] }), "bad-alpn"],
  ["ALPN name overrun", hello({ exts: [ext.raw(0x0010, vec16(Buffer.concat([u8(9), Buffer.from("h2")])))] }), "bad-alpn"],
  ["supported_versions empty", hello({ exts: [ext.raw(0x002b)] }), "bad-supported-versions"],
  ["supported_versions odd", hello({ exts: [ext.raw(0x002b, vec8(Buffer.from([3, 4, 3])))] }), "bad-supported-versions"],
  ["supported_versions one byte", hello({ exts: [ext.raw(0x002b, vec8(Buffer.from([3])))] }), "bad-supported-versions"],
  ["supported_versions mismatch", hello({ exts: [ext.raw(0x002b, Buffer.from([4, 3, 4]))] }), "bad-supported-versions"],
  ["signature_algorithms empty list", hello({ exts: [ext.raw(0x000d, u16(0))] }), "bad-signature-algorithms"],
  ["signature_algorithms odd", hello({ exts: [ext.raw(0x000d, vec16(Buffer.from([4, 3, 8])))] }), "bad-signature-algorithms"],
  ["signature_algorithms mismatch", hello({ exts: [ext.raw(0x000d, Buffer.concat([u16(4), list16([0x0403])]))] }), "bad-signature-algorithms"],
  ["supported_groups mismatch", hello({ exts: [ext.raw(0x000a, Buffer.concat([u16(6), list16([0x001d])]))] }), "bad-supported-groups"],
  ["key_share empty", hello({ exts: [ext.raw(0x0033)] }), "bad-key-share"],
  ["key_share list mismatch", hello({ exts: [ext.raw(0x0033, Buffer.concat([u16(9), u16(0x001d), vec16(Buffer.alloc(4))]))] }), "bad-key-share"],
  ["key_share truncated entry", hello({ exts: [ext.raw(0x0033, vec16(Buffer.from([0, 0x1d, 0])))] }), "bad-key-share"],
  ["key_share empty key", hello({ exts: [ext.raw(0x0033, vec16(Buffer.concat([u16(0x001d), u16(0)])))] }), "bad-key-share"],
  ["key_share key overrun", hello({ exts: [ext.raw(0x0033, vec16(Buffer.concat([u16(0x001d), u16(40), Buffer.alloc(4)])))] }), "bad-key-share"],
];

for (const [name, bytes, want] of FAILS) {
  test(`fail/${name} → ${want}`, () => {
    const r = parseClientHello(bytes);
    assert.equal(code(r), want, JSON.stringify(r));
    assert.ok(r.kind === "error" && r.message.length > 0);
  });
}

test("fail/errors show as soon as the bytes show them, before the record is complete", () => {
  assert.equal(code(parseClientHello(Buffer.from([22, 3, 1, 0, 200, 2]))), "not-client-hello");
  assert.equal(code(parseClientHello(Buffer.from([22, 3, 1, 0, 200, 1, 0, 0x50, 0]))), "too-large");
  assert.equal(code(parseClientHello(Buffer.from([22, 3, 1, 0, 200, 1, 0, 0, 100]))), "need-more");
});

test("ok/a record header with no fragment yet does not reuse the previous flow's handshake type", () => {
  assert.equal(code(parseClientHello(Buffer.from([22, 3, 3, 0, 10, 2]))), "not-client-hello");
  assert.equal(code(parseClientHello(Buffer.from([22, 3, 1, 0, 5]))), "need-more");
});

test("ok/need-more for the empty input and partial headers", () => {
  for (const b of [[], [22], [22, 3], [22, 3, 1], [22, 3, 1, 0], [22, 3, 1, 0, 5], [0x80], [0x80, 0x2e]]) {
    assert.equal(parseClientHello(Buffer.from(b)).kind, "need-more", JSON.stringify(b));
  }
});

// --- corpus and fuzzing ---------------------------------------------------------------------------------

test("ok/regression corpus keeps its results", () => {
  for (const { name, bytes, expected } of corpus("client-hello")) {
    const r = parseClientHello(bytes);
    if (expected !== undefined) assert.equal(code(r), expected, name);
  }
});

function checkInvariants(bytes: Buffer, r: ClientHelloResult): void {
  assert.ok(r.kind === "ok" || r.kind === "need-more" || r.kind === "error");
  if (r.kind === "ok") {
    assert.ok(r.consumed > 0 && r.consumed <= bytes.length);
    if (r.hello.serverName !== null) assert.match(r.hello.serverName, /^[a-z0-9_.-]{1,253}$/);
    assert.match(r.hello.ja4, /^t(1[0-3]|s[23]|d[123]|00)[di]\d{4}[0-9a-zA-Z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/);
  }
}

test("fuzz/random bytes never throw and always answer", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (raw, asTls) => {
      const bytes = Buffer.from(raw);
      if (asTls && bytes.length >= 3) { bytes[0] = 22; bytes[1] = 3; bytes[2] = 1; }
      checkInvariants(bytes, parseClientHello(bytes));
    }),
    { numRuns: FUZZ_RUNS },
  );
});

const FIXTURE_BYTES = fixtureNames("client-hello").map((n) => fixture("client-hello", n));

test("fuzz/mutated real hellos never throw and always answer", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...FIXTURE_BYTES),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "insert", "delete")), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      (orig, edits, cut) => {
        let b = Buffer.from(orig);
        for (const [pos, val, op] of edits) {
          const i = pos % (b.length + 1);
          if (op === "set" && i < b.length) b[i] = val;
          else if (op === "insert") b = Buffer.concat([b.subarray(0, i), Buffer.from([val]), b.subarray(i)]);
          else if (op === "delete") b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
        }
        b = b.subarray(0, b.length - (cut % 4 === 0 ? cut % b.length : 0));
        checkInvariants(b, parseClientHello(b));
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});

test("fuzz/structured hellos parse back to what was built, in any record split", () => {
  const name = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,10}){1,3}$/);
  const u16v = fc.integer({ min: 0, max: 0xffff });
  fc.assert(
    fc.property(name, fc.array(u16v, { minLength: 1, maxLength: 40 }), fc.array(u16v, { maxLength: 20 }), fc.array(fc.stringMatching(/^[a-z0-9/.]{1,12}$/), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 300 }),
      (sni, ciphers, sigs, alpn, frag) => {
        const exts: Ext[] = [ext.sni(sni), ext.alpn(...alpn)];
        if (sigs.length > 0) exts.push(ext.sigalgs(...sigs));
        const hs = handshake(helloBody({ ciphers, exts }));
        const r = parseClientHello(records(hs, frag));
        if (Math.ceil(hs.length / frag) > MAX_CLIENT_HELLO_RECORDS) return assert.equal(code(r), "too-many-records");
        const h = ok(r);
        assert.equal(h.serverName, sni);
        assert.deepEqual(h.alpn, alpn);
        assert.deepEqual(h.cipherSuites, ciphers.filter((c) => !isGrease(c)));
        assert.deepEqual(h.signatureAlgorithms, sigs.filter((c) => !isGrease(c)));
      }),
    { numRuns: FUZZ_RUNS },
  );
});

// --- the JA4 cache ---------------------------------------------------------------------------------------

/** JA4 part b computed from scratch, for checking the cached path. */
function cipherHash(ciphers: number[]): string {
  const text = [...ciphers].sort((x, y) => x - y).map((v) => v.toString(16).padStart(4, "0")).join(",");
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

test("ok/JA4 cache: a key collision recomputes instead of answering for another list", () => {
  // Two sorted two-suite lists with the same 32-bit FNV-1a key (seeded as part b): found by the birthday
  // bound on the first step's high 16 bits, then the second values absorb the low 16 bits.
  const P = 0x01000193;
  const seed = (0x811c9dc5 ^ 0x62) >>> 0;
  const byHigh = new Map<number, number>();
  let pair: [number[], number[]] | undefined;
  for (let a = 1; a < 0x10000 && !pair; a++) {
    const h = Math.imul(seed ^ a, P) >>> 0;
    const c = byHigh.get(h >>> 16);
    if (c === undefined) { byHigh.set(h >>> 16, a); continue; }
    const x = (h ^ Math.imul(seed ^ c, P)) & 0xffff;
    const b = 0xffff;
    const d = b ^ x;
    if (d >= c && ![a, b, c, d].some(isGrease)) pair = [[c, d], [a, b]];
  }
  assert.ok(pair, "a colliding pair exists");
  const [first, second] = pair;
  const partB = (ciphers: number[]) => ok(parseClientHello(hello({ ciphers }))).ja4.split("_")[1];
  assert.equal(partB(first), cipherHash(first));
  assert.equal(partB(second), cipherHash(second));
  assert.equal(partB(first), cipherHash(first));
  assert.equal(partB(first), cipherHash(first), "and a plain hit");
});

test("ok/JA4 cache: bounded; emptied when full, still correct afterwards", () => {
  const probe = [0x1301, 0x1302];
  const want = ok(parseClientHello(hello({ ciphers: probe }))).ja4;
  for (let i = 1; i <= 5000; i++) if (!isGrease(i)) parseClientHello(hello({ ciphers: [i] }));
  assert.equal(ok(parseClientHello(hello({ ciphers: probe }))).ja4, want);
});
