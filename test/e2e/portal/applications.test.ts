/**
 * The application pages of the portal in Chromium, against the all-in-one on loopback with its real gateway:
 * an organisation submits its access policy list signed with the EDS of the legal entity (the test signs the
 * bytes the page shows with `openssl cms -sign`, like the NCA tools do, and uploads the detached signature);
 * STS sees it in the inbox with its SLA timer and applies it — a second tab that recorded an event meanwhile
 * makes the first one's attempt fail with 409, shown in the dialog —; the gateway then serves a category it
 * blocked before (curl through the proxy). The incident report and the duty officer's queue; an unknown source
 * (curl from 127.0.0.2) attributed by STS and seen by its operator with the five-working-day term; policies,
 * the root-certificate guide with its downloads, the public re-categorisation request. Every page passes
 * axe-core's WCAG 2.1 A/AA rules in kk, ru and en and is saved as a screenshot in test-artifacts/portal/.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { Running } from "../../../src/app.js";
import { canonicalJson } from "../../../src/domain/audit-chain.js";
import { addCalendarDays, civilDateOf } from "../../../src/domain/working-days/index.js";
import { newBin } from "../../api/harness.js";
import { startOrigins, type Origins } from "../../gateway/origin.js";
import { makeEdsFixture, type EdsFixture } from "../../workflows/support/eds.js";
import { adminToken } from "../support.js";
import { screenshot, skipReason } from "./browser.js";
import { startPortal, type PortalRun } from "./run.js";

const ADMIN_PASSWORD = "applications admin password";
const skip = skipReason();

/** The HTTP status of a request through the proxy (from 127.0.0.1 unless another source address is given). */
function curl(proxy: string, url: string, from = "127.0.0.1"): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn("curl", ["-sS", "--max-time", "10", "--interface", from, "-o", "/dev/null", "-w", "%{http_code}", "-x", proxy, url]);
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", () => resolve(out.trim()));
  });
}

/** The body of a response through the proxy (the block page). */
function curlBody(proxy: string, url: string, from: string): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn("curl", ["-sS", "--max-time", "10", "--interface", from, "-x", proxy, url]);
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", () => resolve(out));
  });
}

