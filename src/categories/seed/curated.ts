/**
 * Helper for the curated seed files: one row per destination, `[pattern, reason]`, all of one category.
 *
 * A pattern covers the name and every name below it by whole labels (docs/categories.md), so a row is a
 * zone decision: `gov.kz` exempts every state body's site, `delivery.mp.microsoft.com` exempts Windows
 * Update delivery but not the rest of microsoft.com. Prefer the narrowest name that is entirely of the
 * category; a broad vendor zone would exempt its marketing, forums and user content from inspection too.
 */
import { CURATED_SOURCE, type CuratedEntry } from "../entry.js";
import type { CategoryId } from "../taxonomy.js";

/** The date the seed was last revised; also its version in the database's source list. */
export const SEED_VERSION = "2026-11-26";

export function curated(category: CategoryId, added: string, rows: readonly (readonly [pattern: string, reason: string])[]): readonly CuratedEntry[] {
  return Object.freeze(rows.map(([pattern, reason]) => Object.freeze({ pattern, category, reason, source: CURATED_SOURCE, added })));
}
