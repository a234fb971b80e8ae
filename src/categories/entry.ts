/**
 * The values the category database is built from: entries (pattern → category, from a named source)
 * and sources (where a list came from, under which licence, fetched when, which version).
 */
import type { CategoryId } from "./taxonomy.js";

/** The curated list shipped with qaqpa (`seed/`). Reserved: no imported list may use this name. */
export const CURATED_SOURCE = "qaqpa-curated";
/** STS decisions applied with `applyOverrides`. Reserved as well. */
export const OVERRIDE_SOURCE = "sts-override";

export interface CategoryEntry {
  /** `example.com`, `example.com/path`, `192.0.2.0/24`, `2001:db8::1` — see `parsePattern`. */
  readonly pattern: string;
  readonly category: CategoryId;
  /** Name of the `CategorySource` the entry came from. */
  readonly source: string;
}

/** An entry of the curated seed: every one says why it is there and since when. */
export interface CuratedEntry extends CategoryEntry {
  readonly source: typeof CURATED_SOURCE;
  readonly reason: string;
  /** ISO date (YYYY-MM-DD) the entry was added to the seed. */
  readonly added: string;
}

export interface CategorySource {
  /** Unique name, e.g. `ut1`, `stevenblack-hosts`. */
  readonly name: string;
  /** SPDX id or a short licence statement, e.g. `CC-BY-SA-4.0`. */
  readonly licence: string;
  /** ISO date the list was fetched (or, for the seed, last edited). */
  readonly fetched: string;
  /** The list's own version or date stamp; reported with every match it produces. */
  readonly version: string;
  readonly url?: string;
}

/** A source as recorded in a compiled database, with the number of entries it contributed. */
export interface CompiledSource extends CategorySource {
  readonly entryCount: number;
}

/** What a list importer hands to the database builder. */
export interface CategoryList {
  readonly source: CategorySource;
  readonly entries: readonly CategoryEntry[];
}
