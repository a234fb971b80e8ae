/** Small builders shared by the category tests. */
import type { CategoryEntry, CategorySource } from "../../src/categories/entry.js";
import { CategoryDatabase, compileCategories } from "../../src/categories/matcher.js";
import { contentHashOf } from "../../src/categories/serialise.js";
import type { CategoryId } from "../../src/categories/taxonomy.js";

export const SOURCE: CategorySource = { name: "test-list", licence: "CC0-1.0", fetched: "2026-11-26", version: "v1" };

export function entry(pattern: string, category: CategoryId, source = SOURCE.name): CategoryEntry {
  return { pattern, category, source };
}

/** A database of exactly these entries (no curated seed), as the matcher tests want it. */
export function compile(entries: readonly CategoryEntry[], sources: readonly CategorySource[] = [SOURCE]): CategoryDatabase {
  const { parts, rejected } = compileCategories({ version: "test", sources, entries });
  if (rejected.length) throw new Error(`rejected: ${JSON.stringify(rejected)}`);
  return new CategoryDatabase(parts, contentHashOf(parts));
}

/** [pattern, categories] of each hit, in the order the lookup returned them. */
export function hitsOf(r: ReturnType<CategoryDatabase["lookupDomain"]>): [string, string[]][] | string {
  if (!r.ok) return `invalid:${r.reason}`;
  return r.hits.map((h) => [h.pattern, [...h.categories]]);
}
