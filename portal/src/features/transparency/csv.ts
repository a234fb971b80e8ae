/**
 * CSV text of a table the page already holds (reports and lists the API returns whole), RFC 4180 quoting.
 * Pure, so the suite tests it without a browser; download.ts saves it.
 */
function cell(v: string | number | boolean | null | undefined): string {
  const s = v == null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(header: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}
