/**
 * The gateway nodes page in a real browser against the all-in-one on loopback: the STS administrator enrols a
 * node (a malformed id refused next to the field) and sees its credential once — the credential the API
 * lists nowhere, copied to the clipboard, kept in no storage or address, gone from the page once the panel is
 * dismissed or the page left; an active node enrolled again is refused; a rotation shows a new credential and
 * the next generation (a bad overlap refused in the dialog); a revocation after a confirmation changes the
 * state. An STS engineer reads the list without any enrol, rotate or revoke control. The page passes axe-core
 * and is saved as screenshots in kk, ru and en.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { adminToken, apiClient } from "../support.js";
import { screenshot, skipReason } from "./browser.js";
import { startPortal, type PortalRun } from "./run.js";

const ADMIN_PASSWORD = "gateway nodes admin password";
const NODE = "gw-almaty-1";
const BASE64_CREDENTIAL = /^[A-Za-z0-9+/]{43}=$/;
const skip = skipReason();

describe("gateway nodes page in Chromium", { skip }, () => {
  let run: PortalRun;
  let page: Page;
  let token = "";
  const api = apiClient(() => run.app, () => token);
  const row = () => page.getByRole("row").filter({ hasText: NODE });
  const panel = () => page.getByRole("region", { name: /^Credential of gw-almaty-1/ });
  /** The credential shown in the panel. */
  const shown = async () => (await panel().locator("pre code").innerText()).trim();
  /** The credential is in neither the page's storage nor its address. */
  const notKept = async (credential: string) => {
    assert.ok(!page.url().includes(credential) && !page.url().includes(encodeURIComponent(credential)), "not in the address");
    const stored = await page.evaluate<string>("JSON.stringify([{ ...localStorage }, { ...sessionStorage }])");
    assert.ok(!stored.includes(credential), "not in localStorage or sessionStorage");
  };
  /** …and, once dismissed or left, not in the page either. */
  const nowhere = async (credential: string) => {
    assert.ok(!(await page.content()).includes(credential), "not in the page");
    await notKept(credential);
  };

  before(async () => {
    run = await startPortal(ADMIN_PASSWORD, "portal-gateway-nodes");
    page = run.page;
    run.context.setDefaultTimeout(15_000);
    await run.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: run.base });
    token = await adminToken(run.app, ADMIN_PASSWORD, "gateway-nodes");
    const r = await api("POST", "/accounts", { username: "engineer1", displayName: "Ахметова Дана", role: "sts_engineer", password: "initial password 1" });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });
  after(async () => {
    await run?.stop();
  });

  test("the administrator enrols a node and sees its credential once; dismissed, it is gone", async () => {
    await run.login("admin", ADMIN_PASSWORD);
    await page.getByRole("link", { name: "Gateway nodes" }).click();
    await page.getByRole("heading", { name: "Gateway nodes", level: 1 }).waitFor();
    await page.getByText("No gateway node is enrolled").waitFor();

    const id = page.getByLabel("Node id");
    await id.fill("gw almaty/1");
    await page.getByRole("button", { name: "Enrol node" }).click();
    await page.locator("input[aria-invalid='true'][data-path='/id']").waitFor();
    assert.equal(await page.getByRole("region").count(), 0, "nothing issued");

    await id.fill(NODE);
    await page.getByLabel("Reason").fill("new node in Almaty");
    await page.getByRole("button", { name: "Enrol node" }).click();
    await panel().waitFor();
    assert.match(await panel().innerText(), /will not be shown again/);
    assert.match(await panel().innerText(), /bus\.nodeCredentialFile/);
    assert.match(await panel().innerText(), /0600/);
    const credential = await shown();
    assert.match(credential, BASE64_CREDENTIAL);
    await row().getByText("Active", { exact: true }).waitFor();

    // The list the API serves never carries it; the browser keeps it only in the page's state.
    const listed = await api("GET", "/gateway/nodes");
    assert.equal(listed.status, 200);
    assert.ok(!JSON.stringify(listed.json).includes(credential), "never listed");
    assert.deepEqual(
      listed.json.items.map((n: { id: string; state: string; generation: number }) => [n.id, n.state, n.generation]),
      [[NODE, "active", 1]],
    );
    await notKept(credential);

    await panel().getByRole("button", { name: "Copy to clipboard" }).click();
    await panel().getByText("Copied to the clipboard.").waitFor();
    assert.equal(await page.evaluate<string>("navigator.clipboard.readText()"), credential);
    await run.check("gateway nodes (credential shown)");
    await screenshot(page, "en-gateway-nodes-credential");

    await panel().getByRole("button", { name: "Done, hide the credential" }).click();
    await panel().waitFor({ state: "detached" });
    await nowhere(credential);

    // An active node enrolled again: the API's problem, shown in the form; nothing issued.
    await id.fill(NODE);
    await page.getByRole("button", { name: "Enrol node" }).click();
    await page.locator("form .problem[role='alert']").waitFor();
    assert.equal(await page.getByRole("region").count(), 0, "no credential for a refused enrolment");
  });

  test("a rotation shows a new credential once; leaving the page drops it", async () => {
    await page.getByRole("button", { name: `Rotate the credential of ${NODE}` }).click();
    const dialog = page.getByRole("dialog", { name: `Rotate the credential of ${NODE}?` });
    await dialog.waitFor();
    const overlap = dialog.getByLabel("Overlap in minutes");
    assert.equal(await overlap.inputValue(), "10");
    await overlap.fill("2000");
    await dialog.getByRole("button", { name: "Rotate", exact: true }).click();
    await dialog.locator("input[aria-invalid='true'][data-path='/overlapMinutes']").waitFor();
    await run.check("gateway nodes (rotate dialog with an error)");
    await overlap.fill("10");
    await dialog.getByRole("button", { name: "Rotate", exact: true }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("region", { name: `Credential of ${NODE} (generation 2)` }).waitFor();
    const credential = await shown();
    assert.match(credential, BASE64_CREDENTIAL);
    assert.match(await panel().innerText(), /Restart the node before/);
    await row().getByText("The previous credential is accepted until", { exact: false }).waitFor();
    assert.match(await row().innerText(), /\b2\b/);

    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByRole("link", { name: "Gateway nodes" }).click();
    await row().waitFor();
    assert.equal(await page.getByRole("region").count(), 0, "the panel is not shown again");
    await nowhere(credential);
  });

  test("a revocation after a confirmation changes the state", async () => {
    await page.getByRole("button", { name: `Revoke ${NODE}` }).click();
    const dialog = page.getByRole("dialog", { name: `Revoke ${NODE}?` });
    await dialog.getByText("refused from now on", { exact: false }).waitFor();
    await dialog.getByRole("button", { name: "Revoke", exact: true }).click();
    await page.getByText(`${NODE} is revoked.`).waitFor();
    await row().getByText("Revoked", { exact: true }).waitFor();
    assert.equal(await page.getByRole("button", { name: `Rotate the credential of ${NODE}` }).count(), 0, "a revoked node is not rotated");
    assert.equal(await page.getByRole("button", { name: `Revoke ${NODE}` }).count(), 0);
    const listed = await api("GET", "/gateway/nodes");
    assert.equal(listed.json.items[0].state, "revoked");
    await run.check("gateway nodes (revoked)");
  });

  test("kk, ru, en: the page passes axe and is saved as screenshots", async () => {
    const names: Record<string, string> = { kk: "Қазақша", ru: "Русский", en: "English" };
    for (const lang of ["kk", "ru", "en"] as const) {
      await run.go("/gateway/nodes");
      await page.getByRole("group").getByRole("button", { name: names[lang] }).click();
      await page.locator(`html[lang="${lang}"]`).waitFor();
      await row().waitFor();
      await run.check(`${lang} gateway nodes`);
      await screenshot(page, `${lang}-gateway-nodes`);
    }
  });

  test("an STS engineer reads the list without enrol, rotate or revoke", async () => {
    await api("POST", "/gateway/nodes", { id: "gw-astana-1" });
    await run.login("engineer1", "initial password 1", "engineer's own password 1");
    await page.getByRole("link", { name: "Gateway nodes" }).click();
    await page.getByRole("heading", { name: "Gateway nodes", level: 1 }).waitFor();
    await row().waitFor();
    await page.getByRole("row").filter({ hasText: "gw-astana-1" }).getByText("Active", { exact: true }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Enrol node" }).count(), 0, "no enrolment");
    assert.equal(await page.getByLabel("Node id").count(), 0);
    assert.equal(await page.getByRole("button", { name: /^Rotate|^Revoke/ }).count(), 0, "no rotate or revoke");
    assert.equal(await page.getByRole("columnheader", { name: "Actions" }).count(), 0);
    await run.check("gateway nodes (engineer)");
    await screenshot(page, "en-gateway-nodes-engineer");
  });

  test("no serious or critical accessibility violations, no script errors", () => {
    const report = run.report();
    assert.equal(report, "", report);
    assert.deepEqual(run.pageErrors, []);
  });
});
