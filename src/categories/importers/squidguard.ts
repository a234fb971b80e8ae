/**
 * squidGuard list files, the format of the UT1 (Université Toulouse Capitole) collection:
 * `<dir>/<category>/domains` (one domain or address per line, covering subdomains) and
 * `<dir>/<category>/urls` (one `host/path` per line, no scheme, matching that path prefix on the host and
 * its subdomains). `expressions` files (regular expressions) are not imported: a regex over URLs cannot
 * be compiled into the label table and would run per request.
 *
 * UT1's categories are mapped to ours by `UT1_CATEGORY_MAP`; a category absent from the map is reported in
 * `skipped`, not guessed. Licence of the UT1 lists: CC BY-SA 4.0.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { CategoryEntry, CategorySource } from "../entry.js";
import type { CategoryId } from "../taxonomy.js";
import { type ImportError, type ImportResult, errorAt, parseLines, singleToken } from "./common.js";

export function parseSquidGuardDomains(text: string, options: { source: CategorySource; category: CategoryId; file?: string }): ImportResult {
  return parseLines(text, options, (p) => (p.kind === "url" ? "a path in a domains file (belongs in urls)" : undefined), singleToken);
}

export function parseSquidGuardUrls(text: string, options: { source: CategorySource; category: CategoryId; file?: string }): ImportResult {
  // squidGuard treats "host" and "host/" in a urls file as the whole host; parsePattern does the same.
  return parseLines(text, options, (p) => (p.kind === "ip" ? "an address in a urls file needs a host name" : undefined), singleToken);
}

/**
 * UT1 category → qaqpa category. Deliberately not mapped:
 * - `update` (6 hosts mixing application and OS updaters — the curated seed names update hosts itself;
 *   a third-party list should not widen the p.20 exemption by a category this loose);
 * - `strict_redirector`, `strong_redirector` (redirector plus search-engine caches; would block search);
 * - lists UT1 marks as local or special-purpose (`liste_bu`, `examen_pix`, `child`, `tricheur`, …) and
 *   topics we have no category for (`cooking`, `astrology`, `sect`, …).
 */
export const UT1_CATEGORY_MAP: Readonly<Record<string, CategoryId>> = Object.freeze({
  adult: "adult",
  agressif: "extremism",
  arjel: "gambling",
  "audio-video": "streaming-media",
  bank: "finance-banking",
  bitcoin: "cryptocurrency",
  celebrity: "entertainment",
  chat: "messaging",
  cryptojacking: "malware",
  dangerous_material: "weapons",
  dating: "dating",
  ddos: "hacking",
  dialer: "malware",
  doh: "doh",
  download: "software-downloads",
  drogue: "drugs",
  "dynamic-dns": "dynamic-dns",
  educational_games: "games",
  filehosting: "cloud-storage",
  financial: "business",
  gambling: "gambling",
  games: "games",
  hacking: "hacking",
  jobsearch: "job-search",
  malware: "malware",
  manga: "entertainment",
  marketingware: "advertising",
  phishing: "phishing",
  press: "news",
  publicite: "advertising",
  radio: "streaming-media",
  redirector: "proxy-anonymizer",
  "remote-control": "remote-access",
  shopping: "shopping",
  shortener: "url-shorteners",
  social_networks: "social-networks",
  sports: "sports",
  stalkerware: "malware",
  translation: "reference",
  vpn: "vpn",
  warez: "file-sharing",
  webmail: "webmail",
});

export const UT1_SOURCE_DEFAULTS = Object.freeze({
  name: "ut1",
  licence: "CC-BY-SA-4.0",
  url: "https://dsi.ut-capitole.fr/blacklists/",
});

export interface Ut1Options {
  /** Date the archive was fetched and its version stamp (UT1 publishes a dated archive). */
  readonly fetched: string;
  readonly version: string;
  readonly name?: string;
  /** Replace or extend the mapping; `null` drops a UT1 category. */
  readonly mapping?: Readonly<Record<string, CategoryId | null>>;
}

export interface Ut1File {
  /** UT1 category (the directory name). */
  readonly category: string;
  readonly kind: "domains" | "urls";
  readonly text: string;
}

/** The directory importer's core, over file contents already read. */
export function parseUt1Files(files: readonly Ut1File[], options: Ut1Options): ImportResult {
  const source: CategorySource = {
    name: options.name ?? UT1_SOURCE_DEFAULTS.name,
    licence: UT1_SOURCE_DEFAULTS.licence,
    fetched: options.fetched,
    version: options.version,
    url: UT1_SOURCE_DEFAULTS.url,
  };
  const entries: CategoryEntry[] = [];
  const errors: ImportError[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const f of files) {
    const path = `${f.category}/${f.kind}`;
    const mapped = options.mapping && f.category in options.mapping ? options.mapping[f.category] : UT1_CATEGORY_MAP[f.category];
    if (!mapped) {
      skipped.push({ path, reason: "UT1 category not mapped to a qaqpa category" });
      continue;
    }
    const parse = f.kind === "domains" ? parseSquidGuardDomains : parseSquidGuardUrls;
    const r = parse(f.text, { source, category: mapped, file: path });
    for (const e of r.entries) entries.push(e);
    for (const e of r.errors) errors.push(e);
  }
  return { source, entries, errors, skipped };
}

/**
 * Read a UT1 / squidGuard tree: `dir/<category>/domains` and `dir/<category>/urls`, plain or gzipped
 * (`domains.gz`, as mirrors ship the biggest lists). Never throws: an unreadable directory or file is an
 * error at line 0.
 */
export async function importUt1Directory(dir: string, options: Ut1Options): Promise<ImportResult> {
  const files: Ut1File[] = [];
  const errors: ImportError[] = [];
  const skipped: { path: string; reason: string }[] = [];
  let categories: string[];
  try {
    categories = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (e) {
    const empty = parseUt1Files([], options);
    return { ...empty, errors: [errorAt(0, `cannot read directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, "")] };
  }
  for (const category of categories) {
    let names: string[];
    try {
      names = await readdir(join(dir, category));
    } catch (e) {
      errors.push(errorAt(0, `cannot read directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, "", category));
      continue;
    }
    for (const kind of ["domains", "urls"] as const) {
      const plain = names.includes(kind);
      const gz = names.includes(`${kind}.gz`);
      if (!plain && !gz) continue;
      const file = plain ? kind : `${kind}.gz`;
      try {
        const raw = await readFile(join(dir, category, file));
        const text = (gz && !plain ? gunzipSync(raw) : raw).toString("utf8");
        files.push({ category, kind, text });
      } catch (e) {
        errors.push(errorAt(0, `cannot read file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, "", `${category}/${file}`));
      }
    }
    if (names.includes("expressions")) skipped.push({ path: `${category}/expressions`, reason: "regular-expression lists are not imported" });
  }
  const r = parseUt1Files(files, options);
  return { source: r.source, entries: r.entries, errors: errors.concat(r.errors), skipped: skipped.concat(r.skipped) };
}
