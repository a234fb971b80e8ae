/**
 * The portal's message catalogues (portal/src/i18n/{kk,ru,en}.json) against each other and against the
 * source: every key in every language (plural forms by each language's CLDR categories), the same
 * {{placeholders}} in each translation, every t("…") of the source present, no key left unused, and
 * dynamic keys (t(`role.${r}`)) only under prefixes whose values this test can enumerate.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PROBLEMS } from "../../src/contract/problem.js";
import { ROLES } from "../../src/domain/authz.js";
import { ORGANISATION_CLASSES } from "../../src/domain/organisation.js";
import { DAY_KINDS } from "../../src/domain/working-days/year-data.js";
import { STATUTORY_HOLIDAYS } from "../../src/domain/working-days/index.js";
import { ContractStatus } from "../../src/contract/contracts.js";
import { OrganisationStatus } from "../../src/contract/organisations.js";
import { CSV_ERROR_CODES } from "../../portal/src/features/catalogue/codes.js";
import type { CsvErrorCode } from "../../src/domain/catalogue/csv.js";
import { APPLICATION_KINDS, APP_ACTIONS, APP_EVENTS, APP_STATES, DEADLINE_KINDS, INCIDENT_SOURCES, PARTIES, POLICY_STATUSES, TASK_STATES, schemaVocabulary } from "../../portal/src/features/applications/vocabulary.js";
import { UNKNOWN_SOURCE_STATES } from "../../src/domain/workflows/unknown-source.js";
import { GUIDE_PLATFORMS, GUIDE_STEPS } from "../../portal/src/features/guides/platforms.js";

// The type check of the test suite fails when the catalogue domain gains an error code the portal has no label for.
type Unlabelled = Exclude<CsvErrorCode, (typeof CSV_ERROR_CODES)[number]>;
const everyCodeLabelled: [Unlabelled] extends [never] ? true : Unlabelled = true;
void everyCodeLabelled;

const root = join(import.meta.dirname, "..", "..");
const portalSrc = join(root, "portal", "src");
const LANGS = ["kk", "ru", "en"] as const;
type Lang = (typeof LANGS)[number];

type Tree = { [k: string]: string | Tree };
function flatten(t: Tree, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(t)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out[key] = v;
    else flatten(v, key, out);
  }
  return out;
}
const catalogues = Object.fromEntries(LANGS.map((l) => [l, flatten(JSON.parse(readFileSync(join(portalSrc, "i18n", `${l}.json`), "utf8")) as Tree)])) as Record<Lang, Record<string, string>>;

const PLURAL = /_(zero|one|two|few|many|other)$/;
/** base key → the plural suffixes present ("" for a plain key) */
function bases(cat: Record<string, string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const k of Object.keys(cat)) {
    const m = PLURAL.exec(k);
    const base = m ? k.slice(0, m.index) : k;
    const set = out.get(base) ?? new Set<string>();
    set.add(m ? m[1]! : "");
    out.set(base, set);
  }
  return out;
}
const byLang = Object.fromEntries(LANGS.map((l) => [l, bases(catalogues[l])])) as Record<Lang, Map<string, Set<string>>>;
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]!).filter((v) => v !== "count").sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}
const sources = sourceFiles(portalSrc).map((f) => ({ file: f.slice(root.length + 1), text: readFileSync(f, "utf8") }));

/** The prefixes under which the source builds keys at run time, with every value it can build. */
const constValues = (u: { anyOf: { const: string }[] }) => u.anyOf.map((x) => x.const);
const DYNAMIC: Record<string, readonly string[]> = {
  "problem.": [...Object.keys(PROBLEMS), "QQ_ERR_NETWORK"],
  "role.": ROLES,
  "organisationClass.": ORGANISATION_CLASSES,
  "organisationStatus.": constValues(OrganisationStatus as never),
  "contractStatus.": constValues(ContractStatus as never),
  "dayKind.": DAY_KINDS,
  "csvError.": CSV_ERROR_CODES,
  "holiday.": [...new Set([...STATUTORY_HOLIDAYS.map((h) => h.id), "kurban-ait"])],
  "notificationStatus.": ["pending", "sent", "sink", "failed"],
  "catalogueAction.": ["create", "update", "delete", "import"],
  "catalogueField.": ["prefix", "organisationId", "operatorId", "contractId", "note"],
  "appKind.": APPLICATION_KINDS,
  "appState.": APP_STATES,
  "appEvent.": APP_EVENTS,
  "appAction.": APP_ACTIONS,
  "appField.": schemaVocabulary().fields,
  "appOption.": schemaVocabulary().options,
  "appParty.": PARTIES,
  "deadlineKind.": DEADLINE_KINDS,
  "taskState.": TASK_STATES,
  "incidentSource.": INCIDENT_SOURCES,
  "unknownState.": UNKNOWN_SOURCE_STATES,
  "policyStatus.": POLICY_STATUSES,
  "guidePlatform.": GUIDE_PLATFORMS,
  "guideStep.": GUIDE_PLATFORMS.flatMap((p) => Array.from({ length: GUIDE_STEPS[p] }, (_, i) => `${p}${i + 1}`)),
};

