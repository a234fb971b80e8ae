/**
 * Error codes of the catalogue (src/domain/catalogue/csv.ts, prefix.ts): each has a short label in the
 * message catalogues (`csvError.<code>`), shown next to the server's detail. test/portal/i18n.test.ts
 * fails when the domain adds a code that is missing here.
 */

export const CSV_ERROR_CODES = [
  "too-large",
  "too-many-rows",
  "too-many-errors",
  "invalid-encoding",
  "missing-header",
  "missing-column",
  "unknown-column",
  "duplicate-column",
  "unterminated-quote",
  "stray-quote",
  "field-count",
  "missing-value",
  "invalid-bin",
  "invalid-value",
  "duplicate-prefix",
  "overlap",
  "invalid-prefix",
  "invalid-address",
  "invalid-length",
  "host-bits-set",
  "zone-id",
  "ipv4-mapped",
  "leading-zeros",
] as const;

export function isKnownCode(c: string): c is (typeof CSV_ERROR_CODES)[number] {
  return (CSV_ERROR_CODES as readonly string[]).includes(c);
}
