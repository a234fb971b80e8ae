/**
 * Catalogue CSV import and export. Telecom operators keep the catalogue up to date (Rules p.13) and
 * usually hold it in spreadsheets; the CSV is the bulk path between those and qaqpa.
 *
 * Format (docs/catalogue.md has an example):
 *   - RFC 4180: comma-separated, `"` quotes a field, `""` is a quote inside one; a quoted field may hold
 *     commas and line breaks. Records end with CRLF or LF (a lone CR is also accepted).
 *   - UTF-8, with or without a byte-order mark.
 *   - A header record is required; column names are matched case-insensitively, in any order:
 *     `prefix`, `organisation_bin`, `operator_bin` (required), `contract_number`, `note` (optional).
 *     An unknown or repeated column is an error: a misspelt column (say `organization_bin`) must not
 *     silently drop data.
 *   - Spaces and tabs around an unquoted value are ignored; a quoted value is taken as written.
 *   - Blank lines are skipped. Caps: 10 MiB and 200,000 data rows by default.
 *
 * Primitives: `parseCatalogueCsv` (bytes or text → `{rows, errors}`; it never throws, every row is
 * validated and each problem names its line and column) and `exportCatalogueCsv` (rows → text, ordered
 * by prefix, quoted where needed, so that parsing the export gives the same rows back).
 *
 * Line numbers are physical lines of the file, starting at 1 for the header; a record that spans lines
 * (a quoted line break) is reported at its first line. Line 0 means the file as a whole.
 *
 * Checks per row: the prefix parses (prefix.ts codes: `invalid-prefix`, `host-bits-set`, …), both BINs
 * are 12 digits with a valid check digit (bin-check.ts), the optional texts fit the API limits, and no
 * prefix appears twice in the file (`duplicate-prefix`, naming both lines). Overlaps between
 * organisations are the catalogue's rule, checked against the stored catalogue by overlap.ts.
 */
import { isValidBin } from "./bin-check.js";
import { parsePrefix, type Prefix, type PrefixErrorCode } from "./prefix.js";

export const CATALOGUE_COLUMNS = ["prefix", "organisation_bin", "operator_bin", "contract_number", "note"] as const;
export type CatalogueColumn = (typeof CATALOGUE_COLUMNS)[number];
const REQUIRED: readonly CatalogueColumn[] = ["prefix", "organisation_bin", "operator_bin"];

/** Limits shared with the API schema (src/contract): contract numbers ≤ 100, notes ≤ 500 characters. */
export const CONTRACT_NUMBER_MAX = 100;
export const NOTE_MAX = 500;

export interface CatalogueCsvRow {
  readonly prefix: Prefix;
  readonly organisationBin: string;
  readonly operatorBin: string;
  readonly contractNumber?: string;
  readonly note?: string;
}

export interface ParsedCatalogueRow extends CatalogueCsvRow {
  /** The line the row starts on. */
  readonly line: number;
}

export type CsvErrorCode =
  | "too-large"
  | "too-many-rows"
  | "too-many-errors"
  | "invalid-encoding"
  | "missing-header"
  | "missing-column"
  | "unknown-column"
  | "duplicate-column"
  | "unterminated-quote"
  | "stray-quote"
  | "field-count"
  | "missing-value"
  | "invalid-bin"
  | "invalid-value"
  | "duplicate-prefix"
  /** Not produced by the parser: for callers that report overlap.ts conflicts against the stored catalogue by line. */
  | "overlap"
  | PrefixErrorCode;

export interface CsvError {
  readonly line: number;
  /** The column as named in the header (lower case), when the problem is in one field or header name. */
  readonly column?: string;
  readonly code: CsvErrorCode;
  readonly message: string;
  /** For `duplicate-prefix`: the line where the prefix first appears. */
  readonly relatedLine?: number;
}

export interface CatalogueCsvResult {
  /** Rows that passed every check, in file order. */
  readonly rows: ParsedCatalogueRow[];
  readonly errors: CsvError[];
}

export interface CsvLimits {
  /** Largest accepted input in bytes (default 10 MiB). */
  readonly maxBytes?: number;
  /** Largest number of data rows, blank lines not counted (default 200,000). */
  readonly maxRows?: number;
  /** Parsing stops after this many errors, with a final `too-many-errors` (default 1,000). */
  readonly maxErrors?: number;
}

export const CSV_DEFAULT_LIMITS = { maxBytes: 10 * 1024 * 1024, maxRows: 200_000, maxErrors: 1_000 } as const;

