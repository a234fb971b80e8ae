/** `qaqpa ca …` as a user runs it: separate processes on a temporary data directory. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/db.js";
import { inTx } from "../../src/services/context.js";
import { systemPrincipal } from "../../src/domain/authz.js";
import { createOperator } from "../../src/services/operators.js";
import { verifyAudit } from "../../src/store/audit.js";
import { newBin } from "../api/harness.js";

const QAQPA = join(import.meta.dirname, "..", "..", "bin", "qaqpa.mjs");

describe("qaqpa ca", () => {
  let dir: string;
  let env: Record<string, string>;
  let rootId: string;
  let sha256: string;

  function qaqpa(args: string[]) {
    const e: Record<string, string | undefined> = { ...process.env, QAQPA_FROM_SOURCE: "1", ...env };
    delete e.QAQPA_CONFIG;
    delete e.QAQPA_MASTER_KEY;
    delete e.QAQPA_DATABASE_URL;
    const r = spawnSync(process.execPath, [QAQPA, "ca", ...args], { env: e, cwd: dir, encoding: "utf8", timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-cli-ca-"));
    env = { QAQPA_DATA_DIR: join(dir, "data") };
    const store = await openStore({ dataDir: env.QAQPA_DATA_DIR! });
    await inTx(store, systemPrincipal("test"), null, (ctx) => createOperator(ctx, { bin: newBin(), nameKk: "O", nameRu: "O", nameEn: "O", notificationEmails: ["noc@o.example"] }));
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("ok/status before init says what to do", () => {
    const r = qaqpa(["status"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /no CA yet: run qaqpa ca init/);
  });

  test("ok/init generates the pair with the data directory's master key; a second init is refused", () => {
    const r = qaqpa(["init", "--bank-domain", "example-bank.kz"]);
    assert.equal(r.code, 0, r.err);
    rootId = /root {10}(\S+)/.exec(r.out)![1]!;
    sha256 = /SHA-256 {5}(\S+)/.exec(r.out)![1]!;
    assert.match(r.out, /generated the gateway CA in \d+ ms/);
    assert.match(r.out, new RegExp(`qaqpa ca publish ${rootId}`));
    const key = join(env.QAQPA_DATA_DIR!, "master.key");
    assert.equal(statSync(key).mode & 0o777, 0o600, "the master key file is private");
    const again = qaqpa(["init"]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already initialised/);
  });

  test("ok/export writes the root and every install bundle; the PEM verifies with openssl", () => {
    const out = join(dir, "bundles");
    const r = qaqpa(["export", "--out", out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /not published yet/);
    const fp8 = sha256.replaceAll(":", "").slice(0, 8).toLowerCase();
    const files = readdirSync(out).sort();
    assert.deepEqual(files, [
      `install-qaqpa-${fp8}-debian.sh`,
      `install-qaqpa-${fp8}-rhel.sh`,
      `install-qaqpa-${fp8}.ps1`,
      "policies.json",
      `qaqpa-${fp8}.cer`,
      `qaqpa-${fp8}.crt`,
      `qaqpa-${fp8}.der`,
      `qaqpa-${fp8}.fingerprints.txt`,
      `qaqpa-${fp8}.mobileconfig`,
      `qaqpa-${fp8}.pem`,
    ]);
    const x = spawnSync("openssl", ["x509", "-in", join(out, `qaqpa-${fp8}.pem`), "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" });
    assert.equal(x.status, 0, x.stderr);
    assert.ok(x.stdout.includes(sha256));
    assert.ok(readFileSync(join(out, `qaqpa-${fp8}.der`)).equals(readFileSync(join(out, `qaqpa-${fp8}.cer`))));
    assert.equal(statSync(join(out, `install-qaqpa-${fp8}-debian.sh`)).mode & 0o111, 0o111, "installers are executable");
    // The Debian installer checks the fingerprint before installing.
    const check = spawnSync("sh", ["-n", join(out, `install-qaqpa-${fp8}-debian.sh`)]);
    assert.equal(check.status, 0);
  });

  test("ok/publish, activate, rotate and status; every step is in the audit chain as the cli actor", async () => {
    const p = qaqpa(["publish", rootId]);
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, /every telecom operator/);
    const a = qaqpa(["activate", rootId]);
    assert.equal(a.code, 0, a.err);
    const r = qaqpa(["rotate", "--scope", "intermediate", "--overlap-days", "3"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /done {5}activate/);
    assert.match(r.out, /planned {2}revoke/);
    const s = qaqpa(["status"]);
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, new RegExp(`root +active +${rootId}`));
    assert.match(s.out, /intermediate active/);
    assert.match(s.out, /intermediate retiring/);
    assert.match(s.out, /planned revoke at /);

    const store = await openStore({ dataDir: env.QAQPA_DATA_DIR! });
    try {
      const rows = await store.db.selectFrom("audit_entry").select(["action", "actor_id"]).where("action", "like", "ca.%").orderBy("seq").execute();
      assert.ok(rows.length >= 6);
      assert.ok(rows.every((x) => x.actor_id === "system:cli"));
      assert.equal((await verifyAudit(store.db)).ok, true);
      const mails = await store.db.selectFrom("outbox_message").select(["recipients", "body_text"]).where("dedupe_key", "like", "ca-root-published:%").execute();
      assert.equal(mails.length, 1);
      assert.ok(mails[0]!.body_text.includes(sha256));
    } finally {
      await store.close();
    }
  });

  test("fail/bad arguments exit 2 with the usage", () => {
    for (const args of [["rotate", "--scope", "leaf"], ["revoke", rootId, "--reason", "bored"], ["frobnicate"]]) {
      const r = qaqpa(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.out}${r.err}`);
      assert.match(r.err, /usage: qaqpa ca/);
    }
    assert.equal(qaqpa(["help"]).code, 0);
  });
});
