/**
 * The all-in-one with `mail` configured: it starts Postfix, the policy service and the authentication
 * filter; an application connected by STS through the API becomes a mail system in the store, Postfix picks
 * it up, and the system's mail leaves signed; readiness and metrics report the mail gateway. Outbound mail
 * only: inbound would ask real DNS for SPF. A data directory Postfix cannot reach is refused at start.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAllInOne, type Running } from "../../src/app.js";
import { SmtpSink } from "../../src/mail/testing/smtp-sink.js";
import { SmtpClient, buildMessage } from "../../src/mail/testing/smtp-client.js";
import { adminToken, loopbackConfig } from "../e2e/support.js";
import { newBin } from "../api/harness.js";
import { freePort, peerSkipReason, SYS_A_IP, until } from "./peer/harness.js";
import { bearerApi, connectThroughApplications } from "./support/api.js";

const skip = await peerSkipReason();

describe("all-in-one with the mail gateway configured", { skip }, () => {
  let dir: string;
  let app: Running;
  let token: string;
  let smtpPort: number;
  const internet = new SmtpSink({ hostname: "mx.internet.test" });
  const api = bearerApi(() => app.urls.api, () => token);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-mail-aio-"));
    await internet.start();
    smtpPort = await freePort();
    const cfg = loopbackConfig(dir);
    cfg.notifications.stsAddress = "duty@sts.example";
    cfg.mail = {
      hostname: "ugem.test.kz",
      listen: [{ host: "127.0.0.1", port: smtpPort }],
      policyPort: await freePort(),
      filterPort: await freePort(),
      reinjectPort: await freePort(),
      internetRelay: { host: "127.0.0.1", port: internet.port },
    };
    // mkdtemp makes the data directory 0700: the postfix account could not reach <dataDir>/mail. The start is
    // refused with the directory to fix, and nothing is left running (the test would not end otherwise).
    await assert.rejects(startAllInOne(cfg, { ...process.env, QAQPA_ADMIN_PASSWORD: "mail admin password" }), /postfix account cannot reach .* is not searchable by others/);
    chmodSync(dir, 0o755);
    app = await startAllInOne(cfg, { ...process.env, QAQPA_ADMIN_PASSWORD: "mail admin password" });
    token = await adminToken(app, "mail admin password", "mail");
  });
  after(async () => {
    await app?.stop();
    await internet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ok/readiness and metrics include the mail gateway", async () => {
    const base = app.urls.api.replace(/\/api$/, "");
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { checks: Record<string, boolean> };
    assert.equal(ready.checks.mail, true);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /qaqpa_mail_queue_messages\{queue="deferred"\} 0/);
  });

  test("ok/UGEM p.9 through the API: the connected system relays through Postfix and its mail leaves signed", async () => {
    const org = await api("POST", "/organisations", { bin: newBin(), nameKk: "M", nameRu: "M", nameEn: "Ministry A", class: "state_body" });
    assert.equal(org.status, 201);
    await connectThroughApplications(api, { organisationId: org.json.id, domain: "a.gov.kz", owner: "Ministry A", serverAddress: SYS_A_IP });
    const systems = await api("GET", "/mail/systems");
    assert.deepEqual(systems.json.items.map((s: { domains: { domain: string }[]; status: string }) => [s.domains.map((d) => d.domain), s.status]), [[["a.gov.kz"], "active"]]);

    let result: Awaited<ReturnType<SmtpClient["send"]>> | undefined;
    await until(async () => {
      const c = await SmtpClient.connect({ host: "127.0.0.1", port: smtpPort, localAddress: SYS_A_IP, helo: "mail.a.gov.kz" });
      try {
        result = await c.send({ from: "clerk@a.gov.kz", to: ["x@internet.test"], data: buildMessage({ from: "clerk@a.gov.kz", to: ["x@internet.test"], subject: "hello", messageId: "aio-1@a.gov.kz" }) });
      } finally {
        await c.quit();
      }
      return result.ok;
    }, 20_000, "Postfix to pick up the connected system");
    await internet.waitFor(1, 30_000);
    assert.match(internet.messages[0]!.data.toString("latin1"), /^DKIM-Signature: .*d=a\.gov\.kz/m);
  });
});
