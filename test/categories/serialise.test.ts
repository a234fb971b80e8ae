import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildCategoryDatabase, CategoryDatabaseError, loadCategoryDatabase, serialiseCategoryDatabase } from "../../src/categories/database.js";
import { compileCategories, type DatabaseParts } from "../../src/categories/matcher.js";
import { encodeParts } from "../../src/categories/serialise.js";
import { CURATED_SEED } from "../../src/categories/seed/index.js";
import type { CategoryId } from "../../src/categories/taxonomy.js";

const LIST = {
  source: { name: "ut1", licence: "CC-BY-SA-4.0", fetched: "2026-11-20", version: "2026-11-20", url: "https://dsi.ut-capitole.fr/blacklists/" },
  entries: [
    { pattern: "casino.example", category: "gambling" as CategoryId, source: "ut1" },
    { pattern: "news.example/politics", category: "news" as CategoryId, source: "ut1" },
    { pattern: "203.0.113.0/24", category: "malware" as CategoryId, source: "ut1" },
    { pattern: "2001:db8::/48", category: "vpn" as CategoryId, source: "ut1" },
    { pattern: "a-very-long-label-beyond-twelve-bytes.example", category: "adult" as CategoryId, source: "ut1" },
  ],
};
const built = buildCategoryDatabase({ version: "42", lists: [LIST], overrides: [{ action: "add", pattern: "extra.example", category: "games", reason: "test" }], overridesAt: "2026-11-25" });

function expectCode(f: () => unknown, code: string): void {
  assert.throws(f, (e: unknown) => e instanceof CategoryDatabaseError && e.code === code, code);
}

/** Rewrite a database's metadata and re-seal it with a correct hash, as a buggy or hostile builder would. */
function reseal(buf: Buffer, edit: (meta: Record<string, unknown>) => void): Buffer {
  const m = buf.readUInt32LE(12);
  const meta = JSON.parse(buf.subarray(56, 56 + m).toString("utf8")) as Record<string, unknown>;
  edit(meta);
  const json = Buffer.from(JSON.stringify(meta), "utf8");
  const padded = Buffer.alloc((json.length + 3) & ~3, 0x20);
  json.copy(padded);
  const header = Buffer.from(buf.subarray(0, 56));
  header.writeUInt32LE(padded.length, 12);
  const rest = buf.subarray(56 + m);
  header.set(createHash("sha256").update(header.subarray(0, 24)).update(padded).update(rest).digest(), 24);
  return Buffer.concat([header, padded, rest]);
}

test("ok/round trip keeps version, sources with licence, date and counts, the hash, and every answer", () => {
  const db = built.database;
  const buf = serialiseCategoryDatabase(db);
  assert.equal(buf.subarray(0, 8).toString("latin1"), "QQCATDB\0");
  const back = loadCategoryDatabase(buf);
  assert.equal(back.contentHash, db.contentHash);
  assert.match(back.contentHash, /^[0-9a-f]{64}$/);
  assert.equal(back.version, "42");
  assert.equal(back.taxonomyVersion, db.taxonomyVersion);
  assert.deepEqual(back.sources, db.sources);
  assert.deepEqual(back.sources.map((s) => [s.name, s.licence, s.fetched, s.version, s.entryCount]), [
    ["qaqpa-curated", "Apache-2.0", "2026-11-26", "2026-11-26", CURATED_SEED.length],
    ["sts-override", "STS decisions", "2026-11-25", "42", 1],
    ["ut1", "CC-BY-SA-4.0", "2026-11-20", "2026-11-20", 5],
  ]);
  assert.equal(back.sources.find((s) => s.name === "ut1")!.url, "https://dsi.ut-capitole.fr/blacklists/");
  assert.deepEqual(back.stats(), db.stats());
  for (const q of ["www.casino.example", "x.a-very-long-label-beyond-twelve-bytes.example", "gov.kz", "extra.example", "nothing.example"]) {
    assert.deepEqual(back.lookupDomain(q), db.lookupDomain(q), q);
  }
  assert.deepEqual(back.lookupUrl("news.example", "/politics/today"), db.lookupUrl("news.example", "/politics/today"));
  assert.deepEqual(back.lookupIp("203.0.113.9"), db.lookupIp("203.0.113.9"));
  assert.deepEqual(back.lookupIp("2001:db8:0:1::1"), db.lookupIp("2001:db8:0:1::1"));
  // Serialising the loaded copy gives the same bytes.
  assert.ok(serialiseCategoryDatabase(back).equals(buf));
});

test("ok/the loaded database does not share memory with the buffer it came from", () => {
  const buf = serialiseCategoryDatabase(built.database);
  const back = loadCategoryDatabase(buf);
  buf.fill(0, 56);
  const r = back.lookupDomain("www.casino.example");
  assert.ok(r.ok && r.hits[0]!.categories[0] === "gambling");
});

