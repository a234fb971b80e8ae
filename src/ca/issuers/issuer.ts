/**
 * The issuer port: whoever holds a CA private key (step-ca's "issuers"). The authority decides *what* may be
 * signed; an issuer only signs the bytes it is given. Implementations: `FileKeyIssuer` (key sealed at rest,
 * opened in memory). A PKCS#11/HSM issuer or a remote issuer reached over IPC fits the same interface, which
 * is why `sign` may return a Promise.
 */
import type { KeyObject } from "node:crypto";
import type { SignatureAlgorithm } from "../keys.js";

export interface Issuer {
  /** Id of the CA certificate record whose key this is (also the sealing context `ca-key:<id>`). */
  readonly id: string;
  readonly publicKey: KeyObject;
  readonly algorithm: SignatureAlgorithm;
  /** Signs a DER TBSCertificate (or TBSCertList); returns the raw signature (DER ECDSA-Sig-Value for ECDSA). */
  sign(tbs: Buffer): Promise<Buffer> | Buffer;
}

export type { SignatureAlgorithm };
