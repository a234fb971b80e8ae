/**
 * The category taxonomy: every category id the gateway knows, with its names in kk/ru/en and its group.
 *
 * Primitives:
 * - `CATEGORIES`            the versioned built-in list (deeply frozen);
 * - `PROTECTED_CATEGORIES`  the seven categories of p.20 whose encrypted traffic is never decrypted;
 * - `BASELINE_BLOCKED_CATEGORIES` the categories the baseline policy blocks for every organisation;
 * - `isCategoryId`, `isProtectedCategory`, `categoryName`.
 *
 * Ids are stable strings: they are stored in access policies, imported lists and the decision log, so a
 * rename is a new id plus a migration, never an edit. Adding a category bumps `TAXONOMY_VERSION`; a compiled
 * database names the taxonomy version it was built with, and a gateway refuses a database that uses ids it
 * does not know (fail closed rather than guess).
 */

export const TAXONOMY_VERSION = "2026.1";

export type CategoryGroup = "protected" | "baseline-blocked" | "content";

export interface CategoryNames {
  readonly kk: string;
  readonly ru: string;
  readonly en: string;
}

export interface CategoryDefinition {
  readonly id: string;
  readonly group: CategoryGroup;
  readonly names: CategoryNames;
}

function define<const T extends readonly CategoryDefinition[]>(list: T): T {
  for (const c of list) Object.freeze(c.names), Object.freeze(c);
  return Object.freeze(list);
}

export const CATEGORIES = define([
  // p.20: "excluding the following IR categories" — the ids are fixed by the gateway's contract with the
  // Rules; the order follows the paragraph's list.
  { id: "finance-banking", group: "protected", names: { kk: "Қаржы және банк ісі", ru: "Финансы и банковское дело", en: "Finance and banking" } },
  { id: "government-legal", group: "protected", names: { kk: "Мемлекеттік және заң ұйымдары", ru: "Государственные и юридические организации", en: "Government and legal organisations" } },
  { id: "health-wellness", group: "protected", names: { kk: "Денсаулық және салауатты өмір", ru: "Здоровье и благополучие", en: "Health and wellness" } },
  { id: "personal-privacy", group: "protected", names: { kk: "Жеке құпиялылық", ru: "Личная конфиденциальность", en: "Personal privacy" } },
  { id: "video-conferencing", group: "protected", names: { kk: "Бейнеконференцбайланыс қызметтері", ru: "Сервисы видеоконференцсвязи", en: "Video conferencing services" } },
  { id: "security-updates", group: "protected", names: { kk: "Ақпаратты қорғау құралдарының сигнатураларын жаңарту қызметтері", ru: "Сервисы обновления сигнатур средств защиты информации", en: "Security software signature update services" } },
  { id: "os-updates", group: "protected", names: { kk: "Операциялық жүйелерді жаңарту қызметтері", ru: "Сервисы обновления операционных систем", en: "Operating system update services" } },

  // The baseline (p.15-2: VPN and "other network services that bear threats and risks of information
  // security" are opened only on a signed application; malware and phishing are what p.20 inspects for).
  { id: "malware", group: "baseline-blocked", names: { kk: "Зиянды бағдарламалар", ru: "Вредоносное ПО", en: "Malware" } },
  { id: "phishing", group: "baseline-blocked", names: { kk: "Фишинг және алаяқтық", ru: "Фишинг и мошенничество", en: "Phishing and fraud" } },
  { id: "vpn", group: "baseline-blocked", names: { kk: "VPN қызметтері", ru: "VPN-сервисы", en: "VPN services" } },
  { id: "remote-access", group: "baseline-blocked", names: { kk: "Қашықтан қол жеткізу", ru: "Удалённый доступ", en: "Remote access" } },
  { id: "doh", group: "baseline-blocked", names: { kk: "HTTPS арқылы DNS резолверлері", ru: "Резолверы DNS через HTTPS", en: "DNS over HTTPS resolvers" } },
  { id: "proxy-anonymizer", group: "baseline-blocked", names: { kk: "Прокси және анонимайзерлер", ru: "Прокси и анонимайзеры", en: "Proxies and anonymisers" } },

  // Content categories an organisation lists in its access policy (p.15).
  { id: "news", group: "content", names: { kk: "Жаңалықтар және БАҚ", ru: "Новости и СМИ", en: "News and media" } },
  { id: "social-networks", group: "content", names: { kk: "Әлеуметтік желілер", ru: "Социальные сети", en: "Social networks" } },
  { id: "search-engines", group: "content", names: { kk: "Іздеу жүйелері", ru: "Поисковые системы", en: "Search engines" } },
  { id: "education", group: "content", names: { kk: "Білім беру", ru: "Образование", en: "Education" } },
  { id: "business", group: "content", names: { kk: "Бизнес және экономика", ru: "Бизнес и экономика", en: "Business and economy" } },
  { id: "shopping", group: "content", names: { kk: "Онлайн сауда", ru: "Интернет-магазины", en: "Shopping" } },
  { id: "entertainment", group: "content", names: { kk: "Ойын-сауық", ru: "Развлечения", en: "Entertainment" } },
  { id: "streaming-media", group: "content", names: { kk: "Ағынды бейне және аудио", ru: "Потоковое видео и аудио", en: "Streaming media" } },
  { id: "games", group: "content", names: { kk: "Ойындар", ru: "Игры", en: "Games" } },
  { id: "adult", group: "content", names: { kk: "Ересектерге арналған контент", ru: "Контент для взрослых", en: "Adult content" } },
  { id: "gambling", group: "content", names: { kk: "Құмар ойындар", ru: "Азартные игры", en: "Gambling" } },
  { id: "webmail", group: "content", names: { kk: "Веб-пошта", ru: "Веб-почта", en: "Web mail" } },
  { id: "cloud-storage", group: "content", names: { kk: "Бұлтты қоймалар және файл хостингі", ru: "Облачные хранилища и файлообменники", en: "Cloud storage and file hosting" } },
  { id: "software-development", group: "content", names: { kk: "Бағдарламалық қамтамасыз етуді әзірлеу", ru: "Разработка программного обеспечения", en: "Software development" } },
  { id: "advertising", group: "content", names: { kk: "Жарнама және трекинг", ru: "Реклама и трекинг", en: "Advertising and tracking" } },
  { id: "messaging", group: "content", names: { kk: "Мессенджерлер", ru: "Мессенджеры", en: "Instant messaging" } },
  { id: "file-sharing", group: "content", names: { kk: "Файл алмасу және P2P", ru: "Файлообмен и P2P", en: "File sharing and P2P" } },
  { id: "software-downloads", group: "content", names: { kk: "Бағдарламаларды жүктеу", ru: "Загрузка программ", en: "Software downloads" } },
  { id: "dating", group: "content", names: { kk: "Танысу", ru: "Знакомства", en: "Dating" } },
  { id: "travel", group: "content", names: { kk: "Саяхат", ru: "Путешествия", en: "Travel" } },
  { id: "sports", group: "content", names: { kk: "Спорт", ru: "Спорт", en: "Sports" } },
  { id: "job-search", group: "content", names: { kk: "Жұмыс іздеу", ru: "Поиск работы", en: "Job search" } },
  { id: "reference", group: "content", names: { kk: "Анықтамалық ресурстар", ru: "Справочные ресурсы", en: "Reference" } },
  { id: "technology", group: "content", names: { kk: "Ақпараттық технологиялар", ru: "Информационные технологии", en: "Information technology" } },
  { id: "cryptocurrency", group: "content", names: { kk: "Криптовалюталар", ru: "Криптовалюты", en: "Cryptocurrency" } },
  { id: "hacking", group: "content", names: { kk: "Хакерлік", ru: "Хакерство", en: "Hacking" } },
  { id: "extremism", group: "content", names: { kk: "Экстремизм және терроризм", ru: "Экстремизм и терроризм", en: "Extremism and terrorism" } },
  { id: "drugs", group: "content", names: { kk: "Есірткі", ru: "Наркотики", en: "Illegal drugs" } },
  { id: "weapons", group: "content", names: { kk: "Қару", ru: "Оружие", en: "Weapons" } },
  { id: "url-shorteners", group: "content", names: { kk: "Сілтемелерді қысқарту қызметтері", ru: "Сервисы сокращения ссылок", en: "URL shorteners" } },
  { id: "dynamic-dns", group: "content", names: { kk: "Динамикалық DNS", ru: "Динамический DNS", en: "Dynamic DNS" } },
] as const);

