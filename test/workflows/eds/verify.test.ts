/**
 * Rules p.15, p.15-2: an organisation's application carries the EDS of that legal entity. Each case verifies
 * one saved openssl-made signature (fixtures/cms/) over the saved document.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isValidBin } from "../../../src/domain/catalogue/bin-check.js";
import { createEdsVerifier, type EdsErrorCode, type EdsVerificationInput, type EdsVerified } from "../../../src/workflows/eds/index.js";
import { bytes, DOC, flip, IDS, input, INTERMEDIATE, NOW, ROGUE_ROOT, ROOT, text } from "./fixture.js";

const verifier = createEdsVerifier();

const SIGNER_SUBJECT = `CN=Ivanov Ivan,SERIALNUMBER=IIN${IDS.iin},OU=BIN${IDS.bin},O=Test Ministry,C=KZ`;
const INTERMEDIATE_SUBJECT = "CN=Test Legal Entity CA,O=Test National Certification Authority,C=KZ";
const ROOT_SUBJECT = "CN=Test Root CA,O=Test National Certification Authority,C=KZ";

test("ok/the fixture identities have valid check digits", () => {
  assert.equal(isValidBin(IDS.bin), true);
  assert.equal(isValidBin(IDS.otherBin), true);
  assert.equal(isValidBin(IDS.iin), true);
});

interface OkCase {
  name: string;
  input: EdsVerificationInput;
  algorithm: string | RegExp;
  check?: (r: EdsVerified) => void;
}

const hasNote = (r: EdsVerified, fragment: string) =>
  assert.ok((r.notes ?? []).some((n) => n.includes(fragment)), `a note with "${fragment}" in ${JSON.stringify(r.notes)}`);

const base64Lines = (b: Uint8Array) => Buffer.from(b).toString("base64").replace(/(.{64})/g, "$1\n");

const OK: OkCase[] = [
  { name: "ok/RSA PKCS#1 v1.5, detached, the applicant's BIN", input: input("signer-rsa.p7s"), algorithm: "RSASSA-PKCS1-v1_5 SHA-256" },
  { name: "ok/ECDSA P-256", input: input("signer-ecdsa-p256.p7s"), algorithm: "ECDSA P-256 SHA-256" },
  { name: "ok/ECDSA P-384 with SHA-384", input: input("signer-ecdsa-p384.p7s"), algorithm: "ECDSA P-384 SHA-384" },
  { name: "ok/signer named by subjectKeyIdentifier (RFC 5652 §5.3)", input: input("signer-ecdsa-p256-keyid.p7s"), algorithm: "ECDSA P-256 SHA-256" },
  { name: "ok/RSA-PSS with the parameters of the AlgorithmIdentifier", input: input("signer-rsa-pss.p7s"), algorithm: "RSASSA-PSS SHA-256" },
  { name: "ok/PEM text as a string", input: input("signer-rsa.p7s", { signature: text("signer-rsa.cms.pem") }), algorithm: "RSASSA-PKCS1-v1_5 SHA-256" },
  {
    name: "ok/PEM text as bytes",
    input: input("signer-rsa.p7s", { signature: new TextEncoder().encode(text("signer-rsa.cms.pem")) }),
    algorithm: "RSASSA-PKCS1-v1_5 SHA-256",
  },
  {
    name: "ok/bare base64 with line breaks, as signing tools hand it over",
    input: input("signer-rsa.p7s", { signature: base64Lines(bytes("signer-ecdsa-p256.p7s")) }),
    algorithm: "ECDSA P-256 SHA-256",
  },
  {
    name: "ok/no signed attributes: the signature is over the document itself (RFC 5652 §5.4)",
    input: input("signer-rsa-no-attributes.p7s"),
    algorithm: "RSASSA-PKCS1-v1_5 SHA-256",
    check: (r) => assert.equal(r.signingTime, null),
  },
  {
    name: "ok/the intermediate comes from STS when the signature carries only the signer",
    input: input("signer-rsa-no-chain.p7s", { intermediates: [INTERMEDIATE] }),
    algorithm: "RSASSA-PKCS1-v1_5 SHA-256",
  },
  {
    name: "ok/an attached copy identical to the submitted document is accepted, with a note",
    input: input("signer-rsa-attached.p7s"),
    algorithm: "RSASSA-PKCS1-v1_5 SHA-256",
    check: (r) => hasNote(r, "not detached"),
  },
  {
    name: "ok/two signers, each verified",
    input: input("two-signers.p7s"),
    // The SET OF SignerInfo is DER-sorted, so which one comes first depends on the bytes.
    algorithm: /^(RSASSA-PKCS1-v1_5|ECDSA P-256) SHA-256$/,
    check: (r) => hasNote(r, "2 signers"),
  },
  {
    name: "ok/without an expected BIN an individual's certificate verifies, with no BIN",
    input: input("signer-individual.p7s", { expectedBin: undefined }),
    algorithm: "RSASSA-PKCS1-v1_5 SHA-256",
    check: (r) => {
      assert.equal(r.signerBin, null);
      assert.equal(r.signerIin, IDS.iin);
    },
  },
  {
    name: "ok/signed while valid: the signingTime inside the validity decides after the certificate expired",
    input: input("signer-rsa.p7s", { now: new Date("2046-06-01T00:00:00Z") }),
    algorithm: "RSASSA-PKCS1-v1_5 SHA-256",
    check: (r) => hasNote(r, "checked at the signing time"),
  },
  {
    name: "ok/trust anchors given as one PEM bundle with other roots",
    input: input("signer-rsa.p7s", { trustAnchors: [ROGUE_ROOT + ROOT] }),
    algorithm: "RSASSA-PKCS1-v1_5 SHA-256",
  },
];

for (const c of OK) {
  test(c.name, async () => {
    const r = await verifier.verify(c.input);
    assert.equal(r.ok, true, JSON.stringify(r));
    if (!r.ok) return;
    if (typeof c.algorithm === "string") assert.equal(r.algorithm, c.algorithm);
    else assert.match(r.algorithm, c.algorithm);
    assert.equal(r.issuer, INTERMEDIATE_SUBJECT);
    assert.deepEqual(r.chain.slice(1), [INTERMEDIATE_SUBJECT, ROOT_SUBJECT]);
    assert.match(r.serial, /^[0-9A-F]+$/);
    assert.equal(r.notBefore, "2025-01-01T00:00:00.000Z");
    assert.equal(r.notAfter, "2045-01-01T00:00:00.000Z");
    if (c.input.expectedBin !== undefined) {
      assert.equal(r.signerBin, IDS.bin);
      assert.equal(r.signerIin, IDS.iin);
      assert.equal(r.subject, SIGNER_SUBJECT);
      assert.equal(r.chain[0], SIGNER_SUBJECT);
    }
    c.check?.(r);
  });
}

test("ok/the signingTime attribute is reported", async () => {
  const r = await verifier.verify(input("signer-rsa.p7s"));
  assert.equal(r.ok, true);
  if (r.ok) assert.ok(r.signingTime && !Number.isNaN(Date.parse(r.signingTime)) && Date.parse(r.signingTime) >= Date.parse("2026-01-01"));
});

interface FailCase {
  name: string;
  input: EdsVerificationInput;
  code: EdsErrorCode;
  message?: RegExp;
}

const RSA = bytes("signer-rsa.p7s");
const tampered = flip(DOC, 10);

const FAIL: FailCase[] = [
  {
    name: "fail/the signer's BIN is another organisation's",
    input: input("signer-other-bin.p7s"),
    code: "bin-mismatch",
    message: new RegExp(`${IDS.otherBin}.*${IDS.bin}`),
  },
  {
    name: "fail/the applicant is another organisation than the signer's",
    input: input("signer-rsa.p7s", { expectedBin: IDS.otherBin }),
    code: "bin-mismatch",
    message: new RegExp(`${IDS.bin}.*${IDS.otherBin}`),
  },
  { name: "fail/an individual's certificate has no BIN", input: input("signer-individual.p7s"), code: "no-bin", message: new RegExp(IDS.bin) },
  { name: "fail/expired signer certificate", input: input("signer-expired.p7s"), code: "expired", message: /expired on 2021-01-01/ },
  {
    name: "fail/expired, one of two signers",
    input: input("two-signers-one-expired.p7s"),
    code: "expired",
    // The SET OF SignerInfo is DER-sorted: which one is first depends on the bytes.
    message: /^signer [12] of 2: /,
  },
  {
    name: "fail/no signingTime and the signer certificate expired by now",
    input: input("signer-rsa-no-attributes.p7s", { now: new Date("2045-06-01T00:00:00Z") }),
    code: "expired",
    message: /the signer's certificate/,
  },
  {
    name: "fail/the intermediate CA expired (no signingTime)",
    input: input("signer-rsa-no-attributes.p7s", { now: new Date("2044-12-31T23:59:59.500Z"), expectedBin: undefined }),
    code: "expired",
    message: /intermediate CA certificate/,
  },
  {
    name: "fail/not yet valid: a signingTime after the clock is not used",
    input: input("signer-rsa.p7s", { now: new Date("2024-06-01T00:00:00Z") }),
    code: "not-yet-valid",
    message: /valid only from 2025-01-01/,
  },
  {
    name: "fail/untrusted chain: a self-signed root with the trusted root's name, carried in the CMS",
    input: input("signer-untrusted.p7s"),
    code: "untrusted-chain",
    message: /self-signed root that is not a configured trust anchor/,
  },
  {
    name: "fail/untrusted chain: STS configured another root",
    input: input("signer-rsa.p7s", { trustAnchors: [ROGUE_ROOT] }),
    code: "untrusted-chain",
  },
  {
    name: "fail/untrusted chain: no trust anchors configured",
    input: input("signer-rsa.p7s", { trustAnchors: [] }),
    code: "untrusted-chain",
    message: /no trust anchors are configured/,
  },
  {
    name: "fail/untrusted chain: unreadable trust anchors are counted in the message",
    input: input("signer-rsa.p7s", { trustAnchors: ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a certificate"] }),
    code: "untrusted-chain",
    message: /2 configured entries could not be read/,
  },
  {
    name: "fail/untrusted chain: the intermediate is neither carried nor supplied",
    input: input("signer-rsa-no-chain.p7s"),
    code: "untrusted-chain",
    message: /neither carried in the signature, nor a supplied intermediate/,
  },
  {
    name: "fail/untrusted chain: issued by a certificate that is not a CA (RFC 5280 §4.2.1.9)",
    input: input("signer-under-leaf.p7s"),
    code: "untrusted-chain",
    message: /not a CA certificate/,
  },
  { name: "fail/keyUsage without digitalSignature or nonRepudiation", input: input("signer-no-digital-signature.p7s"), code: "key-usage" },
  { name: "fail/tampered document, RSA: one byte changed", input: input("signer-rsa.p7s", { content: tampered }), code: "digest-mismatch" },
  { name: "fail/tampered document, ECDSA: one byte changed", input: input("signer-ecdsa-p256.p7s", { content: tampered }), code: "digest-mismatch" },
  { name: "fail/tampered document: one byte appended", input: input("signer-rsa-pss.p7s", { content: new Uint8Array([...DOC, 0x20]) }), code: "digest-mismatch" },
  {
    name: "fail/tampered document without signed attributes shows as a bad signature",
    input: input("signer-rsa-no-attributes.p7s", { content: tampered }),
    code: "bad-signature",
  },
  {
    name: "fail/an attached copy that differs from the submitted document",
    input: input("signer-rsa-attached.p7s", { content: tampered }),
    code: "digest-mismatch",
    message: /copy of a document/,
  },
  { name: "fail/an attached signature without submitted content", input: input("signer-rsa-attached.p7s", { content: new Uint8Array() }), code: "not-detached" },
  { name: "fail/a detached signature over an empty submission", input: input("signer-rsa.p7s", { content: new Uint8Array() }), code: "digest-mismatch" },
  { name: "fail/corrupted signature value (last byte of the RSA signature)", input: input("signer-rsa.p7s", { signature: flip(RSA, -1) }), code: "bad-signature" },
  { name: "fail/corrupted signature value (inside the RSA signature)", input: input("signer-rsa.p7s", { signature: flip(RSA, -100, 0x80) }), code: "bad-signature" },
  {
    name: "fail/corrupted ECDSA signature",
    input: input("signer-ecdsa-p256.p7s", { signature: flip(bytes("signer-ecdsa-p256.p7s"), -2) }),
    code: "bad-signature",
  },
  { name: "fail/SHA-1 digest refused", input: input("signer-rsa-sha1.p7s"), code: "unsupported-algorithm", message: /SHA-1/ },
  { name: "fail/the signer's certificate is not carried (-nocerts)", input: input("signer-rsa-nocerts.p7s"), code: "no-signer" },
  { name: "fail/a certs-only SignedData has no signer", input: input("certs-only.p7s"), code: "no-signer" },
  { name: "fail/garbage bytes", input: input("signer-rsa.p7s", { signature: new Uint8Array([0x30, 0x03, 0x02, 0x01]) }), code: "malformed" },
  { name: "fail/empty signature", input: input("signer-rsa.p7s", { signature: new Uint8Array() }), code: "malformed" },
  { name: "fail/empty text", input: input("signer-rsa.p7s", { signature: "  \n" }), code: "malformed" },
  { name: "fail/text that is not base64", input: input("signer-rsa.p7s", { signature: "this is not a signature!" }), code: "malformed" },
  { name: "fail/a PEM certificate instead of a signature", input: input("signer-rsa.p7s", { signature: ROOT }), code: "malformed", message: /CERTIFICATE/ },
  { name: "fail/an unterminated PEM block", input: input("signer-rsa.p7s", { signature: "-----BEGIN CMS-----\nMIIB\n" }), code: "malformed" },
  { name: "fail/truncated DER", input: input("signer-rsa.p7s", { signature: RSA.subarray(0, RSA.length - 1) }), code: "malformed" },
  { name: "fail/bytes after the ContentInfo", input: input("signer-rsa.p7s", { signature: new Uint8Array([...RSA, 0]) }), code: "malformed", message: /follow/ },
  {
    name: "fail/a certificate in DER is not a CMS",
    input: input("signer-rsa.p7s", { signature: new Uint8Array(Buffer.from(ROOT.replace(/-----[^-]+-----|\s/g, ""), "base64")) }),
    code: "malformed",
  },
  {
    // Found by fuzz/mutated real signatures: asn1js throws on a GeneralizedTime it cannot read.
    name: "fail/an unreadable GeneralizedTime is malformed input, not an exception",
    input: input("signer-rsa.p7s", { signature: new Uint8Array([0x30, 0x04, 0x18, 0x02, 0x7a, 0x7a]) }),
    code: "malformed",
    message: /^not a single well-formed/,
  },
  { name: "fail/an invalid clock", input: input("signer-rsa.p7s", { now: new Date(Number.NaN) }), code: "malformed" },
  { name: "fail/content that is not bytes", input: input("signer-rsa.p7s", { content: "text" as unknown as Uint8Array }), code: "malformed" },
];

for (const c of FAIL) {
  test(c.name, async () => {
    const r = await verifier.verify(c.input);
    assert.equal(r.ok, false, JSON.stringify(r));
    if (r.ok) return;
    assert.equal(r.code, c.code, r.message);
    if (c.message) assert.match(r.message, c.message);
  });
}

test("fail/no input at all is a result, not an exception", async () => {
  const r = await verifier.verify(undefined as unknown as EdsVerificationInput);
  assert.deepEqual({ ok: r.ok, code: !r.ok && r.code }, { ok: false, code: "malformed" });
});

test("ok/the same verifier gives the same answer twice (cached anchors and keys change nothing)", async () => {
  const a = await verifier.verify(input("signer-rsa.p7s"));
  const b = await verifier.verify(input("signer-rsa.p7s"));
  assert.deepEqual(a, b);
  assert.equal(NOW.toISOString(), "2030-06-01T00:00:00.000Z");
});
