/** Category ids (`social-networks`) as their names in the chosen language, from GET /api/categories. */
import { useLoad } from "../../hooks.js";
import { currentLanguage } from "../../i18n/index.js";
import { categories, type Category } from "./api.js";

// The taxonomy changes with a release, not while a page is open: one request serves every view.
let taxonomy: Promise<Category[]> | undefined;
export function loadTaxonomy(): Promise<Category[]> {
  taxonomy ??= categories.list().catch((e: unknown) => {
    taxonomy = undefined;
    throw e;
  });
  return taxonomy;
}

export function useTaxonomy(): Category[] {
  return useLoad(() => loadTaxonomy(), []).data ?? [];
}

export function useCategoryNames(): (id: string) => string {
  const list = useTaxonomy();
  const lang = currentLanguage();
  const byId = new Map(list.map((c) => [c.id, c.names[lang]]));
  return (id) => byId.get(id) ?? id;
}

/** Document fields whose values are category ids. */
export const CATEGORY_FIELDS = new Set(["categories", "category", "suggestedCategory"]);
