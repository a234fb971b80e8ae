/**
 * The all-in-one with `gateway.workers: 2`: the explicit proxy is served by two cluster workers; a change made
 * through the API reaches every worker's snapshot; the decision records and the unknown-source detections the
 * workers see reach the primary's store and JSON-lines log.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAllInOne, type Running } from "../../src/app.js";
import { startOrigins, type Origins } from "../gateway/origin.js";
import { adminToken, apiClient, curl, loopbackConfig } from "./support.js";

describe("all-in-one with gateway workers", () => {
  let dir: string;
  let app: Running;
  let origins: Origins;
  let token: string;
  const api = apiClient(() => app, () => token);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-e2e-workers-"));
    origins = await startOrigins(["tools.example", "search.example"]);
    const cfg = loopbackConfig(dir, { hosts: { "tools.example": ["127.0.0.1"], "search.example": ["127.0.0.1"] }, upstreamCaFiles: [origins.caFile] });
    cfg.gateway = { workers: 2 };
    app = await startAllInOne(cfg, { ...process.env, QAQPA_ADMIN_PASSWORD: "e2e admin password" });
    token = await adminToken(app, "e2e admin password", "e2e");
  });
  after(async () => {
    await app.stop();
    await origins.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/API changes reach both workers; their records and detections reach the store", async () => {
    assert.equal(app.gateway.cluster?.workers, 2);
    const proxy = app.urls.proxy;
    let r = await curl(["-x", proxy, `http://tools.example:${origins.httpPort}/`]);
    assert.match(r.out, /\n403$/, "uncategorised is blocked");

    // An STS override puts tools.example in a baseline category: every worker must run the new snapshot.
    assert.equal((await api("POST", "/categories/overrides", { action: "add", pattern: "tools.example", category: "software-development", reason: "test directory" })).status, 201);
    await app.gateway.refresh();
    const id = app.gateway.snapshot()!.id;
    assert.deepEqual(app.gateway.cluster!.versions(), [id, id]);
    for (let i = 0; i < 6; i++) {
      r = await curl(["-x", proxy, `http://tools.example:${origins.httpPort}/w${i}`]);
      assert.match(r.out, /\n200$/, r.err);
    }

    await app.gateway.flush();
    const s = await api("GET", `/gateway/decisions/summary?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`);
    assert.equal(s.status, 200);
    const total = s.json.byReason.reduce((a: number, x: { count: number }) => a + x.count, 0);
    assert.ok(total >= 7, `every request through the workers reached the store (${total})`);
    const lines = readFileSync(join(dir, "logs", "decisions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.filter((l) => l.host === "tools.example" && l.path?.startsWith("/w")).length, 6);
    assert.ok(lines.every((l) => l.unknownSource === true), "127.0.0.1 is in no catalogue prefix: an unknown source");
    const metrics = await (await fetch(app.urls.api.replace(/\/api$/, "/metrics"))).text();
    assert.match(metrics, /qaqpa_gateway_decisions_total\{action="allow",reason="[a-z-]+",tls="none"\} [6-9]/, "the workers' counters reach the primary's metrics");
    const u = await api("GET", "/unknown-sources");
    assert.equal(u.status, 200);
    const seen = u.json.items.find((x: { address: string }) => x.address === "127.0.0.1");
    assert.ok(seen && seen.hits >= 7, "the workers' detections reach the p.13 workflow");
  });
});
