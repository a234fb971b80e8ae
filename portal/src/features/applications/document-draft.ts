/**
 * The draft of a form generated from a contract schema, and the document built from it — pure, so the
 * portal's tests check it without a browser. The draft holds what the person typed (strings, booleans, lists
 * of drafts); `buildDocument` turns it into the document the API takes and names every missing or malformed
 * value by its JSON pointer, the same pointers the API's validation errors use.
 */
import type { TSchema } from "@sinclair/typebox";

export type Draft = string | boolean | string[] | Draft[] | { [k: string]: Draft };
export type Obj = { [k: string]: Draft };
export type Schema = TSchema & { type?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; const?: unknown; pattern?: string; format?: string; description?: string; maxLength?: number; minItems?: number };

export const isDate = (s: Schema) => s.type === "string" && s.pattern === "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
export const isInstant = (s: Schema) => s.type === "string" && s.format === "date-time";
export const isPem = (s: Schema) => s.type === "string" && /PEM/.test(s.description ?? "");
export const isTrue = (s: Schema) => s.type === "boolean" && s.const === true;
export const isCategoryList = (name: string, s: Schema) => name === "categories" && s.type === "array";
export const isCategory = (name: string) => name === "category" || name === "suggestedCategory";

/** The empty draft of a schema: one item in lists that need at least one. */
export function emptyDraft(s: Schema, name = ""): Draft {
  if (s.type === "object") return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, emptyDraft(v, k)]));
  if (s.type === "array") {
    if (isCategoryList(name, s)) return [] as string[];
    if (s.items?.type === "object") return s.minItems ? [emptyDraft(s.items)] : [];
    return "";
  }
  if (s.type === "boolean") return false;
  return "";
}

/** Kazakhstan keeps one time zone, UTC+5 (Asia/Almaty), since 1 March 2024. */
const ALMATY_OFFSET = "+05:00";

export interface Built {
  value: unknown;
  errors: Record<string, string>;
}

/** The document from the draft, or the messages of what is missing or malformed, by JSON pointer. */
export function buildDocument(schema: TSchema, draft: Draft, t: (k: string) => string, base = "/document"): Built {
  const errors: Record<string, string> = {};
  const walk = (s: Schema, d: Draft, path: string, required: boolean, name: string): unknown => {
    if (s.type === "object") {
      const o = (d ?? {}) as Obj;
      const out: Record<string, unknown> = {};
      const before = Object.keys(errors).length;
      for (const [k, ps] of Object.entries(s.properties ?? {})) {
        const v = walk(ps, o[k] ?? emptyDraft(ps, k), `${path}/${k}`, (s.required ?? []).includes(k), k);
        if (v !== undefined) out[k] = v;
      }
      if (!required && Object.keys(out).length === 0) {
        // an optional group left empty is not sent, and its required members are not asked for
        for (const k of Object.keys(errors).slice(before)) delete errors[k];
        return undefined;
      }
      return out;
    }
    if (s.type === "array") {
      if (isCategoryList(name, s)) {
        const v = d as string[];
        if (required && v.length < (s.minItems ?? 0)) errors[path] = t("apps.chooseAtLeastOne");
        return v.length ? v : required ? v : undefined;
      }
      if (s.items?.type === "object") {
        const list = (d as Draft[]).map((x, i) => walk(s.items!, x, `${path}/${i}`, true, name));
        if (list.length < (s.minItems ?? 0)) errors[path] = t("validation.required");
        return list.length || required ? list : undefined;
      }
      const lines = String(d).split(/\r?\n/).map((x) => x.trim()).filter(Boolean);
      if (lines.length < (s.minItems ?? 0)) errors[path] = t("validation.required");
      return lines.length || required ? lines : undefined;
    }
    if (isTrue(s)) {
      if (d !== true) errors[path] = t("apps.mustConfirm");
      return true;
    }
    if (s.type === "boolean") return d === true;
    const text = String(d).trim();
    if (!text) {
      if (required) errors[path] = t("validation.required");
      return undefined;
    }
    if (s.type === "integer") {
      if (!/^-?\d+$/.test(text)) {
        errors[path] = t("apps.wholeNumber");
        return undefined;
      }
      return Number(text);
    }
    if (isInstant(s)) return new Date(`${text.length === 16 ? `${text}:00` : text}${ALMATY_OFFSET}`).toISOString();
    return text;
  };
  const value = walk(schema as Schema, draft, base, true, "");
  return { value, errors };
}

