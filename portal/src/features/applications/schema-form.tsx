/**
 * Forms generated from the contract schemas (TypeBox / JSON Schema) of the documents of the Rules'
 * Appendices and of the event data: one labelled field per property, fieldsets for nested objects,
 * repeatable groups for lists of objects (contacts, services), one-per-line text for lists of addresses,
 * date inputs for civil dates, a file picker beside PEM fields, the category taxonomy as checkboxes. The
 * draft and the document built from it are in document-draft.ts; a message for a JSON pointer appears
 * next to its field — the same pointers the API uses in its validation errors.
 */
import { useId, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { TSchema } from "@sinclair/typebox";
import { Checkbox, SelectField, TextArea, TextField } from "../../components/fields.js";
import { currentLanguage } from "../../i18n/index.js";
import type { Category } from "./api.js";
import { useTaxonomy } from "./category-names.js";
import { isChoice } from "./vocabulary.js";
import { emptyDraft, isCategory, isCategoryList, isDate, isInstant, isPem, isTrue, type Draft, type Obj, type Schema } from "./document-draft.js";

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

export function SchemaFields({ schema, value, onChange, errors, path = "/document", name = "", optional = false }: { schema: TSchema; value: Draft; onChange: (v: Draft) => void; errors: Record<string, string>; path?: string; name?: string; optional?: boolean }) {
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
      {optional && <p className="hint">{t("apps.optionalGroup")}</p>}
      {children}
    </fieldset>
  );
}

function Field({ name, schema, value, onChange, errors, path, required }: { name: string; schema: Schema; value: Draft; onChange: (v: Draft) => void; errors: Record<string, string>; path: string; required: boolean }) {
  const { t } = useTranslation();
  const label = t(`appField.${name}`);
  const error = errorAt(errors, path);
  if (schema.type === "object") return <SchemaFields schema={schema} value={value} onChange={onChange} errors={errors} path={path} name={name} optional={!required} />;
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
