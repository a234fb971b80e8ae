/**
 * Sealing of secrets at rest: CA keys, uploaded TLS keys, SSH/FTP credentials, DKIM keys.
 *
 * AES-256-GCM under one master key. Each sealed value is bound to a context string (the AAD), e.g.
 * `ca-key:<certificate id>`, so a sealed value copied into another record does not open there.
 * Format: `qs1.<base64url(iv ‖ tag ‖ ciphertext)>`; the version prefix leaves room for a KMS/HSM envelope.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const PREFIX = "qs1.";
const IV_LEN = 12;
const TAG_LEN = 16;

export interface Sealer {
  seal(plaintext: Uint8Array | string, context: string): string;
  open(sealed: string, context: string): Buffer;
}

export class SealError extends Error {
  override name = "SealError";
}

export function createSealer(masterKey: Uint8Array): Sealer {
  if (masterKey.length !== 32) throw new SealError("master key must be 32 bytes");
  const key = Buffer.from(masterKey);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_LEN);
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([c.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext), c.final()]);
      return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString("base64url");
    },
    open(sealed, context) {
      if (!sealed.startsWith(PREFIX)) throw new SealError("not a sealed value");
      const raw = Buffer.from(sealed.slice(PREFIX.length), "base64url");
      if (raw.length < IV_LEN + TAG_LEN) throw new SealError("sealed value truncated");
      const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_LEN));
      d.setAAD(Buffer.from(context, "utf8"));
      d.setAuthTag(raw.subarray(IV_LEN, IV_LEN + TAG_LEN));
      try {
        return Buffer.concat([d.update(raw.subarray(IV_LEN + TAG_LEN)), d.final()]);
      } catch {
        throw new SealError("sealed value does not open with this key and context");
      }
    },
  };
}