test("ok/a database loads from a Buffer at any offset (as inside a snapshot)", () => {
  const buf = serialiseCategoryDatabase(built.database);
  const outer = Buffer.concat([Buffer.from([1, 2, 3]), buf, Buffer.from([9])]);
  const back = loadCategoryDatabase(outer.subarray(3, 3 + buf.length));
  assert.equal(back.contentHash, built.database.contentHash);
});

test("fail/any flipped byte is caught by the content hash", () => {
  const buf = serialiseCategoryDatabase(built.database);
  for (const at of [8, 12, 30, 60, buf.length - 1, Math.floor(buf.length / 2)]) {
    const bad = Buffer.from(buf);
    bad[at]! ^= 0x01;
    assert.throws(() => loadCategoryDatabase(bad), CategoryDatabaseError, `byte ${at}`);
  }
  expectCode(() => loadCategoryDatabase(Buffer.from(buf.subarray(0, buf.length - 1))), "malformed");
  expectCode(() => loadCategoryDatabase(Buffer.alloc(10)), "malformed");
  expectCode(() => loadCategoryDatabase(Buffer.from("QQCATDB\0" + "x".repeat(100))), "unsupported-format");
  const flipped = Buffer.from(buf);
  flipped[100]! ^= 1;
  expectCode(() => loadCategoryDatabase(flipped), "hash-mismatch");
});

test("fail/a database with a category this gateway does not know is refused (newer taxonomy)", () => {
  const buf = reseal(serialiseCategoryDatabase(built.database), (m) => { (m.categories as string[])[0] = "telepathy"; });
  expectCode(() => loadCategoryDatabase(buf), "unknown-category");
});

test("fail/structurally wrong metadata is refused even with a correct hash", () => {
  const buf = serialiseCategoryDatabase(built.database);
  expectCode(() => loadCategoryDatabase(reseal(buf, (m) => { m.sets = [[], [[99, 0]]]; })), "malformed");
  expectCode(() => loadCategoryDatabase(reseal(buf, (m) => { m.domainNodes = 1; })), "malformed");
  expectCode(() => loadCategoryDatabase(reseal(buf, (m) => { m.ips = [["10.0.0.1/8", 1]]; })), "malformed");
  expectCode(() => loadCategoryDatabase(reseal(buf, (m) => { m.urls = [["Example.com", [["/x", 1]]]]; })), "malformed");
  expectCode(() => loadCategoryDatabase(reseal(buf, (m) => { m.sources = [{ name: 1 }]; })), "malformed");
});

test("fail/a slot table with a wrong parent or label is refused", () => {
  const buf = serialiseCategoryDatabase(built.database);
  const m = buf.readUInt32LE(12);
  const t = buf.readUInt32LE(16);
  // Find an occupied slot and corrupt its parent link, then re-seal the hash over the changed table.
  const slots = buf.subarray(56 + m, 56 + m + t);
  let at = -1;
  for (let i = 0; i < t; i += 20) if (slots.readUInt32LE(i) !== 0 && slots.readUInt32LE(i + 4) !== 0) { at = i; break; }
  assert.ok(at >= 0);
  for (const [offset, value] of [[4, 0xfffffff], [8, 0x2a2a2a2a], [0, 0xff]] as const) {
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(value, 56 + m + at + offset);
    bad.set(createHash("sha256").update(bad.subarray(0, 24)).update(bad.subarray(56)).digest(), 24);
    expectCode(() => loadCategoryDatabase(bad), "malformed");
  }
});

test("fail/a database without the protected seed is refused on load (p.20 floor)", () => {
  // Compiled straight from entries, bypassing buildCategoryDatabase and thus the seed.
  const { parts } = compileCategories({ version: "no-seed", sources: [LIST.source], entries: LIST.entries });
  expectCode(() => loadCategoryDatabase(encodeParts(parts)), "protected-floor");
  // One protected seed entry missing is enough.
  const partial = compileCategories({
    version: "partial",
    sources: [{ name: "qaqpa-curated", licence: "Apache-2.0", fetched: "2026-11-26", version: "2026-11-26" }],
    entries: CURATED_SEED.filter((e) => e.pattern !== "gov.kz"),
  });
  assert.throws(() => loadCategoryDatabase(encodeParts(partial.parts as DatabaseParts)), /gov\.kz \(government-legal\)/);
});

test("ok/building twice, or with lists in another order, gives the same bytes", () => {
  const other = { ...LIST, source: { ...LIST.source, name: "other" }, entries: [{ pattern: "z.example", category: "news" as CategoryId, source: "other" }] };
  const a = buildCategoryDatabase({ version: "1", lists: [LIST, other] }).database;
  const b = buildCategoryDatabase({ version: "1", lists: [other, { ...LIST, entries: [...LIST.entries].reverse() }] }).database;
  assert.equal(a.contentHash, b.contentHash);
  assert.ok(serialiseCategoryDatabase(a).equals(serialiseCategoryDatabase(b)));
});
