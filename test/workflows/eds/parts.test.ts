/**
 * The pure pieces of EDS verification on their own: BIN/IIN from an NCA subject, input decoding, RFC 4514
 * names, algorithm policy and the guard on answers from an external verifier.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pkijs from "pkijs";
import { digestOf, isGostOid, publicKeyOf, schemeOf } from "../../../src/workflows/eds/algorithms.js";
import { decodeBer } from "../../../src/workflows/eds/ber.js";
import { formatName, parseCertificateDer, type NameAttribute } from "../../../src/workflows/eds/certificate.js";
import { decodeBase64, decodeCertificates, decodeSignature } from "../../../src/workflows/eds/decode.js";
import { binCheck, identityOf } from "../../../src/workflows/eds/identity.js";
import { asEdsVerification } from "../../../src/workflows/eds/types.js";
import { bytes, IDS, INTERMEDIATE, ROOT } from "./fixture.js";

const OU = "2.5.4.11";
const SERIAL = "2.5.4.5";
const attr = (type: string, value: string, binary = false): NameAttribute => ({ type, value, binary });

// ------------------------------------------------------------------------------------------------ identity

const IDENTITY: Array<[string, NameAttribute[], { bin: string | null; iin: string | null; problem?: RegExp }]> = [
  ["ok/OU=BIN… and SERIALNUMBER=IIN…, as the NCA writes them", [attr(OU, `BIN${IDS.bin}`), attr(SERIAL, `IIN${IDS.iin}`)], { bin: IDS.bin, iin: IDS.iin }],
  ["ok/a bare 12-digit OU", [attr(OU, IDS.bin)], { bin: IDS.bin, iin: null }],
  ["ok/lower-case prefix and a space", [attr(OU, ` bin ${IDS.bin}`), attr(SERIAL, `iin ${IDS.iin}`)], { bin: IDS.bin, iin: IDS.iin }],
  ["ok/other OUs are ignored", [attr(OU, "Department of Networks"), attr(OU, `BIN${IDS.bin}`)], { bin: IDS.bin, iin: null }],
  ["ok/the same BIN twice is one BIN", [attr(OU, `BIN${IDS.bin}`), attr(OU, IDS.bin)], { bin: IDS.bin, iin: null }],
  ["fail/a wrong check digit is not a BIN", [attr(OU, `BIN${IDS.bin.slice(0, 11)}${(Number(IDS.bin[11]) + 1) % 10}`)], { bin: null, iin: null, problem: /check digit/ }],
  ["fail/two different BINs are ambiguous", [attr(OU, `BIN${IDS.bin}`), attr(OU, `BIN${IDS.otherBin}`)], { bin: null, iin: null, problem: /several BINs/ }],
  ["fail/13 digits are not a BIN", [attr(OU, `BIN${IDS.bin}0`)], { bin: null, iin: null }],
  ["fail/BIN in another attribute does not count", [attr("2.5.4.10", `BIN${IDS.bin}`), attr("2.5.4.3", `BIN${IDS.bin}`)], { bin: null, iin: null }],
  ["fail/a binary OU does not count", [attr(OU, `#0c0f${Buffer.from(`BIN${IDS.bin}`).toString("hex")}`, true)], { bin: null, iin: null }],
  ["fail/an IIN with a wrong check digit", [attr(SERIAL, `IIN${IDS.iin.slice(0, 11)}${(Number(IDS.iin[11]) + 1) % 10}`)], { bin: null, iin: null }],
];

for (const [name, subject, want] of IDENTITY) {
  test(`${name} (identity)`, () => {
    const id = identityOf(subject);
    assert.equal(id.bin, want.bin);
    assert.equal(id.iin, want.iin);
    if (want.problem) assert.match(id.binProblem ?? "", want.problem);
  });
}

test("ok/binCheck: nothing expected, nothing checked; the same BIN passes", () => {
  assert.equal(binCheck({ bin: null, iin: null, binProblem: null }, undefined), null);
  assert.equal(binCheck({ bin: IDS.bin, iin: null, binProblem: null }, ` ${IDS.bin} `), null);
});

test("fail/binCheck: the messages name both BINs, or say why there is none", () => {
  const mismatch = binCheck({ bin: IDS.otherBin, iin: null, binProblem: null }, IDS.bin);
  assert.equal(mismatch?.code, "bin-mismatch");
  assert.match(mismatch!.message, new RegExp(`${IDS.otherBin}.*${IDS.bin}`));
  const none = binCheck({ bin: null, iin: null, binProblem: "OU 123 has an invalid BIN check digit" }, IDS.bin);
  assert.equal(none?.code, "no-bin");
  assert.match(none!.message, /invalid BIN check digit/);
});

// ------------------------------------------------------------------------------------------------- decoding

test("ok/signature PEM labels CMS, PKCS7 and PKCS #7 SIGNED DATA", () => {
  const der = bytes("signer-rsa.p7s");
  const b64 = Buffer.from(der).toString("base64");
  for (const label of ["CMS", "PKCS7", "PKCS #7 SIGNED DATA"]) {
    const d = decodeSignature(`junk before\n-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`);
    assert.ok(d.ok, label);
    if (d.ok) assert.deepEqual(d.der, der);
  }
});

test("ok/base64url and missing padding are accepted", () => {
  const d = decodeBase64(Buffer.from([0xfb, 0xff, 0xfe, 0x01]).toString("base64url"), "x");
  assert.ok(d.ok);
  if (d.ok) assert.deepEqual([...d.der], [0xfb, 0xff, 0xfe, 0x01]);
});

test("fail/decodeSignature refuses what is not a signature", () => {
  for (const s of ["", "====", "abc*def", "-----BEGIN CMS-----\nAAAA", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----", "A"]) {
    assert.equal(decodeSignature(s).ok, false, JSON.stringify(s));
  }
  assert.equal(decodeSignature(new Uint8Array()).ok, false);
  assert.equal(decodeSignature(42 as unknown as string).ok, false);
});

test("ok/decodeCertificates reads a bundle and bare base64; reports what it cannot read", () => {
  assert.equal(decodeCertificates(ROOT + INTERMEDIATE).ders.length, 2);
  assert.equal(decodeCertificates(ROOT.replace(/-----[^-]+-----/g, "")).ders.length, 1);
  assert.deepEqual(decodeCertificates("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----").problems, ["no CERTIFICATE block in the PEM text"]);
  assert.equal(decodeCertificates(1 as unknown as string).problems.length, 1);
});

test("ok/decodeBer: one element, nothing after it, no exceptions", () => {
  assert.ok(decodeBer(new Uint8Array([0x05, 0x00])));
  assert.equal(decodeBer(new Uint8Array([0x05, 0x00, 0x00])), null);
  assert.equal(decodeBer(new Uint8Array([0x30, 0x04, 0x18, 0x02, 0x7a, 0x7a])), null);
  assert.equal(decodeBer(new Uint8Array([0x30, 0x05, 0x01])), null);
});

// ------------------------------------------------------------------------------------------------- names

test("ok/RFC 4514: last RDN first, multi-valued RDNs with +, special characters escaped", () => {
  const name = formatName([
    [attr("2.5.4.6", "KZ")],
    [attr("2.5.4.10", 'Ministry "A", B+C; <D>\\')],
    [attr("2.5.4.3", "#lead"), attr("2.5.4.5", " IIN ")],
    [attr("1.2.3.4", "#0401ff", true)],
  ]);
  assert.equal(name, '1.2.3.4=#0401ff,CN=\\#lead+SERIALNUMBER=\\ IIN\\ ,O=Ministry \\"A\\"\\, B\\+C\\; \\<D\\>\\\\,C=KZ');
});

test("ok/a certificate's parts: names, serial, extensions", () => {
  const der = decodeCertificates(INTERMEDIATE).ders[0]!;
  const c = parseCertificateDer(der);
  assert.ok(c.ok);
  if (!c.ok) return;
  assert.equal(c.cert.subject, "CN=Test Legal Entity CA,O=Test National Certification Authority,C=KZ");
  assert.equal(c.cert.issuer, "CN=Test Root CA,O=Test National Certification Authority,C=KZ");
  assert.deepEqual(c.cert.basicConstraints, { ca: true, pathLen: 0 });
  assert.deepEqual([...c.cert.keyUsage!].sort(), [5, 6]);
  assert.deepEqual(c.cert.unprocessedCritical, []);
  assert.deepEqual(c.cert.problems, []);
  assert.equal(parseCertificateDer(der.subarray(0, der.length - 1)).ok, false);
  assert.equal(parseCertificateDer(new Uint8Array([0x30, 0x00])).ok, false);
});

// ------------------------------------------------------------------------------------------------ algorithms

const alg = (algorithmId: string) => new pkijs.AlgorithmIdentifier({ algorithmId });

test("ok/algorithm policy", () => {
  assert.deepEqual(digestOf("2.16.840.1.101.3.4.2.1"), { ok: true, hash: "sha256" });
  assert.deepEqual(schemeOf(alg("1.2.840.113549.1.1.1"), "sha384"), { ok: true, scheme: { kind: "rsa-pkcs1", hash: "sha384" } });
  assert.deepEqual(schemeOf(alg("1.2.840.10045.4.3.3"), "sha384"), { ok: true, scheme: { kind: "ecdsa", hash: "sha384" } });
  assert.deepEqual(schemeOf(alg("1.2.840.113549.1.1.11")), { ok: true, scheme: { kind: "rsa-pkcs1", hash: "sha256" } });
  for (const oid of ["1.2.398.3.10.1.1.1.2", "1.2.398.3.10.1.3.1", "1.2.398.3.10.1.1.2.3.2", "1.3.6.1.4.1.6801.1.2.2", "1.2.643.7.1.1.3.2"]) {
    assert.equal(isGostOid(oid), true, oid);
  }
  assert.equal(isGostOid("1.2.840.113549.1.1.11"), false);
});

test("fail/algorithm policy refuses weak, mismatched and unknown algorithms", () => {
  assert.equal(digestOf("1.3.14.3.2.26").ok, false);
  assert.equal(digestOf("1.2.840.113549.2.5").ok, false);
  assert.equal(digestOf("1.2.3").ok, false);
  assert.equal(schemeOf(alg("1.2.840.113549.1.1.11"), "sha384").ok, false, "sha256WithRSA with a SHA-384 digest");
  assert.equal(schemeOf(alg("1.2.840.113549.1.1.5"), "sha256").ok, false, "SHA-1 with RSA");
  assert.equal(schemeOf(alg("1.2.840.113549.1.1.1")).ok, false, "rsaEncryption names no hash in a certificate");
  assert.equal(schemeOf(alg("1.2.840.113549.1.1.10"), "sha256").ok, false, "RSASSA-PSS with default (SHA-1) parameters");
  assert.equal(schemeOf(alg("1.3.101.112"), "sha256").ok, false, "Ed25519 is not on the list");
  const gost = schemeOf(alg("1.2.398.3.10.1.1.1.2"), "sha256");
  assert.ok(!gost.ok && /GOST/.test(gost.message));
  assert.equal(publicKeyOf(new Uint8Array([0x30, 0x00])).ok, false);
});

// ---------------------------------------------------------------------------------------- external answers

test("ok/asEdsVerification keeps only the promised fields", () => {
  const fields = { signerBin: null, signerIin: null, subject: "CN=x", issuer: "CN=y", serial: "01", notBefore: "a", notAfter: "b", signingTime: null, algorithm: "GOST", chain: ["CN=x"] };
  assert.deepEqual(asEdsVerification({ ok: true, ...fields, extra: 1 }), { ok: true, ...fields });
  assert.deepEqual(asEdsVerification({ ok: true, ...fields, notes: ["n"] }), { ok: true, ...fields, notes: ["n"] });
  assert.deepEqual(asEdsVerification({ ok: false, code: "expired", message: "m", more: 1 }), { ok: false, code: "expired", message: "m" });
});

test("fail/asEdsVerification refuses other shapes", () => {
  for (const v of [null, 1, "ok", {}, { ok: true }, { ok: false, code: "nope", message: "m" }, { ok: false, code: "expired" }, { ok: true, subject: 1 }]) {
    assert.equal(asEdsVerification(v), null, JSON.stringify(v));
  }
});
