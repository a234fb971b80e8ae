/**
 * The all-in-one with `gateway.workers: 2`: the explicit proxy is served by two cluster workers; a change made
 * through the API reaches every worker's snapshot; the decision records and the unknown-source detections the
 * workers see reach the primary's store and JSON-lines log.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { allInOneWithOrigins, curl } from "./support.js";

describe("all-in-one with gateway workers", () => {
  const w = allInOneWithOrigins({
    names: ["tools.example", "search.example"],
    tmpPrefix: "qaqpa-e2e-workers-",
    configure: (cfg) => void (cfg.gateway = { workers: 2 }),
  });
  const api = w.api;

  test("ok/API changes reach both workers; their records and detections reach the store", async () => {
    const { app, origins } = w;
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
    const lines = readFileSync(join(app.config.dataDir, "logs", "decisions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
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
