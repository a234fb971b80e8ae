import { test } from "node:test";
import assert from "node:assert/strict";
import { DerError, encodeLength, namedBits, oid, readOid, readTime, readTlv, smallInt, time, tlv, uint } from "../../src/ca/der.js";
import { encodeName, formatName } from "../../src/ca/x509.js";

test("ok/lengths: short form below 128, long form above (X.690 §8.1.3)", () => {
  assert.deepEqual([...encodeLength(0)], [0x00]);
  assert.deepEqual([...encodeLength(127)], [0x7f]);
  assert.deepEqual([...encodeLength(128)], [0x81, 0x80]);
  assert.deepEqual([...encodeLength(256)], [0x82, 0x01, 0x00]);
  assert.deepEqual([...encodeLength(70_000)], [0x83, 0x01, 0x11, 0x70]);
  const big = tlv(0x04, Buffer.alloc(300));
  const t = readTlv(big, 0);
  assert.equal(t.end - t.contentStart, 300);
});

test("ok/INTEGER is minimal and positive (X.690 §8.3.2)", () => {
  assert.deepEqual([...uint(Buffer.from([0x00, 0x00, 0x7f]))], [0x02, 0x01, 0x7f]);
  assert.deepEqual([...uint(Buffer.from([0x80]))], [0x02, 0x02, 0x00, 0x80]);
  assert.deepEqual([...uint(Buffer.from([0x00, 0x80]))], [0x02, 0x02, 0x00, 0x80]);
  assert.deepEqual([...uint(Buffer.from([0x00]))], [0x02, 0x01, 0x00]);
  assert.deepEqual([...smallInt(2)], [0x02, 0x01, 0x02]);
});

test("ok/OIDs round-trip, including multi-byte arcs", () => {
  for (const o of ["2.5.29.17", "1.2.840.10045.4.3.2", "1.3.6.1.5.5.7.3.1", "1.2.840.113549.1.1.11"]) {
    const d = oid(o);
    assert.equal(readOid(d, readTlv(d, 0)), o);
  }
  assert.deepEqual([...oid("2.5.29.17")], [0x06, 0x03, 0x55, 0x1d, 0x11]);
});

test("ok/KeyUsage named bits drop trailing zeros (X.690 §11.2.2)", () => {
  assert.deepEqual([...namedBits([0])], [0x03, 0x02, 0x07, 0x80]);
  assert.deepEqual([...namedBits([5, 6])], [0x03, 0x02, 0x01, 0x06]);
  assert.deepEqual([...namedBits([0, 2])], [0x03, 0x02, 0x05, 0xa0]);
});

test("ok/UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)", () => {
  const a = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));
  const b = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
  assert.equal(time(a)[0], 0x17);
  assert.equal(time(a).subarray(2).toString(), "491231235959Z");
  assert.equal(time(b)[0], 0x18);
  assert.equal(time(b).subarray(2).toString(), "20500101000000Z");
  for (const d of [a, b]) assert.equal(readTime(time(d), readTlv(time(d), 0)).getTime(), d.getTime());
});

test("ok/names encode C as PrintableString and the rest as UTF8String, and render back", () => {
  const n = encodeName({ country: "KZ", organization: "Мемлекеттік техникалық қызмет", commonName: "Root" });
  assert.equal(formatName(n), "C=KZ, O=Мемлекеттік техникалық қызмет, CN=Root");
});

test("fail/malformed input is refused", () => {
  assert.throws(() => readTlv(Buffer.from([0x30, 0x05, 0x00]), 0), DerError);
  assert.throws(() => readTlv(Buffer.from([0x1f, 0x01, 0x00]), 0), DerError);
  assert.throws(() => readTlv(Buffer.from([0x30, 0x80]), 0), DerError);
  assert.throws(() => encodeName({ country: "kz" }), DerError);
  assert.throws(() => encodeName({ commonName: "x".repeat(65) }), DerError);
});
