/**
 * Kazakh, Russian and English. Every visible string lives in the catalogues next to this file; keys are
 * looked up by dotted key, area first (test/portal/i18n.test.ts fails on a key missing in any language or used
 * in the source but absent). The choice is remembered in localStorage; the first visit follows the
 * browser's languages and falls back to Kazakh, the state language.
 */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import kk from "./kk.json";
import ru from "./ru.json";
import en from "./en.json";

export const LANGUAGES = ["kk", "ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const KEY = "qaqpa.lang";

function initial(): Language {
  const saved = localStorage.getItem(KEY);
  if (saved && (LANGUAGES as readonly string[]).includes(saved)) return saved as Language;
  for (const l of navigator.languages ?? []) {
    const base = l.slice(0, 2).toLowerCase();
    if ((LANGUAGES as readonly string[]).includes(base)) return base as Language;
  }
  return "kk";
}

export function currentLanguage(): Language {
  const l = i18n.resolvedLanguage ?? i18n.language;
  return (LANGUAGES as readonly string[]).includes(l) ? (l as Language) : "kk";
}

export async function setLanguage(l: Language): Promise<void> {
  localStorage.setItem(KEY, l);
  await i18n.changeLanguage(l);
}

i18n.on("languageChanged", (l) => {
  document.documentElement.lang = l;
});

export const ready = i18n.use(initReactI18next).init({
  resources: { kk: { translation: kk }, ru: { translation: ru }, en: { translation: en } },
  lng: initial(),
  fallbackLng: false,
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
