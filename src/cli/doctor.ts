/**
 * `qaqpa doctor`: what this machine has and lacks for each part of qaqpa, and how to install what is missing.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { loadConfig } from "../config.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  required: boolean;
}

function which(cmd: string, args: string[] = ["--version"]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 5000 });
  return { ok: r.status === 0, out: (r.stdout || r.stderr || "").split("\n")[0]!.trim() };
}

export async function collectChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  checks.push({ name: "node", ok: major > 20 || (major === 20 && minor >= 19), detail: process.version, fix: "install Node.js 20.19 or newer", required: true });

  let cfgOk = true;
  let cfgDetail = "";
  try {
    const cfg = loadConfig();
    cfgDetail = cfg.databaseUrl ? "PostgreSQL store" : `embedded store in ${cfg.dataDir}`;
    if (!cfg.databaseUrl) {
      mkdirSync(cfg.dataDir, { recursive: true });
      accessSync(cfg.dataDir, constants.W_OK);
    } else {
      const pg = (await import("pg")).default;
      const c = new pg.Client({ connectionString: cfg.databaseUrl, connectionTimeoutMillis: 3000 });
      await c.connect();
      await c.end();
    }
  } catch (e) {
    cfgOk = false;
    cfgDetail = (e as Error).message;
  }
  checks.push({ name: "configuration and store", ok: cfgOk, detail: cfgDetail, fix: "fix qaqpa.yaml / QAQPA_* variables; for PostgreSQL check QAQPA_DATABASE_URL", required: true });

  const openssl = which("openssl", ["version"]);
  checks.push({ name: "openssl", ok: openssl.ok, detail: openssl.out, fix: "apt-get install openssl", required: false });
  const curl = which("curl");
  checks.push({ name: "curl", ok: curl.ok, detail: curl.out, fix: "apt-get install curl", required: false });
  const postfix = which("postconf", ["-d", "mail_version"]);
  checks.push({ name: "postfix (mail gateway)", ok: postfix.ok, detail: postfix.ok ? postfix.out : "not installed", fix: "apt-get install postfix (choose 'No configuration'); qaqpa runs its own instance", required: false });
  const chromium = which("chromium");
  checks.push({ name: "chromium (portal browser tests)", ok: chromium.ok, detail: chromium.ok ? chromium.out : "not installed", fix: "apt-get install chromium", required: false });
  const squid = which("squid", ["-v"]);
  checks.push({ name: "squid (benchmark peer)", ok: squid.ok, detail: squid.ok ? squid.out : "not installed", fix: "apt-get install squid-openssl", required: false });
  return checks;
}

export async function runDoctor(): Promise<number> {
  const checks = await collectChecks();
  for (const c of checks) {
    console.log(`${c.ok ? "ok  " : c.required ? "FAIL" : "warn"}  ${c.name.padEnd(34)} ${c.detail}${c.ok || !c.fix ? "" : `\n      → ${c.fix}`}`);
  }
  return checks.some((c) => c.required && !c.ok) ? 1 : 0;
}
