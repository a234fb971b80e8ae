/**
 * Verification of a detached CMS SignedData (RFC 5652) over a submitted document — the EDS of a legal entity
 * that Rules p.15 and p.15-2 require on an organisation's application.
 *
 *   bytes/PEM/base64 ─▶ ContentInfo ─▶ SignedData ─▶ for each SignerInfo:
 *        signer certificate (sid, §5.3) ─▶ algorithms ─▶ signed attributes: content-type, message-digest
 *        (§11.1, §11.2) against the digest of the document ─▶ signature over DER(signedAttrs) (§5.4)
 *        ─▶ path to an STS-configured trust anchor at the validation time (chain.ts, RFC 5280 §6.1)
 *        ─▶ keyUsage ─▶ BIN/IIN from the subject (identity.ts) ─▶ expected BIN
 *
 * The validation time is the signingTime attribute (§11.3) when it lies within the signer certificate's
 * validity and not after `now`, otherwise `now`: a signature made while the certificate was valid stays
 * verifiable after it expires. signingTime is the signer's own claim — see docs/eds.md for what that implies.
 *
 * Signatures in the Kazakh GOST algorithms go to the ExternalGostVerifier, when one is configured; the BIN is
 * still read and compared here, from the certificate in the CMS.
 *
 * Every outcome is an EdsVerification value; a final catch turns anything unforeseen into `malformed`.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { createHash } from "node:crypto";
import { digest, digestOf, isGostOid, publicKeyOf, schemeLabel, schemeOf, verifySignature } from "./algorithms.js";
import { fromPkijs, KEY_USAGE, parseCertificateDer, sameBytes, type Cert } from "./certificate.js";
import { decodeBer } from "./ber.js";
import { validatePath } from "./chain.js";
import { decodeCertificates, decodeSignature } from "./decode.js";
import { binCheck, identityOf } from "./identity.js";
import {
  asEdsVerification,
  fail,
  type EdsFailure,
  type EdsVerification,
  type EdsVerificationInput,
  type EdsVerified,
  type EdsVerifier,
  type ExternalGostVerifier,
} from "./types.js";

const ID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5";
const ATTR_TIMESTAMP_TOKEN = "1.2.840.113549.1.9.16.2.14";

/** Bounds on what one signature may carry; real ones have one signer and two or three certificates. */
const MAX_SIGNERS = 8;
const MAX_CERTIFICATES = 32;
const CERTIFICATE_CACHE_SIZE = 128;

