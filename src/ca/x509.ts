/**
 * X.509 v3 pieces (RFC 5280) built on der.ts: object identifiers, distinguished names, the extensions the CA
 * writes, certificate assembly (TBSCertificate ‖ AlgorithmIdentifier ‖ signature) and a small parser for the
 * certificates the CA itself produced (issuer/subject bytes, validity, SPKI, extensions).
 */
import { createHash } from "node:crypto";
import {
  DerError,
  TAG,
  bits,
  bool,
  children,
  content,
  explicit,
  implicitConstructed,
  implicitPrimitive,
  namedBits,
  octets,
  oid,
  printable,
  readOid,
  readTime,
  readTlv,
  seq,
  set,
  smallInt,
  time,
  uint,
  utf8,
  whole,
  type Tlv,
} from "./der.js";

export const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  countryName: "2.5.4.6",
  organizationName: "2.5.4.10",
  organizationalUnitName: "2.5.4.11",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** RFC 5280 §4.2.1.3 bit numbers. */
export const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

// --------------------------------------------------------------------------------------------- names

export interface DistinguishedName {
  country?: string;
  organization?: string;
  organizationalUnit?: string;
  commonName?: string;
}

/**
 * Name as an RDNSequence in the conventional C, O, OU, CN order, one attribute per RDN. countryName is a
 * PrintableString (RFC 5280 Appendix A, X520countryName); the others are UTF8String (RFC 5280 §4.1.2.6).
 */
export function encodeName(dn: DistinguishedName): Buffer {
  const rdns: Buffer[] = [];
  if (dn.country !== undefined) {
    if (!/^[A-Z]{2}$/.test(dn.country)) throw new DerError("country must be two upper-case letters (ISO 3166)");
    rdns.push(set(seq(oid(OID.countryName), printable(dn.country))));
  }
  const dirString = (type: string, v: string | undefined, max: number): void => {
    if (v === undefined) return;
    // Upper bounds from RFC 5280 Appendix A (ub-organization-name 64, ub-common-name 64, ub-organizational-unit-name 64).
    if (v.length === 0 || [...v].length > max) throw new DerError(`${type} must be 1..${max} characters`);
    rdns.push(set(seq(oid(type), utf8(v))));
  };
  dirString(OID.organizationName, dn.organization, 64);
  dirString(OID.organizationalUnitName, dn.organizationalUnit, 64);
  dirString(OID.commonName, dn.commonName, 64);
  return seq(...rdns);
}

const NAME_LABELS: Record<string, string> = {
  [OID.countryName]: "C",
  [OID.organizationName]: "O",
  [OID.organizationalUnitName]: "OU",
  [OID.commonName]: "CN",
};

/** Human-readable rendering (`C=KZ, O=…, CN=…`) of a Name's DER, for views and logs. */
export function formatName(nameDer: Buffer): string {
  const root = readTlv(nameDer, 0);
  const parts: string[] = [];
  for (const rdn of children(nameDer, root)) {
    for (const atv of children(nameDer, rdn)) {
      const [t, v] = children(nameDer, atv);
      if (!t || !v) continue;
      const type = readOid(nameDer, t);
      parts.push(`${NAME_LABELS[type] ?? type}=${content(nameDer, v).toString("utf8")}`);
    }
  }
  return parts.join(", ");
}

// ---------------------------------------------------------------------------------------- extensions

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
export function extension(extnId: string, critical: boolean, value: Buffer): Buffer {
  // DER (X.690 §11.5) forbids encoding a DEFAULT value, so a non-critical extension omits the BOOLEAN.
  return critical ? seq(oid(extnId), bool(true), octets(value)) : seq(oid(extnId), octets(value));
}

/** RFC 5280 §4.2.1.9. Leaves: empty SEQUENCE (cA defaults to FALSE). CAs: cA TRUE with optional pathLen. */
export function basicConstraints(ca: boolean, pathLen?: number): Buffer {
  if (!ca) return extension(OID.basicConstraints, true, seq());
  return extension(OID.basicConstraints, true, pathLen === undefined ? seq(bool(true)) : seq(bool(true), smallInt(pathLen)));
}

/** RFC 5280 §4.2.1.3: conforming CAs mark keyUsage critical. */
export function keyUsage(bitNumbers: readonly number[]): Buffer {
  return extension(OID.keyUsage, true, namedBits(bitNumbers));
}

export function extKeyUsage(purposes: readonly string[]): Buffer {
  return extension(OID.extKeyUsage, false, seq(...purposes.map((p) => oid(p))));
}

/** RFC 5280 §4.2.1.2: SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING), never critical. */
export function subjectKeyIdentifier(keyId: Buffer): Buffer {
  return extension(OID.subjectKeyIdentifier, false, octets(keyId));
}

/** RFC 5280 §4.2.1.1: AuthorityKeyIdentifier with only keyIdentifier [0]. */
export function authorityKeyIdentifier(keyId: Buffer): Buffer {
  return extension(OID.authorityKeyIdentifier, false, seq(implicitPrimitive(0, keyId)));
}

/**
 * RFC 5280 §4.2.1.10 NameConstraints with excludedSubtrees [1] of dNSName bases (minimum 0 and maximum absent,
 * so only `base` is encoded). Marked critical as §4.2.1.10 requires: a validator that cannot honour it must
 * reject the chain rather than ignore it.
 */
