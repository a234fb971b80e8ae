/**
 * The all-in-one, as deployed: a change made through the API reaches the running gateway's snapshot, and
 * curl through the proxy sees it. p.13 (catalogue identifies the organisation; unknown sources are recorded),
 * category overrides by STS, the what-if simulator agreeing with the proxy, the decision log in the store.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Running } from "../../src/app.js";
import type { Origins } from "../gateway/origin.js";
import { newBin } from "../api/harness.js";
import { allInOneWithOrigins, curl } from "./support.js";

describe("control plane → gateway", () => {
  const w = allInOneWithOrigins({ names: ["tools.example", "search.example", "nationalbank.kz"], tmpPrefix: "qaqpa-e2e-" });
  const api = w.api;
  let dir: string;
  let app: Running;
  let origins: Origins;
  let proxy: string;
  before(() => {
    ({ app, origins } = w);
    proxy = app.urls.proxy;
    dir = app.config.dataDir;
  });

  test("ok/unknown source is served under the baseline, then identified once the operator adds its prefix", async () => {
    await api("POST", "/categories/overrides", { action: "add", pattern: "search.example", category: "search-engines", reason: "test directory" });
    await app.gateway.refresh();
    let r = await curl(["-x", proxy, `http://search.example:${origins.httpPort}/q`]);
    assert.match(r.out, /\n200$/, r.err);
    r = await curl(["-x", proxy, `http://tools.example:${origins.httpPort}/`]);
    assert.match(r.out, /\n403$/, "uncategorised is blocked");

    const op = await api("POST", "/operators", { bin: newBin(), nameKk: "O", nameRu: "O", nameEn: "Operator", notificationEmails: ["noc@o.example"] });
    const org = await api("POST", "/organisations", { bin: newBin(), nameKk: "M", nameRu: "M", nameEn: "Ministry", class: "state_body" });
    await api("POST", "/contracts", { organisationId: org.json.id, operatorId: op.json.id, number: "1", validFrom: "2026-01-01" });
    assert.equal((await api("POST", "/catalogue/prefixes", { prefix: "127.0.0.1/32", organisationId: org.json.id, operatorId: op.json.id })).status, 201);
    await app.gateway.refresh();

    const w = await api("POST", "/gateway/what-if", { sourceIp: "127.0.0.1", url: `http://search.example:${origins.httpPort}/q` });
    assert.equal(w.status, 200);
    assert.equal(w.json.organisationId, org.json.id);
    assert.equal(w.json.verdict.action, "allow");
    assert.equal(w.json.snapshotId, app.gateway.snapshot()!.id, "what-if uses the gateway's own snapshot");
  });

  test("ok/an STS override reaches the gateway and is audited", async () => {
    const before = await api("POST", "/gateway/what-if", { sourceIp: "127.0.0.1", url: `http://tools.example:${origins.httpPort}/` });
    assert.equal(before.json.verdict.reason, "uncategorised");
    const o = await api("POST", "/categories/overrides", { action: "add", pattern: "tools.example", category: "technology", reason: "re-categorisation request" });
    assert.equal(o.status, 201);
    await app.gateway.refresh();
    const r = await curl(["-x", proxy, `http://tools.example:${origins.httpPort}/docs`]);
    assert.match(r.out, /origin http tools\.example\/docs/);
    const audit = await api("GET", "/audit?action=category.override-set");
    assert.ok(audit.json.total >= 2);
  });

  test("fail/removing a curated protected entry is refused (p.20 floor)", async () => {
    const r = await api("POST", "/categories/overrides", { action: "remove", pattern: "egov.kz", category: "government-legal", reason: "try to inspect e-gov" });
    assert.equal(r.status, 400);
    const w = await api("POST", "/gateway/what-if", { sourceIp: "127.0.0.1", url: "https://www.egov.kz/" });
    assert.equal(w.json.verdict.tls, "splice");
  });

  test("ok/p.21–23: STS generates, publishes and activates the root; the gateway then bumps with it, and still splices p.20", async () => {
    const init = await api("POST", "/ca/init", {});
    assert.equal(init.status, 201, JSON.stringify(init.json));
    const rootId = init.json.root.id;
    assert.equal((await api("POST", `/ca/certificates/${rootId}/publish`)).status, 200);
    assert.equal((await api("POST", `/ca/certificates/${rootId}/activate`, { minPublicationLeadDays: 0 })).status, 200);
    const pem = await (await fetch(app.urls.api + "/ca/root.pem", { headers: { authorization: `Bearer ${w.token}` } })).text();
    assert.match(pem, /BEGIN CERTIFICATE/);
    const rootFile = join(dir, "root.pem");
    writeFileSync(rootFile, pem);
    const notices = await api("GET", "/notifications?limit=100");
    assert.ok(notices.json.items.some((m: { recipients: string[]; bodyText: string }) => m.recipients.includes("noc@o.example") && /SHA-256/i.test(m.bodyText)), "the operator is told of the new root (p.21)");
    // The gateway picks the active CA up within seconds.
    let r = { out: "", err: "" };
    for (let i = 0; i < 20; i++) {
      r = await curl(["--cacert", rootFile, "-x", proxy, `https://tools.example:${origins.httpsPort}/inspected`]);
      if (/origin https tools\.example/.test(r.out)) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    assert.match(r.out, /origin https tools\.example\/inspected/, r.err);
    const bank = await curl(["--cacert", origins.caFile, "-x", proxy, `https://nationalbank.kz:${origins.httpsPort}/`]);
    assert.match(bank.out, /origin https nationalbank\.kz/, "a protected site keeps its own certificate: " + bank.err);
  });

  test("ok/decisions reach the store as aggregates and the JSON-lines log; metrics count them", async () => {
    await app.gateway.flush();
    const s = await api("GET", `/gateway/decisions/summary?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`);
    assert.equal(s.status, 200);
    const total = s.json.byReason.reduce((a: number, x: { count: number }) => a + x.count, 0);
    assert.ok(total >= 5, "every request through the proxy is counted; what-if simulations are not logged");
    const file = join(dir, "logs", "decisions.jsonl");
    assert.ok(existsSync(file));
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.unknownSource === true && l.source === "127.0.0.1"));
    const metrics = await (await fetch(app.urls.api.replace(/\/api$/, "/metrics"))).text();
    assert.match(metrics, /qaqpa_gateway_decisions_total\{action="allow",reason="organisation-allow",tls="none"\} \d+/);
    const st = await api("GET", "/gateway/status");
    assert.equal(st.json.running, true);
    assert.equal(st.json.lastError, null);
  });
});