const literal = new Map<string, string>();
const dynamic = new Map<string, string>();
for (const s of sources) {
  for (const m of s.text.matchAll(/\bt\(\s*"([^"]+)"/g)) literal.set(m[1]!, s.file);
  for (const m of s.text.matchAll(/\bt\(\s*'([^']+)'/g)) literal.set(m[1]!, s.file);
  for (const m of s.text.matchAll(/\bt\(\s*`([^`$]*)\$\{/g)) dynamic.set(m[1]!, s.file);
}

describe("portal i18n catalogues", () => {
  test("every key exists in kk, ru and en", () => {
    const all = new Set(LANGS.flatMap((l) => [...byLang[l].keys()]));
    const missing: string[] = [];
    for (const k of all) for (const l of LANGS) if (!byLang[l].has(k)) missing.push(`${l}: ${k}`);
    assert.deepEqual(missing, [], `keys missing:\n${missing.join("\n")}`);
  });

  test("plural keys have every CLDR plural form of each language", () => {
    const plural = new Set(LANGS.flatMap((l) => [...byLang[l]].filter(([, s]) => !s.has("")).map(([k]) => k)));
    const problems: string[] = [];
    for (const l of LANGS) {
      const cats = new Intl.PluralRules(l).resolvedOptions().pluralCategories;
      for (const k of plural) {
        const have = byLang[l].get(k) ?? new Set();
        if (have.has("")) problems.push(`${l}: ${k} is plural elsewhere but plain here`);
        for (const c of cats) if (!have.has(c)) problems.push(`${l}: ${k}_${c}`);
      }
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  test("translations use the same {{placeholders}}", () => {
    const problems: string[] = [];
    for (const base of byLang.en.keys()) {
      const vars = (l: Lang) => [...new Set(Object.entries(catalogues[l]).filter(([k]) => k === base || k.replace(PLURAL, "") === base).flatMap(([, v]) => placeholders(v)))].sort().join(",");
      for (const l of LANGS) if (vars(l) !== vars("en")) problems.push(`${l}: ${base} has {{${vars(l)}}}, en has {{${vars("en")}}}`);
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  test("no empty or untranslated values", () => {
    const problems: string[] = [];
    for (const l of LANGS) for (const [k, v] of Object.entries(catalogues[l])) if (!v.trim()) problems.push(`${l}: ${k} is empty`);
    // A Kazakh or Russian value that is the English text, letters and all, was not translated.
    for (const l of ["kk", "ru"] as const) {
      for (const [k, v] of Object.entries(catalogues[l])) if (/[A-Za-z]{3}/.test(v) && !/[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]/.test(v) && v === catalogues.en[k]) problems.push(`${l}: ${k} is the English text`);
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  test("every t(\"…\") of the portal source is in the catalogues", () => {
    assert.ok(literal.size > 100, `found only ${literal.size} keys in the source: is the extractor broken?`);
    const missing = [...literal].filter(([k]) => !byLang.en.has(k)).map(([k, f]) => `${k} (${f})`);
    assert.deepEqual(missing, [], `keys used but absent:\n${missing.join("\n")}`);
  });

  test("dynamic keys only under enumerated prefixes, each value present", (t) => {
    const unknown = [...dynamic].filter(([p]) => !(p in DYNAMIC)).map(([p, f]) => `${p}\${…} (${f})`);
    assert.deepEqual(unknown, [], `dynamic key prefixes this test cannot enumerate:\n${unknown.join("\n")}`);
    const missing: string[] = [];
    for (const p of dynamic.keys()) for (const v of DYNAMIC[p] ?? []) if (!byLang.en.has(p + v)) missing.push(p + v);
    // Problem codes belong to every subsystem and the portal falls back to the server's (English) title,
    // so a code added elsewhere is reported here rather than failing everyone's test run.
    const codes = missing.filter((k) => k.startsWith("problem."));
    if (codes.length) t.diagnostic(`problem codes without a translated title (add them to portal/src/i18n/*.json): ${codes.join(", ")}`);
    const strict = missing.filter((k) => !k.startsWith("problem."));
    assert.deepEqual(strict, [], `dynamic keys absent:\n${strict.join("\n")}`);
  });

  test("no key is left unused", () => {
    const used = (k: string) => literal.has(k) || [...dynamic.keys()].some((p) => k.startsWith(p));
    const unused = [...byLang.en.keys()].filter((k) => !used(k));
    assert.deepEqual(unused, [], `keys nobody uses:\n${unused.join("\n")}`);
  });
});
