/**
 * `qaqpa node …` as an operator runs it: separate processes on a temporary data directory. The credential goes
 * to a 0600 file and nowhere else — not to the terminal, not to the audit log — and every issue, rotation and
 * revocation is audited.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/db.js";
import { verifyAudit } from "../../src/store/audit.js";

const QAQPA = join(import.meta.dirname, "..", "..", "bin", "qaqpa.mjs");

describe("qaqpa node", () => {
  let dir: string;
  let data: string;
  const credentials: string[] = [];
  const printed: string[] = [];

  function qaqpa(args: string[]) {
    const e: Record<string, string | undefined> = { ...process.env, QAQPA_FROM_SOURCE: "1", QAQPA_DATA_DIR: data };
    delete e.QAQPA_CONFIG;
    delete e.QAQPA_MASTER_KEY;
    delete e.QAQPA_DATABASE_URL;
    const r = spawnSync(process.execPath, [QAQPA, "node", ...args], { env: e, cwd: dir, encoding: "utf8", timeout: 120_000 });
    printed.push(r.stdout, r.stderr);
    return { code: r.status, out: r.stdout, err: r.stderr };
  }
  /** The credential a command wrote: base64 of 32 bytes, in a file only its owner reads. */
  function credentialIn(file: string): string {
    assert.equal(statSync(file).mode & 0o777, 0o600, `${file} is private`);
    const text = readFileSync(file, "utf8").trim();
    assert.equal(Buffer.from(text, "base64").length, 32);
    credentials.push(text);
    return text;
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-cli-node-"));
    data = join(dir, "data");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("ok/list before any enrolment says what to do", () => {
    const r = qaqpa(["list"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /no gateway node is enrolled: qaqpa node enrol <id>/);
  });

  test("ok/enrol writes the credential to a 0600 file (the default name, or --out) and prints where, not what", () => {
    const r = qaqpa(["enrol", "gw-almaty-1"]);
    assert.equal(r.code, 0, r.err);
    credentialIn(join(dir, "qaqpa-node-gw-almaty-1.credential"));
    assert.match(r.out, /enrolled gateway node gw-almaty-1 \(generation 1\)/);
    assert.match(r.out, /set bus\.nodeId: gw-almaty-1/);
    const out = join(dir, "gw-2.key");
    assert.equal(qaqpa(["enrol", "gw-2", "--out", out]).code, 0);
    credentialIn(out);
    const again = qaqpa(["enrol", "gw-2", "--out", join(dir, "again.key")]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already enrolled: rotate its credential instead/);
  });

  test("ok/rotate writes a new credential over the old file and says until when the old one is accepted", () => {
    const file = join(dir, "qaqpa-node-gw-almaty-1.credential");
    const before = readFileSync(file, "utf8");
    const r = qaqpa(["rotate", "gw-almaty-1"]);
    assert.equal(r.code, 0, r.err);
    assert.notEqual(credentialIn(file), before.trim());
    assert.match(r.out, /generation 2/);
    assert.match(r.out, /previous +accepted until \d{4}-\d\d-\d\dT/);
    const now = qaqpa(["rotate", "gw-2", "--out", join(dir, "gw-2.key"), "--overlap-minutes", "0"]);
    assert.equal(now.code, 0, now.err);
    credentialIn(join(dir, "gw-2.key"));
    assert.match(now.out, /previous +no longer accepted/);
  });

  test("ok/revoke, then list shows the states and times; a revoked node is enrolled again with a new generation", () => {
    const r = qaqpa(["revoke", "gw-2"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /revoked gateway node gw-2/);
    const list = qaqpa(["list"]).out;
    assert.match(list, /^gw-2 +revoked +generation 2 +enrolled \S+, rotated \S+, revoked \S+$/m);
    assert.match(list, /^gw-almaty-1 +active +generation 2 +enrolled \S+, rotated \S+, previous credential until \S+$/m);
    assert.equal(qaqpa(["rotate", "gw-2", "--out", join(dir, "x.key")]).code, 1, "a revoked node is not rotated");
    assert.equal(qaqpa(["enrol", "gw-2", "--out", join(dir, "gw-2.key")]).code, 0);
    credentialIn(join(dir, "gw-2.key"));
    assert.match(qaqpa(["list"]).out, /^gw-2 +active +generation 3 /m);
  });

  test("fail/usage errors exit 2 with the usage; a bad id or overlap exits 1 and writes no file", () => {
    for (const args of [["enrol"], ["frobnicate"], ["rotate", "gw-2", "--overlap-minutes", "ten"]]) {
      const r = qaqpa(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, /usage: qaqpa node/);
    }
    const bad = qaqpa(["enrol", "gw 3", "--out", join(dir, "bad.key")]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /gateway node id is 1–64/);
    const long = qaqpa(["rotate", "gw-2", "--out", join(dir, "long.key"), "--overlap-minutes", "1441"]);
    assert.equal(long.code, 1);
    assert.throws(() => statSync(join(dir, "bad.key")));
    assert.throws(() => statSync(join(dir, "long.key")));
  });

  test("ok/no credential was ever printed or audited; the chain is intact", async () => {
    const all = printed.join("\n");
    for (const c of credentials) {
      assert.ok(!all.includes(c), "no credential in the output");
      assert.ok(!all.includes(Buffer.from(c, "base64").toString("hex")), "nor in hex");
    }
    const store = await openStore({ dataDir: data });
    try {
      const entries = await store.db.selectFrom("audit_entry").select(["action", "entity_id", "body"]).where("entity_type", "=", "gateway_node").orderBy("seq").execute();
      assert.deepEqual(
        entries.map((e) => `${e.action} ${e.entity_id}`),
        ["gateway-node.enrol gw-almaty-1", "gateway-node.enrol gw-2", "gateway-node.rotate gw-almaty-1", "gateway-node.rotate gw-2", "gateway-node.revoke gw-2", "gateway-node.enrol gw-2"],
      );
      for (const e of entries) for (const c of credentials) assert.ok(!e.body.includes(c));
      assert.match(entries[0]!.body, /"username":"system:cli"/, "the CLI acts as the system actor cli");
      assert.equal((await verifyAudit(store.db)).ok, true);
    } finally {
      await store.close();
    }
  });
});
