/**
 * An API on a fresh embedded store with a realistic little world: two telecom operators (A, B), an
 * organisation served by each, contracts, one prefix each, and one account per role.
 * Requests go through Fastify's inject (the full HTTP pipeline: parsing, validation, auth, error handler).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/db.js";
import { createApi, type ApiDeps, type App } from "../../src/api/index.js";
import { createSealer, type Sealer } from "../../src/secrets/sealer.js";
import { ensureAdmin } from "../../src/bootstrap.js";
import { binCheckDigit } from "../../src/domain/catalogue/bin-check.js";
import type { Role } from "../../src/domain/authz.js";

let binSeq = 10_000_000;
/** A fresh valid BIN (12 digits with a correct check digit). */
export function newBin(): string {
  for (;;) {
    const first = String(binSeq++).padStart(11, "0").slice(0, 11);
    const d = binCheckDigit(first);
    if (d !== undefined) return first + d;
  }
}

export interface World {
  app: App;
  store: Store;
  /** The API's sealer (as the master key's in the all-in-one): what gateway node credentials are sealed under. */
  sealer: Sealer;
  tokens: Record<Role | "operatorB" | "organisationB", string>;
  ids: { opA: string; opB: string; orgA: string; orgB: string; contractA: string; contractB: string; prefixA: string; prefixB: string; accountOpA: string };
  call(token: string | null, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Record<string, any>; body: string }>;
  close(): Promise<void>;
}

export const ADMIN_PASSWORD = "correct horse battery staple";

/** `deps` adds to or replaces the API's dependencies (e.g. a logger to inspect). */
export async function startWorld(deps: Partial<ApiDeps> = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "qaqpa-api-"));
  const store = await openStore({ dataDir: dir });
  await ensureAdmin(store, ADMIN_PASSWORD);
  const sealer = deps.sealer ?? createSealer(randomBytes(32));
  const app = await createApi({ store, ...deps, sealer });
  const call: World["call"] = async (token, method, url, body, headers = {}) => {
    const r = await app.inject({
      method: method as any,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": typeof body === "string" ? "text/csv" : "application/json" } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    let json: any;
    try {
      json = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.statusCode, json, headers: r.headers, body: r.body };
  };
  async function tokenFor(username: string, password: string): Promise<string> {
    const l = await app.inject({ method: "POST", url: "/api/auth/login", payload: { username, password } });
    if (l.statusCode !== 200) throw new Error(`login ${username}: ${l.statusCode} ${l.body}`);
    const cookie = String(l.headers["set-cookie"]).split(";")[0]!;
    const csrf = l.json().csrfToken as string;
    const t = await app.inject({ method: "POST", url: "/api/tokens", headers: { cookie, "x-csrf-token": csrf }, payload: { name: "test" } });
    if (t.statusCode !== 201) throw new Error(`token ${username}: ${t.statusCode} ${t.body}`);
    return t.json().token;
  }
  const admin = await tokenFor("admin", ADMIN_PASSWORD);
  const ok = async (r: Promise<{ status: number; json: any }>, status = 201) => {
    const x = await r;
    if (x.status !== status) throw new Error(`setup: ${x.status} ${JSON.stringify(x.json)}`);
    return x.json;
  };
  const names = (n: string) => ({ nameKk: `${n} kk`, nameRu: `${n} ru`, nameEn: n });
  const opA = await ok(call(admin, "POST", "/api/operators", { bin: newBin(), ...names("Operator A"), asns: [9198], notificationEmails: ["noc@a.example"] }));
  const opB = await ok(call(admin, "POST", "/api/operators", { bin: newBin(), ...names("Operator B"), notificationEmails: ["noc@b.example"] }));
  const orgA = await ok(call(admin, "POST", "/api/organisations", { bin: newBin(), ...names("Ministry A"), class: "state_body" }));
  const orgB = await ok(call(admin, "POST", "/api/organisations", { bin: newBin(), ...names("Akimat B"), class: "local_government_body" }));
  const contractA = await ok(call(admin, "POST", "/api/contracts", { organisationId: orgA.id, operatorId: opA.id, number: "A-1", validFrom: "2026-01-01" }));
  const contractB = await ok(call(admin, "POST", "/api/contracts", { organisationId: orgB.id, operatorId: opB.id, number: "B-1", validFrom: "2026-01-01" }));
  const prefixA = await ok(call(admin, "POST", "/api/catalogue/prefixes", { prefix: "10.1.0.0/16", organisationId: orgA.id, operatorId: opA.id }));
  const prefixB = await ok(call(admin, "POST", "/api/catalogue/prefixes", { prefix: "10.2.0.0/16", organisationId: orgB.id, operatorId: opB.id }));
  const pw = "a long enough password";
  const mk = async (username: string, role: Role, extra: Record<string, string> = {}) => {
    const a = await ok(call(admin, "POST", "/api/accounts", { username, displayName: username, role, password: pw, ...extra }));
    return { id: a.id as string, token: await tokenFor(username, pw) };
  };
  const accOpA = await mk("op-a", "operator_staff", { operatorId: opA.id });
  const tokens = {
    sts_admin: admin,
    sts_duty_officer: (await mk("duty", "sts_duty_officer")).token,
    sts_engineer: (await mk("engineer", "sts_engineer")).token,
    operator_staff: accOpA.token,
    organisation_staff: (await mk("org-a", "organisation_staff", { organisationId: orgA.id })).token,
    auditor: (await mk("auditor", "auditor")).token,
    operatorB: (await mk("op-b", "operator_staff", { operatorId: opB.id })).token,
    organisationB: (await mk("org-b", "organisation_staff", { organisationId: orgB.id })).token,
  };
  return {
    app,
    store,
    sealer,
    tokens,
    ids: { opA: opA.id, opB: opB.id, orgA: orgA.id, orgB: orgB.id, contractA: contractA.id, contractB: contractB.id, prefixA: prefixA.id, prefixB: prefixB.id, accountOpA: accOpA.id },
    call,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