describe("portal: applications, incidents, unknown sources, policies, guides", { skip }, () => {
  let run: PortalRun;
  let app: Running;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let dir: string;
  let origins: Origins;
  let token: string;
  let eds: EdsFixture;
  let social: string;
  let applicationPath = "";
  const organisationBin = newBin();
  const operatorBin = newBin();
  const check = (where: string) => run.check(where);

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(app.urls.api + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  /** Opens a path in this tab or another one, and waits for its heading and its data. */
  async function go(path: string, p: Page = page): Promise<void> {
    if (p === page) return run.go(path);
    await p.goto(base + path);
    await p.locator("h1").first().waitFor();
    await p.locator(".state-loading").first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => undefined);
  }
  /** Logs in; `initial` is the password an administrator set, changed to `password` at the first login. */
  const login = (username: string, password: string, initial?: string) => (initial ? run.login(username, initial, password) : run.login(username, password));

  before(async () => {
    eds = makeEdsFixture();
    dir = mkdtempSync(join(tmpdir(), "qaqpa-portal-apps-"));
    origins = await startOrigins(["social.example"]);
    run = await startPortal(ADMIN_PASSWORD, "portal-applications", (cfg) => {
      cfg.proxy.hosts = { "social.example": ["127.0.0.1"] };
      cfg.proxy.upstreamCaFiles = [origins.caFile];
    });
    ({ app, context, page, base } = run);
    social = `http://social.example:${origins.httpPort}/feed`;
    token = await adminToken(app, ADMIN_PASSWORD, "portal-applications");

    // The registry the pages work on, made through the API (the registry pages have their own test).
    const op = await api("POST", "/operators", { bin: operatorBin, nameKk: "Қазақтелеком АҚ", nameRu: "АО «Казахтелеком»", nameEn: "Kazakhtelecom JSC", notificationEmails: ["noc@telecom.kz"] });
    const org = await api("POST", "/organisations", { bin: organisationBin, nameKk: "Цифрлық даму министрлігі", nameRu: "Министерство цифрового развития", nameEn: "Ministry of Digital Development", class: "state_body" });
    await api("POST", "/contracts", { organisationId: org.id, operatorId: op.id, number: "C-7", validFrom: "2026-01-01" });
    await api("POST", "/catalogue/prefixes", { prefix: "127.0.0.1/32", organisationId: org.id, operatorId: op.id });
    await api("POST", "/categories/overrides", { action: "add", pattern: "social.example", category: "social-networks", reason: "test social network" });
    await api("POST", "/eds/trust-anchors", { name: "NCA RK root (test)", kind: "root", pem: eds.rootPem });
    await api("POST", "/accounts", { username: "mdd-it", displayName: "Асқаров Ержан", role: "organisation_staff", organisationId: org.id, password: "initial password 1" });
    await api("POST", "/accounts", { username: "kt-noc", displayName: "Бекова Айгерім", role: "operator_staff", operatorId: op.id, password: "initial password 1" });
    const ca = await api("POST", "/ca/init", {});
    await api("POST", `/ca/certificates/${ca.root.id}/publish`);
    await app.gateway.refresh();
  });
  after(async () => {
    await run?.stop();
    await origins?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("before any access policy the gateway blocks the social network from the organisation's network", async () => {
    assert.equal(await curl(app.urls.proxy, social), "403");
  });

  test("p.15: the organisation fills its access policy list; missing values are said next to their fields", async () => {
    await login("mdd-it", "organisation password 2", "initial password 1");
    await go("/applications/new?kind=access-policy");
    await page.getByText("Fields marked * are required").waitFor();
    await page.getByRole("button", { name: "Submit the application" }).click();
    await page.getByText("Choose at least one.").waitFor();
    await page.getByText("Attach the signature file made with the EDS of the legal entity.").waitFor();
    const networks = page.getByLabel("Network addresses of the organisation's networks");
    assert.equal(await networks.getAttribute("aria-invalid"), "true");
    await check("access policy form (errors)");
    await screenshot(page, "en-application-form-errors");

    await page.getByRole("checkbox", { name: "Social networks" }).check();
    await networks.fill("127.0.0.1/32");
    // The signer's tool: a detached CMS signature over exactly the bytes shown, with the legal entity's EDS.
    const shown = await signForm("access-policy.p7s");
    assert.equal(shown, canonicalJson({ categories: ["social-networks"], networks: ["127.0.0.1/32"] }), "the page shows the canonical JSON the API verifies");
    await page.getByRole("button", { name: "Submit the application" }).click();
    await page.getByRole("heading", { name: /^Access policy list AP-/ }).waitFor();
    applicationPath = new URL(page.url()).pathname;
    await page.getByText("EDS signature verified", { exact: true }).waitFor();
    await page.getByText(/The signature was verified on/).waitFor();
    await page.getByText(/10 working days left \(due .+, Asia\/Almaty\)/).first().waitFor();
    assert.equal(await page.getByRole("button", { name: "Apply" }).count(), 0, "the organisation cannot apply its own list");
    await page.getByRole("button", { name: "Withdraw" }).waitFor();
    await check("application (organisation)");
    await screenshot(page, "en-application-organisation");
  });

  test("p.16: STS sees it in the inbox with its SLA timer and applies it; a stale tab gets a clear 409", async () => {
    await login("admin", ADMIN_PASSWORD);
    await go("/applications");
    const row = page.getByRole("row").filter({ hasText: "Access policy list" });
    await row.getByText(/10 working days left \(due .+, Asia\/Almaty\)/).waitFor();
    await row.getByText("Ministry of Digital Development").waitFor();
    await check("inbox");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    assert.match(readFileSync((await download.path())!, "utf8"), /\r\nAP-\d{4}-\d+,access-policy,submitted,/);
    await go("/applications?overdue=1");
    await page.getByText("Nothing matches these filters.").waitFor();
    await go("/applications?kind=access-policy&state=submitted");
    await page.getByRole("link", { name: /^AP-/ }).click();
    await page.getByRole("heading", { name: /^Access policy list AP-/ }).waitFor();

    // This tab opens "Request information"; another tab applies the list first.
    await page.getByRole("button", { name: "Request information" }).click();
    await page.getByLabel("What is requested").fill("Which building does 127.0.0.1 serve?");
    const other = await context.newPage();
    await go(applicationPath, other);
    await other.getByRole("button", { name: "Apply" }).click();
    await other.getByRole("dialog").getByRole("button", { name: "Record: Apply" }).click();
    await other.getByText("Recorded: Applied on the gateway. The application is now “Applied”.").waitFor();
    await other.close();
    await page.getByRole("dialog").getByRole("button", { name: "Record: Request information" }).click();
    await page.getByRole("dialog").getByText(/The application has changed since you opened it|Not possible in the current state/).first().waitFor();
    await check("event dialog (409)");
    await screenshot(page, "en-application-409");
    await page.getByRole("dialog").getByRole("button", { name: "Reload the application" }).click();
    await page.locator(".badge-applied").first().waitFor();
    assert.equal(await page.getByRole("button", { name: "Apply" }).count(), 0, "only the events allowed now have buttons");
    await page.getByText("Applied on the gateway", { exact: true }).waitFor();
    await check("application (STS, applied)");
    await screenshot(page, "en-application-sts");
  });

  test("the gateway now serves the category it blocked before (curl through the proxy)", async () => {
    await app.gateway.refresh();
    assert.equal(await curl(app.urls.proxy, social), "200");
  });

  test("p.15-1: the organisation reads its access policy in force with categories and networks", async () => {
    await login("mdd-it", "organisation password 2");
    await go("/policies");
    const card = page.getByRole("article", { name: "Ministry of Digital Development" });
    await card.getByText("Social networks").waitFor();
    await card.getByText("127.0.0.1/32").waitFor();
    await card.getByText(/In force from .+ inclusive/).waitFor();
    await page.getByText("No exceptions.").waitFor();
    await check("policies (organisation)");
  });

  /** Shows the bytes to sign, signs them as the organisation's EDS would, and chooses the signature file. */
  async function signForm(file: string): Promise<string> {
    await page.getByRole("button", { name: "Show the exact bytes to sign" }).click();
    const bytes = page.getByTestId("canonical");
    await bytes.waitFor();
    // After a change to the form the old bytes stay on screen, marked stale, until the new ones arrive: signing
    // before then would sign the old document.
    await page.getByText("The form has changed since these bytes were made").waitFor({ state: "hidden" });
    const shown = (await bytes.textContent()) ?? "";
    const sigFile = join(dir, file);
    writeFileSync(sigFile, Buffer.from(eds.sign(shown, eds.signer(organisationBin)), "base64"));
    await page.getByLabel("Signature file (.p7s, .cms, .pem)").setInputFiles(sigFile);
    await page.getByText(`Chosen: ${file}`).waitFor();
    return shown;
  }

  test("p.15-2: an exception asked for too long is refused next to its date; approved, it shows with its expiry", async () => {
    const today = civilDateOf(new Date());
    await go("/applications/new?kind=exception");
    await page.getByLabel("Name", { exact: true }).fill("AnyDesk");
    await page.getByLabel("Kind", { exact: true }).selectOption("remote-access");
    await page.getByLabel("Destinations (hosts or networks)").fill("relay.anydesk.example");
    await page.getByLabel("Network addresses of the organisation's networks").fill("127.0.0.1/32");
    await page.getByLabel("Justification").fill("The vendor's engineers support the e-Gov terminals remotely.");
    const until = page.getByLabel("Needed until");
    await until.fill(addCalendarDays(today, 800));
    await signForm("exception-1.p7s");
    await page.getByRole("button", { name: "Submit the application" }).click();
    await page.getByText(/an exception lasts at most one calendar year/).first().waitFor();
    assert.equal(await until.getAttribute("aria-invalid"), "true", "the workflow's refusal is said next to the date");
    await check("exception form (date refused)");
    await screenshot(page, "en-exception-date-refused");

    const expiresOn = addCalendarDays(today, 90);
    await until.fill(expiresOn);
    await page.getByText("The form has changed since these bytes were made").waitFor();
    await signForm("exception-2.p7s");
    await page.getByRole("button", { name: "Submit the application" }).click();
    await page.getByRole("heading", { name: /^Exception for a network service EX-/ }).waitFor();
    const id = new URL(page.url()).pathname.split("/").pop()!;
    await api("POST", `/applications/${id}/events`, { type: "approved", data: { expiresOn } });
    await app.gateway.refresh();

    await go("/policies");
    const row = page.getByRole("row").filter({ hasText: "AnyDesk (Remote access)" });
    const shown = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${expiresOn}T12:00:00Z`));
    await row.getByText(shown).waitFor();
    await row.getByText("In force").waitFor();
  });

  test("p.14: the organisation reports an incident; the duty queue shows it with its acknowledgement term", async () => {
    await go("/incidents/new");
    await page.getByRole("button", { name: "Send the report" }).click();
    await page.getByLabel("Title").waitFor();
    await page.getByLabel("Title").and(page.locator('[aria-invalid="true"]')).waitFor();
    await page.getByLabel("Title").fill("Phishing e-mails with a fake e-Gov login page");
    await page.getByLabel("Description").fill("Twelve employees received a message linking to a copy of the e-Gov login page.");
    await page.getByLabel("Severity").selectOption("high");
    await page.getByLabel("Affected domains").fill("egov-login.example\nmail.mdd.example");
    await page.getByRole("button", { name: "Send the report" }).click();
    await page.getByRole("heading", { name: /^Information security incident INC-/ }).waitFor();
    await page.getByRole("button", { name: "Acknowledge" }).waitFor({ state: "detached" });

    await login("admin", ADMIN_PASSWORD);
    await go("/incidents");
    const row = page.getByRole("row").filter({ hasText: "Phishing e-mails" });
    await row.getByText("High").waitFor();
    await row.getByText(/^Until .+ \(Asia\/Almaty\)$/).waitFor();
    await check("incident queue");
    await row.getByRole("link").click();
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Record: Acknowledge" }).click();
    await page.getByText("Recorded: Acknowledged. The application is now “Acknowledged”.").waitFor();
  });

  test("p.13: STS attributes an unknown source; its operator sees it with the five-working-day term", async () => {
    assert.equal(await curl(app.urls.proxy, social, "127.0.0.2"), "403", "an unknown source gets the baseline only");
    await app.gateway.flush();
    await go("/unknown-sources");
    const row = page.getByRole("row").filter({ hasText: "127.0.0.2" });
    await row.getByText("Not attributed").waitFor();
    await row.getByRole("button", { name: "Attribute to an operator" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Telecom operator").selectOption({ label: `Kazakhtelecom JSC (${operatorBin})` });
    await dialog.getByRole("button", { name: "Attribute to an operator" }).click();
    await page.getByText("127.0.0.2 attributed; the operator will be notified.").waitFor();
    await check("unknown sources (STS)");
    await app.workflows.scheduler.tick(new Date(Date.now() + 11 * 60_000));

    await login("kt-noc", "operator password 2", "initial password 1");
    await go("/unknown-sources");
    const mine = page.getByRole("row").filter({ hasText: "127.0.0.2" });
    await mine.getByText("Operator notified").waitFor();
    await mine.getByText(/[45] working days left \(due .+, Asia\/Almaty\)/).waitFor();
    assert.equal(await page.getByRole("button", { name: "Attribute to an operator" }).count(), 0);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    assert.equal(download.suggestedFilename(), "unknown-sources.csv");
    const csv = readFileSync((await download.path())!, "utf8");
    assert.match(csv, /^\ufeffaddress,state,operator_id,/);
    assert.match(csv, /\r\n127\.0\.0\.2,notified,/);
    await check("unknown sources (operator)");
    await screenshot(page, "en-unknown-sources-operator");
  });

  test("p.5–6: the operator applies for a channel with a scheme attached; STS issues the specifications (Appendix 2); the keyboard works the dialogs", async () => {
    await go("/applications/new?kind=channel-connection");
    await page.getByLabel("Bandwidth, Gbps").fill("10");
    await page.getByRole("group", { name: "Planned period of access" }).getByLabel("From").fill(addCalendarDays(civilDateOf(new Date()), 30));
    await page.getByLabel("Name of the object").fill("Astana data centre");
    await page.getByLabel("Address of the object").fill("Astana, Mangilik El 55/14");
    await page.getByRole("group", { name: "Main channel" }).getByLabel("Description").fill("DWDM over the northern ring");
    await page.getByRole("group", { name: "Reserve channel" }).getByLabel("Description").fill("DWDM over the southern ring");
    await page.getByRole("button", { name: "Submit the application" }).click();
    await page.getByText("This must be confirmed.").waitFor();
    await page.getByLabel("The main and reserve channels run over independent physical paths").check();
    await page.getByLabel("Full name").fill("Бекова Айгерім");
    await page.getByRole("button", { name: "Submit the application" }).click();
    await page.getByRole("heading", { name: /^Channel connection CH-/ }).waitFor();
    const path = new URL(page.url()).pathname;
    const scheme = join(dir, "connection-scheme.txt");
    writeFileSync(scheme, "Main: northern ring, port 1/1/1. Reserve: southern ring, port 2/1/1.\n");
    await page.getByLabel("Attach a document").setInputFiles(scheme);
    await page.getByRole("link", { name: "connection-scheme.txt" }).waitFor();

    await login("admin", ADMIN_PASSWORD);
    await go(path);
    // A destructive event asks first, with Cancel focused; Escape closes and focus returns to the button.
    const reject = page.getByRole("button", { name: "Reject" });
    await reject.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.getByText(/This cannot be undone/).waitFor();
    assert.equal(await page.evaluate("document.activeElement?.textContent"), "Cancel");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await page.evaluate("document.activeElement?.textContent"), "Reject");

    await page.getByRole("button", { name: "Issue the specifications" }).click();
    await dialog.getByRole("button", { name: "Record: Issue the specifications" }).click();
    await dialog.getByLabel("Connection point").and(page.locator('[aria-invalid="true"]')).waitFor();
    await dialog.getByLabel("Number", { exact: true }).fill("TU-2026-17");
    await dialog.getByLabel("Name of the object").fill("Astana data centre");
    await dialog.getByLabel("Telecom operator").fill("Kazakhtelecom JSC");
    await dialog.getByLabel("Connection point").fill("UGIA node Astana-1, port 7");
    await check("event dialog (specifications)");
    await dialog.getByRole("button", { name: "Record: Issue the specifications" }).click();
    await page.getByText("Recorded: Specifications issued. The application is now “Specifications issued”.").waitFor();
    await page.getByText("TU-2026-17").first().waitFor();
    await page.getByRole("link", { name: "connection-scheme.txt" }).waitFor();
    await screenshot(page, "en-channel-specifications");
  });

  test("p.19: a change notice opens follow-up tasks; STS marks one done and the application's timeline records it", async () => {
    const orgId = (await api("GET", `/organisations?q=${organisationBin}`)).items[0].id as string;
    const notice = await api("POST", "/applications/resource-change", {
      organisationId: orgId,
      document: { change: "change", domain: "portal.mdd.gov.kz", changedOn: civilDateOf(new Date()), changes: [{ field: "ip-address", from: "10.1.2.3", to: "10.1.2.4" }] },
    });
    await go("/tasks");
    const row = page.getByRole("row").filter({ hasText: "Check the IP address catalogue entries for portal.mdd.gov.kz" });
    await row.getByRole("button", { name: "Mark done" }).click();
    await row.waitFor({ state: "detached" }); // the list shows open tasks first
    await go("/tasks?state=done");
    await page.getByRole("row").filter({ hasText: "Check the IP address catalogue entries for portal.mdd.gov.kz" }).getByText(/^Done by admin, /).waitFor();
    await check("tasks");
    await go(`/applications/${notice.id}`);
    await page.getByText("Follow-up task done", { exact: true }).waitFor();
  });

  test("p.23: the installation guide lists the root's files for each system", async () => {
    await login("mdd-it", "organisation password 2");
    await go("/guides/root-certificate");
    for (const name of ["Windows", "macOS and iOS", "Firefox", "Debian and Ubuntu", "RHEL, Fedora, Alma, Rocky"]) await page.getByRole("heading", { name }).waitFor();
    const links = await page.locator("a[download]").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
    assert.ok(links.some((h) => /\.mobileconfig/.test(h)) && links.some((h) => /\.ps1/.test(h)) && links.some((h) => /policies\.json/.test(h)), links.join("\n"));
    const res = await page.request.get(base + links.find((h) => /\.cer\b/.test(h))!);
    assert.equal(res.status(), 200);
    assert.equal((await res.body())[0], 0x30, "the .cer is DER");
    await check("root certificate guide");
  });

  test("kk, ru, en: every page passes axe and is saved as a screenshot", async () => {
    await login("admin", ADMIN_PASSWORD);
    const pages = ["/applications", applicationPath, "/applications/new?kind=channel-connection", "/applications/new?kind=access-policy", "/incidents", "/incidents/new", "/unknown-sources", "/tasks", "/policies", "/guides/root-certificate"];
    const names: Record<string, string> = { kk: "Қазақша", ru: "Русский", en: "English" };
    const title: Record<string, string> = { kk: "Өтінімдер", ru: "Заявки", en: "Applications" };
    for (const lang of ["kk", "ru", "en"] as const) {
      await go("/applications");
      await page.getByRole("group").getByRole("button", { name: names[lang] }).click();
      await page.getByRole("heading", { name: title[lang] }).waitFor();
      for (const p of pages) {
        await go(p);
        await page.waitForTimeout(150);
        await check(`${lang} ${p}`);
        const name = p === applicationPath ? "application" : p.slice(1).replace("?kind=", "-").replaceAll("/", "-");
        await screenshot(page, `${lang}-${name}`);
      }
    }
  });

  test("the public re-categorisation request: no account, a number and a status token", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    // The gateway's block page links to the request form with its reference and the host filled in.
    const blocked = await curlBody(app.urls.proxy, social, "127.0.0.2");
    const href = /<a href="([^"]+)"/.exec(blocked)?.[1]?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
    assert.ok(href, blocked);
    const link = new URL(href!, base);
    const ref = link.searchParams.get("ref")!;
    await page.goto(base + link.pathname + link.search);
    await page.getByRole("heading", { name: "Ask to re-categorise or unblock a site" }).waitFor();
    assert.equal(await page.getByLabel("Host").inputValue(), "social.example");
    assert.equal(await page.getByLabel("Reference on the block page").inputValue(), ref);
    await page.getByRole("button", { name: "Send the request" }).click();
    await page.getByLabel("You ask to").and(page.locator('[aria-invalid="true"]')).waitFor();
    await check("recategorisation (errors)");
    await page.getByLabel("You ask to").selectOption("unblock");
    await page.getByLabel("Reason", { exact: true }).fill("Our press office publishes official announcements there.");
    await page.getByRole("button", { name: "Send the request" }).click();
    await page.getByText(/^Request RQ-.+ received\. STS decides by/).waitFor();
    await page.getByRole("button", { name: "Check" }).click();
    await page.getByText(/for social\.example, received .+: Submitted\./).waitFor();
    await check("recategorisation (sent)");
    await screenshot(page, "en-recategorisation");
    for (const [lang, name] of [["kk", "Қазақша"], ["ru", "Русский"]] as const) {
      await page.getByRole("group").getByRole("button", { name }).click();
      await page.waitForTimeout(150);
      await check(`${lang} recategorisation`);
      await screenshot(page, `${lang}-recategorisation`);
    }
  });

  test("no serious or critical accessibility violations, no script errors", () => {
    const report = run.report();
    assert.equal(report, "", report);
    assert.deepEqual(run.pageErrors, []);
  });
});
