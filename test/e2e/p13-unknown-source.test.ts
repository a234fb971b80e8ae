/**
 * p.13 end to end with the real gateway on loopback: a source outside the catalogue browses through the proxy
 * → the detection reaches the store → STS attributes it to its operator → one e-mail to the operator listing
 * the address (the sink) → five working days later the address is blocked automatically and the gateway
 * refuses it → the operator adds the prefix → the address is unblocked and served as its organisation.
 * The scheduler is driven with tick(now) to move through the working days.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { Running } from "../../src/app.js";
import type { Origins } from "../gateway/origin.js";
import { newBin } from "../api/harness.js";
import { allInOneWithOrigins } from "./support.js";

function curl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn("curl", ["-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code} %header{x-qaqpa-reason}", ...args]);
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", () => resolve(out.trim()));
  });
}

describe("p.13 unknown source addresses, end to end", () => {
  const world = allInOneWithOrigins({ names: ["search.example"], tmpPrefix: "qaqpa-p13-", password: "p13 admin password", tokenName: "p13" });
  const api = world.api;
  let app: Running;
  let origins: Origins;
  // The unknown source is 127.0.0.2 (curl --interface); 127.0.0.1 stays unrelated.
  const fromUnknown = (path: string) => curl(["--interface", "127.0.0.2", "-x", app.urls.proxy, `http://search.example:${origins.httpPort}${path}`]);

  before(async () => {
    ({ app, origins } = world);
    await api("POST", "/categories/overrides", { action: "add", pattern: "search.example", category: "search-engines", reason: "test directory" });
    await app.gateway.refresh();
  });

  test("ok/detect → notify → block after five working days → catalogue update → unblock", async () => {
    const op = await api("POST", "/operators", { bin: newBin(), nameKk: "O", nameRu: "O", nameEn: "Operator", notificationEmails: ["noc@operator.example"] });
    const org = await api("POST", "/organisations", { bin: newBin(), nameKk: "M", nameRu: "M", nameEn: "Ministry", class: "state_body" });
    await api("POST", "/contracts", { organisationId: org.json.id, operatorId: op.json.id, number: "P13-1", validFrom: "2026-01-01" });

    // 1. The unknown source is served under the baseline and detected.
    assert.equal(await fromUnknown("/first"), "200");
    await app.gateway.flush();
    const seen = await api("GET", "/unknown-sources");
    const row = seen.json.items.find((u: { address: string }) => u.address === "127.0.0.2");
    assert.ok(row, JSON.stringify(seen.json));

    // 2. STS attributes it to the operator; the notice job sends one e-mail listing the address.
    assert.equal((await api("POST", "/unknown-sources/assign", { address: "127.0.0.2", operatorId: op.json.id })).status, 200);
    const now = Date.now();
    await app.workflows.scheduler.tick(new Date(now + 11 * 60_000));
    const mail = await api("GET", "/notifications?recipient=noc@operator.example");
    assert.equal(mail.json.total, 1, JSON.stringify(mail.json.items.map((m: { subject: string }) => m.subject)));
    assert.match(mail.json.items[0].bodyText, /127\.0\.0\.2/);

    // 3. Still served while the operator's five working days run.
    assert.equal(await fromUnknown("/during"), "200");

    // 4. Past the deadline the address is blocked automatically, and the gateway refuses it.
    await app.workflows.scheduler.tick(new Date(now + 12 * 86_400_000));
    await app.workflows.scheduler.tick(new Date(now + 12 * 86_400_000 + 60_000));
    const blocked = await api("GET", "/unknown-sources");
    assert.equal(blocked.json.items.find((u: { address: string }) => u.address === "127.0.0.2").state, "blocked");
    await app.gateway.refresh();
    assert.equal(await fromUnknown("/after-deadline"), "403 unknown-source-blocked");

    // 5. The operator adds the prefix: unblocked at once, served as its organisation.
    assert.equal((await api("POST", "/catalogue/prefixes", { prefix: "127.0.0.2/32", organisationId: org.json.id, operatorId: op.json.id })).status, 201);
    const resolved = await api("GET", "/unknown-sources");
    assert.equal(resolved.json.items.find((u: { address: string }) => u.address === "127.0.0.2").state, "resolved");
    await app.gateway.refresh();
    assert.equal(await fromUnknown("/after-update"), "200");
    const w = await api("POST", "/gateway/what-if", { sourceIp: "127.0.0.2", url: `http://search.example:${origins.httpPort}/` });
    assert.equal(w.json.organisationId, org.json.id);
  });
});
