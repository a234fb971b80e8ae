/**
 * Key material helpers: the key algorithms the CA uses, SubjectPublicKeyInfo export, RFC 5280 key identifiers
 * and the signature AlgorithmIdentifier that goes with a key.
 */
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import { NULL, children, content, oid, readTlv, seq } from "./der.js";
import { OID } from "./x509.js";

/** CA key algorithms: the root may be P-384, P-256 or RSA-3072; the issuing intermediate is P-256. */
export type CaKeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "rsa-3072";

/** Leaf key types: ECDSA P-256 by default; RSA-2048 for clients that offer no ECDSA signature algorithm. */
export type LeafKeyType = "ecdsa" | "rsa";

export function generateCaKey(alg: CaKeyAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case "ecdsa-p256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" });
    case "ecdsa-p384":
      return generateKeyPairSync("ec", { namedCurve: "P-384" });
    case "rsa-3072":
      return generateKeyPairSync("rsa", { modulusLength: 3072, publicExponent: 0x10001 });
  }
}

export function generateLeafKey(type: LeafKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  return type === "ecdsa"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
}

export function spkiOf(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: "spki", format: "der" });
}

/**
 * Key identifier per RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value (without
 * tag, length and unused-bits octet). Used for SKI and AKI, and as "issuer key id" in the leaf serial.
 */
export function keyIdentifier(spki: Buffer): Buffer {
  const root = readTlv(spki, 0);
  const [, bitString] = children(spki, root);
  if (!bitString) throw new Error("SubjectPublicKeyInfo without subjectPublicKey");
  return createHash("sha1").update(content(spki, bitString).subarray(1)).digest();
}

export interface SignatureAlgorithm {
  readonly name: "ecdsa-with-SHA256" | "ecdsa-with-SHA384" | "sha256WithRSAEncryption";
  /** Digest passed to `crypto.sign`. */
  readonly hash: "sha256" | "sha384";
  /** DER AlgorithmIdentifier, written into TBSCertificate.signature and Certificate.signatureAlgorithm. */
  readonly identifier: Buffer;
}

/**
 * The signature algorithm a key signs with. ECDSA identifiers omit parameters (RFC 5758 §3.2); the RSA
 * identifier carries NULL parameters (RFC 4055 §5). P-384 pairs with SHA-384 so the hash matches the curve
 * strength (RFC 5480 §4).
 */
export function signatureAlgorithmFor(publicKey: KeyObject): SignatureAlgorithm {
  const type = publicKey.asymmetricKeyType;
  if (type === "ec") {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") return { name: "ecdsa-with-SHA256", hash: "sha256", identifier: seq(oid(OID.ecdsaWithSha256)) };
    if (curve === "secp384r1") return { name: "ecdsa-with-SHA384", hash: "sha384", identifier: seq(oid(OID.ecdsaWithSha384)) };
    throw new Error(`unsupported curve ${curve}`);
  }
  if (type === "rsa") return { name: "sha256WithRSAEncryption", hash: "sha256", identifier: seq(oid(OID.sha256WithRsa), NULL) };
  throw new Error(`unsupported key type ${type}`);
}

export function caKeyAlgorithmOf(publicKey: KeyObject): CaKeyAlgorithm {
  const d = publicKey.asymmetricKeyDetails;
  if (publicKey.asymmetricKeyType === "ec" && d?.namedCurve === "prime256v1") return "ecdsa-p256";
  if (publicKey.asymmetricKeyType === "ec" && d?.namedCurve === "secp384r1") return "ecdsa-p384";
  if (publicKey.asymmetricKeyType === "rsa" && d?.modulusLength === 3072) return "rsa-3072";
  throw new Error("not a CA key algorithm");
}
