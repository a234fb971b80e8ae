/**
 * The parts of an X.509 certificate (RFC 5280 §4.1) that signature and path checks read, taken out of pkijs's
 * object once: raw name and key bytes for comparisons, RFC 4514 strings for people, and the extensions we act on
 * (keyUsage §4.2.1.3, basicConstraints §4.2.1.9, subjectKeyIdentifier §4.2.1.2), decoded here from their
 * extnValue so that a malformed extension is a reason, never an exception.
 */
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { decodeBer } from "./ber.js";

export interface NameAttribute {
  type: string;
  value: string;
  /** True when the value is not a directory string and `value` is "#" + hex of its BER (RFC 4514 §2.4). */
  binary: boolean;
}

export interface Cert {
  /** SHA-256 over the TBSCertificate and the signature value, hex: identity for de-duplication. */
  id: string;
  tbs: Uint8Array;
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  subject: string;
  issuer: string;
  subjectAttributes: NameAttribute[];
  serialDer: Uint8Array;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  spkiAlgorithm: string;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  signature: Uint8Array;
  /** keyUsage bits that are set, or null when the extension is absent. */
  keyUsage: Set<number> | null;
  /** basicConstraints, or null when absent. */
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  subjectKeyId: Uint8Array | null;
  /** OIDs of critical extensions this module does not process (RFC 5280 §6.1.4 (o)). */
  unprocessedCritical: string[];
  /** Extensions that could not be decoded. */
  problems: string[];
}

/** RFC 5280 §4.2.1.3 bit numbers. */
export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5 } as const;

const EXT = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
} as const;

/**
 * Critical extensions we accept without acting on them: key identifiers and alternative names carry no
 * constraint, extKeyUsage and certificatePolicies are informational for this check (see docs/eds.md), and CRL
 * distribution points / authority information access only point at revocation data. nameConstraints,
 * policyConstraints, policyMappings and inhibitAnyPolicy are NOT here: marked critical, they make the path fail.
 */
const ACCEPTED_CRITICAL = new Set<string>([
  EXT.subjectKeyIdentifier,
  EXT.keyUsage,
  EXT.basicConstraints,
  "2.5.29.35", // authorityKeyIdentifier
  "2.5.29.17", // subjectAltName
  "2.5.29.37", // extKeyUsage
  "2.5.29.32", // certificatePolicies
  "2.5.29.31", // cRLDistributionPoints
  "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
]);

const NAME_LABELS: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SURNAME",
  "2.5.4.5": "SERIALNUMBER",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "STREET",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.42": "G",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "E",
};

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Read one DER certificate. */
export function parseCertificateDer(der: Uint8Array): { ok: true; cert: Cert } | { ok: false; message: string } {
  if (!decodeBer(der)) return { ok: false, message: "the certificate is not a single well-formed DER element" };
  try {
    return fromPkijs(pkijs.Certificate.fromBER(der));
  } catch {
    return { ok: false, message: "the certificate is not valid DER" };
  }
}

/** Take what we need out of a pkijs certificate (for example one carried in a CMS). */
export function fromPkijs(c: pkijs.Certificate): { ok: true; cert: Cert } | { ok: false; message: string } {
  try {
    const tbs = new Uint8Array(c.tbsView);
    const signature = new Uint8Array(c.signatureValue.valueBlock.valueHexView);
    const subjectDer = new Uint8Array(c.subject.valueBeforeDecode);
    const issuerDer = new Uint8Array(c.issuer.valueBeforeDecode);
    const subjectRdns = readName(subjectDer);
    const issuerRdns = readName(issuerDer);
    if (!subjectRdns || !issuerRdns) return { ok: false, message: "a certificate name is malformed" };
    const serialDer = new Uint8Array(c.serialNumber.valueBlock.valueHexView);
    const notBefore = c.notBefore.value;
    const notAfter = c.notAfter.value;
    if (!(notBefore instanceof Date) || !(notAfter instanceof Date) || Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
      return { ok: false, message: "a certificate validity date is malformed" };
    }
    const cert: Cert = {
      id: createHash("sha256").update(tbs).update(signature).digest("hex"),
      tbs,
      subjectDer,
      issuerDer,
      subject: formatName(subjectRdns),
      issuer: formatName(issuerRdns),
      subjectAttributes: subjectRdns.flat(),
      serialDer,
      serial: serialHex(serialDer),
      notBefore,
      notAfter,
      spki: new Uint8Array(c.subjectPublicKeyInfo.toSchema().toBER()),
      spkiAlgorithm: c.subjectPublicKeyInfo.algorithm.algorithmId,
      signatureAlgorithm: c.signatureAlgorithm,
      signature,
      keyUsage: null,
      basicConstraints: null,
      subjectKeyId: null,
      unprocessedCritical: [],
      problems: [],
    };
    // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal the signature field inside TBSCertificate.
    if (c.signature.algorithmId !== c.signatureAlgorithm.algorithmId) cert.problems.push("the two signature algorithm fields differ");
    readExtensions(c, cert);
    return { ok: true, cert };
  } catch {
    return { ok: false, message: "the certificate structure is malformed" };
  }
}

