/**
 * STS overrides: decisions that add a category to a pattern or remove one, applied over the curated seed
 * and the imported lists before compilation (p.20; the re-categorisation workflow records who and why).
 *
 * The floor. Removing a protected category from a pattern the curated seed lists as protected is refused.
 * p.20 excludes these categories from decryption without exception, so the seed's protected entries are a
 * floor that configuration cannot lower: an override store that could remove `gov.kz` would be a switch
 * for decrypting state bodies' traffic, which the Rules do not give STS. The same removal against an
 * imported list's entry (UT1 calling a shop "bank") is allowed — that is what overrides are for. Adding
 * categories, protected ones included, is always allowed: it can only raise the floor.
 *
 * Removal is exact: it drops the entries whose canonical pattern and category equal the override's, from
 * every source. It does not carve a subdomain out of a parent entry; to say more about `a.example.com`
 * than `example.com` says, add an entry for it — lookups report the most specific first.
 */
import { type CategoryEntry, CURATED_SOURCE, OVERRIDE_SOURCE } from "./entry.js";
import { parsePattern } from "./normalise.js";
import { type CategoryId, isCategoryId, isProtectedCategory } from "./taxonomy.js";

export interface CategoryOverride {
  readonly action: "add" | "remove";
  readonly pattern: string;
  readonly category: CategoryId;
  readonly reason: string;
}

export type OverrideRejection = "invalid-pattern" | "unknown-category" | "protected-floor" | "no-match";

export interface OverrideResult {
  readonly entries: CategoryEntry[];
  readonly applied: readonly CategoryOverride[];
  readonly rejected: readonly { readonly override: CategoryOverride; readonly reason: OverrideRejection; readonly detail: string }[];
}

/** Apply overrides in order (a later override sees the effect of an earlier one). Never throws. */
export function applyOverrides(entries: readonly CategoryEntry[], overrides: readonly CategoryOverride[]): OverrideResult {
  const all: CategoryEntry[] = [...entries];
  const removed = new Set<number>();
  const applied: CategoryOverride[] = [];
  const rejected: { override: CategoryOverride; reason: OverrideRejection; detail: string }[] = [];
  const keyOf = (pattern: string): string | undefined => {
    const p = parsePattern(pattern);
    return p.ok ? p.pattern.key : undefined;
  };
  // Canonical pattern → indices in `all`; built on the first removal (adds alone never need it).
  let index: Map<string, number[]> | undefined;
  const indexed = (): Map<string, number[]> => {
    if (!index) {
      index = new Map();
      all.forEach((e, i) => {
        const k = keyOf(e.pattern);
        if (k === undefined) return;
        const list = index!.get(k);
        if (list) list.push(i);
        else index!.set(k, [i]);
      });
    }
    return index;
  };

  for (const o of overrides) {
    const key = keyOf(o.pattern);
    if (key === undefined) {
      rejected.push({ override: o, reason: "invalid-pattern", detail: `pattern ${JSON.stringify(o.pattern)} is not valid` });
      continue;
    }
    if (!isCategoryId(o.category)) {
      rejected.push({ override: o, reason: "unknown-category", detail: `unknown category ${String(o.category)}` });
      continue;
    }
    if (o.action === "add") {
      all.push({ pattern: key, category: o.category, source: OVERRIDE_SOURCE });
      if (index) {
        const list = index.get(key);
        if (list) list.push(all.length - 1);
        else index.set(key, [all.length - 1]);
      }
      applied.push(o);
      continue;
    }
    const matches = (indexed().get(key) ?? []).filter((i) => !removed.has(i) && all[i]!.category === o.category);
    if (matches.length === 0) {
      rejected.push({ override: o, reason: "no-match", detail: `no entry ${key} → ${o.category}` });
      continue;
    }
    if (isProtectedCategory(o.category) && matches.some((i) => all[i]!.source === CURATED_SOURCE)) {
      rejected.push({ override: o, reason: "protected-floor", detail: `${key} is ${o.category} in the curated seed; p.20 is a floor` });
      continue;
    }
    for (const i of matches) removed.add(i);
    applied.push(o);
  }
  return { entries: removed.size === 0 ? all : all.filter((_, i) => !removed.has(i)), applied, rejected };
}
