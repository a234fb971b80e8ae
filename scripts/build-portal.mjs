// Builds the portal (portal/dist) when it is missing or older than its sources: portal/ itself, the pure
// src/domain and src/contract modules it imports, and the lock file. `--force` always builds.
// Called by scripts/start.mjs and by the browser tests; `npm run portal:build` runs it by hand.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(import.meta.dirname, "..");
const portal = join(root, "portal");
const stamp = join(portal, "dist", "index.html");

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === "dist" || e.name === "node_modules") continue;
    t = Math.max(t, newest(join(path, e.name)));
  }
  return t;
}

export function portalIsStale() {
  if (!existsSync(stamp)) return true;
  const sources = Math.max(newest(portal), newest(join(root, "src", "domain")), newest(join(root, "src", "contract")), newest(join(root, "package-lock.json")));
  return statSync(stamp).mtimeMs < sources;
}

export async function buildPortal({ force = false, quiet = false } = {}) {
  if (!force && !portalIsStale()) return false;
  if (!quiet) console.log("qaqpa: building the portal…");
  const { build } = await import("vite");
  await build({ configFile: join(portal, "vite.config.ts"), logLevel: quiet ? "warn" : "info" });
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await buildPortal({ force: process.argv.includes("--force") });
  } catch (e) {
    console.error(`qaqpa: portal build failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