function readExtensions(c: pkijs.Certificate, cert: Cert): void {
  const seen = new Set<string>();
  for (const e of c.extensions ?? []) {
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (seen.has(e.extnID)) cert.problems.push(`extension ${e.extnID} appears twice`);
    seen.add(e.extnID);
    if (e.critical && !ACCEPTED_CRITICAL.has(e.extnID)) cert.unprocessedCritical.push(e.extnID);
    const node = decodeBer(new Uint8Array(e.extnValue.valueBlock.valueHexView));
    if (!node) {
      cert.problems.push(`extension ${e.extnID} is not valid DER`);
      continue;
    }
    if (e.extnID === EXT.keyUsage) {
      if (!(node instanceof asn1js.BitString)) cert.problems.push("keyUsage is not a BIT STRING");
      else cert.keyUsage = bitsOf(node);
    } else if (e.extnID === EXT.basicConstraints) {
      const bc = basicConstraintsOf(node);
      if (bc) cert.basicConstraints = bc;
      else cert.problems.push("basicConstraints is malformed");
    } else if (e.extnID === EXT.subjectKeyIdentifier) {
      if (node instanceof asn1js.OctetString) cert.subjectKeyId = new Uint8Array(node.valueBlock.valueHexView);
      else cert.problems.push("subjectKeyIdentifier is not an OCTET STRING");
    }
  }
}

/** Bit n of a named BIT STRING is the n-th most significant bit after the unused-bits octet (X.690 §8.6). */
function bitsOf(bs: asn1js.BitString): Set<number> {
  const bytes = bs.valueBlock.valueHexView;
  const unused = bs.valueBlock.unusedBits;
  const set = new Set<number>();
  for (let i = 0; i < bytes.length * 8 - unused; i++) {
    if (bytes[i >> 3]! & (0x80 >> (i & 7))) set.add(i);
  }
  return set;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
function basicConstraintsOf(node: asn1js.AsnType): { ca: boolean; pathLen: number | null } | null {
  if (!(node instanceof asn1js.Sequence)) return null;
  const items = node.valueBlock.value;
  let i = 0;
  let ca = false;
  let pathLen: number | null = null;
  if (items[i] instanceof asn1js.Boolean) ca = (items[i++] as asn1js.Boolean).getValue();
  if (items[i] instanceof asn1js.Integer) {
    const n = (items[i++] as asn1js.Integer).valueBlock.valueDec;
    if (!Number.isSafeInteger(n) || n < 0) return null;
    pathLen = n;
  }
  return i === items.length ? { ca, pathLen } : null;
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName; RDN ::= SET OF AttributeTypeAndValue (RFC 5280 §4.1.2.4). */
function readName(der: Uint8Array): NameAttribute[][] | null {
  const parsed = decodeBer(der);
  if (!(parsed instanceof asn1js.Sequence)) return null;
  const rdns: NameAttribute[][] = [];
  for (const rdn of parsed.valueBlock.value) {
    if (!(rdn instanceof asn1js.Set)) return null;
    const attrs: NameAttribute[] = [];
    for (const atv of rdn.valueBlock.value) {
      if (!(atv instanceof asn1js.Sequence)) return null;
      const [type, value] = atv.valueBlock.value;
      if (!(type instanceof asn1js.ObjectIdentifier) || !value) return null;
      attrs.push({ type: type.valueBlock.toString(), ...attributeText(value) });
    }
    rdns.push(attrs);
  }
  return rdns;
}

/** Directory strings as text; anything else as "#" + hex of its BER (RFC 4514 §2.4). */
function attributeText(value: asn1js.AsnType): { value: string; binary: boolean } {
  const block = (value as { valueBlock?: { value?: unknown } }).valueBlock;
  if (value instanceof asn1js.BaseStringBlock && typeof block?.value === "string") return { value: block.value, binary: false };
  return { value: "#" + hex(new Uint8Array(value.toBER())), binary: true };
}

/** RFC 4514 §2.1: the last RDN first, "+" inside a multi-valued RDN, values escaped per §2.4. */
export function formatName(rdns: NameAttribute[][]): string {
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${NAME_LABELS[a.type] ?? a.type}=${a.binary ? a.value : escapeValue(a.value)}`).join("+"))
    .join(",");
}

function escapeValue(v: string): string {
  let out = v.replace(/[\\"+,;<>]/g, (ch) => "\\" + ch).replace(/\0/g, "\\00");
  if (out.startsWith("#") || out.startsWith(" ")) out = "\\" + out;
  if (out.endsWith(" ")) out = out.slice(0, -1) + "\\ ";
  return out;
}

/** Serial number as upper-case hex without the sign octet DER adds to positive numbers. */
function serialHex(der: Uint8Array): string {
  let start = 0;
  while (start < der.length - 1 && der[start] === 0) start++;
  return hex(der.subarray(start)).toUpperCase();
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}
