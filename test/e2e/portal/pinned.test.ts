/**
 * The pinned-application review in a real browser against the all-in-one on loopback: a client that refuses
 * the gateway's certificate through the proxy (curl without the gateway root) makes a real candidate; the
 * auditor sees it read-only; STS reads why it is listed, approves it in the page after a confirmation that
 * says what an approval does, and the next connection through the proxy is spliced — the client sees the
 * origin's own certificate. The page passes axe-core and is saved as screenshots in kk, ru and en. The
 * category overrides page, the other gateway list, is paged and searched by the API.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { adminToken, apiClient } from "../support.js";
import { startOrigins, type Origins } from "../../gateway/origin.js";
import { run as exec } from "../../gateway/world.js";
import { screenshot, skipReason } from "./browser.js";
import { startPortal, type PortalRun } from "./run.js";

const ADMIN_PASSWORD = "pinned review admin password";
const HOST = "pinned.example";
const skip = skipReason();

describe("pinned-application review in Chromium", { skip }, () => {
  let run: PortalRun;
  let page: Page;
  let origins: Origins;
  let token = "";
  let rootFile = "";
  const api = apiClient(() => run.app, () => token);
  const proxyPort = () => new URL(run.app.urls.proxy).port;
  const viaProxy = (args: string[]) => exec("curl", ["-sS", "--max-time", "10", "-x", run.app.urls.proxy, ...args, `https://${HOST}:${origins.httpsPort}/app`]);
  /** The certificate chain the client is shown for HOST through the proxy. */
  const presented = async () => (await exec("openssl", ["s_client", "-proxy", `127.0.0.1:${proxyPort()}`, "-connect", `${HOST}:${origins.httpsPort}`, "-servername", HOST, "-showcerts"], "Q\n")).out;
  const ok = async (r: Promise<{ status: number; json: any }>) => {
    const x = await r;
    assert.ok(x.status < 300, JSON.stringify(x.json));
    return x.json;
  };

  before(async () => {
    origins = await startOrigins([HOST]);
    run = await startPortal(ADMIN_PASSWORD, "portal-pinned", (cfg) => {
      cfg.proxy.hosts = { [HOST]: ["127.0.0.1"] };
      cfg.proxy.upstreamCaFiles = [origins.caFile];
    });
    page = run.page;
    run.context.setDefaultTimeout(15_000);
    token = await adminToken(run.app, ADMIN_PASSWORD, "pinned");
    // The destination is categorised as technology, which the baseline allows (127.0.0.1 is an unknown source).
    await ok(api("POST", "/categories/overrides", { action: "add", pattern: HOST, category: "technology", reason: "test destination" }));
    // The gateway bumps only with an active CA: generate, publish and activate it.
    const init = await ok(api("POST", "/ca/init", {}));
    await ok(api("POST", `/ca/certificates/${init.root.id}/publish`));
    await ok(api("POST", `/ca/certificates/${init.root.id}/activate`, { minPublicationLeadDays: 0 }));
    const pem = await (await fetch(run.app.urls.api + "/ca/root.pem", { headers: { authorization: `Bearer ${token}` } })).text();
    rootFile = join(origins.dir, "gateway-root.pem");
    writeFileSync(rootFile, pem);
    await ok(api("POST", "/accounts", { username: "auditor1", displayName: "Сейітов Нұрлан", role: "auditor", password: "initial password 1" }));
    await run.app.gateway.refresh(true);
  });
  after(async () => {
    await run?.stop();
    await origins?.close();
  });

  test("a client that refuses the gateway's certificate makes a candidate; it is not spliced by itself", async () => {
    // A client trusting the gateway root gets through, bumped (the gateway picks the new CA up within seconds).
    let bumped = { code: 1, out: "", err: "" };
    for (let i = 0; i < 20 && !/origin https pinned\.example/.test(bumped.out); i++) {
      bumped = await viaProxy(["--cacert", rootFile]);
      if (!/origin https/.test(bumped.out)) await new Promise((r) => setTimeout(r, 500));
    }
    assert.match(bumped.out, /origin https pinned\.example\/app/, bumped.err);
    // curl without the gateway root aborts the handshake (unknown CA): the refusal the review is about.
    const refused = await viaProxy([]);
    assert.notEqual(refused.code, 0, "the client refused the gateway's certificate");
    assert.doesNotMatch(await presented(), /Test Origin CA/, "still bumped: a refusal alone never splices");
    await run.app.gateway.flush();
    const c = (await ok(api("GET", "/gateway/pinned-candidates"))).find((x: { host: string }) => x.host === HOST);
    assert.ok(c, "listed");
    assert.deepEqual(c.reasons, ["client-rejected-certificate"]);
  });

  test("the auditor reads the review and cannot decide", async () => {
    await run.login("auditor1", "initial password 1", "auditor's own password 1");
    await page.getByRole("link", { name: "Pinned applications" }).click();
    await page.getByRole("heading", { name: "Pinned applications", level: 1 }).waitFor();
    const row = page.getByRole("row").filter({ hasText: HOST });
    await row.waitFor();
    assert.match(await row.innerText(), /The client rejected the gateway certificate/);
    assert.match(await row.innerText(), /Pending/);
    assert.equal(await page.getByRole("button", { name: `Approve ${HOST}` }).count(), 0, "no decision for the auditor");
    await run.check("pinned (auditor)");
    await screenshot(page, "en-pinned-auditor");
  });

  test("kk, ru, en: the page and the approval dialog pass axe and are saved as screenshots", async () => {
    await run.login("admin", ADMIN_PASSWORD);
    const names: Record<string, string> = { kk: "Қазақша", ru: "Русский", en: "English" };
    for (const lang of ["kk", "ru", "en"] as const) {
      await run.go("/gateway/pinned");
      await page.getByRole("group").getByRole("button", { name: names[lang] }).click();
      await page.locator(`html[lang="${lang}"]`).waitFor();
      await page.getByRole("row").filter({ hasText: HOST }).waitFor();
      await run.check(`${lang} pinned`);
      await screenshot(page, `${lang}-pinned`);
      await page.locator("td .btn-primary").first().click();
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      await run.check(`${lang} pinned approval dialog`);
      await screenshot(page, `${lang}-pinned-approve`);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
    }
  });

  test("STS approves it in the page; the next connection is spliced with the origin's own certificate", async () => {
    await run.go("/gateway/pinned");
    await page.getByText("The client rejected the gateway certificate", { exact: false }).first().waitFor();
    await page.getByText("mutual TLS").waitFor();
    await page.getByRole("button", { name: `Approve ${HOST}` }).click();
    const dialog = page.getByRole("dialog", { name: `Approve ${HOST} as a pinned application?` });
    await dialog.getByText("never decrypted").waitFor();
    await dialog.getByText("never allows a blocked connection").waitFor();
    const approve = dialog.getByRole("button", { name: "Approve", exact: true });
    assert.ok(await approve.isDisabled(), "no approval without a reason");
    await dialog.getByLabel("Reason").fill("vendor application pins its certificate (ticket 17)");
    await approve.click();
    await page.getByText(`${HOST} is approved`).waitFor();
    await page.getByRole("combobox", { name: "Status" }).selectOption("approved");
    const row = page.getByRole("row").filter({ hasText: HOST });
    await row.getByText("Approved", { exact: true }).waitFor();
    assert.match(await row.innerText(), /admin/);
    await run.check("pinned (approved)");
    await screenshot(page, "en-pinned-approved");

    await run.app.gateway.refresh();
    assert.match(await presented(), /Test Origin CA/, "spliced: the origin's own certificate");
    const spliced = await viaProxy(["--cacert", origins.caFile]);
    assert.match(spliced.out, /origin https pinned\.example\/app/, spliced.err);
    const audit = await ok(api("GET", "/audit?action=gateway.pinned-approve"));
    assert.equal(audit.total, 1, "audited");
  });

  test("the category overrides next to it: paged and searched by the API, page and search kept in the address", async () => {
    for (let i = 0; i < 22; i++) await ok(api("POST", "/categories/overrides", { action: "add", pattern: `bulk-${i}.example`, category: "news", reason: `bulk import ${i}` }));
    await run.go("/categories");
    const overrides = page.getByRole("table", { name: "STS overrides" });
    await page.getByText("1–20 of 23").waitFor();
    assert.equal(await overrides.getByRole("row").count(), 21, "a header and twenty rows");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("21–23 of 23").waitFor();
    assert.match(page.url(), /offset=20/);
    await page.getByLabel("Search").fill("bulk-17");
    await page.getByText("1–1 of 1").waitFor();
    assert.match(page.url(), /q=bulk-17/);
    assert.doesNotMatch(page.url(), /offset=/, "a new search starts at the first page");
    await overrides.getByRole("cell", { name: "bulk-17.example", exact: true }).waitFor();
    // The category's name in the chosen language finds its overrides too (the API knows the names).
    await page.getByLabel("Search").fill("News and media");
    await page.getByText("1–20 of 22").waitFor();
    await run.check("categories (overrides paged)");
    await screenshot(page, "en-categories-overrides");
  });

  test("no serious or critical accessibility violations, no script errors", () => {
    const report = run.report();
    assert.equal(report, "", report);
    assert.deepEqual(run.pageErrors, []);
  });
});
