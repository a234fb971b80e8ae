/**
 * Category database: taxonomy, curated seed, importers, overrides, compiled matcher and its bytes.
 * Pure: no network, no clock; only the directory importer reads files. See docs/categories.md.
 */
export * from "./taxonomy.js";
export * from "./entry.js";
export { normaliseDomain, normalisePath, parsePattern, type InvalidNameReason, type NormalisedName, type Pattern, type ParsedPattern } from "./normalise.js";
export { CategoryDatabase, compileCategories, type CategoryHit, type CategoryLookup, type CategoryOrigin, type CategorySet, type CompileInput, type RejectedEntry } from "./matcher.js";
export { buildCategoryDatabase, serialiseCategoryDatabase, loadCategoryDatabase, checkProtectedFloor, CategoryDatabaseError, CURATED_SOURCE_INFO, type BuildInput, type BuildResult } from "./database.js";
export { applyOverrides, type CategoryOverride, type OverrideResult, type OverrideRejection } from "./overrides.js";
export { CURATED_SEED, PROTECTED_SEED, BASELINE_SEED, SEED_VERSION } from "./seed/index.js";
export { type ImportError, type ImportResult, type ListOptions } from "./importers/common.js";
export { parsePlainList } from "./importers/plain.js";
export { parseHostsFile } from "./importers/hosts.js";
export { parseSquidGuardDomains, parseSquidGuardUrls, parseUt1Files, importUt1Directory, UT1_CATEGORY_MAP, type Ut1Options, type Ut1File } from "./importers/squidguard.js";
