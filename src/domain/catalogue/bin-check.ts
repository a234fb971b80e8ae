/**
 * The check digit of a Kazakh business identification number (BIN, БСН/БИН). Organisations and telecom
 * operators are identified by BIN in the catalogue and its CSV (Rules p.2, p.13); a mistyped BIN would
 * attach a prefix to the wrong organisation, so every BIN is checked before it is stored.
 *
 * A BIN has 12 digits; the 12th is a check digit over the first 11 (Law No. 223 of 12 January 2007 "On
 * national registers of identification numbers", art. 1 p.1 1): "control bit"; the algorithm is the one
 * of the rules of forming identification numbers, Government decree No. 406 of 22 May 2007,
 * https://adilet.zan.kz/rus/docs/P070000406_). The same algorithm serves the IIN of individuals.
 *
 *   1. s = Σ d[i] · i  for i = 1..11 (weights 1, 2, …, 11);  c = s mod 11.
 *   2. If c = 10, a second pass: s = Σ d[i] · w[i] with weights 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2;
 *      c = s mod 11.
 *   3. If c is still 10, no valid BIN has these first 11 digits (the register does not issue them);
 *      otherwise the 12th digit must equal c.
 *
 * What the check digit does not catch. Weight 11 is 0 modulo 11, so in the first pass the 11th digit
 * does not count: a typo in the 11th digit goes unnoticed whenever the first pass decides (about nine
 * typos in ten there). A typo in the check digit is always caught; a typo in digits 1–10 is caught
 * whenever the first pass decides for both the typed and the intended number (only when one of them
 * goes to the second pass can the two results coincide). test/domain/catalogue/bin-check.test.ts pins
 * these properties down, so nobody mistakes the check for more than it is.
 *
 * Only the check digit is verified, not the structure of the first digits (registration month, entity
 * kind): that structure has changed over time and differs between BIN kinds, while the check digit is
 * the same for all of them.
 */

const FIRST = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;
const SECOND = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2] as const;

/** ASCII digits only: other scripts' digits (e.g. full-width ０–９) are not a BIN. */
function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function weighted(digits: string, weights: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < 11; i++) s += (digits.charCodeAt(i) - 48) * weights[i]!;
  return s % 11;
}

/**
 * The check digit for the first 11 digits of a BIN, or `undefined` when no valid BIN starts with them
 * (both passes give 10) or the input is not 11 (or 12) ASCII digits.
 */
export function binCheckDigit(first11: string): number | undefined {
  if (typeof first11 !== "string" || (first11.length !== 11 && first11.length !== 12) || !allDigits(first11)) return undefined;
  let c = weighted(first11, FIRST);
  if (c === 10) c = weighted(first11, SECOND);
  return c === 10 ? undefined : c;
}

/** True when `bin` is exactly 12 ASCII digits and its last digit is the check digit of the first 11. */
export function isValidBin(bin: string): boolean {
  if (typeof bin !== "string" || bin.length !== 12 || !allDigits(bin)) return false;
  return binCheckDigit(bin) === bin.charCodeAt(11) - 48;
}
