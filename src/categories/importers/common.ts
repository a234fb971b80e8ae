/**
 * What every list importer shares: the result shape, line splitting with 1-based line numbers, comment
 * stripping, and the rule that bad input becomes a per-line error, never an exception. A list is
 * third-party data; one broken line must not cost the other million.
 */
import type { CategoryEntry, CategoryList, CategorySource } from "../entry.js";
import { type Pattern, parsePattern } from "../normalise.js";
import { type CategoryId, isCategoryId } from "../taxonomy.js";

export interface ImportError {
  /** File the line came from, relative to the imported directory (directory importers only). */
  readonly file?: string;
  /** 1-based; 0 for a problem with the file or the call rather than a line. */
  readonly line: number;
  readonly reason: string;
  /** The offending line, truncated to 200 characters. */
  readonly text: string;
}

export interface ImportResult extends CategoryList {
  readonly errors: readonly ImportError[];
  /** Parts of the input deliberately not imported (e.g. unmapped UT1 categories), with the reason. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

export interface ListOptions {
  readonly source: CategorySource;
  readonly category: CategoryId;
  /** Recorded in errors; useful when several files feed one source. */
  readonly file?: string;
}

const MAX_LINE = 4096;

/** Calls `each(line, number)` for every line that is not blank after comment stripping. */
export function forEachLine(text: string, each: (line: string, lineNo: number, raw: string) => void): void {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let lineNo = 0;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf("\n", start);
    if (end < 0) end = body.length;
    lineNo++;
    const raw = body.slice(start, end);
    start = end + 1;
    const hash = raw.indexOf("#");
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line !== "") each(line, lineNo, raw);
    if (end === body.length) break;
  }
}

export function errorAt(line: number, reason: string, raw: string, file?: string): ImportError {
  const text = raw.length > 200 ? raw.slice(0, 200) : raw.replace(/\r$/, "");
  return file === undefined ? { line, reason, text } : { file, line, reason, text };
}

/**
 * Shared body of the one-pattern-per-line formats. `accept` says which pattern kinds the format allows.
 */
export function parseLines(text: string, options: ListOptions, accept: (p: Pattern) => string | undefined,
  token: (line: string) => string | { error: string }): ImportResult {
  const entries: CategoryEntry[] = [];
  const errors: ImportError[] = [];
  const { source, category, file } = options;
  if (!isCategoryId(category)) {
    return { source, entries, errors: [errorAt(0, `unknown category ${String(category)}`, "", file)], skipped: [] };
  }
  if (typeof text !== "string") {
    return { source, entries, errors: [errorAt(0, "input is not text", "", file)], skipped: [] };
  }
  forEachLine(text, (line, n, raw) => {
    if (line.length > MAX_LINE) return void errors.push(errorAt(n, "line too long", raw, file));
    const t = token(line);
    if (typeof t !== "string") return void errors.push(errorAt(n, t.error, raw, file));
    const p = parsePattern(t);
    if (!p.ok) return void errors.push(errorAt(n, p.reason, raw, file));
    const refusal = accept(p.pattern);
    if (refusal) return void errors.push(errorAt(n, refusal, raw, file));
    entries.push({ pattern: p.pattern.key, category, source: source.name });
  });
  return { source, entries, errors, skipped: [] };
}

export function singleToken(line: string): string | { error: string } {
  return /\s/.test(line) ? { error: "more than one field on the line" } : line;
}
