/** Category names in the chosen language, from the taxonomy the API serves (GET /api/categories, kk/ru/en). */
import { categories, type CategoryInfo } from "../gateway/api.js";
import { currentLanguage } from "../../i18n/index.js";
import { useLoad } from "../../hooks.js";

let cached: Promise<CategoryInfo[]> | undefined;
function taxonomy(): Promise<CategoryInfo[]> {
  cached ??= categories.list().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

export function useCategories(): { list: CategoryInfo[]; name: (id: string) => string } {
  const r = useLoad(() => taxonomy(), []);
  const list = r.data ?? [];
  const byId = new Map(list.map((c) => [c.id, c]));
  return { list, name: (id) => byId.get(id)?.names[currentLanguage()] ?? id };
}
