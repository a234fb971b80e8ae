/**
 * The transparent listeners as deployed: the all-in-one with `gateway.transparent` configured serves HTTP by Host
 * and TLS by SNI on their own ports, through the same gateway, snapshot and decision log as the explicit proxy.
 * The listeners bind 127.0.0.9 on the origins' port numbers (local-address strategy, as under TPROXY).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAllInOne, type Running } from "../../src/app.js";
import { startOrigins, type Origins } from "./origin.js";
import { adminToken, loopbackConfig } from "../e2e/support.js";
import { run } from "./world.js";

const TP = "127.0.0.9";

describe("all-in-one with transparent listeners", () => {
  let dir: string;
  let app: Running;
  let origins: Origins;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-tp-"));
    origins = await startOrigins(["search.example", "nationalbank.kz"]);
    const cfg = loopbackConfig(dir, { hosts: { "search.example": ["127.0.0.1", TP], "nationalbank.kz": ["127.0.0.1", TP] }, upstreamCaFiles: [origins.caFile] });
    cfg.gateway = { ...cfg.gateway, transparent: { host: TP, http: origins.httpPort, tls: origins.httpsPort, originalDestination: "local-address" } };
    app = await startAllInOne(cfg, { ...process.env, QAQPA_ADMIN_PASSWORD: "transparent admin password" });
    const token = await adminToken(app, "transparent admin password", "tp");
    const r = await fetch(app.urls.api + "/categories/overrides", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ action: "add", pattern: "search.example", category: "search-engines", reason: "test destination" }) });
    assert.equal(r.status, 201);
    await app.gateway.refresh(true);
  });
  after(async () => {
    await app.stop();
    await origins.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const curl = (name: string, port: number, args: string[]) => run("curl", ["-sS", "--max-time", "10", "--resolve", `${name}:${port}:${TP}`, "-w", "\n%{http_code}", ...args]);

  test("ok/HTTP by Host through the all-in-one's pipeline (an unknown source, served under the baseline)", async () => {
    const r = await curl("search.example", origins.httpPort, [`http://search.example:${origins.httpPort}/q?x=1`]);
    assert.match(r.out, /origin http search\.example\/q\?x=1/, r.err);
    const forged = await run("curl", ["-sS", "-i", "-H", "Host: elsewhere.example", `http://${TP}:${origins.httpPort}/`]);
    assert.match(forged.out, /^HTTP\/1\.1 403/);
  });

  test("ok/TLS by SNI: a protected destination is spliced with the origin's own certificate", async () => {
    const r = await curl("nationalbank.kz", origins.httpsPort, ["--cacert", origins.caFile, `https://nationalbank.kz:${origins.httpsPort}/account`]);
    assert.match(r.out, /origin https nationalbank\.kz\/account/, r.err);
    // A splice is logged when both legs have closed, just after curl's own close.
    let rows: { host: string | null; tls: string | null; action: string }[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await app.gateway.flush();
      rows = await app.store.db.selectFrom("decision_log").select(["host", "tls", "action"]).where("host", "=", "nationalbank.kz").execute();
    }
    assert.ok(rows.some((x) => x.tls === "splice" && x.action === "allow"), JSON.stringify(rows));
  });
});
