/**
 * One portal run for a browser test: the all-in-one on 127.0.0.1 with a temporary data directory (port 0),
 * the portal built, Debian's Chromium with a fresh context (en-GB, Asia/Almaty), and the helpers every
 * portal test uses — open a page and wait for it, run axe and keep the violations, log in (changing an
 * initial password when asked) — plus the final report of violations and script errors.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { defaultConfig, type Config } from "../../../src/config.js";
import { startAllInOne, type Running } from "../../../src/app.js";
import { axe, buildPortal, launch, type Violation } from "./browser.js";

export interface PortalRun {
  app: Running;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** http://127.0.0.1:<port> */
  base: string;
  pageErrors: string[];
  violations: { where: string; v: Violation[] }[];
  /** Opens a path and waits for its heading and for the first loading state to end. */
  go(path: string): Promise<void>;
  /** axe-core on the current page; serious and critical violations are kept for `report()`. */
  check(where: string): Promise<void>;
  /** Logs in with a fresh cookie jar; with `newPassword`, changes the initial password first. */
  login(username: string, password: string, newPassword?: string): Promise<void>;
  /** The kept violations as text ("" when there are none). */
  report(): string;
  stop(): Promise<void>;
}

/** `configure` adjusts the all-in-one's configuration before it starts (e.g. the proxy's test origins). */
export async function startPortal(adminPassword: string, name: string, configure?: (cfg: Config) => void): Promise<PortalRun> {
  buildPortal();
  const dir = mkdtempSync(join(tmpdir(), `qaqpa-${name}-`));
  const cfg = defaultConfig();
  cfg.dataDir = dir;
  cfg.http.host = "127.0.0.1";
  cfg.http.port = 0;
  cfg.proxy.host = "127.0.0.1";
  cfg.proxy.port = 0;
  configure?.(cfg);
  const app = await startAllInOne(cfg, { ...process.env, QAQPA_ADMIN_PASSWORD: adminPassword });
  const base = app.urls.api.replace(/\/api$/, "");
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB", timezoneId: "Asia/Almaty" });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const violations: PortalRun["violations"] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return {
    app,
    browser,
    context,
    page,
    base,
    pageErrors,
    violations,
    async go(path) {
      await page.goto(base + path);
      await page.locator("h1").first().waitFor();
      await page.locator(".state-loading").first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => undefined);
    },
    async check(where) {
      const v = await axe(page);
      if (v.length) violations.push({ where, v });
    },
    async login(username, password, newPassword) {
      await context.clearCookies();
      await page.goto(base + "/");
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Log in" }).click();
      if (newPassword) {
        await page.getByRole("heading", { name: "Change password" }).waitFor();
        await page.getByLabel("Current password").fill(password);
        await page.getByLabel("New password", { exact: true }).fill(newPassword);
        await page.getByLabel("New password again").fill(newPassword);
        await page.getByRole("button", { name: "Change password" }).last().click();
      }
      await page.getByRole("heading", { name: "Overview" }).waitFor();
    },
    report() {
      return violations.map(({ where, v }) => `${where}:\n${v.map((x) => `  [${x.impact}] ${x.id}: ${x.help}\n    ${x.nodes.join("\n    ")}`).join("\n")}`).join("\n");
    },
    async stop() {
      await browser.close();
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
