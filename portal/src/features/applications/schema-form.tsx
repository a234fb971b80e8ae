/**
 * Forms generated from the contract schemas (TypeBox / JSON Schema) of the documents of the Rules'
 * Appendices and of the event data: one labelled field per property, fieldsets for nested objects,
 * repeatable groups for lists of objects (contacts, services), one-per-line text for lists of addresses,
 * date inputs for civil dates, a file picker beside PEM fields, the category taxonomy as checkboxes. The
 * draft holds what the person typed; `buildDocument` turns it into the document and names every missing or
 * malformed value by its JSON pointer, so the message appears next to its field — the same pointers the API
 * uses in its validation errors.
 */
import { useId, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { TSchema } from "@sinclair/typebox";
import { Checkbox, SelectField, TextArea, TextField } from "../../components/fields.js";
import { currentLanguage } from "../../i18n/index.js";
import type { Category } from "./api.js";
import { useTaxonomy } from "./category-names.js";
import { isChoice } from "./vocabulary.js";

export type Draft = string | boolean | string[] | Draft[] | { [k: string]: Draft };
type Obj = { [k: string]: Draft };
type Schema = TSchema & { type?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; const?: unknown; pattern?: string; format?: string; description?: string; maxLength?: number; minItems?: number };

const isDate = (s: Schema) => s.type === "string" && s.pattern === "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const isInstant = (s: Schema) => s.type === "string" && s.format === "date-time";
const isPem = (s: Schema) => s.type === "string" && /PEM/.test(s.description ?? "");
const isTrue = (s: Schema) => s.type === "boolean" && s.const === true;
const isCategoryList = (name: string, s: Schema) => name === "categories" && s.type === "array";
const isCategory = (name: string) => name === "category" || name === "suggestedCategory";

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
      const inner: Record<string, string> = {};
      for (const [k, ps] of Object.entries(s.properties ?? {})) {
        const v = walk(ps, o[k] ?? emptyDraft(ps, k), `${path}/${k}`, (s.required ?? []).includes(k), k);
        if (v !== undefined) out[k] = v;
      }
      if (!required && Object.keys(out).length === 0) {
        // an optional group left empty is not sent, and its required members are not asked for
        for (const k of Object.keys(errors).slice(before)) inner[k] = errors[k]!;
        for (const k of Object.keys(inner)) delete errors[k];
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
      return lines.length || (required && s.minItems === undefined) ? lines : lines.length ? lines : undefined;
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

/** The error of a field: its own, or the first one of a line inside it (`/networks/2`). */
function errorAt(errors: Record<string, string>, path: string): string | undefined {
  if (errors[path]) return errors[path];
  const k = Object.keys(errors).find((e) => e.startsWith(`${path}/`) && !/\/\d+\/[a-zA-Z]/.test(e.slice(path.length)));
  return k ? errors[k] : undefined;
}

function categoryName(c: Category): string {
  return c.names[currentLanguage()];
}

function CategoryChecklist({ label, value, onChange, error, path }: { label: string; value: string[]; onChange: (v: string[]) => void; error?: string | undefined; path: string }) {
  const { t } = useTranslation();
  const id = useId();
  const items = useTaxonomy().filter((c) => c.group === "content");
  return (
    <fieldset className={`field-group category-list${error ? " field-invalid" : ""}`} aria-describedby={error ? `${id}-error` : undefined} data-path={path}>
      <legend>{label}</legend>
      <p className="hint">{t("apps.categoriesHint")}</p>
      <div className="check-grid">
        {items.map((c) => (
          <Checkbox key={c.id} label={categoryName(c)} checked={value.includes(c.id)} onValue={(on) => onChange(on ? [...value, c.id] : value.filter((x) => x !== c.id))} />
        ))}
      </div>
      {error && (
        <p className="error" id={`${id}-error`} aria-invalid="true" tabIndex={-1}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

function CategorySelect({ label, value, onChange, error, path, required }: { label: string; value: string; onChange: (v: string) => void; error?: string | undefined; path: string; required: boolean }) {
  const { t } = useTranslation();
  const items = useTaxonomy().filter((c) => c.group !== "baseline-blocked");
  return <SelectField label={label} value={value} onValue={onChange} error={error} path={path} required={required} options={[{ value: "", label: t("common.choose") }, ...items.map((c) => ({ value: c.id, label: categoryName(c) }))]} />;
}

function PemField({ label, value, onChange, error, path, required }: { label: string; value: string; onChange: (v: string) => void; error?: string | undefined; path: string; required: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="pem-field">
      <TextArea label={label} hint={t("apps.pemHint")} value={value} onValue={onChange} error={error} path={path} required={required} rows={4} className="mono" spellCheck={false} />
      <label htmlFor={id} className="file-label">
        {t("apps.loadFile")}
      </label>
      <input id={id} type="file" accept=".pem,.crt,.cer,.key,text/plain" onChange={(e) => void e.target.files?.[0]?.text().then(onChange)} />
    </div>
  );
}

export function SchemaFields({ schema, value, onChange, errors, path = "/document", name = "" }: { schema: TSchema; value: Draft; onChange: (v: Draft) => void; errors: Record<string, string>; path?: string; name?: string }) {
  const { t } = useTranslation();
  const s = schema as Schema;
  const o = value as Obj;
  const children: ReactNode[] = [];
  for (const [k, ps] of Object.entries(s.properties ?? {})) {
    const p = `${path}/${k}`;
    const required = (s.required ?? []).includes(k);
    const set = (v: Draft) => onChange({ ...o, [k]: v });
    children.push(<Field key={k} name={k} schema={ps} value={o[k] ?? emptyDraft(ps, k)} onChange={set} errors={errors} path={p} required={required} />);
  }
  if (!name) return <>{children}</>;
  return (
    <fieldset className="field-group">
      <legend>{t(`appField.${name}`)}</legend>
      {children}
    </fieldset>
  );
}

function Field({ name, schema, value, onChange, errors, path, required }: { name: string; schema: Schema; value: Draft; onChange: (v: Draft) => void; errors: Record<string, string>; path: string; required: boolean }) {
  const { t } = useTranslation();
  const label = t(`appField.${name}`);
  const error = errorAt(errors, path);
  if (schema.type === "object") return <SchemaFields schema={schema} value={value} onChange={onChange} errors={errors} path={path} name={name} />;
  if (isCategoryList(name, schema)) return <CategoryChecklist label={label} value={value as string[]} onChange={onChange} error={error} path={path} />;
  if (schema.type === "array" && schema.items?.type === "object") {
    const list = value as Draft[];
    const item = schema.items;
    return (
      <fieldset className="field-group">
        <legend>{label}</legend>
        {list.map((x, i) => (
          <div key={i} className="repeat-item">
            <SchemaFields schema={item} value={x} onChange={(v) => onChange(list.map((y, j) => (j === i ? v : y)))} errors={errors} path={`${path}/${i}`} />
            {list.length > (schema.minItems ?? 0) && (
              <button type="button" className="btn btn-ghost" onClick={() => onChange(list.filter((_, j) => j !== i))}>
                {t("apps.removeItem", { what: label, n: i + 1 })}
              </button>
            )}
          </div>
        ))}
        <button type="button" className="btn" onClick={() => onChange([...list, emptyDraft(item)])}>
          {t("apps.addItem", { what: label })}
        </button>
        {errors[path] && <p className="error">{errors[path]}</p>}
      </fieldset>
    );
  }
  if (schema.type === "array") return <TextArea label={label} hint={t("apps.onePerLine")} value={value as string} onValue={onChange} error={error} path={path} required={required} rows={3} className="mono" spellCheck={false} />;
  if (isTrue(schema) || schema.type === "boolean") {
    return (
      <div className={`field${error ? " field-invalid" : ""}`}>
        <Checkbox label={label} checked={value === true} onValue={onChange} />
        {error && <p className="error">{error}</p>}
      </div>
    );
  }
  if (isChoice(schema)) {
    const options = schema.anyOf!.map((x) => ({ value: String(x.const), label: t(`appOption.${String(x.const)}`) }));
    return <SelectField label={label} value={value as string} onValue={onChange} error={error} path={path} required={required} options={[{ value: "", label: t("common.choose") }, ...options]} />;
  }
  if (isCategory(name)) return <CategorySelect label={label} value={value as string} onChange={onChange} error={error} path={path} required={required} />;
  if (isPem(schema)) return <PemField label={label} value={value as string} onChange={onChange} error={error} path={path} required={required} />;
  if ((schema.maxLength ?? 0) > 1000) return <TextArea label={label} value={value as string} onValue={onChange} error={error} path={path} required={required} rows={3} />;
  const type = isDate(schema) ? "date" : isInstant(schema) ? "datetime-local" : schema.format === "email" ? "email" : schema.type === "integer" ? "number" : "text";
  return <TextField label={label} type={type} value={value as string} onValue={onChange} error={error} path={path} required={required} inputMode={schema.type === "integer" ? "numeric" : undefined} />;
}
