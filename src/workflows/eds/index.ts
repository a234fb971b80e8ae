/**
 * EDS verification for applications (Rules p.15, p.15-2: an organisation's application is "signed with the
 * electronic digital signature of a legal entity"): detached CMS signatures (RFC 5652) checked against the
 * NCA roots STS configures, with the signer's BIN compared to the applicant organisation's. docs/eds.md says
 * what is and is not verified.
 *
 *   verifier.ts    createEdsVerifier — the whole check, one SignerInfo at a time
 *   chain.ts       path building and validation (RFC 5280 §6.1 subset)
 *   algorithms.ts  digests, signature schemes, key policy, GOST recognition (node:crypto)
 *   certificate.ts the certificate fields the checks read; RFC 4514 names
 *   identity.ts    BIN / IIN from an NCA subject
 *   decode.ts      DER / PEM / base64 input
 *   gost-http.ts   the external GOST verifier over HTTP
 */
export { createEdsVerifier } from "./verifier.js";
export { httpGostVerifier } from "./gost-http.js";
export { EDS_ERROR_CODES } from "./types.js";
export type {
  EdsErrorCode,
  EdsFailure,
  EdsVerification,
  EdsVerificationInput,
  EdsVerified,
  EdsVerifier,
  ExternalGostVerifier,
} from "./types.js";
