/**
 * Debian's Chromium driven by playwright-core (no browser download), with a fresh profile per launch, and
 * axe-core run inside the page for the WCAG 2.1 A/AA rules.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.QAQPA_CHROMIUM ?? "/usr/bin/chromium";
export const ROOT = join(import.meta.dirname, "..", "..", "..");
export const ARTIFACTS = join(ROOT, "test-artifacts", "portal");

/** Why the browser tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing: install Debian's chromium (scripts/debian-packages.txt; npm test installs it as root)`;
  return undefined;
}

export function buildPortal(): void {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build-portal.mjs")], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`portal build failed:\n${r.stdout}\n${r.stderr}`);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** axe-core's WCAG 2.0/2.1 A and AA rules on the current page; returns the serious and critical violations. */
export async function axe(page: Page): Promise<Violation[]> {
  // Evaluated through the DevTools protocol, so the page's Content-Security-Policy stays as served.
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(axeSource);
  const r = (await page.evaluate(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    .then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) })) }))`)) as { passes: number; violations: Violation[] };
  if (r.passes === 0) throw new Error("axe-core checked nothing on this page");
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
