import { before, after } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAllInOne, type Running } from "../../src/app.js";
import { defaultConfig, type Config } from "../../src/config.js";
import { startOrigins, type Origins } from "../gateway/origin.js";

/** The all-in-one's configuration for a loopback test: its own data dir, API and proxy on free ports. */
export function loopbackConfig(dataDir: string, proxy: { hosts?: Record<string, string[]>; upstreamCaFiles?: string[] } = {}): Config {
  const cfg = defaultConfig();
  cfg.dataDir = dataDir;
  cfg.http.port = 0;
  cfg.proxy.port = 0;
  if (proxy.hosts) cfg.proxy.hosts = proxy.hosts;
  if (proxy.upstreamCaFiles) cfg.proxy.upstreamCaFiles = proxy.upstreamCaFiles;
  return cfg;
}

/** Log in as the all-in-one's administrator and mint an API token for the test (the same path a person takes). */
export async function adminToken(app: Running, password: string, name = "e2e"): Promise<string> {
  const login = await fetch(app.urls.api + "/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password }) });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  const t = await fetch(app.urls.api + "/tokens", { method: "POST", headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" }, body: JSON.stringify({ name }) });
  return ((await t.json()) as { token: string }).token;
}

/** A JSON client for the all-in-one's API with a bearer token (read when each call is made). */
export function apiClient(app: () => Running, token: () => string) {
  return async (method: string, path: string, body?: unknown) => {
    const r = await fetch(app().urls.api + path, { method, headers: { authorization: `Bearer ${token()}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : undefined };
  };
}

/** curl with a 10 s limit; the body is followed by a newline and the status code. */
export function curl(args: string[]): Promise<{ out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn("curl", ["-sS", "--max-time", "10", "-w", "\n%{http_code}", ...args]);
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", () => resolve({ out, err }));
  });
}

/**
 * The all-in-one on loopback in front of test origins, for the suite it is called in: its before() starts the
 * origins (`names`, each resolving to 127.0.0.1 unless `hosts` says otherwise), the all-in-one with the origins'
 * CA trusted upstream and an admin API token; its after() stops both and removes the data dir. `configure`
 * adjusts the configuration first (workers, transparent listeners). The suite's own before() runs after it.
 */
export function allInOneWithOrigins(o: { names: string[]; hosts?: Record<string, string[]>; configure?(cfg: Config, origins: Origins): void; tmpPrefix: string; password?: string; tokenName?: string }) {
  const password = o.password ?? "e2e admin password";
  let dir = "";
  let app: Running | undefined;
  let origins: Origins | undefined;
  let token = "";
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), o.tmpPrefix));
    origins = await startOrigins(o.names);
    const cfg = loopbackConfig(dir, { hosts: o.hosts ?? Object.fromEntries(o.names.map((n) => [n, ["127.0.0.1"]])), upstreamCaFiles: [origins.caFile] });
    o.configure?.(cfg, origins);
    app = await startAllInOne(cfg, { ...process.env, QAQPA_ADMIN_PASSWORD: password });
    token = await adminToken(app, password, o.tokenName);
  });
  after(async () => {
    await app?.stop();
    await origins?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const world = {
    get app(): Running {
      return app!;
    },
    get origins(): Origins {
      return origins!;
    },
    get token(): string {
      return token;
    },
    api: apiClient(() => app!, () => token),
  };
  return world;
}
