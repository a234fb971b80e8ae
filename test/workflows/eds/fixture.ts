/**
 * The saved CMS fixtures (fixtures/cms/, made by make-fixtures.sh) and the inputs the tests build from them.
 * Certificate dates are fixed at generation; NOW lies inside every valid certificate's validity.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { EdsVerificationInput } from "../../../src/workflows/eds/index.js";

export const FIXTURES = fileURLToPath(new URL("../../../fixtures/cms/", import.meta.url));

export const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(FIXTURES + name));
export const text = (name: string): string => readFileSync(FIXTURES + name, "utf8");

export const DOC = bytes("doc.json");
export const ROOT = text("root-ca.pem");
export const INTERMEDIATE = text("intermediate-ca.pem");
export const ROGUE_ROOT = text("rogue-root-ca.pem");
export const IDS = JSON.parse(text("identities.json")) as { bin: string; otherBin: string; iin: string };

/** Inside the validity of the signers (2025–2045), the intermediate (2024–2044) and the roots (2024–2049). */
export const NOW = new Date("2030-06-01T00:00:00Z");

export function input(signature: string, overrides: Partial<EdsVerificationInput> = {}): EdsVerificationInput {
  return { content: DOC, signature: bytes(signature), trustAnchors: [ROOT], expectedBin: IDS.bin, now: NOW, ...overrides };
}

/** A copy of `b` with the byte at `at` (negative: from the end) XOR-ed with `mask`. */
export function flip(b: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = new Uint8Array(b);
  const i = at < 0 ? out.length + at : at;
  out[i] = out[i]! ^ mask;
  return out;
}
