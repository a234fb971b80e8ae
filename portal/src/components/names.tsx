/**
 * Organisations and operators carry their names in Kazakh, Russian and English; lists show the one of the
 * chosen language. Tables that hold only ids (contracts, prefixes) resolve names once per id.
 */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { organisations, operators } from "../api/resources.js";
import { currentLanguage } from "../i18n/index.js";
import { SelectField } from "./fields.js";
import { useLoad } from "../hooks.js";

export interface Named {
  nameKk: string;
  nameRu: string;
  nameEn: string;
}

export function localName(e: Named | undefined): string {
  if (!e) return "…";
  const l = currentLanguage();
  return l === "kk" ? e.nameKk : l === "ru" ? e.nameRu : e.nameEn;
}

type Kind = "organisation" | "operator";
const cache: Record<Kind, Map<string, Promise<Named>>> = { organisation: new Map(), operator: new Map() };

function fetchNamed(kind: Kind, id: string): Promise<Named> {
  let p = cache[kind].get(id);
  if (!p) {
    p = kind === "organisation" ? organisations.get(id) : operators.get(id);
    p.catch(() => cache[kind].delete(id));
    cache[kind].set(id, p);
  }
  return p;
}

/** Forget cached names after an edit. */
export function forgetName(kind: Kind, id: string): void {
  cache[kind].delete(id);
}

export function useNames(kind: Kind, ids: (string | null | undefined)[]): Record<string, Named> {
  const [names, setNames] = useState<Record<string, Named>>({});
  const key = [...new Set(ids.filter(Boolean))].sort().join(",");
  useEffect(() => {
    let live = true;
    const want = key ? key.split(",") : [];
    Promise.allSettled(want.map((id) => fetchNamed(kind, id).then((n) => [id, n] as const))).then((rs) => {
      if (!live) return;
      const out: Record<string, Named> = {};
      for (const r of rs) if (r.status === "fulfilled") out[r.value[0]] = r.value[1];
      setNames(out);
    });
    return () => {
      live = false;
    };
  }, [kind, key]);
  return names;
}

/** A select of organisations or operators in the caller's scope (the API returns only what the role may see). */
export function EntitySelect({ kind, label, value, onValue, error, path, required, allowEmpty, emptyLabel, disabled }: { kind: Kind; disabled?: boolean; label: string; value: string; onValue: (v: string) => void; error?: string | undefined; path?: string; required?: boolean; allowEmpty?: boolean; emptyLabel?: string }) {
  const { t, i18n } = useTranslation();
  const list = useLoad<{ items: (Named & { id: string; bin: string })[] }>((signal) => (kind === "organisation" ? organisations.list({ limit: 500 }, signal) : operators.list({ limit: 500 }, signal)), [kind]);
  const items = list.data?.items ?? [];
  // A scoped account sees one operator (its own): choose it rather than ask.
  useEffect(() => {
    if (required && !value && items.length === 1) onValue(items[0]!.id);
  }, [required, value, items, onValue]);
  const options = [
    ...(allowEmpty || !value ? [{ value: "", label: emptyLabel ?? t("common.choose") }] : []),
    ...items.map((e) => ({ value: e.id, label: `${localName(e)} (${e.bin})` })).sort((a, b) => a.label.localeCompare(b.label, i18n.language)),
  ];
  return <SelectField label={label} value={value} onValue={onValue} error={error} path={path} required={required} options={options} disabled={disabled || list.loading} />;
}
