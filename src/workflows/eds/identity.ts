/**
 * Who signed, as the NCA of Kazakhstan writes it into the subject of a certificate: the legal entity's BIN in
 * organizationalUnitName as "BIN" + 12 digits, the person's IIN in serialNumber as "IIN" + 12 digits. A bare
 * 12-digit OU is accepted as a BIN too (some issuers drop the prefix). A candidate counts only when its check
 * digit is right (src/domain/catalogue/bin-check.ts — the same algorithm serves BIN and IIN), so a typo in a
 * test certificate or a foreign OU that happens to be 12 digits is not taken for an organisation.
 */
import { isValidBin } from "../../domain/catalogue/bin-check.js";
import type { NameAttribute } from "./certificate.js";

const ORGANIZATIONAL_UNIT = "2.5.4.11";
const SERIAL_NUMBER = "2.5.4.5";

export interface SignerIdentity {
  bin: string | null;
  iin: string | null;
  /** Why no BIN was taken although something looked like one (invalid check digit, several BINs). */
  binProblem: string | null;
}

export function identityOf(subject: readonly NameAttribute[]): SignerIdentity {
  const bins = new Set<string>();
  const invalid: string[] = [];
  for (const a of subject) {
    if (a.type !== ORGANIZATIONAL_UNIT || a.binary) continue;
    const m = /^(?:BIN\s*)?([0-9]{12})$/i.exec(a.value.trim());
    if (!m) continue;
    if (isValidBin(m[1]!)) bins.add(m[1]!);
    else invalid.push(m[1]!);
  }
  let iin: string | null = null;
  for (const a of subject) {
    if (a.type !== SERIAL_NUMBER || a.binary) continue;
    const m = /^IIN\s*([0-9]{12})$/i.exec(a.value.trim());
    if (m && isValidBin(m[1]!)) {
      iin = m[1]!;
      break;
    }
  }
  if (bins.size === 1) return { bin: [...bins][0]!, iin, binProblem: null };
  if (bins.size > 1) return { bin: null, iin, binProblem: `the subject names several BINs (${[...bins].join(", ")})` };
  if (invalid.length > 0) return { bin: null, iin, binProblem: `OU ${invalid[0]} has an invalid BIN check digit` };
  return { bin: null, iin, binProblem: null };
}

/** Compare the signer's BIN with the applicant's (Rules p.15, 15-2: the EDS of that legal entity). */
export function binCheck(identity: SignerIdentity, expectedBin: string | undefined): { code: "no-bin" | "bin-mismatch"; message: string } | null {
  if (expectedBin === undefined) return null;
  const expected = String(expectedBin).trim();
  if (identity.bin === null) {
    const why = identity.binProblem ? `: ${identity.binProblem}` : " (no OU=BIN… in the subject; an individual's certificate?)";
    return { code: "no-bin", message: `the signer's certificate carries no BIN, expected ${expected}${why}` };
  }
  if (identity.bin !== expected) {
    return { code: "bin-mismatch", message: `the signer's BIN ${identity.bin} is not the applicant organisation's BIN ${expected}` };
  }
  return null;
}
