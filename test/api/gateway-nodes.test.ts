/**
 * Gateway nodes enrolled, rotated and revoked through the API on a running control plane, as `qaqpa node` does
 * it with the store to itself: the credential comes back once (never cached: `Cache-Control: no-store`) and is
 * one the control plane's credential directory accepts; the errors are the service's, as problem+json; only the
 * STS administrator may do it; the audit entry names the acting account and holds no credential, and neither
 * does the request log (the API runs here with every log line at trace level captured).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { startWorld, type World } from "./harness.js";
import { createApi } from "../../src/api/index.js";
import { credentialSealer } from "../../src/bus/leaves.js";
import { watchNodeCredentials, type NodeCredentialDirectory } from "../../src/services/gateway-nodes.js";
import { ROLES } from "../../src/domain/authz.js";

describe("gateway nodes API", () => {
  let w: World;
  let directory: NodeCredentialDirectory;
  const log: string[] = [];
  /** Every credential the API returned, to look for in the audit log and the request log. */
  const issued: string[] = [];
  const admin = () => w.tokens.sts_admin;

  before(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        log.push(String(chunk));
        done();
      },
    });
    w = await startWorld({ logger: { level: "trace", stream } });
    // Refreshed by hand: the tests ask right after a change.
    directory = await watchNodeCredentials(w.store.db, w.sealer, { refreshMs: 3_600_000 });
  });
  after(async () => {
    await directory?.stop();
    await w?.close();
  });

  /** Does the control plane accept this credential for the node now — as a leaf request's proof is checked. */
  async function accepted(id: string, credential: string): Promise<boolean> {
    await directory.refresh();
    const proof = credentialSealer(Buffer.from(credential, "base64")).seal("probe", `qaqpa-leaf-request:${id}:probe`);
    return directory.sealers(id).some((s) => {
      try {
        s.open(proof, `qaqpa-leaf-request:${id}:probe`);
        return true;
      } catch {
        return false;
      }
    });
  }
  async function issue(method: string, url: string, body?: unknown, status = 200) {
    const r = await w.call(admin(), method, url, body);
    assert.equal(r.status, status, r.body);
    assert.equal(r.headers["cache-control"], "no-store", "a response with a credential is never cached");
    assert.equal(Buffer.from(r.json.credential, "base64").length, 32);
    issued.push(r.json.credential);
    return r.json as { node: { id: string; state: string; generation: number; previousValidUntil: string | null }; credential: string };
  }
  const listed = async (id: string) => ((await w.call(w.tokens.auditor, "GET", "/api/gateway/nodes")).json.items as { id: string }[]).find((n) => n.id === id);
  function problem(r: { status: number; json: any; headers: Record<string, any> }, status: number, code: string) {
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal(r.json.code, code);
    return r.json as { detail: string };
  }
  /** What a refused request must leave as it was: the nodes and the audit chain. */
  const state = async () => ({ nodes: (await w.call(admin(), "GET", "/api/gateway/nodes")).json, audit: (await w.call(admin(), "GET", "/api/audit?limit=1")).json.total });

  test("ok/enrol returns the node as listed and a credential the control plane accepts", async () => {
    const { node, credential } = await issue("POST", "/api/gateway/nodes", { id: "gw-almaty-1", reason: "new node in Almaty" }, 201);
    assert.deepEqual(node, await listed("gw-almaty-1"));
    assert.equal(node.state, "active");
    assert.equal(node.generation, 1);
    assert.ok(await accepted("gw-almaty-1", credential));
    assert.ok(!(await accepted("gw-other", credential)), "for its own node only");
  });

  test("fail/enrolling an active node again is a conflict: rotate instead", async () => {
    const before = await state();
    const p = problem(await w.call(admin(), "POST", "/api/gateway/nodes", { id: "gw-almaty-1" }), 409, "QQ_ERR_DUPLICATE");
    assert.match(p.detail, /rotate its credential instead/);
    assert.deepEqual(await state(), before);
  });

  test("ok/rotate returns a different credential; the previous one is accepted for the overlap (default 10 minutes), or not at all with 0", async () => {
    const [first] = issued;
    const t0 = Date.now();
    const { node, credential } = await issue("POST", "/api/gateway/nodes/gw-almaty-1/rotate", {});
    assert.notEqual(credential, first);
    assert.equal(node.generation, 2);
    const overlap = Date.parse(node.previousValidUntil!) - t0;
    assert.ok(overlap > 9.9 * 60_000 && overlap <= 10 * 60_000 + 5_000, `overlap ${overlap} ms`);
    assert.deepEqual(node, await listed("gw-almaty-1"));
    assert.ok(await accepted("gw-almaty-1", credential));
    assert.ok(await accepted("gw-almaty-1", first!), "the previous credential during the overlap");

    const third = await issue("POST", "/api/gateway/nodes/gw-almaty-1/rotate", { overlapMinutes: 0 });
    assert.equal(third.node.previousValidUntil, null);
    assert.ok(await accepted("gw-almaty-1", third.credential));
    assert.ok(!(await accepted("gw-almaty-1", credential)), "no overlap: the second is refused at once");
  });

  test("ok/revoke: the node is revoked and none of its credentials is accepted; rotating or revoking it again is a conflict", async () => {
    const r = await w.call(admin(), "POST", "/api/gateway/nodes/gw-almaty-1/revoke");
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.node.state, "revoked");
    assert.ok(r.json.node.revokedAt);
    assert.equal(r.json.credential, undefined);
    assert.deepEqual(r.json.node, await listed("gw-almaty-1"));
    for (const c of issued) assert.ok(!(await accepted("gw-almaty-1", c)));

    const before = await state();
    assert.match(problem(await w.call(admin(), "POST", "/api/gateway/nodes/gw-almaty-1/rotate", {}), 409, "QQ_ERR_CONFLICT").detail, /revoked: enrol it again/);
    problem(await w.call(admin(), "POST", "/api/gateway/nodes/gw-almaty-1/revoke"), 409, "QQ_ERR_CONFLICT");
    assert.deepEqual(await state(), before);

    const again = await issue("POST", "/api/gateway/nodes", { id: "gw-almaty-1", reason: "machine rebuilt" }, 201);
    assert.deepEqual([again.node.state, again.node.generation], ["active", 4]);
    assert.ok(await accepted("gw-almaty-1", again.credential));
  });

  test("fail/an unknown node is 404; bad bodies and ids are 400 and change nothing", async () => {
    const before = await state();
    problem(await w.call(admin(), "POST", "/api/gateway/nodes/gw-none/rotate", {}), 404, "QQ_ERR_NOT_FOUND");
    problem(await w.call(admin(), "POST", "/api/gateway/nodes/gw-none/revoke"), 404, "QQ_ERR_NOT_FOUND");
    for (const body of [{}, { id: "gw d" }, { id: "x".repeat(65) }, { id: "" }, { id: ["gw-a", "gw-b"] }, { id: "gw-new", reason: "" }, { id: "gw-new", reason: "x".repeat(1001) }, { id: "gw-new", credential: "AAAA" }]) {
      problem(await w.call(admin(), "POST", "/api/gateway/nodes", body), 400, "QQ_ERR_VALIDATION");
    }
    for (const body of [{ overlapMinutes: -1 }, { overlapMinutes: 1441 }, { overlapMinutes: 1.5 }, { overlapMinutes: "ten" }, { overlap: 5 }]) {
      problem(await w.call(admin(), "POST", "/api/gateway/nodes/gw-almaty-1/rotate", body), 400, "QQ_ERR_VALIDATION");
    }
    for (const id of ["gw%20d", "x".repeat(65), "gw.a"]) {
      problem(await w.call(admin(), "POST", `/api/gateway/nodes/${id}/rotate`, {}), 400, "QQ_ERR_VALIDATION");
      problem(await w.call(admin(), "POST", `/api/gateway/nodes/${id}/revoke`), 400, "QQ_ERR_VALIDATION");
    }
    problem(await w.call(admin(), "POST", "/api/gateway/nodes", "id=gw-new"), 400, "QQ_ERR_VALIDATION");
    assert.deepEqual(await state(), before);
  });

  test("fail/every role but the STS administrator is refused (403), and a caller without a token (401)", async () => {
    const before = await state();
    for (const role of ROLES.filter((r) => r !== "sts_admin")) {
      problem(await w.call(w.tokens[role], "POST", "/api/gateway/nodes", { id: `gw-${role.replaceAll("_", "-")}` }), 403, "QQ_ERR_FORBIDDEN");
      problem(await w.call(w.tokens[role], "POST", "/api/gateway/nodes/gw-almaty-1/rotate", {}), 403, "QQ_ERR_FORBIDDEN");
      problem(await w.call(w.tokens[role], "POST", "/api/gateway/nodes/gw-almaty-1/revoke"), 403, "QQ_ERR_FORBIDDEN");
    }
    problem(await w.call(null, "POST", "/api/gateway/nodes", { id: "gw-anonymous" }), 401, "QQ_ERR_UNAUTHENTICATED");
    assert.deepEqual(await state(), before);
  });

  test("fail/a process without the master key issues no credential (503)", async () => {
    const keyless = await createApi({ store: w.store });
    try {
      const r = await keyless.inject({ method: "POST", url: "/api/gateway/nodes", headers: { authorization: `Bearer ${admin()}` }, payload: { id: "gw-keyless" } });
      assert.equal(r.statusCode, 503, r.body);
      assert.equal(r.json().code, "QQ_ERR_NOT_READY");
    } finally {
      await keyless.close();
    }
    assert.equal(await listed("gw-keyless"), undefined);
  });

  test("ok/every action is audited with the acting account and, for an enrolment, its reason — never a credential", async () => {
    const { items } = (await w.call(w.tokens.auditor, "GET", "/api/audit?entityType=gateway_node&entityId=gw-almaty-1&limit=500")).json as {
      items: { action: string; actor: { id: string; username: string; role: string; via: string }; after: { generation: number; reason?: string } }[];
    };
    assert.deepEqual(
      items.map((e) => [e.action, e.after.generation, e.after.reason ?? null]).reverse(),
      [
        ["gateway-node.enrol", 1, "new node in Almaty"],
        ["gateway-node.rotate", 2, null],
        ["gateway-node.rotate", 3, null],
        ["gateway-node.revoke", 3, null],
        ["gateway-node.enrol", 4, "machine rebuilt"],
      ],
    );
    for (const e of items) assert.deepEqual(e.actor, { id: e.actor.id, username: "admin", role: "sts_admin", via: "token" });
    const rows = await w.store.db.selectFrom("audit_entry").select("body").where("entity_type", "=", "gateway_node").execute();
    assert.equal(rows.length, 5);
    assert.equal(issued.length, 4);
    for (const c of issued) {
      const raw = Buffer.from(c, "base64");
      for (const form of [c, raw.toString("hex"), raw.toString("base64url")]) assert.ok(!rows.some((r) => r.body.includes(form)), "no credential in the audit log");
    }
    assert.equal((await w.call(w.tokens.auditor, "GET", "/api/audit/verify")).json.ok, true);
  });

  test("ok/the request log names the routes and never holds a credential", () => {
    const text = log.join("");
    assert.match(text, /\/api\/gateway\/nodes\/gw-almaty-1\/rotate/, "the requests were logged");
    assert.match(text, /"statusCode":201/);
    for (const c of issued) {
      const raw = Buffer.from(c, "base64");
      for (const form of [c, raw.toString("hex"), raw.toString("base64url")]) assert.ok(!text.includes(form), "no credential in the log");
    }
  });
});
