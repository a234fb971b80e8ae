/**
 * The operations pages in a real browser against the all-in-one on loopback: the STS administrator
 * generates, publishes and activates the gateway CA (progress shown), then rotates the root; the telecom
 * operator downloads the new root and acknowledges passing it on (p.22); the auditor verifies the audit chain,
 * sees the adoption per operator and opens the transparency report, which counts a block the gateway really
 * made (curl through the proxy); the what-if simulator explains a decision stage by stage; the category
 * database finds a protected domain, refuses to remove a p.20 entry (and says why) and adds and deletes an
 * override after a confirmation. Every page in kk, ru and en passes axe-core and is saved as a screenshot.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { newBin } from "../../api/harness.js";
import { adminToken } from "../support.js";
import { screenshot, skipReason } from "./browser.js";
import { startPortal, type PortalRun } from "./run.js";

const ADMIN_PASSWORD = "operations admin password";
const skip = skipReason();

describe("portal operations in Chromium", { skip }, () => {
  let run: PortalRun;
  let page: Page;
  let token: string;
  const go = (path: string) => run.go(path);
  const check = (where: string) => run.check(where);
  const login = (username: string, password: string, next?: string) => run.login(username, password, next);

  async function api(method: string, path: string, body?: unknown): Promise<any> {
    const r = await fetch(run.app.urls.api + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const json = await r.json().catch(() => undefined);
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  }

  before(async () => {
    run = await startPortal(ADMIN_PASSWORD, "portal-ops");
    page = run.page;
    run.context.setDefaultTimeout(15_000);
    const app = run.app;
    token = await adminToken(app, ADMIN_PASSWORD, "operations");
    const op = await api("POST", "/operators", { bin: newBin(), nameKk: "Қазақтелеком АҚ", nameRu: "АО «Казахтелеком»", nameEn: "Kazakhtelecom JSC", notificationEmails: ["noc@telecom.kz"] });
    const org = await api("POST", "/organisations", { bin: newBin(), nameKk: "Цифрлық даму министрлігі", nameRu: "Министерство цифрового развития", nameEn: "Ministry of Digital Development", class: "state_body" });
    await api("POST", "/contracts", { organisationId: org.id, operatorId: op.id, number: "C-7", validFrom: "2026-01-01" });
    await api("POST", "/catalogue/prefixes", { prefix: "10.70.0.0/24", organisationId: org.id, operatorId: op.id });
    await api("POST", "/accounts", { username: "kt-noc", displayName: "Бекова Айгерім", role: "operator_staff", operatorId: op.id, password: "initial password 1" });
    await api("POST", "/accounts", { username: "auditor1", displayName: "Сейітов Нұрлан", role: "auditor", password: "initial password 1" });
    await app.gateway.refresh();
    // A real decision for the report: 127.0.0.1 is outside the catalogue and the name is in no category
    // (asynchronous: the proxy answers from this same process).
    const curl = await promisify(execFile)("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-x", app.urls.proxy, "http://uncategorised-destination.example/"], { encoding: "utf8" });
    assert.equal(curl.stdout, "403", curl.stderr);
    // …and a refused CONNECT: a blocked connection (curl exits 56 when the tunnel is refused).
    const tunnel = await promisify(execFile)("curl", ["-s", "-o", "/dev/null", "-w", "%{http_connect}", "--max-time", "10", "-x", app.urls.proxy, "https://uncategorised-destination.example/"], { encoding: "utf8" }).catch((e: { stdout: string }) => e);
    assert.equal(tunnel.stdout, "403");
    await app.gateway.flush();
  });
  after(async () => {
    await run?.stop();
  });

  test("STS generates, publishes and activates the CA, then rotates the root", async () => {
    await login("admin", ADMIN_PASSWORD);
    await go("/ca");
    await page.getByText("No certificates yet.").waitFor();
    await page.getByText("No root certificate has been published yet.").waitFor();
    await page.getByRole("button", { name: "Generate the root and intermediate" }).click();
    await page.getByText("Root and intermediate generated.").first().waitFor();
    await page.getByRole("button", { name: /^Publish / }).click();
    await page.getByText("Published: every telecom operator is notified").waitFor();
    await page.getByRole("button", { name: /^Activate / }).first().click();
    await page.getByText("Activated: the gateway now issues under it.").waitFor();
    // The list reloads after the notice; wait for the second badge rather than counting mid-render.
    await page.locator(".badge-ca-active").nth(1).waitFor();
    assert.equal(await page.locator(".badge-ca-active").count(), 2, "the root and its intermediate are active");
    await page.getByRole("link", { name: /\.pem$/ }).first().waitFor();

    await page.getByRole("button", { name: "Rotate…" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate a certificate" });
    await dialog.getByLabel("What to rotate").selectOption("root");
    await dialog.getByRole("button", { name: "Start the rotation" }).click();
    await page.getByText("Rotation started").waitFor();
    await page.locator(".badge-ca-published").first().waitFor();
    assert.equal(await page.locator(".badge-ca-published").count(), 1, "the new root is published at once");
    await page.getByRole("heading", { name: "Scheduled steps" }).waitFor();
    await page.getByText("Acknowledged by 0 of 1 operators").first().waitFor();
    await check("ca (admin)");
    await screenshot(page, "en-ca-admin");

    // Revoking asks first, with the safe choice focused.
    await page.getByRole("button", { name: /^Revoke / }).first().click();
    const confirm = page.getByRole("dialog", { name: "Revoke the certificate?" });
    await confirm.waitFor();
    assert.equal(await page.evaluate("document.activeElement?.textContent"), "Cancel");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "hidden" });
    assert.equal(await page.locator(".badge-ca-revoked").count(), 0);
  });

  test("the telecom operator downloads the new root and acknowledges passing it on", async () => {
    await login("kt-noc", "initial password 1", "operator password 2");
    // Two roots were published (the first and its successor): both wait for the operator (p.22).
    const card = page.locator(".card").filter({ hasText: "Root certificates to acknowledge" });
    await card.locator(".card-value").getByText("2", { exact: true }).waitFor();
    await check("dashboard (operator)");
    await go("/ca");
    const fp = (await page.getByTestId("root-sha256").innerText()).trim();
    assert.match(fp, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /\.pem$/ }).first().click()]);
    const pem = await (await import("node:fs/promises")).readFile((await download.path())!, "utf8");
    assert.match(pem, /-----BEGIN CERTIFICATE-----/);
    const item = page.locator(".ack-list li").filter({ hasText: fp });
    await item.getByLabel("Organisations informed").fill("12");
    await item.getByLabel("Note").fill("Передано всем организациям письмом № 45");
    await check("ca (operator)");
    await screenshot(page, "en-ca-operator");
    await item.getByRole("button", { name: "Confirm that the root was passed on" }).click();
    await page.locator(".ack-list li").filter({ hasText: fp }).getByText("Acknowledged").waitFor();
  });

  test("the auditor verifies the audit chain, sees the adoption and opens the transparency report", async () => {
    await login("auditor1", "initial password 1", "auditor password 2");
    await go("/audit");
    await page.getByRole("button", { name: "Verify the chain" }).click();
    await page.getByText(/^Chain intact: \d+ entries checked\.$/).waitFor();
    await go("/ca");
    await page.getByText("Acknowledged by 1 of 1 operators").waitFor();
    assert.equal(await page.getByRole("button", { name: /^(Publish|Activate|Revoke|Rotate)/ }).count(), 0, "the auditor changes nothing");

    await go("/transparency");
    await page.getByRole("heading", { name: "Transparency report" }).waitFor();
    // The refused CONNECT is a blocked connection, the plain HTTP request a blocked request.
    const figure = async (key: string) => Number((await page.locator(`[data-figure="${key}"] .card-value`).innerText()).replace(/\D/g, ""));
    assert.equal(await figure("blocked"), 1, "the refused tunnel is counted");
    assert.equal(await figure("requests-blocked"), 1, "the refused request is counted");
    await page.getByRole("img", { name: "Connections per day" }).waitFor();
    assert.equal(await figure("unknown"), 0, "not yet an unknown-address block (the operator's deadline has not passed)");
    await page.getByRole("heading", { name: "Complaints" }).waitFor();
    await page.getByRole("cell", { name: "Uncategorised destination" }).waitFor();
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).last().click()]);
    const text = await (await import("node:fs/promises")).readFile((await csv.path())!, "utf8");
    assert.match(text, /^\ufeff?reason,count\r\nuncategorised,\d+/);
    await check("transparency");
    await screenshot(page, "en-transparency");
  });

  test("the what-if simulator explains a decision stage by stage; a bad address is said next to the field", async () => {
    await login("admin", ADMIN_PASSWORD);
    await go("/gateway/what-if");
    await page.getByLabel("Source IP address").fill("10.70.0");
    await page.getByLabel("URL", { exact: true }).fill("https://www.egov.kz/");
    await page.getByRole("button", { name: "Simulate" }).click();
    // The field is marked once the answer has rendered: wait for it rather than read it right after the click.
    await page.getByLabel("Source IP address").and(page.locator('[aria-invalid="true"]')).waitFor();
    await page.getByLabel("Source IP address").fill("10.70.0.10");
    await page.getByRole("button", { name: "Simulate" }).click();
    await page.locator('.whatif-result[data-verdict="allow"]').waitFor();
    await page.getByText("passed through without decryption").waitFor();
    await page.getByText("Ministry of Digital Development").waitFor();
    assert.ok((await page.getByRole("table", { name: "Trace of the pipeline" }).getByRole("row").count()) > 2, "several stages in the trace");
    await check("what-if");
    await screenshot(page, "en-what-if");
  });

  test("the category database: a protected domain, the p.20 floor explained, an override added and deleted", async () => {
    await go("/categories");
    await page.getByLabel("Domain").fill("www.egov.kz");
    await page.getByRole("button", { name: "Look up" }).click();
    await page.getByText("Categories of www.egov.kz:").waitFor();
    await page.getByText("Connections to it are passed through without decryption.").waitFor();

    await page.getByLabel("Action").selectOption("remove");
    await page.getByLabel("Category", { exact: true }).selectOption("government-legal");
    await page.getByLabel("Pattern").fill("egov.kz");
    await page.getByLabel("Reason").fill("try to inspect e-government");
    await page.getByRole("button", { name: "Save the override" }).click();
    await page.getByText("This protected entry cannot be removed (p.20).").waitFor();
    await check("categories (p.20 floor)");
    await screenshot(page, "en-categories-floor");

    await page.getByLabel("Action").selectOption("add");
    await page.getByLabel("Category", { exact: true }).selectOption("technology");
    await page.getByLabel("Pattern").fill("tools.example");
    await page.getByLabel("Reason").fill("re-categorisation request RQ-1");
    await page.getByRole("button", { name: "Save the override" }).click();
    await page.getByText("Override of tools.example saved.").waitFor();
    await page.getByRole("cell", { name: "tools.example", exact: true }).waitFor();
    await page.getByLabel("Search").fill("no-such-pattern");
    await page.getByText("Nothing matches these filters.").waitFor();
    await page.getByLabel("Search").fill("re-categorisation");
    await page.getByRole("cell", { name: "tools.example", exact: true }).waitFor();
    await page.getByRole("button", { name: "Delete the override of tools.example" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete the override?" });
    await confirm.getByRole("button", { name: "Delete" }).click();
    await page.getByText("Override of tools.example deleted.").waitFor();
    await page.getByRole("cell", { name: "tools.example", exact: true }).waitFor({ state: "detached" });
  });

  test("kk, ru, en: the operations pages pass axe and are saved as screenshots", async () => {
    const pages = ["/", "/gateway/what-if", "/categories?host=www.egov.kz", "/ca", "/transparency"];
    const names: Record<string, string> = { kk: "Қазақша", ru: "Русский", en: "English" };
    const overview: Record<string, string> = { kk: "Шолу", ru: "Обзор", en: "Overview" };
    for (const lang of ["kk", "ru", "en"] as const) {
      await go("/");
      await page.getByRole("group").getByRole("button", { name: names[lang] }).click();
      await page.getByRole("heading", { name: overview[lang] }).waitFor();
      for (const p of pages) {
        await go(p);
        await page.waitForTimeout(150);
        await check(`${lang} ${p}`);
        await screenshot(page, `${lang}-ops-${p === "/" ? "dashboard" : p.slice(1).replace(/\?.*$/, "").replaceAll("/", "-")}`);
      }
    }
  });

  test("no serious or critical accessibility violations, no script errors", () => {
    const report = run.report();
    assert.equal(report, "", report);
    assert.deepEqual(run.pageErrors, []);
  });
});
