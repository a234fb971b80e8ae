/**
 * The portal's own type check (DOM, JSX): Vite strips types without checking them, and the portal imports
 * its API types from src/contract, so a contract change that breaks the portal must fail the suite.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

for (const project of ["portal/tsconfig.json", "portal/tsconfig.node.json"]) {
  test(`tsc -p ${project}`, () => {
    const r = spawnSync(process.execPath, [tsc, "-p", join(root, project), "--noEmit"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}
