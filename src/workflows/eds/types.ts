/**
 * The contract of EDS verification: what the application services hand in and the typed result they get back.
 * Every failure is a value with a stable `code`; nothing here throws on bad input.
 */

export interface EdsVerificationInput {
  /** The signed bytes: the canonical JSON of the application, or the uploaded file. */
  content: Uint8Array;
  /** Detached CMS SignedData (RFC 5652 §5): DER bytes, or PEM / base64 text. */
  signature: Uint8Array | string;
  /** PEM root certificates configured by STS (the NCA of Kazakhstan roots are not built in). */
  trustAnchors: string[];
  /** Extra PEM intermediates; the CMS may also carry them. */
  intermediates?: string[];
  /** The applicant organisation's BIN; when given it must equal the signer's. */
  expectedBin?: string;
  /** Injected clock. */
  now: Date;
}

export type EdsErrorCode =
  | "malformed"
  | "not-detached"
  | "no-signer"
  | "digest-mismatch"
  | "bad-signature"
  | "untrusted-chain"
  | "expired"
  | "not-yet-valid"
  | "key-usage"
  | "no-bin"
  | "bin-mismatch"
  | "unsupported-algorithm"
  | "external-verifier-unavailable";

export const EDS_ERROR_CODES: readonly EdsErrorCode[] = [
  "malformed",
  "not-detached",
  "no-signer",
  "digest-mismatch",
  "bad-signature",
  "untrusted-chain",
  "expired",
  "not-yet-valid",
  "key-usage",
  "no-bin",
  "bin-mismatch",
  "unsupported-algorithm",
  "external-verifier-unavailable",
];

export interface EdsVerified {
  ok: true;
  /** The legal entity's BIN from the signer's subject (OU=BIN…), or null (e.g. an individual's certificate). */
  signerBin: string | null;
  /** The signing person's IIN from the signer's subject (SERIALNUMBER=IIN…), or null. */
  signerIin: string | null;
  /** Signer subject and issuer, RFC 4514 strings. */
  subject: string;
  issuer: string;
  /** Signer certificate serial number, upper-case hex. */
  serial: string;
  /** Signer certificate validity, ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** The signingTime signed attribute (RFC 5652 §11.3), ISO 8601, or null when absent. */
  signingTime: string | null;
  /** e.g. "RSASSA-PKCS1-v1_5 SHA-256", "RSASSA-PSS SHA-256", "ECDSA P-256 SHA-256". */
  algorithm: string;
  /** Subjects of the certification path, signer first, trust anchor last. */
  chain: string[];
  /** Facts worth recording that did not fail the verification (e.g. the CMS also carried the document). */
  notes?: string[];
}

export interface EdsFailure {
  ok: false;
  code: EdsErrorCode;
  message: string;
}

export type EdsVerification = EdsVerified | EdsFailure;

export interface EdsVerifier {
  verify(input: EdsVerificationInput): Promise<EdsVerification>;
}

/**
 * An external verifier for the Kazakh GOST algorithms (GOST 34.310-2004 / 34.311-95, GOST R 34.10-2015), which
 * neither OpenSSL 3 nor node:crypto implement. It receives the input with `signature` already decoded to DER.
 */
export interface ExternalGostVerifier {
  verify(input: EdsVerificationInput): Promise<EdsVerification>;
}

export function fail(code: EdsErrorCode, message: string): EdsFailure {
  return { ok: false, code, message };
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === "string";

/**
 * `value` as an EdsVerification when it has exactly the promised shape, else null — for answers from outside
 * (an ExternalGostVerifier, the HTTP service behind it) that the type system cannot vouch for. Only the known
 * fields are kept.
 */
export function asEdsVerification(value: unknown): EdsVerification | null {
  if (value === null || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  if (v.ok === false) {
    if (!EDS_ERROR_CODES.includes(v.code as EdsErrorCode) || !isStr(v.message)) return null;
    return fail(v.code as EdsErrorCode, v.message);
  }
  if (v.ok !== true) return null;
  const strings = ["subject", "issuer", "serial", "notBefore", "notAfter", "algorithm"] as const;
  const nullable = ["signerBin", "signerIin", "signingTime"] as const;
  if (!strings.every((k) => isStr(v[k])) || !nullable.every((k) => isStrOrNull(v[k]))) return null;
  if (!Array.isArray(v.chain) || !v.chain.every(isStr)) return null;
  if (v.notes !== undefined && (!Array.isArray(v.notes) || !v.notes.every(isStr))) return null;
  const ok: EdsVerified = {
    ok: true,
    signerBin: v.signerBin as string | null,
    signerIin: v.signerIin as string | null,
    subject: v.subject as string,
    issuer: v.issuer as string,
    serial: v.serial as string,
    notBefore: v.notBefore as string,
    notAfter: v.notAfter as string,
    signingTime: v.signingTime as string | null,
    algorithm: v.algorithm as string,
    chain: [...(v.chain as string[])],
  };
  if (v.notes !== undefined) ok.notes = [...(v.notes as string[])];
  return ok;
}
