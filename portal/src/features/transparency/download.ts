/** Saves a table as a CSV download, with a UTF-8 byte-order mark so spreadsheet programs read Kazakh and Russian right. */
import { toCsv } from "./csv.js";

export function downloadCsv(filename: string, header: string[], rows: (string | number | boolean | null | undefined)[][]): void {
  const blob = new Blob(["\ufeff", toCsv(header, rows)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
