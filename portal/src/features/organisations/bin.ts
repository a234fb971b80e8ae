/** The BIN message a form shows before sending: 12 digits, and a check digit that matches (bin-check.ts). */
import { isValidBin } from "../../../../src/domain/catalogue/bin-check.js";

export function binError(bin: string, t: (k: string) => string): string | undefined {
  const b = bin.trim();
  if (!b) return t("validation.required");
  if (!/^[0-9]{12}$/.test(b)) return t("validation.binDigits");
  if (!isValidBin(b)) return t("validation.binCheck");
  return undefined;
}
