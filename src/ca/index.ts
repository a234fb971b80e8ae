/**
 * Gateway CA (Rules p.20–23), split like step-ca:
 *   authority/  what may be signed: hierarchy generation, name constraints, the two protected-name refusals
 *   issuers/    who holds a key: the `Issuer` port and the sealed file-key issuer
 *   store.ts    the `CaStore` port (records, lifecycle CAS, per-epoch leaf keys) and an in-memory store
 *   leaf.ts     the TLS-bump hot path: DER template minting and the leaf cache
 *   lifecycle.ts, bundles.ts  pure lifecycle/alerts/rotation and root distribution files
 *   service.ts  initCa, rotateCa, transitionCa, exportBundles, openIssuingCa, ensureLeafKeys
 */
export * from "./authority/index.js";
export * from "./bundles.js";
export * from "./errors.js";
export { FileKeyIssuer, caKeyContext, sealCaKey } from "./issuers/file-key.js";
export type { Issuer, SignatureAlgorithm } from "./issuers/issuer.js";
export type { CaKeyAlgorithm, LeafKeyType } from "./keys.js";
export * from "./leaf.js";
export * from "./lifecycle.js";
export * from "./service.js";
export * from "./store.js";
export { fingerprint, parseCertificate, toPem, fromPem } from "./x509.js";
export type { DistinguishedName, ParsedCertificate } from "./x509.js";
