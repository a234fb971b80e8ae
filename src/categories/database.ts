/**
 * Building, serialising and loading the category database of a policy snapshot.
 *
 * Primitives:
 * - `buildCategoryDatabase({ version, lists, overrides })` — curated seed + imported lists + STS
 *   overrides → compiled database; the seed is always included, there is no parameter to leave it out;
 * - `serialiseCategoryDatabase(db)` → Buffer (format in serialise.ts);
 * - `loadCategoryDatabase(buffer)` → database, after checking the content hash, the structure and the
 *   p.20 floor (every protected seed entry present). A gateway keeps its last good snapshot when this
 *   throws (docs/architecture.md, "fail closed").
 */
import { type CategoryEntry, type CategoryList, type CategorySource, CURATED_SOURCE, type CuratedEntry, OVERRIDE_SOURCE } from "./entry.js";
import { CategoryDatabase, compileCategories, type RejectedEntry } from "./matcher.js";
import { parsePattern } from "./normalise.js";
import { type CategoryOverride, type OverrideResult, applyOverrides } from "./overrides.js";
import { CURATED_SEED, PROTECTED_SEED, SEED_VERSION } from "./seed/index.js";
import { CategoryDatabaseError, contentHashOf, decodeParts, encodeParts } from "./serialise.js";

export { CategoryDatabaseError } from "./serialise.js";

export const CURATED_SOURCE_INFO: CategorySource = Object.freeze({
  name: CURATED_SOURCE,
  licence: "Apache-2.0",
  fetched: SEED_VERSION,
  version: SEED_VERSION,
});

export interface BuildInput {
  /** Version label of this build, e.g. the snapshot sequence number. */
  readonly version: string;
  readonly lists?: readonly CategoryList[];
  readonly overrides?: readonly CategoryOverride[];
  /** ISO date of the newest override decision; recorded as the override source's date. */
  readonly overridesAt?: string;
}

export interface BuildResult {
  readonly database: CategoryDatabase;
  /** Entries the compiler refused (invalid pattern, unknown category, source mismatch). */
  readonly rejected: readonly RejectedEntry[];
  readonly overrides: Pick<OverrideResult, "applied" | "rejected">;
  /** Lists refused as a whole (reserved or duplicate source name). */
  readonly listErrors: readonly string[];
}

export function buildCategoryDatabase(input: BuildInput): BuildResult {
  const sources: CategorySource[] = [CURATED_SOURCE_INFO];
  const entries: CategoryEntry[] = [...CURATED_SEED];
  const rejected: RejectedEntry[] = [];
  const listErrors: string[] = [];
  const names = new Set<string>([CURATED_SOURCE, OVERRIDE_SOURCE]);
  for (const list of input.lists ?? []) {
    const name = list.source.name;
    if (names.has(name)) {
      listErrors.push(name === CURATED_SOURCE || name === OVERRIDE_SOURCE ? `source name ${name} is reserved` : `duplicate source ${name}`);
      continue;
    }
    names.add(name);
    sources.push(list.source);
    for (const e of list.entries) {
      if (e.source === name) entries.push(e);
      else rejected.push({ entry: e, reason: `entry names source ${e.source} inside list ${name}` });
    }
  }
  const overrides = input.overrides ?? [];
  let result: OverrideResult = { entries, applied: [], rejected: [] };
  if (overrides.length > 0) {
    result = applyOverrides(entries, overrides);
    sources.push({
      name: OVERRIDE_SOURCE,
      licence: "STS decisions",
      fetched: input.overridesAt ?? input.version,
      version: input.version,
    });
  }
  const compiled = compileCategories({ version: input.version, sources, entries: result.entries });
  return {
    database: new CategoryDatabase(compiled.parts, contentHashOf(compiled.parts)),
    rejected: rejected.concat(compiled.rejected),
    overrides: { applied: result.applied, rejected: result.rejected },
    listErrors,
  };
}

export function serialiseCategoryDatabase(db: CategoryDatabase): Buffer {
  return encodeParts(db.parts);
}

/** Decode, verify and floor-check a serialised database. Throws `CategoryDatabaseError`. */
export function loadCategoryDatabase(buf: Uint8Array): CategoryDatabase {
  const { parts, contentHash } = decodeParts(buf);
  const db = new CategoryDatabase(parts, contentHash);
  const missing = checkProtectedFloor(db);
  if (missing.length > 0) {
    const list = missing.slice(0, 5).map((e) => `${e.pattern} (${e.category})`).join(", ");
    throw new CategoryDatabaseError("protected-floor", `database lacks ${missing.length} protected seed entries: ${list}`);
  }
  return db;
}

/**
 * The protected seed entries (p.20 floor) this database does not carry with their category from the
 * curated source. Empty for every database `buildCategoryDatabase` produced with this seed; non-empty
 * when a snapshot was built by an older control plane or tampered with.
 */
export function checkProtectedFloor(db: CategoryDatabase): readonly CuratedEntry[] {
  return PROTECTED_SEED.filter((e) => {
    const p = parsePattern(e.pattern);
    if (!p.ok) return true;
    const r = p.pattern.kind === "domain" ? db.lookupDomain(p.pattern.key)
      : p.pattern.kind === "url" ? db.lookupUrl(p.pattern.host, p.pattern.path)
      : db.lookupIp(p.pattern.key.split("/")[0]!);
    if (!r.ok) return true;
    return !r.hits.some((h) => h.pattern === p.pattern.key && h.origins.some((o) => o.category === e.category && o.source === CURATED_SOURCE));
  });
}
