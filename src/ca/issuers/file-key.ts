/**
 * File-key issuer: the CA private key lives in the store only as a sealed value (AES-256-GCM, context
 * `ca-key:<id>`, see secrets/sealer.ts) and is opened only inside this object, into a private field that no
 * serialisation path reaches (`toJSON` and `util.inspect` show id and algorithm only).
 */
import { createPublicKey, createPrivateKey, sign, type KeyObject } from "node:crypto";
import { inspect } from "node:util";
import type { Sealer } from "../../secrets/sealer.js";
import { signatureAlgorithmFor, type SignatureAlgorithm } from "../keys.js";
import type { Issuer } from "./issuer.js";

export const caKeyContext = (id: string): string => `ca-key:${id}`;

/**
 * Seals a freshly generated CA key for the record `id`. The PKCS#8 plaintext exists only inside this function
 * and is overwritten before it returns.
 */
export function sealCaKey(sealer: Sealer, id: string, privateKey: KeyObject): string {
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
  try {
    return sealer.seal(pkcs8, caKeyContext(id));
  } finally {
    pkcs8.fill(0);
  }
}

export class FileKeyIssuer implements Issuer {
  readonly publicKey: KeyObject;
  readonly algorithm: SignatureAlgorithm;
  readonly #key: KeyObject;

  private constructor(
    readonly id: string,
    key: KeyObject,
  ) {
    this.#key = key;
    this.publicKey = createPublicKey(key);
    this.algorithm = signatureAlgorithmFor(this.publicKey);
  }

  /** Opens a sealed key; a value sealed for another record (another context) does not open. */
  static open(sealer: Sealer, id: string, sealedKey: string): FileKeyIssuer {
    const pkcs8 = sealer.open(sealedKey, caKeyContext(id));
    try {
      return new FileKeyIssuer(id, createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }));
    } finally {
      pkcs8.fill(0);
    }
  }

  /** For a key just generated in this process (the authority seals it separately with `sealCaKey`). */
  static fromKey(id: string, privateKey: KeyObject): FileKeyIssuer {
    return new FileKeyIssuer(id, privateKey);
  }

  sign(tbs: Buffer): Buffer {
    // dsaEncoding 'der': X.509 carries ECDSA signatures as DER Ecdsa-Sig-Value (RFC 5758 §3.2).
    return sign(this.algorithm.hash, tbs, { key: this.#key, dsaEncoding: "der" });
  }

  toJSON(): { id: string; kind: "file-key"; algorithm: string } {
    return { id: this.id, kind: "file-key", algorithm: this.algorithm.name };
  }

  [inspect.custom](): string {
    return `FileKeyIssuer { id: ${this.id}, algorithm: ${this.algorithm.name} }`;
  }
}
