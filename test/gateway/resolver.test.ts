/**
 * The gateway's resolver: the hosts map, address literals, public DNS with its short cache, and the refusal of
 * private answers (DNS rebinding). `known` must give what `resolve` would, without a lookup, or null.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createResolver, ResolveError } from "../../src/gateway/resolver.js";

/** A DNS that answers from a table and counts its lookups (the resolver's `lookup` seam); the addresses are never dialled. */
function dns(table: Record<string, string[]>) {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (name: string) => {
      asked.push(name);
      const a = table[name];
      if (!a) throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
      return a;
    },
  };
}

test("ok/the hosts map answers resolve and known alike, whatever the case or a trailing dot", async () => {
  const d = dns({});
  const r = createResolver({ hosts: new Map([["shop.example", ["127.0.0.1"]]]), lookup: d.lookup });
  assert.deepEqual(await r.resolve("Shop.Example."), ["127.0.0.1"]);
  assert.deepEqual(r.known("SHOP.example"), ["127.0.0.1"]);
  assert.deepEqual(d.asked, []);
});

test("ok/a public name is looked up once and then known from the cache until its time is up", async () => {
  const d = dns({ "news.example": ["93.184.216.34", "151.101.1.69"] });
  const r = createResolver({ lookup: d.lookup, ttlMs: 60 });
  assert.equal(r.known("news.example"), null);
  assert.deepEqual(await r.resolve("news.example"), ["93.184.216.34", "151.101.1.69"]);
  assert.deepEqual(r.known("News.Example."), ["93.184.216.34", "151.101.1.69"]);
  assert.deepEqual(await r.resolve("news.example"), ["93.184.216.34", "151.101.1.69"]);
  assert.equal(d.asked.length, 1);
  await new Promise((res) => setTimeout(res, 90));
  assert.equal(r.known("news.example"), null);
  await r.resolve("news.example");
  assert.equal(d.asked.length, 2);
});

test("fail/private answers from public DNS are refused and not cached; private literals likewise", async () => {
  const d = dns({ "rebind.example": ["10.0.0.5"], "mixed.example": ["10.0.0.5", "151.101.65.69"] });
  const r = createResolver({ lookup: d.lookup });
  await assert.rejects(r.resolve("rebind.example"), (e: ResolveError) => e.code === "private-address");
  assert.equal(r.known("rebind.example"), null);
  assert.deepEqual(await r.resolve("mixed.example"), ["151.101.65.69"]);
  assert.deepEqual(r.known("mixed.example"), ["151.101.65.69"]);
  await assert.rejects(r.resolve("192.168.1.1"), (e: ResolveError) => e.code === "private-address");
  assert.equal(r.known("192.168.1.1"), null);
  assert.deepEqual(r.known("8.8.8.8"), ["8.8.8.8"]);
  await assert.rejects(r.resolve("missing.example"), (e: ResolveError) => e.code === "not-found");
  assert.equal(r.known("missing.example"), null);
});

test("ok/allowPrivate (private zones) accepts private answers and literals", async () => {
  const d = dns({ "intranet.example": ["10.0.0.5"] });
  const r = createResolver({ lookup: d.lookup, allowPrivate: true });
  assert.deepEqual(await r.resolve("intranet.example"), ["10.0.0.5"]);
  assert.deepEqual(r.known("intranet.example"), ["10.0.0.5"]);
  assert.deepEqual(r.known("192.168.1.1"), ["192.168.1.1"]);
});
