/**
 * The CA's periodic duties and the gateway's issuing handle, driven by an injected clock on a real store:
 * scheduled rotation steps (switch after the publication lead, revocation after the overlap, a whole rotation
 * skipped when its successor is gone), expiry alerts at 30/14/7 days that are sent once however often the
 * check runs, and `loadIssuing` minting leaves that verify, switching epochs and picking up a rotation.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/db.js";
import { createApi } from "../../src/api/index.js";
import { defaultConfig } from "../../src/config.js";
import { systemPrincipal } from "../../src/domain/authz.js";
import { createSealer } from "../../src/secrets/sealer.js";
import { inTx } from "../../src/services/context.js";
import { createOperator } from "../../src/services/operators.js";
import { PgCaStore } from "../../src/store/ca-store.js";
import { CaNotFoundError, ProtectedNameError } from "../../src/ca/errors.js";
import { DAY_MS } from "../../src/ca/lifecycle.js";
import { transitionCa } from "../../src/ca/service.js";
import { toPem } from "../../src/ca/x509.js";
import {
  activateCaCertificate,
  applyDueCaSteps,
  caRuntime,
  checkCaExpiry,
  configureCa,
  initCaCertificates,
  loadIssuing,
  openIssuingHandle,
  publishCaRoot,
  revokeCaCertificate,
  rotateCaCertificates,
  startCaDuties,
} from "../../src/services/ca.js";
import { openssl, Scratch } from "../ca/fixture.js";
import { newBin } from "./harness.js";

const HOUR = 3_600_000;

describe("CA duties and the issuing handle", () => {
  let dir: string;
  let store: Store;
  const sealer = createSealer(randomBytes(32));
  const env = { sealer, baseUrl: "https://portal.qaqpa.example" };
  // A round hour in the recent past, so real-clock and injected-clock calls agree on validity.
  const T0 = new Date(Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR);
  const at = (days: number, hours = 0) => new Date(T0.getTime() + days * DAY_MS + hours * HOUR);
  const act = <T>(now: Date, fn: Parameters<typeof inTx<T>>[3]) => inTx(store, systemPrincipal("test"), null, fn, now);
  const steps = () => store.db.selectFrom("ca_rotation_step").selectAll().orderBy("due_at").orderBy("ordinal").execute();
  const cert = async (id: string) => (await new PgCaStore(store.db).getView(id))!;
  const expiryMails = async () => (await store.db.selectFrom("outbox_message").selectAll().execute()).filter((m) => m.dedupe_key?.startsWith("ca-expiry:"));
  let root: string;
  let intermediate: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-ca-duties-"));
    store = await openStore({ dataDir: dir });
    configureCa(store, { sealer, stsAddress: "duty@sts.example" });
    await act(T0, async (ctx) => {
      await createOperator(ctx, { bin: newBin(), nameKk: "O", nameRu: "O", nameEn: "Operator O", notificationEmails: ["noc@o.example"] });
      await createOperator(ctx, { bin: newBin(), nameKk: "Q", nameRu: "Q", nameEn: "Operator Q without address", notificationEmails: [] });
    });
    await store.db
      .insertInto("account")
      .values([
        { username: "sts-admin-1", display_name: "A", email: "admin1@sts.example", role: "sts_admin" },
        { username: "sts-admin-2", display_name: "B", email: "admin2@sts.example", role: "sts_admin", disabled: true },
        { username: "engineer", display_name: "E", email: "eng@sts.example", role: "sts_engineer" },
      ])
      .execute();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/loadIssuing is null while no CA is active", async () => {
    assert.equal(await loadIssuing(store, sealer, () => false), null);
    const pair = await act(T0, (ctx) => initCaCertificates(ctx, env, {}));
    root = pair.root.id;
    intermediate = pair.intermediate.id;
    assert.equal(await loadIssuing(store, sealer, () => false), null, "generated is not active");
  });

  test("ok/publication opens one root-distribution application per operator in the same transaction (p.21–22)", async () => {
    await act(T0, (ctx) => publishCaRoot(ctx, env, root));
    const apps = await store.db.selectFrom("application").select(["kind", "state", "operator_id", "external_ref"]).where("kind", "=", "root-distribution").execute();
    const operators = await store.db.selectFrom("telecom_operator").select("id").execute();
    assert.equal(apps.length, operators.length);
    assert.deepEqual(apps.map((a) => a.external_ref).sort(), operators.map((o) => `root:${root}:${o.id}`).sort());
    assert.ok(apps.every((a) => a.state === "notified"));
    const announce = await store.db.selectFrom("audit_entry").select("body").where("action", "=", "ca.announce").executeTakeFirstOrThrow();
    const body = JSON.parse(announce.body);
    assert.equal(body.after.operatorsNotified.length, 1);
    assert.equal(body.after.operatorsWithoutAddress.length, 1, "an operator without a notification address is recorded, not silently skipped");
    await act(T0, (ctx) => activateCaCertificate(ctx, env, root, {}));
    assert.equal((await cert(intermediate)).lifecycle.state, "active");
  });

  test("ok/loadIssuing mints leaves for the exact name that verify against its root; protected names are refused", async () => {
    const h = (await loadIssuing(store, sealer, (n) => n === "bank.example.com"))!;
    try {
      assert.equal(h.intermediateId, intermediate);
      assert.equal(h.rootPem, toPem((await cert(root)).der));
      const leaf = await h.leaves.get("www.example.kz", "ecdsa");
      const rsa = await h.leaves.get("www.example.kz", "rsa");
      assert.equal(leaf.keyType, "ecdsa");
      assert.equal(rsa.keyType, "rsa");
      assert.strictEqual(await h.leaves.get("www.example.kz", "ecdsa"), leaf, "cached");
      const s = new Scratch();
      try {
        for (const l of [leaf, rsa]) {
          const r = openssl("verify", "-purpose", "sslserver", "-CAfile", s.write("root.pem", h.rootPem), "-untrusted", s.pem("int.pem", l.chain[0]!), s.pem("leaf.pem", l.der));
          assert.equal(r.status, 0, r.out);
        }
      } finally {
        s.remove();
      }
      await assert.rejects(h.leaves.get("bank.example.com", "ecdsa"), ProtectedNameError);
      await assert.rejects(h.leaves.get("www.gov.kz", "ecdsa"), ProtectedNameError);
    } finally {
      h.close();
    }
    await assert.rejects(
      (async () => {
        const h2 = (await loadIssuing(store, sealer, () => false))!;
        h2.close();
        await h2.leaves.get("www.example.kz", "ecdsa");
      })(),
      CaNotFoundError,
    );
  });

  test("ok/the handle switches leaf keys at an epoch boundary and picks up a new intermediate", async () => {
    let now = at(1).getTime();
    const h = (await openIssuingHandle(store, sealer, () => false, { now: () => now, epochSeconds: 3600, prefetchMs: 0 }))!;
    try {
      const a = await h.leaves.get("a.example.kz", "ecdsa");
      now += HOUR;
      const b = await h.leaves.get("a.example.kz", "ecdsa");
      assert.equal(b.epoch, a.epoch + 1);
      assert.ok(!a.key.spki.equals(b.key.spki), "a new epoch has new leaf keys");
      assert.equal(h.intermediateId, intermediate);
      const epochs = await store.db.selectFrom("ca_leaf_keys").select("epoch").where("epoch_seconds", "=", 3600).execute();
      assert.ok(epochs.length >= 2);

      // A new intermediate (e.g. a new bank list) takes over at once; the handle follows at the next epoch.
      const r = await act(new Date(now), (ctx) => rotateCaCertificates(ctx, env, { scope: "intermediate", bankDomains: ["newbank.kz"] }));
      assert.equal((await h.leaves.get("a.example.kz", "ecdsa")).epoch, b.epoch, "same epoch: unchanged");
      assert.equal(h.intermediateId, intermediate);
      now += HOUR;
      const c = await h.leaves.get("a.example.kz", "ecdsa");
      assert.equal(h.intermediateId, r.created.intermediate.id);
      assert.equal(h.rootPem, toPem((await cert(root)).der), "same root");
      await assert.rejects(h.leaves.get("www.newbank.kz", "ecdsa"), ProtectedNameError, "the new intermediate's exclusions apply");
      assert.ok(c.chain[0]!.equals((await cert(r.created.intermediate.id)).der));
      intermediate = r.created.intermediate.id;
      // The old intermediate's revocation is scheduled after the 7-day overlap.
      const pending = (await steps()).filter((s) => s.status === "pending");
      assert.deepEqual(pending.map((s) => (s.event as { type: string }).type), ["revoke"]);
    } finally {
      h.close();
    }
  });

  test("ok/due rotation steps are applied once, in order, as the system actor", async () => {
    assert.deepEqual(await applyDueCaSteps(store, at(3)), [], "not due yet");
    const done = await applyDueCaSteps(store, at(9));
    assert.deepEqual(done.map((s) => [s.status, s.event.type]), [["applied", "revoke"]]);
    assert.deepEqual(await applyDueCaSteps(store, at(9)), [], "idempotent");
    const audit = await store.db.selectFrom("audit_entry").select(["action", "actor_id"]).where("action", "=", "ca.revoke").execute();
    assert.deepEqual(audit.map((a) => a.actor_id), ["system:ca-rotation"]);

    // Root rotation with the default lead (14 days) and overlap (30 days).
    const r = await act(at(100), (ctx) => rotateCaCertificates(ctx, env, {}));
    const newRoot = r.created.root!.id;
    assert.equal((await cert(newRoot)).lifecycle.state, "published");
    assert.deepEqual(r.pending.map((s) => [s.certificateId === newRoot ? "new" : "old", s.event.type]), [["new", "activate"], ["old", "retire"], ["old", "revoke"]]);
    assert.deepEqual(await applyDueCaSteps(store, at(113)), []);
    const sw = await applyDueCaSteps(store, at(114));
    assert.deepEqual(sw.map((s) => s.event.type), ["activate", "retire"]);
    assert.equal((await cert(newRoot)).lifecycle.state, "active");
    assert.equal((await cert(root)).lifecycle.state, "retiring");
    assert.equal((await cert(intermediate)).lifecycle.state, "retiring");
    const oldApps = await store.db.selectFrom("application").select("state").where("external_ref", "like", `root:${root}:%`).execute();
    assert.ok(oldApps.length > 0 && oldApps.every((a) => a.state === "withdrawn"), "the replaced root's acknowledgements are withdrawn");
    const newApps = await store.db.selectFrom("application").select("state").where("external_ref", "like", `root:${newRoot}:%`).execute();
    assert.ok(newApps.length > 0 && newApps.every((a) => a.state === "notified"), "the new root is being distributed");
    assert.equal((await cert(r.created.intermediate.id)).lifecycle.state, "active");
    const end = await applyDueCaSteps(store, at(144));
    assert.deepEqual(end.map((s) => s.event.type), ["revoke"]);
    assert.equal((await cert(root)).lifecycle.revocationReason, "superseded");
    assert.equal((await cert(intermediate)).lifecycle.state, "revoked");
    root = newRoot;
    intermediate = r.created.intermediate.id;
  });

  test("ok/a rotation whose successor is gone is skipped entirely: the current root keeps issuing", async () => {
    const r = await act(at(200), (ctx) => rotateCaCertificates(ctx, env, {}));
    const successor = r.created.root!.id;
    // Revoked behind the service's back (no cancellation), e.g. by a second replica's older code.
    await transitionCa({ store: new PgCaStore(store.db), sealer, now: () => at(201) }, successor, { type: "revoke", reason: "keyCompromise" });
    const done = await applyDueCaSteps(store, at(214));
    assert.deepEqual(done.map((s) => s.status), ["skipped"]);
    assert.match(done[0]!.error!, /QQ_ERR_ILLEGAL_TRANSITION/);
    assert.equal((await cert(root)).lifecycle.state, "active", "the old root was not retired");
    assert.deepEqual((await steps()).filter((s) => s.status === "pending"), [], "the rest of the rotation is skipped too");
    assert.deepEqual(await applyDueCaSteps(store, at(260)), []);

    // The same through the service: revoking a rotation's successor cancels the rotation at once.
    const r2 = await act(at(261), (ctx) => rotateCaCertificates(ctx, env, {}));
    await act(at(262), (ctx) => revokeCaCertificate(ctx, env, r2.created.root!.id, { reason: "unspecified" }));
    assert.deepEqual((await steps()).filter((s) => s.status === "pending"), []);
    assert.equal((await cert(root)).lifecycle.state, "active");
  });

  test("ok/expiry alerts at 30, 14 and 7 days go to STS administrators and the duty address, each once", async () => {
    const inter = await cert(intermediate);
    const rootCert = await cert(root);
    assert.ok(inter.notAfter < rootCert.notAfter);
    const before = (days: number) => new Date(inter.notAfter.getTime() - days * DAY_MS);
    assert.deepEqual(await checkCaExpiry(store, before(31)), []);

    const a = await checkCaExpiry(store, before(29));
    assert.deepEqual(a.map((x) => [x.certificateId, x.threshold, x.daysLeft, x.enqueued]), [[intermediate, 30, 29, true]]);
    assert.deepEqual(await checkCaExpiry(store, before(29)), [], "the same run again sends nothing");
    assert.deepEqual(await checkCaExpiry(store, before(20)), [], "nothing new between tiers");
    let mails = await expiryMails();
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.recipients, ["admin1@sts.example", "duty@sts.example"], "enabled STS administrators with an address, and the duty address");
    assert.match(mails[0]!.subject, /intermediate certificate [0-9a-f]{8} expires in 29 days \(30-day alert\)/);
    assert.ok(mails[0]!.body_text.includes(inter.sha256));

    // Two replicas running the check at the same moment still send the 14-day alert once.
    const [x, y] = await Promise.all([checkCaExpiry(store, before(13)), checkCaExpiry(store, before(13))]);
    assert.equal([...x, ...y].filter((r) => r.enqueued).length, 1);
    assert.equal((await expiryMails()).length, 2);

    await checkCaExpiry(store, before(6));
    mails = await expiryMails();
    assert.deepEqual(mails.map((m) => m.dedupe_key).sort(), [`ca-expiry:${intermediate}:14`, `ca-expiry:${intermediate}:30`, `ca-expiry:${intermediate}:7`]);
    const audited = await store.db.selectFrom("audit_entry").select("body").where("action", "=", "ca.expiry-alert").execute();
    assert.equal(audited.length, 3, "one audit entry per alert sent");

    // A control plane that was down for weeks sends the most urgent tier only, not a burst.
    const late = await checkCaExpiry(store, new Date(rootCert.notAfter.getTime() - 3 * DAY_MS));
    assert.deepEqual(late.filter((r) => r.certificateId === root).map((r) => r.threshold), [7]);
    assert.match((await expiryMails()).find((m) => m.dedupe_key === `ca-expiry:${root}:7`)!.subject, /root certificate .* expires in 3 days \(7-day alert\)/);
  });

  test("ok/startCaDuties binds the sealer and public URL to the store and stops with the API", async () => {
    const api = await createApi({ store });
    const config = { ...defaultConfig(), dataDir: dir, http: { host: "127.0.0.1", port: 0, publicUrl: "https://gw.example" } };
    configureCa(store, { sealer: null, stsAddress: null });
    startCaDuties({ api, store, sealer, config, firstRunMs: 1, intervalMs: 20 });
    assert.equal(caRuntime(store).sealer, sealer);
    assert.equal(caRuntime(store).baseUrl(), "https://gw.example");
    assert.equal(caRuntime(store).stsAddress, config.notifications.stsAddress);
    await new Promise((r) => setTimeout(r, 100)); // a few runs: nothing is due any more
    await api.close(); // clears the timers and waits for a run in progress
    assert.equal((await expiryMails()).length, 4, "the runs sent nothing twice");
  });
});
