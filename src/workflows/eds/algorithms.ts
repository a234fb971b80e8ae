/**
 * Algorithm identifiers and signature checks with node:crypto.
 *
 * Accepted: digests SHA-224/256/384/512 (RFC 5754 §2); signatures RSASSA-PKCS1-v1_5 (rsaEncryption or
 * sha*WithRSAEncryption, RFC 3370 §3.2, RFC 5754 §3.2), RSASSA-PSS with MGF1 over the same hash (RFC 4056,
 * RFC 4055 §3.1) and ECDSA over P-256, P-384 and P-521 (RFC 5753 §2.1.1, RFC 5758 §3.2). Refused as
 * unsupported: MD5 and SHA-1 (collision attacks make a signature over them worthless as evidence), RSA keys
 * under 2048 bits, other curves. The Kazakh GOST family is recognised only to be routed elsewhere: no local
 * engine implements it.
 */
import { createHash, createPublicKey, verify, constants, type KeyObject } from "node:crypto";
import * as pkijs from "pkijs";

export type Hash = "sha224" | "sha256" | "sha384" | "sha512";

const DIGESTS: Record<string, Hash> = {
  "2.16.840.1.101.3.4.2.4": "sha224",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

const WEAK_DIGESTS: Record<string, string> = {
  "1.2.840.113549.2.5": "MD5",
  "1.3.14.3.2.26": "SHA-1",
  "1.2.840.113549.1.1.4": "MD5 with RSA",
  "1.2.840.113549.1.1.5": "SHA-1 with RSA",
  "1.2.840.10045.4.1": "ECDSA with SHA-1",
};

const RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
const RSASSA_PSS = "1.2.840.113549.1.1.10";
const MGF1 = "1.2.840.113549.1.1.8";
const EC_PUBLIC_KEY = "1.2.840.10045.2.1";

const RSA_WITH: Record<string, Hash> = {
  "1.2.840.113549.1.1.14": "sha224",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
};

const ECDSA_WITH: Record<string, Hash> = {
  "1.2.840.10045.4.3.1": "sha224",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
};

/** node:crypto's curve names → the names people know them by. */
const CURVES: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

const HASH_LABEL: Record<Hash, string> = { sha224: "SHA-224", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

export const MIN_RSA_BITS = 2048;

/**
 * Kazakh GOST algorithms: the national arc 1.2.398.3.10 (GOST 34.310-2004 keys 1.2.398.3.10.1.1.1.1 and
 * signatures …1.1.1.2, GOST R 34.10-2015 keys/signatures under …1.1.2, GOST 34.311-95 digest 1.2.398.3.10.1.3.1
 * and GOST R 34.11-2015 digests …1.3.2/…1.3.3), the older Tumar CSP arc 1.3.6.1.4.1.6801 still found in NCA
 * signatures, and the Russian GOST R arc 1.2.643 the 2015 standards share.
 */
const GOST_ARCS = ["1.2.398.3.10.", "1.3.6.1.4.1.6801.", "1.2.643."];

export function isGostOid(oid: string): boolean {
  return GOST_ARCS.some((arc) => oid.startsWith(arc));
}

export function digestOf(oid: string): { ok: true; hash: Hash } | { ok: false; message: string } {
  const hash = DIGESTS[oid];
  if (hash) return { ok: true, hash };
  const weak = WEAK_DIGESTS[oid];
  if (weak) return { ok: false, message: `digest ${weak} is refused: it is no longer collision resistant` };
  return { ok: false, message: `digest algorithm ${oid} is not supported` };
}

export function digest(hash: Hash, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest());
}

export type Scheme =
  | { kind: "rsa-pkcs1"; hash: Hash }
  | { kind: "rsa-pss"; hash: Hash; saltLength: number }
  | { kind: "ecdsa"; hash: Hash };

export type SchemeResult = { ok: true; scheme: Scheme } | { ok: false; message: string };

/**
 * The scheme named by a signature AlgorithmIdentifier. `digestHash` is the SignerInfo's digestAlgorithm for
 * CMS (RFC 5652 §5.4: the signature over the signed attributes uses that digest), absent for certificates.
 */
export function schemeOf(alg: pkijs.AlgorithmIdentifier, digestHash?: Hash): SchemeResult {
  const oid = alg.algorithmId;
  const named = RSA_WITH[oid] ?? ECDSA_WITH[oid];
  if (named) {
    // RFC 5754 §3: the signature algorithm's hash is the SignerInfo's digest algorithm; a mismatch is a
    // producer error we refuse to guess around.
    if (digestHash && named !== digestHash) {
      return { ok: false, message: `signature algorithm ${oid} names ${HASH_LABEL[named]} but the digest algorithm is ${HASH_LABEL[digestHash]}` };
    }
    return { ok: true, scheme: { kind: RSA_WITH[oid] ? "rsa-pkcs1" : "ecdsa", hash: named } };
  }
  if (oid === RSA_ENCRYPTION || oid === EC_PUBLIC_KEY) {
    // RFC 3370 §3.2 allows rsaEncryption in a SignerInfo, the hash coming from digestAlgorithm; some producers
    // do the same with id-ecPublicKey. In a certificate the hash would be missing.
    if (!digestHash) return { ok: false, message: `signature algorithm ${oid} does not name a hash` };
    return { ok: true, scheme: { kind: oid === RSA_ENCRYPTION ? "rsa-pkcs1" : "ecdsa", hash: digestHash } };
  }
  if (oid === RSASSA_PSS) return pssScheme(alg, digestHash);
  const weak = WEAK_DIGESTS[oid];
  if (weak) return { ok: false, message: `signature algorithm ${weak} is refused: SHA-1 and MD5 are no longer collision resistant` };
  if (isGostOid(oid)) return { ok: false, message: `GOST signature algorithm ${oid} cannot be verified locally` };
  return { ok: false, message: `signature algorithm ${oid} is not supported` };
}

/** RSASSA-PSS-params (RFC 4055 §3.1); defaults SHA-1/MGF1-SHA-1/20 are refused with SHA-1. */
function pssScheme(alg: pkijs.AlgorithmIdentifier, digestHash?: Hash): SchemeResult {
  let params: pkijs.RSASSAPSSParams;
  try {
    params = new pkijs.RSASSAPSSParams({ schema: alg.algorithmParams });
  } catch {
    return { ok: false, message: "RSASSA-PSS parameters are malformed" };
  }
  const hash = DIGESTS[params.hashAlgorithm.algorithmId];
  if (!hash) return { ok: false, message: `RSASSA-PSS hash ${params.hashAlgorithm.algorithmId} is not supported` };
  if (params.maskGenAlgorithm.algorithmId !== MGF1) return { ok: false, message: "RSASSA-PSS mask generation other than MGF1" };
  let mgfHash: string | undefined;
  try {
    mgfHash = new pkijs.AlgorithmIdentifier({ schema: params.maskGenAlgorithm.algorithmParams }).algorithmId;
  } catch {
    return { ok: false, message: "RSASSA-PSS MGF1 parameters are malformed" };
  }
  // node:crypto (OpenSSL) uses the signature hash for MGF1; other combinations do occur nowhere we know of.
  if (DIGESTS[mgfHash] !== hash) return { ok: false, message: "RSASSA-PSS with an MGF1 hash different from the signature hash" };
  if (params.trailerField !== 1) return { ok: false, message: "RSASSA-PSS trailer field other than 1" };
  if (digestHash && hash !== digestHash) {
    return { ok: false, message: `RSASSA-PSS hash ${HASH_LABEL[hash]} differs from the digest algorithm ${HASH_LABEL[digestHash]}` };
  }
  const salt = params.saltLength;
  if (!Number.isSafeInteger(salt) || salt < 0 || salt > 1024) return { ok: false, message: "RSASSA-PSS salt length out of range" };
  return { ok: true, scheme: { kind: "rsa-pss", hash, saltLength: salt } };
}

export type KeyResult = { ok: true; key: KeyObject; label: string } | { ok: false; message: string };

/**
 * Decoded keys by SPKI. OpenSSL 3's key decoder costs most of a verification; the same few CA and signer keys
 * come back on every application, so a small bounded cache pays.
 */
const KEY_CACHE_SIZE = 256;
const keyCache = new Map<string, KeyResult>();

/** The public key of a SubjectPublicKeyInfo, checked against the key policy above. */
export function publicKeyOf(spki: Uint8Array): KeyResult {
  const cacheKey = Buffer.from(spki).toString("base64");
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  const result = decodePublicKey(spki);
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(cacheKey, result);
  return result;
}

function decodePublicKey(spki: Uint8Array): KeyResult {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch {
    return { ok: false, message: "the public key cannot be read" };
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss") {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return { ok: false, message: `RSA key of ${bits} bits; at least ${MIN_RSA_BITS} are required` };
    return { ok: true, key, label: "RSA" };
  }
  if (key.asymmetricKeyType === "ec") {
    const curve = CURVES[details.namedCurve ?? ""];
    if (!curve) return { ok: false, message: `elliptic curve ${details.namedCurve ?? "(unnamed)"} is not supported` };
    return { ok: true, key, label: curve };
  }
  return { ok: false, message: `public key type ${key.asymmetricKeyType ?? "(unknown)"} is not supported` };
}

/** A readable name of what was verified, e.g. "ECDSA P-256 SHA-256". */
export function schemeLabel(scheme: Scheme, keyLabel: string): string {
  const hash = HASH_LABEL[scheme.hash];
  if (scheme.kind === "rsa-pkcs1") return `RSASSA-PKCS1-v1_5 ${hash}`;
  if (scheme.kind === "rsa-pss") return `RSASSA-PSS ${hash}`;
  return `ECDSA ${keyLabel} ${hash}`;
}

/**
 * Verify `signature` over `data`. A key of the wrong type for the scheme is a failed verification, not an
 * error: a forged CMS may pair any key with any algorithm identifier.
 */
export function verifySignature(scheme: Scheme, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const type = key.asymmetricKeyType;
  try {
    if (scheme.kind === "ecdsa") {
      if (type !== "ec") return false;
      return verify(scheme.hash, data, { key, dsaEncoding: "der" }, signature);
    }
    if (scheme.kind === "rsa-pkcs1") {
      if (type !== "rsa") return false;
      return verify(scheme.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    }
    if (type !== "rsa" && type !== "rsa-pss") return false;
    return verify(scheme.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength }, signature);
  } catch {
    return false;
  }
}