export type CategoryId = (typeof CATEGORIES)[number]["id"];

export type ProtectedCategoryId = Extract<(typeof CATEGORIES)[number], { group: "protected" }>["id"];

/**
 * The seven categories of p.20. A frozen array: `push`, index assignment and `length` changes throw in
 * strict-mode code, and there is no setter, configuration key or override that reaches it. The gateway's
 * `protected-category` stage asks `isProtectedCategory`, which does not read this array at all, so even a
 * replaced module binding could not widen or narrow the floor.
 */
export const PROTECTED_CATEGORIES: readonly ProtectedCategoryId[] = Object.freeze([
  "finance-banking",
  "government-legal",
  "health-wellness",
  "personal-privacy",
  "video-conferencing",
  "security-updates",
  "os-updates",
] as const);

export const BASELINE_BLOCKED_CATEGORIES: readonly CategoryId[] = Object.freeze([
  "malware",
  "phishing",
  "vpn",
  "remote-access",
  "doh",
  "proxy-anonymizer",
] as const);

/** p.20 — a closed switch rather than a set lookup, so nothing mutable decides the floor. */
export function isProtectedCategory(id: string): id is ProtectedCategoryId {
  switch (id) {
    case "finance-banking":
    case "government-legal":
    case "health-wellness":
    case "personal-privacy":
    case "video-conferencing":
    case "security-updates":
    case "os-updates":
      return true;
    default:
      return false;
  }
}

const BY_ID: ReadonlyMap<string, CategoryDefinition> = new Map(CATEGORIES.map((c) => [c.id, c]));

export function isCategoryId(id: string): id is CategoryId {
  return BY_ID.has(id);
}

export function categoryName(id: CategoryId, lang: keyof CategoryNames): string {
  return BY_ID.get(id)!.names[lang];
}

/** Position of a category in `CATEGORIES`: the canonical order for sorting and for compact encodings. */
export function categoryIndex(id: CategoryId): number {
  return CATEGORY_INDEX.get(id)!;
}

const CATEGORY_INDEX: ReadonlyMap<string, number> = new Map(CATEGORIES.map((c, i) => [c.id, i]));
