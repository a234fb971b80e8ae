/** src/api/portal-static.ts: the portal at `/` beside the API, on a throw-away build directory. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/db.js";
import { createApi, type App } from "../../src/api/index.js";
import { registerPortal } from "../../src/api/portal-static.js";

describe("portal served by the control plane", () => {
  let dataDir: string;
  let dist: string;
  let store: Store;
  let app: App;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "qaqpa-portal-static-"));
    dist = join(dataDir, "dist");
    mkdirSync(join(dist, "assets"), { recursive: true });
    writeFileSync(join(dist, "index.html"), "<!doctype html><title>qaqpa</title>");
    writeFileSync(join(dist, "assets", "index-abc123.js"), "console.log(1)");
    store = await openStore({ dataDir: join(dataDir, "store") });
    app = await createApi({ store });
    assert.equal(await registerPortal(app, dist), true);
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("ok/index.html at / and at any deep link, revalidated on every load, with a strict CSP", async () => {
    for (const url of ["/", "/catalogue/import", "/organisations/123?q=x"]) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 200, url);
      assert.match(String(r.headers["content-type"]), /text\/html/);
      assert.equal(r.headers["cache-control"], "no-cache");
      assert.match(String(r.headers["content-security-policy"]), /default-src 'self'.*frame-ancestors 'none'/);
      assert.equal(r.headers["x-content-type-options"], "nosniff");
    }
  });

  test("ok/hashed assets are immutable", async () => {
    const r = await app.inject({ url: "/assets/index-abc123.js" });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers["cache-control"], "public, max-age=31536000, immutable");
  });

  test("fail/unknown API paths and missing assets stay problem+json 404s", async () => {
    for (const url of ["/api/nothing-here", "/api", "/assets/missing.js"]) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 404, url);
      assert.match(String(r.headers["content-type"]), /application\/problem\+json/);
      assert.equal(r.json().code, "QQ_ERR_NOT_FOUND");
    }
    const me = await app.inject({ url: "/api/auth/me" });
    assert.equal(me.statusCode, 401);
    assert.equal((await app.inject({ url: "/api/openapi.json" })).statusCode, 200);
  });

  test("ok/nothing is registered without a build", async () => {
    const other = await createApi({ store });
    try {
      assert.equal(await registerPortal(other, join(dataDir, "no-build")), false);
      assert.equal((await other.inject({ url: "/" })).statusCode, 404);
    } finally {
      await other.close();
    }
  });
});
