/**
 * STS category overrides through the API: listed oldest first a page at a time (the project's Page shape),
 * searched by pattern, reason, who decided and category (id or its name in any language); bad paging is a
 * problem+json.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorld, type World } from "./harness.js";
import { CATEGORIES } from "../../src/categories/taxonomy.js";

describe("category overrides API", () => {
  let w: World;
  const made: { pattern: string; category: string; reason: string }[] = [];

  before(async () => {
    w = await startWorld();
    for (let i = 0; i < 7; i++) {
      const o = { action: "add", pattern: `tools-${i}.example`, category: i % 2 ? "news" : "technology", reason: i === 3 ? "complaint 42 from the ministry" : `directory entry ${i}` };
      const r = await w.call(w.tokens.sts_admin, "POST", "/api/categories/overrides", o);
      assert.equal(r.status, 201, r.body);
      made.push(o);
    }
  });
  after(() => w.close());

  const list = async (query: string) => {
    const r = await w.call(w.tokens.auditor, "GET", `/api/categories/overrides${query}`);
    assert.equal(r.status, 200, r.body);
    return r.json as { items: { pattern: string; category: string; reason: string; decidedBy: string }[]; total: number; limit: number; offset: number };
  };

  test("ok/pages are slices of the whole list, oldest first, with the total", async () => {
    const all = await list("?limit=500");
    assert.equal(all.total, 7);
    assert.deepEqual(all.items.map((o) => o.pattern), made.map((o) => o.pattern));
    const p1 = await list("?limit=3&offset=0");
    const p3 = await list("?limit=3&offset=6");
    assert.deepEqual({ total: p1.total, limit: p1.limit, offset: p1.offset }, { total: 7, limit: 3, offset: 0 });
    assert.deepEqual(p1.items.map((o) => o.pattern), ["tools-0.example", "tools-1.example", "tools-2.example"]);
    assert.deepEqual(p3.items.map((o) => o.pattern), ["tools-6.example"]);
    assert.equal((await list("?limit=3&offset=9")).items.length, 0);
    assert.equal((await list("")).limit, 50, "the default page size");
  });

  test("ok/q matches the pattern, the reason, who decided and the category by id or by name in each language", async () => {
    assert.deepEqual((await list("?q=TOOLS-4")).items.map((o) => o.pattern), ["tools-4.example"]);
    const byReason = await list(`?q=${encodeURIComponent("complaint 42")}`);
    assert.deepEqual(byReason.items.map((o) => o.pattern), ["tools-3.example"]);
    assert.equal((await list("?q=news")).total, 3);
    const news = CATEGORIES.find((c) => c.id === "news")!;
    for (const name of [news.names.kk, news.names.ru, news.names.en]) {
      const r = await list(`?q=${encodeURIComponent(name.toUpperCase())}`);
      assert.deepEqual(r.items.map((o) => o.category), ["news", "news", "news"], name);
    }
    assert.equal((await list(`?q=${encodeURIComponent(byReason.items[0]!.decidedBy)}`)).total, 7);
    assert.equal((await list("?q=nothing-like-this")).total, 0);
    // LIKE wildcards in the search are text, not patterns.
    assert.equal((await list("?q=%25")).total, 0);
    const paged = await list("?q=technology&limit=2&offset=2");
    assert.deepEqual({ total: paged.total, n: paged.items.length }, { total: 4, n: 2 });
  });

  test("problem/bad paging and unknown parameters are problem+json", async () => {
    for (const query of ["?limit=0", "?limit=501", "?offset=-1", "?page=2", `?q=${"x".repeat(201)}`]) {
      const r = await w.call(w.tokens.auditor, "GET", `/api/categories/overrides${query}`);
      assert.equal(r.status, 400, query);
      assert.match(String(r.headers["content-type"]), /application\/problem\+json/, query);
    }
  });
});