export function nameConstraintsExcludedDns(excluded: readonly string[], permittedDns: readonly string[] = []): Buffer {
  const subtrees = (names: readonly string[]): Buffer[] => names.map((n) => seq(implicitPrimitive(2, Buffer.from(n, "latin1"))));
  const parts: Buffer[] = [];
  if (permittedDns.length) parts.push(implicitConstructed(0, ...subtrees(permittedDns)));
  if (excluded.length) parts.push(implicitConstructed(1, ...subtrees(excluded)));
  return extension(OID.nameConstraints, true, seq(...parts));
}

/** GeneralNames with dNSName [2] and iPAddress [7] entries (RFC 5280 §4.2.1.6). */
export function subjectAltName(entries: readonly ({ dns: string } | { ip: Buffer })[], critical = false): Buffer {
  const names = entries.map((e) => ("dns" in e ? implicitPrimitive(2, Buffer.from(e.dns, "latin1")) : implicitPrimitive(7, e.ip)));
  return extension(OID.subjectAltName, critical, seq(...names));
}

// ---------------------------------------------------------------------------------------- assembly

export interface TbsFields {
  serial: Buffer;
  signatureAlgorithm: Buffer;
  issuer: Buffer;
  notBefore: Date;
  notAfter: Date;
  subject: Buffer;
  spki: Buffer;
  extensions: readonly Buffer[];
}

/** TBSCertificate (RFC 5280 §4.1), version v3 (`[0] EXPLICIT INTEGER 2`). */
export function encodeTbs(f: TbsFields): Buffer {
  return seq(
    explicit(0, smallInt(2)),
    uint(f.serial),
    f.signatureAlgorithm,
    f.issuer,
    seq(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    explicit(3, seq(...f.extensions)),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280 §4.1.1). */
export function wrapCertificate(tbs: Buffer, signatureAlgorithm: Buffer, signature: Buffer): Buffer {
  return seq(tbs, signatureAlgorithm, bits(signature));
}

export function toPem(der: Buffer, label = "CERTIFICATE"): string {
  const b64 = der.toString("base64");
  let body = "";
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + "\n";
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

export function fromPem(pem: string, label = "CERTIFICATE"): Buffer {
  const m = pem.match(new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`));
  if (!m) throw new DerError(`no ${label} PEM block`);
  return Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
}

// ------------------------------------------------------------------------------------------- parsing

export interface ParsedExtension {
  readonly critical: boolean;
  /** Contents of extnValue (the DER of the extension's own structure). */
  readonly value: Buffer;
}

export interface ParsedCertificate {
  readonly der: Buffer;
  readonly tbs: Buffer;
  readonly serial: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Buffer;
  readonly signatureAlgorithm: Buffer;
  readonly signature: Buffer;
  readonly extensions: ReadonlyMap<string, ParsedExtension>;
}

export function parseCertificate(der: Buffer): ParsedCertificate {
  const cert = readTlv(der, 0);
  if (cert.tag !== TAG.SEQUENCE || cert.end !== der.length) throw new DerError("not a DER certificate");
  const [tbsT, algT, sigT] = children(der, cert);
  if (!tbsT || !algT || !sigT) throw new DerError("certificate must have three parts");
  const f = children(der, tbsT);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++; // version
  const at = (k: number): Tlv => {
    const t = f[k];
    if (!t) throw new DerError("TBSCertificate too short");
    return t;
  };
  const serialT = at(i);
  const validity = children(der, at(i + 3));
  const extensions = new Map<string, ParsedExtension>();
  const extsT = f.slice(i + 6).find((t) => t.tag === 0xa3);
  if (extsT) {
    const [list] = children(der, extsT);
    for (const e of list ? children(der, list) : []) {
      const parts = children(der, e);
      const critical = parts.length === 3 && der[parts[1]!.contentStart] === 0xff;
      extensions.set(readOid(der, parts[0]!), { critical, value: content(der, parts[parts.length - 1]!) });
    }
  }
  return {
    der,
    tbs: whole(der, tbsT),
    serial: content(der, serialT),
    issuer: whole(der, at(i + 2)),
    subject: whole(der, at(i + 4)),
    notBefore: readTime(der, validity[0]!),
    notAfter: readTime(der, validity[1]!),
    spki: whole(der, at(i + 5)),
    signatureAlgorithm: whole(der, algT),
    signature: content(der, sigT).subarray(1),
    extensions,
  };
}

/** dNSName bases of a certificate's excludedSubtrees (empty when it has no NameConstraints). */
export function excludedDnsOf(cert: ParsedCertificate): string[] {
  const nc = cert.extensions.get(OID.nameConstraints);
  if (!nc) return [];
  const out: string[] = [];
  const root = readTlv(nc.value, 0);
  for (const part of children(nc.value, root)) {
    if (part.tag !== 0xa1) continue;
    for (const subtree of children(nc.value, part)) {
      const [base] = children(nc.value, subtree);
      if (base?.tag === 0x82) out.push(content(nc.value, base).toString("latin1"));
    }
  }
  return out;
}

/** SubjectKeyIdentifier of a certificate, or undefined. */
export function subjectKeyIdOf(cert: ParsedCertificate): Buffer | undefined {
  const ski = cert.extensions.get(OID.subjectKeyIdentifier);
  return ski ? content(ski.value, readTlv(ski.value, 0)) : undefined;
}

export function fingerprint(der: Buffer, hash: "sha256" | "sha1"): string {
  return createHash(hash)
    .update(der)
    .digest("hex")
    .toUpperCase()
    .replace(/(..)(?!$)/g, "$1:");
}

