/**
 * Generation of the two-level hierarchy (Rules p.21): an offline-able root and an issuing intermediate that is
 * technically constrained — pathLen 0, EKU serverAuth only, and NameConstraints excluding the protected
 * namespaces — so that even the holder of the intermediate key (a gateway node) cannot mint a certificate the
 * workstations would accept for a government or bank domain.
 *
 * Both certificates are built with der.ts/x509.ts and signed through the `Issuer` port, so a root key kept in
 * an HSM later signs the same bytes.
 */
import { createPublicKey, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import type { Sealer } from "../../secrets/sealer.js";
import { CaConfigError } from "../errors.js";
import { FileKeyIssuer, sealCaKey } from "../issuers/file-key.js";
import type { Issuer } from "../issuers/issuer.js";
import { caKeyAlgorithmOf, generateCaKey, keyIdentifier, spkiOf, type CaKeyAlgorithm } from "../keys.js";
import { DAY_MS, newLifecycle } from "../lifecycle.js";
import type { CaCertificateRecord } from "../store.js";
import {
  KU,
  OID,
  authorityKeyIdentifier,
  basicConstraints,
  encodeName,
  encodeTbs,
  excludedDnsOf,
  extKeyUsage,
  fingerprint,
  formatName,
  keyUsage,
  nameConstraintsExcludedDns,
  parseCertificate,
  subjectKeyIdentifier,
  subjectKeyIdOf,
  wrapCertificate,
  type DistinguishedName,
} from "../x509.js";
import { STABLE_PROTECTED_NAMESPACES, excludedSubtreesFor, normaliseSubtrees } from "./names.js";

/** CA certificates are backdated one hour so workstations with a slightly slow clock accept them at once. */
const CA_BACKDATE_MS = 3_600_000;

export const DEFAULT_ROOT_VALIDITY_DAYS = 1826; // five years: rotation touches every workstation (p.23), so not too short
export const DEFAULT_INTERMEDIATE_VALIDITY_DAYS = 730; // re-issued under the same root whenever the bank list changes

export interface GeneratedCa {
  /** The record to store (sealed key inside). */
  readonly record: CaCertificateRecord;
  /** The freshly generated key as an issuer, for signing the next level in the same call. */
  readonly issuer: Issuer;
}

export interface RootOptions {
  readonly now: Date;
  readonly id?: string;
  /** Default ECDSA P-384. */
  readonly algorithm?: CaKeyAlgorithm;
  readonly validityDays?: number;
  readonly subject?: DistinguishedName;
  /**
   * dNSName excludedSubtrees written into the root itself. Default: the stable namespaces (gov.kz, egov.kz)
   * only — they never change, so the root never has to be redistributed for them — as defence in depth for
   * validators that honour constraints in trust anchors (OpenSSL, Windows, macOS do). `[]` omits the extension.
   */
  readonly nameConstraints?: readonly string[];
}

export interface IntermediateOptions {
  readonly now: Date;
  readonly id?: string;
  readonly validityDays?: number;
  readonly subject?: DistinguishedName;
  /** Bank domains to exclude besides the stable namespaces; default DEFAULT_BANK_DOMAINS. */
  readonly bankDomains?: readonly string[];
}

const randomSerial = (): Buffer => {
  // RFC 5280 §4.1.2.2: positive, at most 20 octets; 16 random octets with the top bit cleared (CA/B BR §7.1
  // asks for at least 64 bits of CSPRNG output).
  const s = randomBytes(16);
  s[0]! &= 0x7f;
  return s;
};

function dateStamp(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function checkValidityDays(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > 25 * 366) throw new CaConfigError(`validity must be 1..${25 * 366} days, got ${days}`);
}

export async function createRoot(sealer: Sealer, opts: RootOptions): Promise<GeneratedCa> {
  const id = opts.id ?? randomUUID();
  const algorithm = opts.algorithm ?? "ecdsa-p384";
  const days = opts.validityDays ?? DEFAULT_ROOT_VALIDITY_DAYS;
  checkValidityDays(days);
  const constraints = normaliseSubtrees(opts.nameConstraints ?? STABLE_PROTECTED_NAMESPACES);
  const { privateKey, publicKey } = generateCaKey(algorithm);
  const issuer = FileKeyIssuer.fromKey(id, privateKey);
  const spki = spkiOf(publicKey);
  const keyId = keyIdentifier(spki);
  const name = encodeName({ country: "KZ", organization: "qaqpa", commonName: `qaqpa UGIA Root CA ${dateStamp(opts.now)}`, ...opts.subject });
  const notBefore = new Date(Math.floor((opts.now.getTime() - CA_BACKDATE_MS) / 1000) * 1000);
  const tbs = encodeTbs({
    serial: randomSerial(),
    signatureAlgorithm: issuer.algorithm.identifier,
    issuer: name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * DAY_MS),
    subject: name,
    spki,
    extensions: [
      // RFC 5280 §4.2.1.9: critical cA; no pathLen — the constrained intermediate carries pathLen 0.
      basicConstraints(true),
      keyUsage([KU.keyCertSign, KU.cRLSign]),
      subjectKeyIdentifier(keyId),
      ...(constraints.length ? [nameConstraintsExcludedDns(constraints)] : []),
    ],
  });
  const der = wrapCertificate(tbs, issuer.algorithm.identifier, await issuer.sign(tbs));
  return { record: toRecord({ id, kind: "root", parentId: null, der, sealedKey: sealCaKey(sealer, id, privateKey), now: opts.now }), issuer };
}

