/**
 * The portal in a real browser against the all-in-one on loopback: an STS administrator registers a telecom
 * operator, an organisation and their contract and creates accounts; the operator (forced to change the
 * initial password) imports a catalogue CSV with one bad row, sees the row error inline, fixes the file and
 * imports it; history and the delete confirmation of a prefix; an auditor verifies the audit chain; the
 * navigation follows each role; every page in Kazakh, Russian and English passes axe-core's WCAG 2.1 A/AA
 * rules without serious or critical violations, and is saved as a screenshot in test-artifacts/portal/.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { newBin } from "../../api/harness.js";
import { screenshot, skipReason } from "./browser.js";
import { startPortal, type PortalRun } from "./run.js";

const ADMIN_PASSWORD = "portal admin password";
const skip = skipReason();

describe("portal in Chromium", { skip }, () => {
  let run: PortalRun;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const operatorBin = newBin();
  const organisationBin = newBin();
  const check = (where: string) => run.check(where);
  const go = (path: string) => run.go(path);
  async function login(username: string, password: string, succeeds = true): Promise<void> {
    await context.clearCookies();
    await page.goto(base + "/");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Log in" }).click();
    if (succeeds) await page.getByRole("button", { name: "Log out" }).waitFor();
  }
  async function logout(): Promise<void> {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in to qaqpa" }).waitFor();
  }
  async function changeInitialPassword(current: string, next: string): Promise<void> {
    await page.getByRole("heading", { name: "Change password" }).waitFor();
    assert.equal(await page.getByRole("navigation", { name: "Sections" }).count(), 0, "nothing else is reachable before the password is changed");
    await page.getByLabel("Current password").fill(current);
    await page.getByLabel("New password", { exact: true }).fill(next);
    await page.getByLabel("New password again").fill(next);
    await page.getByRole("button", { name: "Change password" }).last().click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
  }
  const navLinks = async () => (await page.getByRole("navigation", { name: "Sections" }).getByRole("link").allTextContents()).map((s) => s.trim());

  before(async () => {
    run = await startPortal(ADMIN_PASSWORD, "portal");
    ({ context, page, base } = run);
  });
  after(async () => {
    await run?.stop();
  });

  test("the control plane serves the portal at / and keeps /api/* as problem+json", async () => {
    const root = await fetch(base + "/organisations/deep/link");
    assert.equal(root.status, 200);
    assert.match(root.headers.get("content-type") ?? "", /text\/html/);
    assert.match(root.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const api = await fetch(base + "/api/no-such-route");
    assert.equal(api.status, 404);
    assert.match(api.headers.get("content-type") ?? "", /application\/problem\+json/);
  });

  test("the STS administrator logs in; a wrong password is said next to the field", async () => {
    await login("admin", "not the password", false);
    await page.getByText("Wrong username or password.").waitFor();
    assert.equal(await page.getByLabel("Password").getAttribute("aria-invalid"), "true");
    await check("login (error)");
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    assert.deepEqual(await navLinks(), ["Overview", "Organisations", "Telecom operators", "Contracts", "IP address catalogue", "Accounts", "Audit log", "Working-day calendar", "Notifications", "What-if simulator", "Pinned applications", "Gateway nodes", "Category database", "Root certificate", "Mail gateway", "Transparency report", "Applications", "Incidents", "Unknown source addresses", "Follow-up tasks", "Policies and exceptions", "Root certificate installation"]);
    await check("dashboard");
  });

  test("the administrator registers a telecom operator (a mistyped BIN is refused next to the field)", async () => {
    await go("/operators");
    await page.getByText("No telecom operators yet.").waitFor();
    await page.getByRole("link", { name: "New telecom operator" }).click();
    const wrong = operatorBin.slice(0, 11) + String((Number(operatorBin[11]) + 1) % 10);
    await page.getByLabel("BIN").fill(wrong);
    await page.getByLabel("Name in Kazakh").fill("Қазақтелеком АҚ");
    await page.getByLabel("Name in Russian").fill("АО «Казахтелеком»");
    await page.getByLabel("Name in English").fill("Kazakhtelecom JSC");
    await page.getByLabel("Autonomous systems").fill("9198");
    await page.getByLabel("Notification addresses").fill("noc@telecom.kz");
    await page.getByRole("button", { name: "Register operator" }).click();
    const bin = page.getByLabel("BIN");
    await page.getByText("This BIN is mistyped").waitFor();
    assert.equal(await bin.getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('data-path')"), "/bin", "focus goes to the field in error");
    await check("operator form (BIN error)");
    await bin.fill(operatorBin);
    await page.getByRole("button", { name: "Register operator" }).click();
    await page.getByRole("heading", { name: "Kazakhtelecom JSC" }).waitFor();
    await page.getByText("Created.").waitFor();
  });

  test("the administrator registers an organisation with a contact", async () => {
    await go("/organisations/new");
    await page.getByLabel("BIN").fill(organisationBin);
    await page.getByLabel("Name in Kazakh").fill("Цифрлық даму министрлігі");
    await page.getByLabel("Name in Russian").fill("Министерство цифрового развития");
    await page.getByLabel("Name in English").fill("Ministry of Digital Development");
    await page.getByLabel("Class", { exact: true }).selectOption("state_body");
    await page.getByRole("button", { name: "Add a contact" }).click();
    await page.getByLabel("Full name").fill("Асқаров Ержан Серікұлы");
    await page.getByLabel("E-mail").fill("not-an-address");
    await page.getByRole("button", { name: "Register organisation" }).click();
    await page.getByText("Enter an e-mail address").waitFor();
    await page.getByLabel("E-mail").fill("e.askarov@mdai.gov.kz");
    await page.getByRole("button", { name: "Register organisation" }).click();
    await page.getByRole("heading", { name: "Ministry of Digital Development" }).waitFor();
    await go("/organisations?q=digital");
    await page.getByRole("link", { name: "Ministry of Digital Development" }).waitFor();
    await go("/organisations?class=national_bank");
    await page.getByText("Nothing matches these filters.").waitFor();
  });

  test("the administrator records their contract", async () => {
    await go("/contracts/new");
    await page.getByLabel("Organisation").selectOption({ label: `Ministry of Digital Development (${organisationBin})` });
    await page.getByLabel("Telecom operator").selectOption({ label: `Kazakhtelecom JSC (${operatorBin})` });
    await page.getByLabel("Contract number").fill("C-1");
    await page.getByLabel("Valid from").fill("2026-01-01");
    await page.getByRole("button", { name: "Record contract" }).click();
    await page.getByRole("heading", { name: "Contract C-1" }).waitFor();
    await go("/contracts");
    await page.getByRole("cell", { name: "Ministry of Digital Development" }).waitFor();
  });

  test("the administrator creates an operator account and an auditor account", async () => {
    for (const [username, name, role] of [
      ["kt-noc", "Бекова Айгерім", "operator_staff"],
      ["auditor1", "Сейітов Нұрлан", "auditor"],
    ] as const) {
      await go("/accounts/new");
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Full name").fill(name);
      await page.getByLabel("Role").selectOption(role);
      if (role === "operator_staff") await page.getByLabel("Telecom operator").selectOption({ label: `Kazakhtelecom JSC (${operatorBin})` });
      await page.getByLabel("Initial password").fill("initial password 1");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: "Accounts" }).waitFor();
      await page.getByRole("cell", { name: username, exact: true }).waitFor();
    }
    await check("accounts");
    await logout();
  });

  test("the operator changes the initial password, imports a CSV with one bad row, fixes it and imports", async () => {
    await login("kt-noc", "initial password 1");
    await changeInitialPassword("initial password 1", "operator password 2");
    assert.deepEqual(await navLinks(), ["Overview", "Organisations", "Telecom operators", "Contracts", "IP address catalogue", "Working-day calendar", "What-if simulator", "Category database", "Root certificate", "Applications", "Incidents", "Unknown source addresses", "Policies and exceptions", "Root certificate installation"]);

    await go("/catalogue");
    await page.getByText("The catalogue is empty.").waitFor();
    await page.getByRole("link", { name: "Import CSV" }).click();
    await page.getByRole("heading", { name: "Import the catalogue from CSV" }).waitFor();
    const rows = (second: string) =>
      ["prefix,organisation_bin,operator_bin,contract_number,note", `10.50.0.0/24,${organisationBin},${operatorBin},C-1,HQ`, `${second},${organisationBin},${operatorBin},C-1,branch`, `2001:db8:50::/48,${organisationBin},${operatorBin},C-1,`].join("\n") + "\n";
    await page.getByLabel("CSV file").setInputFiles({ name: "catalogue.csv", mimeType: "text/csv", buffer: Buffer.from(rows("10.50.1.5/24")) });
    await page.getByText("catalogue.csv: 4 lines").waitFor();
    await page.getByRole("button", { name: "Check without importing" }).click();
    await page.getByRole("heading", { name: "1 row error — nothing was imported" }).waitFor();
    const bad = page.locator("tr.row-error");
    assert.equal(await bad.count(), 1);
    assert.equal(await bad.getAttribute("data-line"), "3");
    assert.match(await bad.innerText(), /prefix/);
    assert.match(await bad.innerText(), /Host bits set/);
    assert.match(await bad.innerText(), /10\.50\.1\.5\/24/, "the offending line is shown next to its error");
    await check("catalogue import (row errors)");
    await screenshot(page, "en-catalogue-import-errors");

    await page.getByLabel("CSV file").setInputFiles({ name: "catalogue-fixed.csv", mimeType: "text/csv", buffer: Buffer.from(rows("10.50.1.0/24")) });
    await page.getByRole("button", { name: "Check without importing" }).click();
    await page.getByText("The file is valid. Nothing has been written yet.").waitFor();
    await page.getByText("New: 3 · changed: 0 · unchanged: 0 · removed: 0").waitFor();
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await page.getByText("Import complete.").waitFor();

    await go("/catalogue");
    for (const p of ["10.50.0.0/24", "10.50.1.0/24", "2001:db8:50::/48"]) await page.getByRole("cell", { name: p, exact: true }).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
    const exported = await (await import("node:fs/promises")).readFile((await download.path())!, "utf8");
    assert.match(exported, /^prefix,organisation_bin,operator_bin,contract_number,note/);
    assert.match(exported, new RegExp(`10\\.50\\.1\\.0/24,${organisationBin},${operatorBin},C-1,branch`));
  });

  test("prefix history in a drawer, and deleting asks first", async () => {
    await page.getByRole("button", { name: "History of 10.50.1.0/24" }).click();
    const drawer = page.getByRole("dialog", { name: "History of 10.50.1.0/24" });
    await drawer.getByText("Added").waitFor();
    await check("catalogue history drawer");
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "hidden" });

    await page.getByRole("button", { name: "Delete 2001:db8:50::/48" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete the prefix?" });
    await confirm.waitFor();
    assert.equal(await page.evaluate("document.activeElement?.textContent"), "Cancel", "the safe choice has the focus");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("cell", { name: "2001:db8:50::/48", exact: true }).waitFor();
    await page.getByRole("button", { name: "Delete 2001:db8:50::/48" }).click();
    await confirm.getByRole("button", { name: "Delete" }).click();
    await page.getByText("Prefix 2001:db8:50::/48 deleted.").waitFor();
    // The list reloads after the deletion; wait for the row to go rather than counting mid-render.
    await page.getByRole("cell", { name: "2001:db8:50::/48", exact: true }).waitFor({ state: "detached", timeout: 10_000 });
    assert.equal(await page.getByRole("cell", { name: "2001:db8:50::/48", exact: true }).count(), 0);

    await page.getByLabel("Prefix", { exact: true }).fill("10.60.0.7/16");
    await page.getByLabel("Organisation", { exact: true }).first().selectOption({ label: `Ministry of Digital Development (${organisationBin})` });
    await page.getByRole("button", { name: "Add prefix" }).click();
    await page.getByText("Host bits set after the prefix length").waitFor();
    await page.getByRole("button", { name: "Use 10.60.0.0/16" }).click();
    await page.getByRole("button", { name: "Add prefix" }).click();
    await page.getByText("Prefix 10.60.0.0/16 added.").waitFor();
    await logout();
  });

  test("the auditor verifies the audit chain", async () => {
    await login("auditor1", "initial password 1");
    await changeInitialPassword("initial password 1", "auditor password 2");
    assert.ok((await navLinks()).includes("Audit log"));
    await go("/organisations");
    assert.equal(await page.getByRole("link", { name: "New organisation" }).count(), 0, "the auditor writes nothing");
    await go("/audit");
    await page.getByRole("cell", { name: "catalogue.import" }).first().waitFor();
    await page.getByRole("button", { name: "Verify the chain" }).click();
    await page.getByText(/^Chain intact: \d+ entries checked\.$/).waitFor();
    await check("audit");
    await logout();
  });

  test("a session that ends while a page is open leads back to the login page", async () => {
    await login("admin", ADMIN_PASSWORD);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await context.clearCookies();
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Organisations" }).click();
    await page.getByText("Your session has ended. Please log in again.").waitFor();
  });

  test("the administrator sets and removes a decreed day off; deadlines read in working days", async () => {
    await login("admin", ADMIN_PASSWORD);
    await go("/calendar?year=2026");
    await page.getByText(/^\d+ working days? left \(due \d+ \w+, Asia\/Almaty\)$/).waitFor();
    await page.getByRole("button", { name: "Set a day" }).click();
    const dialog = page.getByRole("dialog", { name: "Set a day" });
    await dialog.getByLabel("Date").fill("2026-12-31");
    await dialog.getByLabel("The day is").selectOption("decreed-day-off");
    await dialog.getByLabel("Name").fill("Transfer by decree");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("31 December 2026 · Day off by decree · Transfer by decree · set by STS").waitFor();
    await page.getByRole("button", { name: /^31 December 2026 · Day off by decree/ }).click();
    await dialog.getByRole("button", { name: "Remove the STS setting" }).click();
    await page.getByRole("dialog", { name: "Remove the STS setting" }).getByRole("button", { name: "Remove the STS setting" }).click();
    await dialog.waitFor({ state: "hidden" });
    // The year view reloads after the removal; wait for the entry to go rather than counting mid-render.
    await page.getByText("Transfer by decree").first().waitFor({ state: "detached", timeout: 10_000 });
    assert.equal(await page.getByText("Transfer by decree").count(), 0);
  });

  test("kk, ru, en: the choice is remembered, every main page passes axe, screenshots saved", async () => {
    const pages = ["/", "/organisations", "/operators", "/contracts", "/catalogue", "/catalogue/import", "/accounts", "/audit", "/calendar?year=2026", "/notifications", "/password"];
    const names: Record<string, string> = { kk: "Қазақша", ru: "Русский", en: "English" };
    const overview: Record<string, string> = { kk: "Шолу", ru: "Обзор", en: "Overview" };
    for (const lang of ["kk", "ru", "en"] as const) {
      await go("/");
      await page.getByRole("group").getByRole("button", { name: names[lang] }).click();
      await page.getByRole("heading", { name: overview[lang] }).waitFor();
      assert.equal(await page.evaluate("document.documentElement.lang"), lang);
      await page.reload();
      await page.getByRole("heading", { name: overview[lang] }).waitFor();
      for (const p of pages) {
        await go(p);
        await page.waitForTimeout(150);
        await check(`${lang} ${p}`);
        await screenshot(page, `${lang}-${p === "/" ? "dashboard" : p.slice(1).replace(/\?.*$/, "").replaceAll("/", "-")}`);
      }
    }
    await go("/organisations/new");
    await page.getByRole("button", { name: "Register organisation" }).click();
    await page.getByText("Fill in this field.").first().waitFor();
    await check("en organisation form (required fields)");
    await screenshot(page, "en-organisation-form-errors");
  });

  test("no serious or critical accessibility violations, no script errors", () => {
    const report = run.report();
    assert.equal(report, "", report);
    assert.deepEqual(run.pageErrors, []);
  });
});