export function createEdsVerifier(opts: { gost?: ExternalGostVerifier } = {}): EdsVerifier {
  const gost = opts?.gost;
  const readCertificates = certificateReader();
  return {
    async verify(input: EdsVerificationInput): Promise<EdsVerification> {
      try {
        return await verifyEds(input, gost, readCertificates);
      } catch (e) {
        return fail("malformed", `the signature could not be processed: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

interface SignerCert {
  pk: pkijs.Certificate;
  cert: Cert;
}

type CertificateReader = (pems: unknown) => ParsedCertificates;

async function verifyEds(
  input: EdsVerificationInput,
  gost: ExternalGostVerifier | undefined,
  readCertificates: CertificateReader,
): Promise<EdsVerification> {
  if (input === null || typeof input !== "object") return fail("malformed", "no verification input");
  if (!(input.content instanceof Uint8Array)) return fail("malformed", "the content is not bytes");
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) return fail("malformed", "the clock value is not a valid date");
  if (input.expectedBin !== undefined && typeof input.expectedBin !== "string") return fail("malformed", "expectedBin is not text");

  const decoded = decodeSignature(input.signature);
  if (!decoded.ok) return fail("malformed", decoded.message);
  const cms = parseSignedData(decoded.der);
  if (!cms.ok) return cms;
  const sd = cms.signedData;
  const notes: string[] = [];

  const signerInfos = sd.signerInfos ?? [];
  if (signerInfos.length === 0) return fail("no-signer", "the signature has no SignerInfo");
  if (signerInfos.length > MAX_SIGNERS) return fail("malformed", `the signature has ${signerInfos.length} signers; at most ${MAX_SIGNERS} are read`);

  const carried: SignerCert[] = [];
  for (const c of sd.certificates ?? []) {
    if (!(c instanceof pkijs.Certificate)) continue; // attribute and other certificate formats play no part here
    if (carried.length >= MAX_CERTIFICATES) return fail("malformed", `the signature carries more than ${MAX_CERTIFICATES} certificates`);
    const parsed = fromPkijs(c);
    if (!parsed.ok) return fail("malformed", `a certificate in the signature is malformed: ${parsed.message}`);
    carried.push({ pk: c, cert: parsed.cert });
  }

  // Detached (RFC 5652 §5.2: eContent absent) is what an application carries; an attached copy is accepted only
  // when it is the very document submitted.
  const eContent = encapsulatedContent(sd);
  if (!eContent.ok) return eContent;
  let signedBytes = input.content;
  if (eContent.bytes) {
    if (input.content.length === 0) {
      return fail(
        "not-detached",
        "the signature carries its own document and no content was submitted; submit the document with a detached signature",
      );
    }
    if (!sameBytes(eContent.bytes, input.content)) {
      return fail("digest-mismatch", "the signature carries a copy of a document that differs from the submitted one");
    }
    signedBytes = eContent.bytes;
    notes.push("the signature is not detached: it also carries the document, identical to the submitted content");
  }

  const signerCerts = signerInfos.map((si) => findSignerCertificate(si, carried));
  if (usesGost(sd, signerCerts)) return viaGost(input, decoded.der, gost, signerCerts, notes);

  const anchors = readCertificates(input.trustAnchors);
  const intermediates = readCertificates(input.intermediates ?? []);
  const pool = [...carried.map((c) => c.cert), ...intermediates.certs];

  let first: EdsVerified | null = null;
  for (const [i, si] of signerInfos.entries()) {
    const who = signerInfos.length > 1 ? `signer ${i + 1} of ${signerInfos.length}: ` : "";
    const outcome = verifySigner(si, signerCerts[i] ?? null, sd, signedBytes, { input, anchors, intermediates, pool });
    if (!outcome.ok) return fail(outcome.code, who + outcome.message);
    first ??= outcome;
    for (const n of outcome.notes ?? []) notes.push(who + n);
  }
  if (signerInfos.length > 1) notes.push(`${signerInfos.length} signers, each verified; the details are the first signer's`);
  return notes.length > 0 ? { ...first!, notes } : first!;
}

// ------------------------------------------------------------------------------------------------ parsing

function parseSignedData(der: Uint8Array): { ok: true; signedData: pkijs.SignedData } | EdsFailure {
  // A first pass with the bounded decoder (depth, node count and length limits) so that hostile nesting is
  // refused before pkijs walks it.
  if (!decodeBer(der)) return fail("malformed", "not a single well-formed BER/DER element (or bytes follow it)");
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = pkijs.ContentInfo.fromBER(der);
  } catch {
    return fail("malformed", "not a CMS ContentInfo (RFC 5652 §3)");
  }
  if (contentInfo.contentType !== ID_SIGNED_DATA) return fail("malformed", `the CMS content type is ${contentInfo.contentType}, not SignedData`);
  try {
    return { ok: true, signedData: new pkijs.SignedData({ schema: contentInfo.content }) };
  } catch {
    return fail("malformed", "the SignedData structure is malformed (RFC 5652 §5.1)");
  }
}

function encapsulatedContent(sd: pkijs.SignedData): { ok: true; bytes: Uint8Array | null } | EdsFailure {
  const e = sd.encapContentInfo?.eContent;
  if (!e) return { ok: true, bytes: null };
  // eContent is an OCTET STRING (§5.2); pkijs has already joined a constructed one into a primitive.
  if (e.idBlock.tagClass !== 1 || e.idBlock.tagNumber !== 4) return fail("malformed", "eContent is not an OCTET STRING");
  return { ok: true, bytes: new Uint8Array(e.valueBlock.valueHexView) };
}

interface ParsedCertificates {
  certs: Cert[];
  unreadable: number;
}

/**
 * Reads configured PEM certificates (trust anchors, intermediates). The same few NCA roots arrive with every
 * verification, so each PEM text is parsed once per verifier (bounded, oldest entry dropped first).
 */
function certificateReader(): CertificateReader {
  const cache = new Map<string, ParsedCertificates>();
  const parseOne = (pem: string): ParsedCertificates => {
    const { ders, problems } = decodeCertificates(pem);
    const out: ParsedCertificates = { certs: [], unreadable: problems.length };
    for (const der of ders) {
      const parsed = parseCertificateDer(der);
      if (parsed.ok) out.certs.push(parsed.cert);
      else out.unreadable++;
    }
    return out;
  };
  return (pems) => {
    const all: ParsedCertificates = { certs: [], unreadable: 0 };
    for (const pem of Array.isArray(pems) ? pems : []) {
      if (typeof pem !== "string") {
        all.unreadable++;
        continue;
      }
      let one = cache.get(pem);
      if (!one) {
        one = parseOne(pem);
        if (cache.size >= CERTIFICATE_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(pem, one);
      }
      all.certs.push(...one.certs);
      all.unreadable += one.unreadable;
    }
    return all;
  };
}

/** The certificate a SignerInfo's sid names (RFC 5652 §5.3): issuer and serial, or subject key identifier. */
function findSignerCertificate(si: pkijs.SignerInfo, carried: readonly SignerCert[]): Cert | null {
  const sid = si.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const issuer = new Uint8Array(sid.issuer.valueBeforeDecode);
    const serial = new Uint8Array(sid.serialNumber.valueBlock.valueHexView);
    return carried.find((c) => sameBytes(c.cert.issuerDer, issuer) && sameBytes(c.cert.serialDer, serial))?.cert ?? null;
  }
  const keyId = subjectKeyIdentifierOf(sid);
  if (!keyId) return null;
  for (const c of carried) {
    if (c.cert.subjectKeyId && sameBytes(c.cert.subjectKeyId, keyId)) return c.cert;
    // RFC 5280 §4.2.1.2 method (1), for a certificate without the extension.
    const bits = c.pk.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
    if (!c.cert.subjectKeyId && sameBytes(new Uint8Array(createHash("sha1").update(bits).digest()), keyId)) return c.cert;
  }
  return null;
}

function subjectKeyIdentifierOf(sid: unknown): Uint8Array | null {
  type Hex = { valueBlock?: { valueHexView?: Uint8Array } };
  const node = sid as Hex & { idBlock?: { isConstructed?: boolean }; valueBlock?: { value?: Hex[] } };
  const view = node?.idBlock?.isConstructed ? node.valueBlock?.value?.[0]?.valueBlock?.valueHexView : node?.valueBlock?.valueHexView;
  return view instanceof Uint8Array && view.length > 0 ? new Uint8Array(view) : null;
}

// ---------------------------------------------------------------------------------------------------- GOST

function usesGost(sd: pkijs.SignedData, signerCerts: ReadonlyArray<Cert | null>): boolean {
  if ((sd.digestAlgorithms ?? []).some((a) => isGostOid(a.algorithmId))) return true;
  if (sd.signerInfos.some((si) => isGostOid(si.digestAlgorithm.algorithmId) || isGostOid(si.signatureAlgorithm.algorithmId))) return true;
  return signerCerts.some((c) => c !== null && (isGostOid(c.spkiAlgorithm) || isGostOid(c.signatureAlgorithm.algorithmId)));
}

async function viaGost(
  input: EdsVerificationInput,
  der: Uint8Array,
  gost: ExternalGostVerifier | undefined,
  signerCerts: ReadonlyArray<Cert | null>,
  notes: string[],
): Promise<EdsVerification> {
  if (!gost) {
    return fail(
      "unsupported-algorithm",
      "the signature uses the GOST algorithms (GOST 34.310-2004 / 34.311-95 or GOST R 34.10-2015), which cannot be " +
        "verified locally; GOST verification needs the external verifier to be configured",
    );
  }
  let answer: unknown;
  try {
    answer = await gost.verify({ ...input, signature: der });
  } catch (e) {
    return fail("external-verifier-unavailable", `the external GOST verifier failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const result = asEdsVerification(answer);
  if (!result) return fail("external-verifier-unavailable", "the external GOST verifier answered something that is not a verification result");
  if (!result.ok) return result;
  // The BIN is read from the certificate we hold, not taken from the service's answer.
  const signer = signerCerts.find((c) => c !== null) ?? null;
  const identity = signer ? identityOf(signer.subjectAttributes) : { bin: result.signerBin, iin: result.signerIin, binProblem: null };
  const bad = binCheck(identity, input.expectedBin);
  if (bad) return fail(bad.code, bad.message);
  return {
    ...result,
    signerBin: identity.bin,
    signerIin: identity.iin,
    notes: [...notes, ...(result.notes ?? []), "signature and path verified by the external GOST verifier"],
  };
}

// ------------------------------------------------------------------------------------------------ one signer

interface Context {
  input: EdsVerificationInput;
  anchors: ParsedCertificates;
  intermediates: ParsedCertificates;
  pool: Cert[];
}

function verifySigner(si: pkijs.SignerInfo, signer: Cert | null, sd: pkijs.SignedData, content: Uint8Array, ctx: Context): EdsVerified | EdsFailure {
  if (!signer) return fail("no-signer", "the signer's certificate is not carried in the signature (RFC 5652 §5.3 sid)");

  const digestAlg = digestOf(si.digestAlgorithm.algorithmId);
  if (!digestAlg.ok) return fail("unsupported-algorithm", digestAlg.message);
  const scheme = schemeOf(si.signatureAlgorithm, digestAlg.hash);
  if (!scheme.ok) return fail("unsupported-algorithm", scheme.message);
  const key = publicKeyOf(signer.spki);
  if (!key.ok) return fail("unsupported-algorithm", `the signer's key: ${key.message}`);

  const notes: string[] = [];
  let signedData: Uint8Array;
  let signingTime: Date | null = null;
  if (si.signedAttrs) {
    const attrs = readSignedAttributes(new Uint8Array(si.signedAttrs.encodedValue), sd.encapContentInfo.eContentType);
    if (!attrs.ok) return attrs;
    if (!sameBytes(attrs.messageDigest, digest(digestAlg.hash, content))) {
      return fail("digest-mismatch", "the document's digest differs from the signed message-digest: the document is not the one that was signed");
    }
    signingTime = attrs.signingTime;
    signedData = attrs.encoded;
  } else {
    // §5.4: without signed attributes the signature is over the content itself, so a changed document shows as a
    // signature that does not verify.
    signedData = content;
  }
  const signature = new Uint8Array(si.signature.valueBlock.valueHexView);
  if (!verifySignature(scheme.scheme, key.key, signedData, signature)) {
    return fail(
      "bad-signature",
      si.signedAttrs
        ? "the signature over the signed attributes does not verify under the signer's public key"
        : "the signature does not verify over the document (no signed attributes: the document or the signature changed)",
    );
  }
  if ((si.unsignedAttrs?.attributes ?? []).some((a) => a.type === ATTR_TIMESTAMP_TOKEN)) {
    notes.push("an RFC 3161 time-stamp token is attached; it is not verified");
  }

  const now = ctx.input.now;
  let at = now;
  if (signingTime) {
    if (signingTime.getTime() > now.getTime()) notes.push(`signingTime ${signingTime.toISOString()} is after the verification time; the certificates were checked at ${now.toISOString()}`);
    else if (signingTime < signer.notBefore || signingTime > signer.notAfter) notes.push(`signingTime ${signingTime.toISOString()} lies outside the signer certificate's validity; the certificates were checked at ${now.toISOString()}`);
    else at = signingTime;
  }

  if (ctx.anchors.certs.length === 0) {
    const unreadable = ctx.anchors.unreadable > 0 ? ` (${ctx.anchors.unreadable} configured entries could not be read)` : "";
    return fail("untrusted-chain", `no trust anchors are configured${unreadable}; STS uploads the NCA root certificates`);
  }
  const path = validatePath(signer, ctx.pool, ctx.anchors.certs, at);
  if (!path.ok) {
    const unreadable = ctx.anchors.unreadable + ctx.intermediates.unreadable;
    return fail(path.code, unreadable > 0 ? `${path.message} (${unreadable} configured certificates could not be read)` : path.message);
  }

  // RFC 5280 §4.2.1.3: an EDS on a document is digitalSignature or nonRepudiation (contentCommitment). A
  // certificate without keyUsage is refused: every NCA signing certificate states it.
  if (!signer.keyUsage) return fail("key-usage", "the signer's certificate has no keyUsage extension");
  if (!signer.keyUsage.has(KEY_USAGE.digitalSignature) && !signer.keyUsage.has(KEY_USAGE.nonRepudiation)) {
    return fail("key-usage", "the signer's certificate allows neither digitalSignature nor nonRepudiation");
  }

  const identity = identityOf(signer.subjectAttributes);
  const bad = binCheck(identity, ctx.input.expectedBin);
  if (bad) return fail(bad.code, bad.message);

  const verified: EdsVerified = {
    ok: true,
    signerBin: identity.bin,
    signerIin: identity.iin,
    subject: signer.subject,
    issuer: signer.issuer,
    serial: signer.serial,
    notBefore: signer.notBefore.toISOString(),
    notAfter: signer.notAfter.toISOString(),
    signingTime: signingTime ? signingTime.toISOString() : null,
    algorithm: schemeLabel(scheme.scheme, key.label),
    chain: path.path.map((c) => c.subject),
  };
  if (at !== now) notes.push(`the certificates were checked at the signing time ${at.toISOString()}`);
  return notes.length > 0 ? { ...verified, notes } : verified;
}

interface SignedAttributes {
  ok: true;
  encoded: Uint8Array;
  messageDigest: Uint8Array;
  signingTime: Date | null;
}

/**
 * SignedAttributes (RFC 5652 §5.3): content-type and message-digest present exactly once with one value each,
 * content-type equal to eContentType (§11.1), signing-time at most once (§11.3). Read from the DER the
 * signature covers — pkijs keeps those bytes, with the [0] tag already replaced by SET OF as §5.4 requires.
 */
function readSignedAttributes(encoded: Uint8Array, eContentType: string): SignedAttributes | EdsFailure {
  const parsed = decodeBer(encoded);
  if (!(parsed instanceof asn1js.Set)) return fail("malformed", "the signed attributes are malformed");
  const values = new Map<string, asn1js.AsnType[]>();
  for (const attr of parsed.valueBlock.value) {
    const [type, set] = attr instanceof asn1js.Sequence ? attr.valueBlock.value : [];
    if (!(type instanceof asn1js.ObjectIdentifier) || !(set instanceof asn1js.Set)) return fail("malformed", "a signed attribute is malformed");
    const oid = type.valueBlock.toString();
    if (values.has(oid)) return fail("malformed", `signed attribute ${oid} appears twice (RFC 5652 §5.3)`);
    values.set(oid, set.valueBlock.value);
  }
  /** The one value of an attribute: absent → undefined, several values → a failure. */
  const single = (oid: string, name: string): { value: asn1js.AsnType } | EdsFailure | undefined => {
    const v = values.get(oid);
    if (v === undefined) return undefined;
    return v.length === 1 ? { value: v[0]! } : fail("malformed", `the ${name} attribute must have exactly one value`);
  };

  const contentType = single(ATTR_CONTENT_TYPE, "content-type");
  if (contentType === undefined) return fail("malformed", "the content-type signed attribute is missing (RFC 5652 §5.3)");
  if (!("value" in contentType)) return contentType;
  if (!(contentType.value instanceof asn1js.ObjectIdentifier) || contentType.value.valueBlock.toString() !== eContentType) {
    return fail("malformed", "the content-type signed attribute differs from eContentType (RFC 5652 §11.1)");
  }
  const messageDigest = single(ATTR_MESSAGE_DIGEST, "message-digest");
  if (messageDigest === undefined) return fail("malformed", "the message-digest signed attribute is missing (RFC 5652 §5.3)");
  if (!("value" in messageDigest)) return messageDigest;
  const md = messageDigest.value;
  if (!(md instanceof asn1js.OctetString) || md.idBlock.isConstructed) return fail("malformed", "the message-digest attribute is not an OCTET STRING");

  let signingTime: Date | null = null;
  const st = single(ATTR_SIGNING_TIME, "signing-time");
  if (st !== undefined) {
    if (!("value" in st)) return st;
    // GeneralizedTime extends UTCTime in asn1js; both decode to a Date.
    const date = st.value instanceof asn1js.UTCTime ? st.value.toDate() : null;
    if (!date || Number.isNaN(date.getTime())) return fail("malformed", "the signing-time attribute is not a valid time (RFC 5652 §11.3)");
    signingTime = date;
  }
  return { ok: true, encoded, messageDigest: new Uint8Array(md.valueBlock.valueHexView), signingTime };
}