export async function createIntermediate(
  sealer: Sealer,
  root: { readonly record: CaCertificateRecord; readonly issuer: Issuer },
  opts: IntermediateOptions,
): Promise<GeneratedCa> {
  const id = opts.id ?? randomUUID();
  const days = opts.validityDays ?? DEFAULT_INTERMEDIATE_VALIDITY_DAYS;
  checkValidityDays(days);
  const rootCert = parseCertificate(root.record.der);
  const rootKeyId = subjectKeyIdOf(rootCert);
  if (!rootKeyId) throw new CaConfigError("the root has no subjectKeyIdentifier");
  if (!keyIdentifier(spkiOf(root.issuer.publicKey)).equals(keyIdentifier(rootCert.spki))) {
    throw new CaConfigError("the issuer key does not belong to this root certificate");
  }
  // Validity strictly inside the root's (RFC 5280 §6.1.3 checks each certificate on its own, but a child that
  // outlives its parent is dead weight and confuses operators).
  const notBefore = new Date(Math.max(Math.floor((opts.now.getTime() - CA_BACKDATE_MS) / 1000) * 1000, rootCert.notBefore.getTime()));
  const notAfter = new Date(Math.min(notBefore.getTime() + days * DAY_MS, rootCert.notAfter.getTime()));
  if (notAfter.getTime() - opts.now.getTime() < DAY_MS) throw new CaConfigError("the root expires within a day; rotate the root instead");

  const excluded = excludedSubtreesFor(opts.bankDomains);
  const { privateKey, publicKey } = generateCaKey("ecdsa-p256");
  const spki = spkiOf(publicKey);
  const subject = encodeName({ country: "KZ", organization: "qaqpa", commonName: `qaqpa UGIA Issuing CA ${dateStamp(opts.now)}`, ...opts.subject });
  const tbs = encodeTbs({
    serial: randomSerial(),
    signatureAlgorithm: root.issuer.algorithm.identifier,
    issuer: rootCert.subject, // byte-identical to the root's subject so chain building matches (RFC 5280 §7.1)
    notBefore,
    notAfter,
    subject,
    spki,
    extensions: [
      // pathLen 0: the intermediate signs leaves only, never another CA (RFC 5280 §4.2.1.9).
      basicConstraints(true, 0),
      keyUsage([KU.keyCertSign, KU.cRLSign]),
      // EKU serverAuth: a technically constrained sub-CA in the sense of Mozilla Root Store Policy §5.3.1 — a
      // leaked key cannot sign code or e-mail certificates that chain to the root.
      extKeyUsage([OID.serverAuth]),
      subjectKeyIdentifier(keyIdentifier(spki)),
      authorityKeyIdentifier(rootKeyId),
      nameConstraintsExcludedDns(excluded),
    ],
  });
  const der = wrapCertificate(tbs, root.issuer.algorithm.identifier, await root.issuer.sign(tbs));
  return {
    record: toRecord({ id, kind: "intermediate", parentId: root.record.id, der, sealedKey: sealCaKey(sealer, id, privateKey), now: opts.now }),
    issuer: FileKeyIssuer.fromKey(id, privateKey),
  };
}

function toRecord(r: {
  id: string;
  kind: "root" | "intermediate";
  parentId: string | null;
  der: Buffer;
  sealedKey: string;
  now: Date;
}): CaCertificateRecord {
  const cert = parseCertificate(r.der);
  return {
    id: r.id,
    kind: r.kind,
    parentId: r.parentId,
    der: r.der,
    sealedKey: r.sealedKey,
    keyAlgorithm: caKeyAlgorithmOf(publicKeyOf(cert.spki)),
    subject: formatName(cert.subject),
    serialHex: cert.serial.toString("hex"),
    sha256: fingerprint(r.der, "sha256"),
    sha1: fingerprint(r.der, "sha1"),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    excludedDns: excludedDnsOf(cert),
    lifecycle: newLifecycle(r.now),
    version: 1,
  };
}

function publicKeyOf(spki: Buffer): KeyObject {
  return createPublicKey({ key: spki, format: "der", type: "spki" });
}
