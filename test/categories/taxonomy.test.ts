import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BASELINE_BLOCKED_CATEGORIES,
  CATEGORIES,
  PROTECTED_CATEGORIES,
  TAXONOMY_VERSION,
  categoryName,
  isCategoryId,
  isProtectedCategory,
} from "../../src/categories/taxonomy.js";

test("ok/the seven protected categories of p.20, with their fixed ids, in the paragraph's order", () => {
  assert.deepEqual([...PROTECTED_CATEGORIES], [
    "finance-banking",
    "government-legal",
    "health-wellness",
    "personal-privacy",
    "video-conferencing",
    "security-updates",
    "os-updates",
  ]);
  assert.deepEqual(CATEGORIES.filter((c) => c.group === "protected").map((c) => c.id), [...PROTECTED_CATEGORIES]);
  for (const c of CATEGORIES) assert.equal(isProtectedCategory(c.id), c.group === "protected", c.id);
});

test("ok/baseline-blocked categories are the baseline group and none is protected", () => {
  assert.deepEqual(CATEGORIES.filter((c) => c.group === "baseline-blocked").map((c) => c.id), [...BASELINE_BLOCKED_CATEGORIES]);
  assert.deepEqual([...BASELINE_BLOCKED_CATEGORIES], ["malware", "phishing", "vpn", "remote-access", "doh", "proxy-anonymizer"]);
  for (const id of BASELINE_BLOCKED_CATEGORIES) assert.equal(isProtectedCategory(id), false);
});

test("ok/ids are unique kebab-case and every category is named in kk, ru and en", () => {
  const ids = CATEGORIES.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const c of CATEGORIES) {
    assert.match(c.id, /^[a-z]+(-[a-z]+)*$/);
    for (const lang of ["kk", "ru", "en"] as const) assert.ok(categoryName(c.id, lang).trim().length > 1, `${c.id} ${lang}`);
    // Kazakh and Russian names are in Cyrillic (an acronym like VPN may stay Latin).
    assert.match(c.names.kk, /[\u0400-\u04ff]/, c.id);
    assert.match(c.names.ru, /[\u0400-\u04ff]/, c.id);
    assert.ok(isCategoryId(c.id));
  }
  assert.equal(isCategoryId("uncategorised"), false);
  assert.match(TAXONOMY_VERSION, /^\d{4}\.\d+$/);
  for (const id of ["news", "social-networks", "search-engines", "education", "business", "shopping", "entertainment", "streaming-media",
    "games", "adult", "gambling", "webmail", "cloud-storage", "software-development", "advertising"]) {
    assert.ok(isCategoryId(id), id);
  }
});

test("fail/PROTECTED_CATEGORIES cannot be altered (p.20 is not configurable)", () => {
  const list = PROTECTED_CATEGORIES as unknown as string[];
  assert.ok(Object.isFrozen(list));
  assert.throws(() => list.push("news"), TypeError);
  assert.throws(() => { list[0] = "news"; }, TypeError);
  assert.throws(() => { list.length = 0; }, TypeError);
  assert.throws(() => list.pop(), TypeError);
  assert.equal(PROTECTED_CATEGORIES.length, 7);
  assert.equal(isProtectedCategory("news"), false);
  assert.equal(isProtectedCategory("finance-banking"), true);
  // The definitions are frozen too: a group cannot be flipped at run time.
  assert.ok(Object.isFrozen(CATEGORIES) && CATEGORIES.every((c) => Object.isFrozen(c) && Object.isFrozen(c.names)));
  assert.throws(() => { (CATEGORIES[0] as { group: string }).group = "content"; }, TypeError);
});
