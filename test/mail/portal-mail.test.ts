/**
 * The portal's mail page in Chromium, on an all-in-one running the mail gateway (private Postfix): STS sees
 * the connected system and its DKIM record, suspends it (confirmation with a note), sees the suspension,
 * and releases it; the organisation sees its own system without the actions. axe finds no serious
 * violation and no script error occurs.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startPortal, type PortalRun } from "../e2e/portal/run.js";
import { adminToken } from "../e2e/support.js";
import { newBin } from "../api/harness.js";
import { SmtpSink } from "../../src/mail/testing/smtp-sink.js";
import { freePort, peerSkipReason, SYS_A_IP } from "./peer/harness.js";
import { bearerApi, connectThroughApplications } from "./support/api.js";
import { findExecutable } from "../../src/mail/postfix/exec.js";

const ADMIN_PASSWORD = "portal mail admin password";
const skip = (await peerSkipReason()) ?? (findExecutable("chromium") ? undefined : "Chromium is not installed");

describe("portal: the mail gateway page", { skip }, () => {
  let run: PortalRun;
  let page: Page;
  let token: string;
  let mailDir: string;
  const internet = new SmtpSink({ hostname: "mx.internet.test" });
  const call = bearerApi(() => run.app.urls.api, () => token);
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await call(method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };

  before(async () => {
    await internet.start();
    mailDir = mkdtempSync(join(tmpdir(), "qaqpa-portal-mail-"));
    chmodSync(mailDir, 0o755);
    const ports = { smtp: await freePort(), policy: await freePort(), filter: await freePort(), reinject: await freePort() };
    run = await startPortal(ADMIN_PASSWORD, "portal-mail", (cfg) => {
      cfg.notifications.stsAddress = "duty@sts.example";
      cfg.mail = {
        hostname: "ugem.test.kz",
        directory: join(mailDir, "mail"),
        listen: [{ host: "127.0.0.1", port: ports.smtp }],
        policyPort: ports.policy,
        filterPort: ports.filter,
        reinjectPort: ports.reinject,
        internetRelay: { host: "127.0.0.1", port: internet.port },
      };
    });
    page = run.page;
    run.context.setDefaultTimeout(15_000);
    token = await adminToken(run.app, ADMIN_PASSWORD, "mail");
    const org = await api("POST", "/organisations", { bin: newBin(), nameKk: "Министрлік А", nameRu: "Министерство А", nameEn: "Ministry A", class: "state_body" });
    await api("POST", "/accounts", { username: "mail-org", displayName: "Postmaster A", role: "organisation_staff", organisationId: org.id, password: "initial password 1" });
    await connectThroughApplications(call, { organisationId: org.id, domain: "a.gov.kz", owner: "Ministry A", serverAddress: SYS_A_IP });
  });
  after(async () => {
    await run?.stop();
    await internet.close();
    if (mailDir) rmSync(mailDir, { recursive: true, force: true });
  });

  test("STS: DKIM record, suspend with a note after confirming, the suspension listed, release", async () => {
    await run.login("admin", ADMIN_PASSWORD);
    await page.getByRole("navigation").getByRole("link", { name: "Mail gateway" }).click();
    await page.getByRole("heading", { name: "Mail gateway", level: 1 }).waitFor();
    const row = page.getByRole("row").filter({ hasText: "a.gov.kz" });
    await row.getByText("Active").waitFor();
    await run.check("mail page");

    await row.getByRole("button", { name: "DKIM and statistics" }).click();
    await page.getByRole("heading", { name: "DKIM records to publish" }).waitFor();
    assert.match(await page.getByTestId("dkim-value").first().innerText(), /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+$/);
    await page.getByText(/q\d{6}\._domainkey\.a\.gov\.kz/).first().waitFor();

    await row.getByRole("button", { name: "Suspend" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(/New mail from .* will be refused/).waitFor();
    await run.check("suspend dialog");
    await dialog.getByLabel("Reason for the suspension").fill("Complaint from a receiver");
    await dialog.getByRole("button", { name: "Suspend" }).click();
    await page.getByRole("status").filter({ hasText: "is suspended" }).waitFor();
    await row.getByText("Suspended").waitFor();
    const susp = page.getByRole("row").filter({ hasText: "Complaint from a receiver" });
    await susp.getByText("in force").waitFor();

    await row.getByRole("button", { name: "Release" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Release" }).click();
    await page.getByRole("status").filter({ hasText: "is released" }).waitFor();
    await row.getByText("Active").waitFor();
    await susp.getByText(/released .*, 0 delivered/).waitFor();
  });

  test("organisation: its own system, no actions", async () => {
    await run.login("mail-org", "initial password 1", "organisation password 2");
    await run.go("/mail");
    const row = page.getByRole("row").filter({ hasText: "a.gov.kz" });
    await row.waitFor();
    assert.equal(await row.getByRole("button", { name: "Suspend" }).count(), 0);
    assert.equal(await row.getByRole("button", { name: "Release" }).count(), 0);
    await run.check("mail page (organisation)");
    assert.equal(run.report(), "", run.report());
    assert.deepEqual(run.pageErrors, []);
  });
});
