/**
 * The gateway CA through the API (Rules p.21–23): init → publish (one e-mail per telecom operator with the
 * fingerprint) → activate → every role downloads the root and each install bundle → rotate → the old root
 * retires → revoke; typed problems for what is refused; audit entries without key material.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorld, type World } from "./harness.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { configureCa } from "../../src/services/ca.js";
import { verifyAudit } from "../../src/store/audit.js";

const PORTAL = "https://portal.qaqpa.example";

function openssl(args: string[], input?: Buffer | string) {
  const r = spawnSync("openssl", args, { ...(input !== undefined ? { input } : {}), encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("gateway CA API", () => {
  let w: World;
  let admin: string;
  const sealer = createSealer(randomBytes(32));
  let rootId: string;
  let intermediateId: string;
  let sha256: string;
  let newRootId: string;

  async function download(token: string, url: string) {
    const r = await w.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
    return { status: r.statusCode, headers: r.headers, body: r.rawPayload };
  }
  const outbox = async (kind: string) =>
    (await w.store.db.selectFrom("outbox_message").selectAll().orderBy("created_at").execute()).filter((m) => (m.related as { kind?: string }).kind === kind);

  before(async () => {
    w = await startWorld();
    admin = w.tokens.sts_admin;
    configureCa(w.store, { sealer, baseUrl: () => PORTAL, stsAddress: "duty@sts.example" });
  });
  after(() => w.close());

  test("fail/before init there is no root to download", async () => {
    const r = await w.call(w.tokens.operator_staff, "GET", "/api/ca/root");
    assert.equal(r.status, 404);
    assert.equal(r.json.code, "QQ_ERR_CA_NOT_INITIALISED");
    assert.equal((await w.call(w.tokens.organisation_staff, "GET", "/api/ca/root.pem")).status, 404);
    assert.deepEqual((await w.call(admin, "GET", "/api/ca/certificates")).json.items, []);
  });

  test("ok/init generates root and intermediate in well under 2 s", async () => {
    const t0 = performance.now();
    const r = await w.call(admin, "POST", "/api/ca/init", { bankDomains: ["example-bank.kz"] });
    const ms = performance.now() - t0;
    assert.equal(r.status, 201, r.body);
    console.log(`# POST /api/ca/init (ECDSA P-384 root + P-256 intermediate, in one transaction): ${ms.toFixed(0)} ms`);
    assert.ok(ms < 2000, `generation took ${ms} ms`);
    rootId = r.json.root.id;
    intermediateId = r.json.intermediate.id;
    sha256 = r.json.root.sha256;
    assert.equal(r.json.root.state, "generated");
    assert.equal(r.json.intermediate.parentId, rootId);
    assert.match(sha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(r.json.intermediate.excludedDns.includes("example-bank.kz"));
    assert.ok(r.json.intermediate.excludedDns.includes("gov.kz"));
    assert.equal(r.json.root.keyAlgorithm, "ecdsa-p384");

    const again = await w.call(admin, "POST", "/api/ca/init", {});
    assert.equal(again.status, 409);
    assert.equal(again.json.code, "QQ_ERR_CA_ALREADY_INITIALISED");
    assert.equal(again.json.rootId, rootId);
  });

  test("ok/generated certificates are visible to STS only", async () => {
    assert.equal((await w.call(admin, "GET", "/api/ca/certificates")).json.items.length, 2);
    assert.equal((await w.call(w.tokens.auditor, "GET", "/api/ca/certificates")).json.items.length, 2);
    assert.deepEqual((await w.call(w.tokens.operator_staff, "GET", "/api/ca/certificates")).json.items, []);
    assert.equal((await w.call(w.tokens.operator_staff, "GET", `/api/ca/certificates/${rootId}`)).status, 404);
    const detail = await w.call(admin, "GET", `/api/ca/certificates/${rootId}`);
    assert.equal(detail.status, 200);
    assert.match(detail.json.pem, /^-----BEGIN CERTIFICATE-----/);
    assert.deepEqual(detail.json.history.map((h: { state: string }) => h.state), ["generated"]);
    // STS may check the root before publishing it; operators may not fetch it yet.
    assert.equal((await download(admin, `/api/ca/root.pem?id=${rootId}`)).status, 200);
    assert.equal((await download(w.tokens.operator_staff, `/api/ca/root.pem?id=${rootId}`)).status, 404);
  });

  test("fail/lifecycle refusals are precise problems", async () => {
    const a = await w.call(admin, "POST", `/api/ca/certificates/${intermediateId}/publish`);
    assert.equal(a.status, 409);
    assert.equal(a.json.code, "QQ_ERR_ILLEGAL_TRANSITION");
    assert.match(a.json.detail, /only a root certificate is published/);
    const b = await w.call(admin, "POST", `/api/ca/certificates/${rootId}/activate`, {});
    assert.equal(b.status, 409);
    assert.match(b.json.detail, /published to operators before it is activated/);
    const c = await w.call(admin, "POST", `/api/ca/certificates/00000000-0000-4000-8000-000000000000/publish`);
    assert.equal(c.status, 404);
    assert.equal(c.json.code, "QQ_ERR_NOT_FOUND");
    const d = await w.call(admin, "POST", `/api/ca/certificates/${rootId}/revoke`, { reason: "because" });
    assert.equal(d.status, 400);
    assert.equal(d.json.code, "QQ_ERR_VALIDATION");
    const e = await w.call(admin, "POST", "/api/ca/rotate", {});
    assert.equal(e.status, 409);
    assert.equal(e.json.code, "QQ_ERR_CA_NO_ACTIVE_ROOT");
  });

  test("ok/publish informs every telecom operator once, with the fingerprint and the downloads (p.21)", async () => {
    const r = await w.call(admin, "POST", `/api/ca/certificates/${rootId}/publish`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.state, "published");
    const mails = await outbox("ca.root-published");
    assert.equal(mails.length, 2, "one e-mail per operator");
    assert.deepEqual(mails.map((m) => m.recipients).sort(), [["noc@a.example"], ["noc@b.example"]]);
    assert.deepEqual(mails.map((m) => (m.related as { operatorId: string }).operatorId).sort(), [w.ids.opA, w.ids.opB].sort());
    const fp8 = sha256.replaceAll(":", "").slice(0, 8).toLowerCase();
    for (const m of mails) {
      assert.match(m.subject, new RegExp(fp8));
      assert.ok(m.body_text.includes(`SHA-256:      ${sha256}`), m.body_text);
      assert.match(m.body_text, /Valid from: {3}\d{4}-\d\d-\d\dT/);
      assert.match(m.body_text, /Valid until: {2}\d{4}-/);
      assert.ok(m.body_text.includes(`${PORTAL}/ca`));
      assert.ok(m.body_text.includes(`${PORTAL}/api/ca/root/files/qaqpa-${fp8}.pem?id=${rootId}`));
      for (const f of [`qaqpa-${fp8}.mobileconfig`, `install-qaqpa-${fp8}.ps1`, "policies.json", `install-qaqpa-${fp8}-debian.sh`, `install-qaqpa-${fp8}-rhel.sh`, `qaqpa-${fp8}.cer`]) {
        assert.ok(m.body_text.includes(f), f);
      }
      assert.equal(m.dedupe_key, `ca-root-published:${rootId}:${(m.related as { operatorId: string }).operatorId}`);
    }
    const again = await w.call(admin, "POST", `/api/ca/certificates/${rootId}/publish`);
    assert.equal(again.status, 409);
    assert.equal((await outbox("ca.root-published")).length, 2, "a refused publish sends nothing");
    // The notices are readable where STS reads the outbox.
    const n = await w.call(w.tokens.sts_duty_officer, "GET", "/api/notifications?recipient=noc@a.example");
    assert.ok(n.json.items.some((x: { subject: string }) => x.subject.includes(fp8)));
  });

  test("ok/activate: the root and its intermediate issue", async () => {
    const r = await w.call(admin, "POST", `/api/ca/certificates/${rootId}/activate`, {});
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.state, "active");
    const i = await w.call(admin, "GET", `/api/ca/certificates/${intermediateId}`);
    assert.equal(i.json.state, "active");
    assert.deepEqual(i.json.history.map((h: { state: string }) => h.state), ["generated", "active"]);
  });

  test("ok/every role downloads the root: PEM, DER and each install bundle with its content type", async () => {
    const fp8 = sha256.replaceAll(":", "").slice(0, 8).toLowerCase();
    const dir = mkdtempSync(join(tmpdir(), "qaqpa-ca-api-"));
    try {
      for (const token of [w.tokens.operator_staff, w.tokens.operatorB, w.tokens.organisation_staff, w.tokens.auditor, w.tokens.sts_engineer]) {
        const pem = await download(token, "/api/ca/root.pem");
        assert.equal(pem.status, 200);
        assert.equal(pem.headers["content-type"], "application/x-pem-file");
        assert.equal(pem.headers["content-disposition"], `attachment; filename="qaqpa-${fp8}.pem"`);
        const der = await download(token, "/api/ca/root.der");
        assert.equal(der.headers["content-type"], "application/pkix-cert");
        assert.equal(der.headers["content-disposition"], `attachment; filename="qaqpa-${fp8}.der"`);
        const pemFile = join(dir, "root.pem");
        writeFileSync(pemFile, pem.body);
        const x = openssl(["x509", "-in", pemFile, "-noout", "-fingerprint", "-sha256", "-subject"]);
        assert.equal(x.status, 0, x.out);
        assert.ok(x.out.includes(sha256), x.out);
        const fromDer = openssl(["x509", "-inform", "DER", "-noout", "-fingerprint", "-sha256"], der.body);
        assert.equal(fromDer.status, 0, fromDer.out);
        assert.ok(fromDer.out.includes(sha256));
      }

      const info = await w.call(w.tokens.organisation_staff, "GET", "/api/ca/root");
      assert.equal(info.status, 200);
      assert.equal(info.json.id, rootId);
      assert.equal(info.json.state, "active");
      assert.equal(info.json.sha256, sha256);
      const byName = new Map<string, { contentType: string; url: string; platforms: string[]; installPaths: string[] }>(info.json.files.map((f: { filename: string }) => [f.filename, f]));
      const expected: Record<string, string> = {
        [`qaqpa-${fp8}.pem`]: "application/x-pem-file",
        [`qaqpa-${fp8}.der`]: "application/pkix-cert",
        [`qaqpa-${fp8}.fingerprints.txt`]: "text/plain; charset=utf-8",
        [`qaqpa-${fp8}.cer`]: "application/pkix-cert",
        [`install-qaqpa-${fp8}.ps1`]: "text/plain; charset=utf-8",
        [`qaqpa-${fp8}.mobileconfig`]: "application/x-apple-aspen-config",
        "policies.json": "application/json",
        [`qaqpa-${fp8}.crt`]: "application/x-pem-file",
        [`install-qaqpa-${fp8}-debian.sh`]: "text/x-shellscript; charset=utf-8",
        [`install-qaqpa-${fp8}-rhel.sh`]: "text/x-shellscript; charset=utf-8",
      };
      assert.deepEqual([...byName.keys()].sort(), Object.keys(expected).sort());
      assert.deepEqual(byName.get(`qaqpa-${fp8}.crt`)!.platforms, ["firefox", "debian", "rhel"]);
      assert.deepEqual(byName.get(`qaqpa-${fp8}.crt`)!.installPaths.length, 2);
      const der = (await download(w.tokens.operator_staff, "/api/ca/root.der")).body;
      for (const [name, type] of Object.entries(expected)) {
        const f = await download(w.tokens.operator_staff, byName.get(name)!.url);
        assert.equal(f.status, 200, name);
        assert.equal(f.headers["content-type"], type, name);
        assert.equal(f.headers["content-disposition"], `attachment; filename="${name}"`);
        assert.equal(f.headers["x-content-type-options"], "nosniff");
        if (name.endsWith(".cer") || name.endsWith(".der")) assert.ok(f.body.equals(der), name);
        if (name.endsWith(".mobileconfig")) {
          const text = f.body.toString("utf8");
          assert.ok(text.replace(/\s+/g, "").includes(der.toString("base64")), "the profile carries the DER, base64");
          assert.ok(text.includes("com.apple.security.root"));
        }
        if (name === "policies.json") assert.deepEqual(JSON.parse(f.body.toString("utf8")).policies.Certificates.Install, [`qaqpa-${fp8}.crt`]);
        if (name.endsWith(".ps1")) assert.ok(f.body.toString("utf8").includes(info.json.sha1.replaceAll(":", "")));
        if (name.endsWith(".sh")) assert.equal(spawnSync("sh", ["-n"], { input: f.body }).status, 0, name);
      }
      const missing = await w.call(w.tokens.operator_staff, "GET", "/api/ca/root/files/nothing.txt");
      assert.equal(missing.status, 404);
      assert.equal((await w.call(w.tokens.operator_staff, "GET", "/api/ca/root/files/..%2Fetc")).status, 400);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("ok/rotate: the new root is published and takes over; the old one retires, then is revoked", async () => {
    const r = await w.call(admin, "POST", "/api/ca/rotate", { publicationLeadDays: 0, overlapDays: 30 });
    assert.equal(r.status, 201, r.body);
    newRootId = r.json.created.root.id;
    assert.notEqual(newRootId, rootId);
    assert.deepEqual(r.json.applied.map((s: { certificateId: string; event: { type: string } }) => [s.certificateId === newRootId ? "new" : s.certificateId === rootId ? "old" : "?", s.event.type]), [
      ["new", "publish"],
      ["new", "activate"],
      ["old", "retire"],
    ]);
    assert.equal(r.json.pending.length, 1);
    assert.equal(r.json.pending[0].certificateId, rootId);
    assert.deepEqual(r.json.pending[0].event, { type: "revoke", reason: "superseded" });
    assert.equal(r.json.created.root.state, "active");

    const old = await w.call(admin, "GET", `/api/ca/certificates/${rootId}`);
    assert.equal(old.json.state, "retiring");
    assert.equal(old.json.scheduled.length, 1, "the revocation after the overlap is scheduled");
    assert.equal((await w.call(admin, "GET", `/api/ca/certificates/${intermediateId}`)).json.state, "retiring");
    assert.equal((await w.call(w.tokens.operator_staff, "GET", "/api/ca/root")).json.id, newRootId, "operators now get the new root");
    const mails = (await outbox("ca.root-published")).filter((m) => (m.related as { certificateId: string }).certificateId === newRootId);
    assert.equal(mails.length, 2, "a rotated root is announced to every operator too");
    // During the overlap the old root can still be fetched by id: it is still installed on workstations.
    assert.equal((await download(w.tokens.operator_staff, `/api/ca/root.pem?id=${rootId}`)).status, 200);

    const busy = await w.call(admin, "POST", "/api/ca/rotate", { scope: "intermediate" });
    assert.equal(busy.status, 409);
    assert.equal(busy.json.code, "QQ_ERR_CONFLICT");
  });

  test("ok/revoke: the old root and its intermediate are revoked; its scheduled step is cancelled", async () => {
    const r = await w.call(admin, "POST", `/api/ca/certificates/${rootId}/revoke`, { reason: "superseded" });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.state, "revoked");
    assert.equal(r.json.revocationReason, "superseded");
    assert.deepEqual(r.json.scheduled, []);
    assert.equal((await w.call(admin, "GET", `/api/ca/certificates/${intermediateId}`)).json.state, "revoked");
    const steps = await w.store.db.selectFrom("ca_rotation_step").selectAll().execute();
    assert.deepEqual(steps.map((s) => s.status), ["skipped"]);
    assert.equal((await download(w.tokens.operator_staff, `/api/ca/root.pem?id=${rootId}`)).status, 404, "a revoked root is not handed out");
    assert.equal((await w.call(admin, "POST", `/api/ca/certificates/${rootId}/revoke`, { reason: "superseded" })).status, 409);
  });

  test("fail/without the master key nothing is generated", async () => {
    configureCa(w.store, { sealer: null });
    try {
      const r = await w.call(admin, "POST", "/api/ca/rotate", { scope: "intermediate" });
      assert.equal(r.status, 503);
      assert.equal(r.json.code, "QQ_ERR_NOT_READY");
    } finally {
      configureCa(w.store, { sealer });
    }
    const ok = await w.call(admin, "POST", "/api/ca/rotate", { scope: "intermediate", bankDomains: ["newbank.kz"] });
    assert.equal(ok.status, 201, ok.body);
    assert.ok(ok.json.created.intermediate.excludedDns.includes("newbank.kz"));
    assert.equal(ok.json.created.root, undefined);
  });

  test("ok/every CA change is audited with fingerprints and states, never key material", async () => {
    const rows = await w.store.db.selectFrom("audit_entry").select(["action", "entity_id", "body"]).where("action", "like", "ca.%").orderBy("seq").execute();
    const actions = rows.map((r) => r.action);
    for (const a of ["ca.generate", "ca.publish", "ca.announce", "ca.activate", "ca.rotate", "ca.retire", "ca.revoke", "ca.rotation-cancel"]) assert.ok(actions.includes(a), a);
    const publish = rows.find((r) => r.action === "ca.publish" && r.entity_id === rootId)!;
    const body = JSON.parse(publish.body);
    assert.equal(body.before.state, "generated");
    assert.equal(body.after.state, "published");
    assert.equal(body.after.sha256, sha256);
    assert.equal(body.actor.username, "admin");
    const announce = JSON.parse(rows.find((r) => r.action === "ca.announce" && r.entity_id === rootId)!.body);
    assert.deepEqual([...announce.after.operatorsNotified].sort(), [w.ids.opA, w.ids.opB].sort());
    const sealed = (await w.store.db.selectFrom("ca_certificate").select("sealed_key").execute()).map((r) => r.sealed_key);
    const all = rows.map((r) => r.body).join("\n");
    assert.ok(!all.includes("qs1."));
    assert.ok(!all.includes("PRIVATE KEY"));
    for (const s of sealed) assert.ok(!all.includes(s.slice(4, 44)));
    assert.equal((await verifyAudit(w.store.db)).ok, true);
    // Nor does any API answer carry it.
    const list = await w.call(admin, "GET", "/api/ca/certificates");
    assert.ok(!list.body.includes("qs1.") && !list.body.includes("sealed"));
  });
});
