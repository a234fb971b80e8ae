/**
 * Pinned applications, from the refusal to the splice: a client that refuses the gateway's certificate is
 * recorded (never spliced by itself); STS sees the candidate aggregated per host through the API, approves it
 * (audited), the running gateway recompiles its snapshot, and the next connection is spliced — the client sees
 * the origin's own certificate. Rejecting withdraws it. Real store, API, gateway runtime, curl and openssl.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorld, type World } from "../api/harness.js";
import { startGatewayRuntime, type GatewayRuntime } from "../../src/gateway/runtime.js";
import { startOrigins, type Origins } from "./origin.js";
import { bumpingCa, run } from "./world.js";
import { decideFlow } from "../../src/gateway-core/pipeline.js";
import type { FlowFacts } from "../../src/gateway-core/flow.js";
import { snapshot, NOW } from "../gateway-core/world.js";

const HOST = "pinned.example";

describe("pinned-application review", () => {
  let w: World;
  let origins: Origins;
  let gw: GatewayRuntime;
  let rootFile: string;
  const base = "/api/gateway/pinned-candidates";

  before(async () => {
    w = await startWorld();
    origins = await startOrigins([HOST]);
    const ca = await bumpingCa(origins.dir, () => gw?.snapshot() ?? null);
    rootFile = ca.rootFile;
    gw = await startGatewayRuntime({ db: w.store.db, host: "127.0.0.1", port: 0, hosts: { [HOST]: ["127.0.0.1"] }, portalUrl: "http://portal.test", upstreamCa: [origins.caPem], leaves: () => ca.leaves, refreshMs: 3_600_000 });
    // The destination is categorised as technology, which the baseline (the test client is an unknown source) allows.
    const o = await w.call(w.tokens.sts_admin, "POST", "/api/categories/overrides", { action: "add", pattern: HOST, category: "technology", reason: "test destination" });
    assert.equal(o.status, 201, o.body);
    await gw.refresh(true);
  });
  after(async () => {
    await gw?.stop();
    await origins.close();
    await w.close();
  });

  const viaProxy = (args: string[]) => run("curl", ["-sS", "--max-time", "10", "-x", `http://127.0.0.1:${gw.port}`, ...args, `https://${HOST}:${origins.httpsPort}/app`]);
  const presented = async () => {
    const s = await run("openssl", ["s_client", "-proxy", `127.0.0.1:${gw.port}`, "-connect", `${HOST}:${origins.httpsPort}`, "-servername", HOST, "-showcerts"], "Q\n");
    return s.out;
  };

  test("fail/a client that refuses the gateway's certificate is recorded as a candidate, not spliced", async () => {
    const refused = await viaProxy([]); // curl without the gateway root: it aborts the handshake (unknown CA)
    assert.notEqual(refused.code, 0);
    assert.doesNotMatch(await presented(), /Test Origin CA/, "still bumped: a refusal alone never splices");
    await gw.flush();
    const r = await w.call(w.tokens.sts_engineer, "GET", base);
    assert.equal(r.status, 200, r.body);
    const c = r.json.find((x: { host: string }) => x.host === HOST);
    assert.ok(c, r.body);
    assert.equal(c.status, "pending");
    assert.deepEqual(c.reasons, ["client-rejected-certificate"]);
    assert.ok(c.connections >= 1);
    assert.equal(c.organisations, 0, "unknown sources are not counted as organisations");
    assert.ok(!("source" in c) && !JSON.stringify(r.json).includes("127.0.0.1"), "no source address in the review");
  });

  test("fail/bad input is problem+json: a malformed host, a missing reason, a host never seen", async () => {
    const bad = await w.call(w.tokens.sts_admin, "POST", `${base}/not_a%20host!/approve`, { reason: "because" });
    assert.equal(bad.status, 400);
    assert.match(String(bad.headers["content-type"]), /application\/problem\+json/);
    const noReason = await w.call(w.tokens.sts_admin, "POST", `${base}/${HOST}/approve`, {});
    assert.equal(noReason.status, 400);
    assert.match(String(noReason.headers["content-type"]), /application\/problem\+json/);
    const unseen = await w.call(w.tokens.sts_admin, "POST", `${base}/unseen.example/approve`, { reason: "because" });
    assert.equal(unseen.status, 404);
    assert.match(String(unseen.headers["content-type"]), /application\/problem\+json/);
    const auditor = await w.call(w.tokens.auditor, "POST", `${base}/${HOST}/approve`, { reason: "because" });
    assert.equal(auditor.status, 403, "the auditor reads, never decides");
  });

  test("ok/after approval the next connection is spliced and the origin's own certificate is presented", async () => {
    const r = await w.call(w.tokens.sts_admin, "POST", `${base}/${HOST}/approve`, { reason: "vendor app pins its certificate (ticket 17)" });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.status, "approved");
    const audit = await w.store.db.selectFrom("audit_entry").select(["action", "entity_id"]).where("action", "=", "gateway.pinned-approve").execute();
    assert.deepEqual(audit.map((a) => a.entity_id), [HOST], "audited");
    await gw.refresh();
    assert.match(await presented(), /Test Origin CA/);
    const ok = await viaProxy(["--cacert", origins.caFile]);
    assert.match(ok.out, /origin https pinned\.example\/app/, ok.err);
    const w2 = await w.call(w.tokens.sts_engineer, "GET", `${base}?status=approved`);
    assert.deepEqual(w2.json.map((x: { host: string }) => x.host), [HOST]);
  });

  test("ok/the policy still decides: approval changes how a flow passes, never whether", async () => {
    const snap = gw.snapshot()!;
    assert.deepEqual(snap.input.pinnedApplications, [HOST]);
    // An approved destination that the baseline blocks (here: now listed as malware) is still refused.
    const other = await w.call(w.tokens.sts_admin, "POST", "/api/categories/overrides", { action: "add", pattern: HOST, category: "malware", reason: "test: now a blocked category" });
    assert.equal(other.status, 201, other.body);
    await gw.refresh();
    const blocked = await viaProxy(["--cacert", origins.caFile]);
    assert.doesNotMatch(blocked.out, /origin https/, "a blocked category is not opened by the approval");
    const back = await w.call(w.tokens.sts_admin, "DELETE", `/api/categories/overrides/${other.json.id}`);
    assert.ok(back.status < 300, back.body);
    await gw.refresh();
  });

  test("ok/rejecting withdraws the approval: the next connection is bumped again", async () => {
    const r = await w.call(w.tokens.sts_admin, "POST", `${base}/${HOST}/reject`, { reason: "app updated, no longer pins" });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.status, "rejected");
    await gw.refresh();
    const out = await presented();
    assert.doesNotMatch(out, /Test Origin CA/);
    const bumped = await viaProxy(["--cacert", rootFile]);
    assert.match(bumped.out, /origin https pinned\.example\/app/, bumped.err);
  });
});

describe("pinned applications in the pipeline", () => {
  const MIN = "10.1.2.3"; // the ministry (test world): shopping allowed, news denied
  const snap = snapshot({ pinnedApplications: ["shop.example", "news.example", "nationalbank.kz"] });
  const tlsFacts = (host: string): FlowFacts => ({ phase: "tls", sourceIp: MIN, protocol: "tls", host, port: 443, tls: { ech: false, alpn: ["h2"], ja4: "t13d" } });

  test("ok/an allowed flow to a pinned application is spliced, with the step in the trace", () => {
    const plain = decideFlow(tlsFacts("shop.example"), snapshot(), NOW);
    assert.equal(plain.verdict.action === "allow" && plain.verdict.tls, "bump");
    const d = decideFlow(tlsFacts("www.shop.example"), snap, NOW);
    assert.equal(d.verdict.action === "allow" && d.verdict.tls, "splice", "whole-label suffix match");
    assert.ok(d.trace.some((t) => t.stage === "pinned-application"));
  });

  test("fail/a pinned application the policy denies stays blocked; p.20 stays a splice by its own stage", () => {
    const denied = decideFlow(tlsFacts("news.example"), snap, NOW);
    assert.equal(denied.verdict.action, "block");
    assert.equal(denied.verdict.reason, "organisation-deny");
    const bank = decideFlow(tlsFacts("nationalbank.kz"), snap, NOW);
    assert.equal(bank.verdict.reason, "protected-category");
    assert.ok(!bank.trace.some((t) => t.stage === "pinned-application"));
  });
});
