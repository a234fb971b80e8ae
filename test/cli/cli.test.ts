/** The qaqpa command as a user runs it: separate processes, a real data directory. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/db.js";
import { ensureAdmin } from "../../src/bootstrap.js";
import { inTx } from "../../src/services/context.js";
import { systemPrincipal } from "../../src/domain/authz.js";
import { createOperator } from "../../src/services/operators.js";
import { createOrganisation } from "../../src/services/organisations.js";
import { createContract } from "../../src/services/contracts.js";
import { newBin } from "../api/harness.js";
import { queueMigrationCheck } from "../../src/cli/doctor.js";

const QAQPA = join(import.meta.dirname, "..", "..", "bin", "qaqpa.mjs");

function qaqpa(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [QAQPA, ...args], { env: { ...process.env, QAQPA_FROM_SOURCE: "1", ...env }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("qaqpa CLI", () => {
  let dir: string;
  let env: Record<string, string>;
  let opBin: string;
  let orgBin: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-cli-"));
    env = { QAQPA_DATA_DIR: dir, QAQPA_CONFIG: "" };
    delete env.QAQPA_CONFIG;
    const store = await openStore({ dataDir: dir });
    await ensureAdmin(store, "bootstrap password 1");
    opBin = newBin();
    orgBin = newBin();
    await inTx(store, systemPrincipal("test"), null, async (ctx) => {
      const op = await createOperator(ctx, { bin: opBin, nameKk: "O", nameRu: "O", nameEn: "O", notificationEmails: ["noc@o.example"] });
      const org = await createOrganisation(ctx, { bin: orgBin, nameKk: "M", nameRu: "M", nameEn: "M", class: "state_body" });
      await createContract(ctx, { organisationId: org.id, operatorId: op.id, number: "C-1", validFrom: "2026-01-01" });
    });
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("ok/migrate is idempotent", () => {
    const a = qaqpa(["migrate"], env);
    assert.equal(a.code, 0, a.err);
    assert.match(a.out, /schema version \d+/);
    assert.equal(qaqpa(["migrate"], env).code, 0);
  });

  test("ok/admin create prints a one-time password", () => {
    const r = qaqpa(["admin", "create", "second-admin"], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /created STS administrator second-admin with password \S{20,}/);
  });

  test("ok/catalogue import (dry run, then real) and export", () => {
    const file = join(dir, "in.csv");
    writeFileSync(file, `prefix,organisation_bin,operator_bin,note\n192.0.2.0/24,${orgBin},${opBin},lab\n`);
    const dry = qaqpa(["catalogue", "import", file, "--operator", opBin, "--dry-run"], env);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /dry run: would import: 1 created/);
    const real = qaqpa(["catalogue", "import", file, "--operator", opBin], env);
    assert.match(real.out, /imported: 1 created/);
    const exp = qaqpa(["catalogue", "export"], env);
    assert.match(exp.out, /^prefix,organisation_bin,operator_bin,contract_number,note\r\n192\.0\.2\.0\/24,/);
  });

  test("fail/catalogue import with a bad row exits 1 and lists the line", () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, `prefix,organisation_bin,operator_bin\n198.51.100.7/24,${orgBin},${opBin}\n`);
    const r = qaqpa(["catalogue", "import", file, "--operator", opBin], env);
    assert.equal(r.code, 1);
    assert.match(r.err, /line 2 \(prefix\)/);
  });

  test("ok→fail/audit verify passes, then detects an edited entry", async () => {
    const ok = qaqpa(["audit", "verify"], env);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /audit chain intact: \d+ entries/);
    const store = await openStore({ dataDir: dir });
    const { sql } = await import("kysely");
    await sql`update audit_entry set body = replace(body, '"lab"', '"LAB"') where action = 'catalogue.create'`.execute(store.db);
    await store.close();
    const bad = qaqpa(["audit", "verify"], env);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /audit chain BROKEN at entry \d+ \(hash-mismatch\)/);
  });

  test("ok/doctor reports each part and exits 0 when the required ones are present", () => {
    const r = qaqpa(["doctor"], env);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /ok\s+node/);
    assert.match(r.out, /configuration and store/);
    assert.match(r.out, /postfix/);
    assert.match(r.out, /accept-queue migration \(net\.ipv4\.tcp_migrate_req\)/);
  });

  test("ok/doctor's accept-queue check: wanted only with a socket per worker, and then only when the kernel migrates", () => {
    assert.equal(queueMigrationCheck(false, "0").ok, true);
    assert.equal(queueMigrationCheck(true, "1\n").ok, true);
    const off = queueMigrationCheck(true, "0\n");
    assert.equal(off.ok, false);
    assert.match(off.fix ?? "", /deploy\/sysctl\.d\/60-qaqpa\.conf/);
    assert.match(queueMigrationCheck(true, null).detail, /Linux 5\.14/);
  });

  test("fail/bad configuration is a clear error", () => {
    const r = qaqpa(["migrate"], { ...env, QAQPA_HTTP_PORT: "eighty" });
    assert.equal(r.code, 1);
    assert.match(r.err, /QAQPA_HTTP_PORT must be a port number/);
    const cfg = join(dir, "bad.yaml");
    writeFileSync(cfg, "http:\n  prot: 8080\n");
    const r2 = qaqpa(["migrate"], { ...env, QAQPA_CONFIG: cfg });
    assert.equal(r2.code, 1);
    assert.match(r2.err, /invalid configuration/);
  });

  test("ok/start serves the API; a second process on the same data dir is refused", async () => {
    const child = spawn(process.execPath, [QAQPA, "start"], { env: { ...process.env, QAQPA_FROM_SOURCE: "1", ...env, QAQPA_HTTP_PORT: "0", QAQPA_PROXY_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      const api = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60_000);
        child.stdout.on("data", (d) => {
          out += d;
          const m = /API\s+(http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
        child.on("exit", (c) => reject(new Error(`exited ${c}: ${out}`)));
      });
      const doc = await fetch(`${api}/openapi.json`);
      assert.equal(doc.status, 200);
      assert.equal(((await doc.json()) as { openapi: string }).openapi, "3.1.0");
      const login = await fetch(`${api}/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: "bootstrap password 1" }) });
      assert.equal(login.status, 200);
      const second = qaqpa(["migrate"], env);
      assert.equal(second.code, 1);
      assert.match(second.err, /is in use by pid \d+/);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    assert.equal(qaqpa(["migrate"], env).code, 0, "the lock is released on a clean stop");
  });
});
