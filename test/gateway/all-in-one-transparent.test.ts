/**
 * The transparent listeners as deployed: the all-in-one with `gateway.transparent` configured serves HTTP by Host
 * and TLS by SNI on their own ports, through the same gateway, snapshot and decision log as the explicit proxy.
 * The listeners bind 127.0.0.9 on the origins' port numbers (local-address strategy, as under TPROXY). With
 * `gateway.workers: 2` they bind 127.0.0.12 in each worker, and what the workers decide reaches the primary.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import type { Running } from "../../src/app.js";
import type { Origins } from "./origin.js";
import { allInOneWithOrigins } from "../e2e/support.js";
import { run } from "./world.js";
import { socketsBinding } from "../../src/gateway/native-sockets.js";
import { socketsOn } from "../support/proc-sockets.js";

const TP = "127.0.0.9";

describe("all-in-one with transparent listeners", () => {
  const w = allInOneWithOrigins({
    names: ["search.example", "nationalbank.kz"],
    hosts: { "search.example": ["127.0.0.1", TP], "nationalbank.kz": ["127.0.0.1", TP] },
    configure: (cfg, origins) => void (cfg.gateway = { ...cfg.gateway, transparent: { host: TP, http: origins.httpPort, tls: origins.httpsPort, originalDestination: "local-address" } }),
    tmpPrefix: "qaqpa-tp-",
    password: "transparent admin password",
    tokenName: "tp",
  });
  let app: Running;
  let origins: Origins;
  before(async () => {
    ({ app, origins } = w);
    assert.equal((await w.api("POST", "/categories/overrides", { action: "add", pattern: "search.example", category: "search-engines", reason: "test destination" })).status, 201);
    await app.gateway.refresh(true);
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

describe("all-in-one with transparent listeners in two cluster workers", () => {
  const TPW = "127.0.0.12";
  // elsewhere.example resolves, but not to the address the clients dial: naming it there is a forgery.
  const w = allInOneWithOrigins({
    names: ["search.example", "nationalbank.kz", "elsewhere.example"],
    hosts: { "search.example": ["127.0.0.1", TPW], "nationalbank.kz": ["127.0.0.1", TPW], "elsewhere.example": ["127.0.0.1"] },
    configure: (cfg, origins) => void (cfg.gateway = { workers: 2, transparent: { host: TPW, http: origins.httpPort, tls: origins.httpsPort, originalDestination: "local-address" } }),
    tmpPrefix: "qaqpa-tpw-",
    password: "transparent workers password",
    tokenName: "tpw",
  });
  const api = w.api;
  let app: Running;
  let origins: Origins;
  before(async () => {
    ({ app, origins } = w);
    assert.equal((await api("POST", "/categories/overrides", { action: "add", pattern: "search.example", category: "search-engines", reason: "test destination" })).status, 201);
    await app.gateway.refresh(true);
  });

  const curl = (name: string, port: number, args: string[]) => run("curl", ["-sS", "--max-time", "10", "--interface", "127.0.0.1", "--resolve", `${name}:${port}:${TPW}`, "-w", "\n%{http_code}", ...args]);

  test("ok/fail/the workers serve HTTP by Host and TLS by SNI, refuse forged names, and their records reach the primary", async () => {
    assert.equal(app.gateway.cluster?.workers, 2);
    assert.equal(app.gateway.transparent, null, "the primary runs no transparent listener of its own");
    const id = app.gateway.snapshot()!.id;
    assert.deepEqual(app.gateway.cluster!.versions(), [id, id]);

    if (socketsBinding()) {
      // Scheduling "reuseport": each worker has listening sockets of its own on the transparent ports too.
      for (const port of [origins.httpPort, origins.httpsPort]) {
        const listening = app.gateway.cluster!.pids().map((p) => [...socketsOn(p, port).listening]);
        assert.ok(listening.every((l) => l.length === 1) && listening[0]![0] !== listening[1]![0], `a socket of its own in each worker on ${port}`);
      }
    }
    // Several connections, so that both workers are likely to accept some (the kernel picks one per connection).
    for (let i = 0; i < 4; i++) {
      const r = await curl("search.example", origins.httpPort, [`http://search.example:${origins.httpPort}/w${i}`]);
      assert.match(r.out, /origin http search\.example\/w\d body=0\n\n200$/, r.err);
    }
    const tls = await curl("nationalbank.kz", origins.httpsPort, ["--cacert", origins.caFile, `https://nationalbank.kz:${origins.httpsPort}/account`]);
    assert.match(tls.out, /origin https nationalbank\.kz\/account/, tls.err);

    const seenBefore = origins.requests.length;
    const forgedHost = await run("curl", ["-sS", "-i", "--max-time", "10", "--interface", "127.0.0.1", "-H", "Host: elsewhere.example", `http://${TPW}:${origins.httpPort}/`]);
    assert.match(forgedHost.out, /^HTTP\/1\.1 403/);
    assert.match(forgedHost.out, /x-qaqpa-reason: misdirected-request/i);
    const forgedSni = await curl("elsewhere.example", origins.httpsPort, ["--cacert", origins.caFile, `https://elsewhere.example:${origins.httpsPort}/`]);
    assert.notEqual(forgedSni.code, 0, "the forged SNI gets no connection to the origin");
    assert.equal(origins.requests.length, seenBefore, "the origin saw neither forgery");

    // A splice and a refused tunnel are logged when their sockets close, just after curl's own close.
    type Row = { host: string | null; path: string | null; action: string; reason: string; tls: string | null };
    let rows: Row[] = [];
    const complete = () =>
      rows.filter((x) => x.host === "search.example" && x.path?.startsWith("/w")).length === 4 &&
      rows.some((x) => x.host === "nationalbank.kz" && x.tls === "splice" && x.action === "allow") &&
      rows.some((x) => x.host === "elsewhere.example" && x.reason === "misdirected-request" && x.action === "block") &&
      rows.some((x) => x.host === TPW && x.reason === "misdirected-request" && x.action === "block");
    for (let i = 0; i < 50 && !complete(); i++) {
      await new Promise((r) => setTimeout(r, 20));
      await app.gateway.flush();
      rows = await app.store.db.selectFrom("decision_log").select(["host", "path", "action", "reason", "tls"]).execute();
    }
    assert.ok(complete(), JSON.stringify(rows));

    const metrics = await (await fetch(app.urls.api.replace(/\/api$/, "/metrics"))).text();
    assert.match(metrics, /qaqpa_gateway_decisions_total\{action="allow",reason="[a-z-]+",tls="splice"\} [1-9]/, "the workers' counters reach the primary's metrics");
    const u = await api("GET", "/unknown-sources");
    assert.equal(u.status, 200);
    const seen = u.json.items.find((x: { address: string }) => x.address === "127.0.0.1");
    assert.ok(seen && seen.hits >= 5, "the workers' unknown-source detections reach the p.13 workflow");
  });
});
