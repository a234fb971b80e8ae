/**
 * Configuration: one optional YAML file plus environment overrides, validated strictly at start
 * (unknown keys are errors, so a typo never silently falls back to a default).
 *
 * Precedence: defaults < qaqpa.yaml (or the file named by QAQPA_CONFIG) < environment variables.
 */
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseYaml } from "yaml";

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: "PGlite data directory and local state (lock, master key)" }),
    databaseUrl: Type.Optional(Type.String({ description: "PostgreSQL URL; when set, the embedded store is not used" })),
    http: Type.Object({ host: Type.String(), port: Port, publicUrl: Type.Optional(Type.String()) }, { additionalProperties: false }),
    proxy: Type.Object(
      {
        host: Type.String(),
        port: Port,
        transparentHttpPort: Type.Optional(Port),
        transparentTlsPort: Type.Optional(Port),
        hosts: Type.Record(Type.String(), Type.Array(Type.String()), { description: "static name → addresses map (tests, private zones)" }),
        upstreamCaFiles: Type.Optional(Type.Array(Type.String(), { description: "PEM files of extra roots trusted for upstream TLS (private CAs), on top of the system store" })),
      },
      { additionalProperties: false },
    ),
    masterKeyFile: Type.Optional(Type.String()),
    notifications: Type.Object(
      {
        from: Type.String(),
        stsAddress: Type.String({ description: "STS duty service address (p.14)" }),
        smtp: Type.Optional(
          Type.Object(
            {
              host: Type.String(),
              port: Port,
              secure: Type.Boolean(),
              user: Type.Optional(Type.String()),
              passwordEnv: Type.Optional(Type.String({ description: "name of the environment variable holding the SMTP password" })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    log: Type.Object({ level: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")]) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function defaultConfig(): Config {
  return {
    dataDir: resolve("data"),
    http: { host: "127.0.0.1", port: 8080 },
    proxy: { host: "127.0.0.1", port: 3128, hosts: {} },
    notifications: { from: "qaqpa@localhost", stsAddress: "support@sts.kz" },
    log: { level: "info" },
  };
}

function envPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new ConfigError(`${name} must be a port number 0–65535, got "${v}"`);
  return Number(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
      ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  let merged: Record<string, unknown> = defaultConfig() as unknown as Record<string, unknown>;
  const file = env.QAQPA_CONFIG ? resolve(cwd, env.QAQPA_CONFIG) : resolve(cwd, "qaqpa.yaml");
  if (env.QAQPA_CONFIG && !existsSync(file)) throw new ConfigError(`QAQPA_CONFIG names ${file}, which does not exist`);
  if (existsSync(file)) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError(`${file}: top level must be a mapping`);
      merged = deepMerge(merged, doc as Record<string, unknown>);
    }
  }
  const http = merged.http as Record<string, unknown>;
  const proxy = merged.proxy as Record<string, unknown>;
  if (env.QAQPA_DATA_DIR) merged.dataDir = env.QAQPA_DATA_DIR;
  if (env.QAQPA_DATABASE_URL) merged.databaseUrl = env.QAQPA_DATABASE_URL;
  const hp = envPort(env, "QAQPA_HTTP_PORT");
  if (hp !== undefined) http.port = hp;
  if (env.QAQPA_HTTP_HOST) http.host = env.QAQPA_HTTP_HOST;
  const pp = envPort(env, "QAQPA_PROXY_PORT");
  if (pp !== undefined) proxy.port = pp;
  if (env.QAQPA_PROXY_HOST) proxy.host = env.QAQPA_PROXY_HOST;
  if (env.QAQPA_MASTER_KEY_FILE) merged.masterKeyFile = env.QAQPA_MASTER_KEY_FILE;
  if (env.QAQPA_LOG_LEVEL) (merged.log as Record<string, unknown>).level = env.QAQPA_LOG_LEVEL;

  const errors = [...Value.Errors(ConfigSchema, merged)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((e) => `  ${e.path || "/"}: ${e.message}`);
    throw new ConfigError(`invalid configuration (${existsSync(file) ? file : "defaults + environment"}):\n${lines.join("\n")}`);
  }
  const cfg = merged as unknown as Config;
  cfg.dataDir = resolve(cwd, cfg.dataDir);
  return cfg;
}