// ---------------------------------------------------------------------------------------------------
// RFC 4180 tokenizer.

interface RawRecord {
  line: number;
  fields: string[];
  error?: { code: "unterminated-quote" | "stray-quote"; message: string };
}

/** Spaces and tabs only: other whitespace (NBSP, line separators) is data, and export quotes it. */
function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Counts line breaks (LF, CRLF once, lone CR) in s[from, to). */
function countBreaks(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/** Calls `onRecord` for each record; stops early when it returns false. */
function tokenize(text: string, onRecord: (r: RawRecord) => boolean): void {
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const rec: RawRecord = { line, fields: [] };
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === 34) {
        // Quoted field: up to the next lone quote; "" is a literal quote.
        let buf = "";
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q === -1) {
            line += countBreaks(text, j, n);
            buf += text.slice(j);
            rec.error ??= { code: "unterminated-quote", message: "a quoted field is not closed before the end of the file" };
            j = n;
            break;
          }
          line += countBreaks(text, j, q);
          buf += text.slice(j, q);
          if (text.charCodeAt(q + 1) === 34) {
            buf += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          break;
        }
        i = j;
        // Anything between the closing quote and the next separator is an error, kept literally.
        let k = i;
        while (k < n) {
          const c = text.charCodeAt(k);
          if (c === 44 || c === 10 || c === 13) break;
          k++;
        }
        if (k > i) {
          if (trimSpaces(text.slice(i, k)) !== "") {
            rec.error ??= { code: "stray-quote", message: "text follows the closing quote of a field; quote the whole field and double any quote inside it" };
          }
          buf += text.slice(i, k);
          i = k;
        }
        value = buf;
      } else {
        let k = i;
        let quote = false;
        while (k < n) {
          const c = text.charCodeAt(k);
          if (c === 44 || c === 10 || c === 13) break;
          if (c === 34) quote = true;
          k++;
        }
        if (quote) rec.error ??= { code: "stray-quote", message: 'a field that contains a quote must be quoted as a whole, with the quote doubled ("")' };
        value = trimSpaces(text.slice(i, k));
        i = k;
      }
      rec.fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        if (i >= n) { rec.fields.push(""); break; }
        continue;
      }
      // End of record: CRLF, LF or a lone CR.
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      break;
    }
    if (!onRecord(rec)) return;
  }
}

// ---------------------------------------------------------------------------------------------------
// Decoding.

/** Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629 §4), or -1. */
function firstInvalidUtf8(b: Uint8Array, from: number): number {
  let i = from;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; }
    else return i;
    if (i + need >= b.length) return i; // truncated sequence
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k]!;
      if ((d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function countLf(b: Uint8Array, to: number): number {
  let n = 0;
  for (let i = 0; i < to; i++) if (b[i] === 10) n++;
  return n;
}

/** A lone surrogate cannot be written as UTF-8; it only reaches us through string input. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** C0 controls and DEL; notes may keep tab and line breaks. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const NOTE_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

// ---------------------------------------------------------------------------------------------------

/**
 * Parses and validates a catalogue CSV. Never throws: every problem is an entry of `errors`; `rows`
 * holds the rows that passed. An import should be refused as a whole when `errors` is not empty.
 */
export function parseCatalogueCsv(input: string | Uint8Array, limits: CsvLimits = {}): CatalogueCsvResult {
  const maxBytes = limits.maxBytes ?? CSV_DEFAULT_LIMITS.maxBytes;
  const maxRows = limits.maxRows ?? CSV_DEFAULT_LIMITS.maxRows;
  const maxErrors = Math.max(1, limits.maxErrors ?? CSV_DEFAULT_LIMITS.maxErrors);
  const rows: ParsedCatalogueRow[] = [];
  const errors: CsvError[] = [];
  let stopped = false;
  const report = (e: CsvError): void => {
    if (stopped) return;
    if (errors.length >= maxErrors) {
      errors.push({ line: e.line, code: "too-many-errors", message: `more than ${maxErrors} errors; the rest of the file was not checked` });
      stopped = true;
      return;
    }
    errors.push(e);
  };

  let text: string;
  if (typeof input === "string") {
    if (Buffer.byteLength(input, "utf8") > maxBytes) {
      return { rows, errors: [{ line: 0, code: "too-large", message: `the file is larger than ${maxBytes} bytes` }] };
    }
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.byteLength > maxBytes) {
      return { rows, errors: [{ line: 0, code: "too-large", message: `the file is larger than ${maxBytes} bytes` }] };
    }
    const start = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
    const body = input.subarray(start);
    const at = firstInvalidUtf8(input, start);
    if (at !== -1) {
      return { rows, errors: [{ line: countLf(input, at) + 1, code: "invalid-encoding", message: `byte ${at} is not valid UTF-8; save the file as UTF-8` }] };
    }
    text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  }

  let columns: ColumnPositions | undefined;
  let headerDone = false;
  let dataRows = 0;
  const seen = new Map<string, number>();

  tokenize(text, (rec) => {
    const blank = rec.fields.length === 1 && rec.fields[0] === "" && rec.error === undefined;
    if (blank) return true;
    if (!headerDone) {
      headerDone = true;
      columns = readHeader(rec, report);
      return columns !== undefined && !stopped;
    }
    const cols = columns!;
    if (++dataRows > maxRows) {
      report({ line: rec.line, code: "too-many-rows", message: `more than ${maxRows} rows; split the file` });
      stopped = true;
      return false;
    }
    if (rec.error) {
      report({ line: rec.line, code: rec.error.code, message: rec.error.message });
      return !stopped;
    }
    if (rec.fields.length !== cols.count) {
      report({ line: rec.line, code: "field-count", message: `${rec.fields.length} fields where the header has ${cols.count}` });
      return !stopped;
    }
    const row = readRow(rec, cols, report, seen);
    if (row) rows.push(row);
    return !stopped;
  });

  if (!headerDone && !stopped) {
    report({ line: 1, code: "missing-header", message: `the file is empty; the first line must name the columns: ${CATALOGUE_COLUMNS.join(",")}` });
  }
  return { rows, errors };
}

/** Where each column sits in a record; -1 for an absent optional column. */
type ColumnPositions = Record<CatalogueColumn, number> & { count: number };

function readHeader(rec: RawRecord, report: (e: CsvError) => void): ColumnPositions | undefined {
  if (rec.error) {
    report({ line: rec.line, code: rec.error.code, message: `header: ${rec.error.message}` });
    return undefined;
  }
  const known = new Set<string>(CATALOGUE_COLUMNS);
  const cols: (CatalogueColumn | undefined)[] = [];
  const found = new Set<string>();
  let ok = true;
  for (const raw of rec.fields) {
    const name = trimSpaces(raw).toLowerCase();
    if (!known.has(name)) {
      ok = false;
      report({ line: rec.line, column: name, code: "unknown-column", message: `unknown column "${raw}"; the columns are ${CATALOGUE_COLUMNS.join(", ")}` });
      cols.push(undefined);
      continue;
    }
    if (found.has(name)) {
      ok = false;
      report({ line: rec.line, column: name, code: "duplicate-column", message: `the column "${name}" appears twice` });
    }
    found.add(name);
    cols.push(name as CatalogueColumn);
  }
  for (const r of REQUIRED) {
    if (!found.has(r)) {
      ok = false;
      report({ line: rec.line, column: r, code: "missing-column", message: `the required column "${r}" is missing from the header` });
    }
  }
  if (!ok) return undefined;
  return {
    count: cols.length,
    prefix: cols.indexOf("prefix"),
    organisation_bin: cols.indexOf("organisation_bin"),
    operator_bin: cols.indexOf("operator_bin"),
    contract_number: cols.indexOf("contract_number"),
    note: cols.indexOf("note"),
  };
}

/** Records one field error of a row; a plain function, so nothing is allocated per row. */
function fieldError(report: (e: CsvError) => void, line: number, column: CatalogueColumn, code: CsvErrorCode, message: string): false {
  report({ line, column, code, message });
  return false;
}

const BIN_SHAPE = /^[0-9]{12}$/;

function checkBin(report: (e: CsvError) => void, line: number, column: "organisation_bin" | "operator_bin", bin: string): boolean {
  const who = column === "organisation_bin" ? "organisation" : "telecom operator";
  if (bin === "") return fieldError(report, line, column, "missing-value", `the ${who} BIN is empty`);
  if (!BIN_SHAPE.test(bin)) return fieldError(report, line, column, "invalid-bin", `"${clip(bin)}" is not a BIN: a BIN has exactly 12 digits`);
  if (!isValidBin(bin)) return fieldError(report, line, column, "invalid-bin", `${bin}: the check digit does not match; check the ${who} BIN for a typing error`);
  return true;
}

function readRow(
  rec: RawRecord,
  at: ColumnPositions,
  report: (e: CsvError) => void,
  seen: Map<string, number>,
): ParsedCatalogueRow | undefined {
  const line = rec.line;
  const f = rec.fields;
  let ok = true;

  let prefix: Prefix | undefined;
  const prefixText = f[at.prefix]!;
  if (prefixText === "") ok = fieldError(report, line, "prefix", "missing-value", "the prefix is empty");
  else {
    const r = parsePrefix(prefixText);
    if (r.ok) prefix = r.prefix;
    else ok = fieldError(report, line, "prefix", r.code, r.message);
  }
  const organisationBin = f[at.organisation_bin]!;
  const operatorBin = f[at.operator_bin]!;
  if (!checkBin(report, line, "organisation_bin", organisationBin)) ok = false;
  if (!checkBin(report, line, "operator_bin", operatorBin)) ok = false;
  const contractNumber = at.contract_number === -1 ? "" : f[at.contract_number]!;
  if (contractNumber.length > CONTRACT_NUMBER_MAX) {
    ok = fieldError(report, line, "contract_number", "invalid-value", `the contract number is longer than ${CONTRACT_NUMBER_MAX} characters`);
  } else if (CONTROL.test(contractNumber) || LONE_SURROGATE.test(contractNumber)) {
    ok = fieldError(report, line, "contract_number", "invalid-value", "the contract number contains control characters");
  }
  const note = at.note === -1 ? "" : f[at.note]!;
  if (note.length > NOTE_MAX) ok = fieldError(report, line, "note", "invalid-value", `the note is longer than ${NOTE_MAX} characters`);
  else if (NOTE_CONTROL.test(note) || LONE_SURROGATE.test(note)) ok = fieldError(report, line, "note", "invalid-value", "the note contains control characters");

  if (prefix) {
    const first = seen.get(prefix.text);
    if (first !== undefined) {
      ok = false;
      report({ line, column: "prefix", code: "duplicate-prefix", message: `${prefix.text} is already on line ${first}; a prefix may appear only once`, relatedLine: first });
    } else {
      seen.set(prefix.text, line);
    }
  }
  if (!ok || !prefix) return undefined;
  const row: { -readonly [K in keyof ParsedCatalogueRow]: ParsedCatalogueRow[K] } = { line, prefix, organisationBin, operatorBin };
  if (contractNumber !== "") row.contractNumber = contractNumber;
  if (note !== "") row.note = note;
  return row;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

// ---------------------------------------------------------------------------------------------------
// Export.

export interface CsvExportOptions {
  /** Record separator; RFC 4180 says CRLF (default). */
  readonly lineEnding?: "\r\n" | "\n";
  /** Prepend a UTF-8 byte-order mark, which spreadsheet programs use to detect UTF-8 (default false). */
  readonly bom?: boolean;
}

/** Quote when the parser would otherwise change the value: separators, quotes, line breaks, edge spaces. */
function field(value: string | undefined): string {
  if (value === undefined || value === "") return "";
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 32 || first === 9 || last === 32 || last === 9 || NEEDS_QUOTES.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Writes rows as catalogue CSV with every column, ordered by prefix (`comparePrefixes`, then BINs, then
 * input order), so two exports of the same catalogue are byte-identical and diff cleanly.
 */
export function exportCatalogueCsv(rows: readonly CatalogueCsvRow[], options: CsvExportOptions = {}): string {
  const eol = options.lineEnding ?? "\r\n";
  const n = rows.length;
  // Flat sort keys: the comparator then reads typed arrays instead of chasing row → prefix → words.
  const fam = new Uint8Array(n);
  const len = new Uint8Array(n);
  const w = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const p = rows[i]!.prefix;
    fam[i] = p.family;
    len[i] = p.length;
    w.set(p.words, i * 4);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    if (fam[a] !== fam[b]) return fam[a]! - fam[b]!;
    for (let k = 0; k < 4; k++) {
      const x = w[a * 4 + k]!;
      const y = w[b * 4 + k]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    const ra = rows[a]!;
    const rb = rows[b]!;
    return len[a]! - len[b]! || cmp(ra.organisationBin, rb.organisationBin) || cmp(ra.operatorBin, rb.operatorBin) || a - b;
  });
  let out = CATALOGUE_COLUMNS.join(",") + eol;
  for (let k = 0; k < n; k++) {
    const r = rows[order[k]!]!;
    out += `${r.prefix.text},${field(r.organisationBin)},${field(r.operatorBin)},${field(r.contractNumber)},${field(r.note)}${eol}`;
  }
  return (options.bom ? "\ufeff" : "") + out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
