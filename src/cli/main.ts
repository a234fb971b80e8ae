/**
 * qaqpa command line.
 *
 *   qaqpa start                     all-in-one on the embedded store (or QAQPA_DATABASE_URL)
 *   qaqpa migrate                   apply pending migrations (idempotent)
 *   qaqpa admin create <username>   create an STS administrator (password from QAQPA_ADMIN_PASSWORD or generated)
 *   qaqpa catalogue import <file.csv> --operator <BIN> [--dry-run]
 *   qaqpa catalogue export [--operator <BIN>] [> file.csv]
 *   qaqpa audit verify              recompute the audit hash chain; exit 1 on a break
 *   qaqpa doctor                    check the environment and say what is missing and how to install it
 *   qaqpa ca init|publish|activate|rotate|revoke|export|status   the gateway CA (Rules p.21–23)
 *   qaqpa gateway-node              a gateway node of the multi-node mode (no store; policy over the bus)
 *   qaqpa node enrol|rotate|revoke|list   gateway nodes' own credentials (multi-node mode)
 */
import "reflect-metadata";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { loadConfig, ConfigError } from "../config.js";
import { openStore } from "../store/db.js";
import { verifyAudit } from "../store/audit.js";
import { Problem } from "../contract/problem.js";
import { systemPrincipal } from "../domain/authz.js";
import { inTx } from "../services/context.js";
import { createAccount } from "../services/accounts.js";
import { startAllInOne } from "../app.js";
import { runDoctor } from "./doctor.js";
import { catalogueCommand } from "./catalogue.js";

const USAGE = `usage: qaqpa <command>
  start                          start the all-in-one (API :8080, proxy :3128 by default)
  migrate                        apply pending store migrations
  admin create <username>        create an STS administrator
  catalogue import <file> --operator <BIN> [--dry-run]
  catalogue export [--operator <BIN>]
  audit verify                   verify the audit hash chain
  doctor                         check the environment
  ca init|publish|activate|rotate|revoke|export|status   the gateway CA (qaqpa ca help)
  gateway-node                   a gateway node (needs the bus and gatewayNode sections; no store)
  node enrol|rotate|revoke|list  gateway nodes' credentials (qaqpa node help)
environment: QAQPA_DATA_DIR, QAQPA_DATABASE_URL, QAQPA_BUS_SERVERS, QAQPA_HTTP_PORT, QAQPA_PROXY_PORT, QAQPA_ADMIN_PASSWORD, QAQPA_CONFIG`;

async function withStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const cfg = loadConfig();
  const store = await openStore({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  switch (cmd) {
    case "start": {
      // `qaqpa start` serves the proxy from one worker per core unless gateway.workers says otherwise.
      const config = loadConfig();
      const running = await startAllInOne(config.gateway?.workers === undefined ? { ...config, gateway: { ...config.gateway, workers: "auto" } } : config);
      console.log(`qaqpa is running
  API        ${running.urls.api}
  OpenAPI    ${running.urls.openapi}
  proxy      ${running.urls.proxy}
  portal     ${running.urls.api.replace(/\/api$/, "/")}
  data       ${running.config.databaseUrl ? "PostgreSQL" : running.config.dataDir}`);
      if (running.admin.created) {
        console.log(`  first administrator: ${running.admin.username}` + (running.admin.password ? ` / password ${running.admin.password}  (shown once; change it after login)` : " (password from QAQPA_ADMIN_PASSWORD)"));
      }
      const stop = async () => {
        await running.stop();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      return new Promise(() => {});
    }
    case "ca":
      return (await import("./ca.js")).caCommand(sub, rest, withStore);
    case "gateway-node":
      return (await import("./gateway-node.js")).gatewayNodeCommand();
    case "node":
      return (await import("./node.js")).nodeCommand(sub, rest, withStore);
    case "migrate": {
      await withStore(async (s) => console.log(`store is at schema version ${(await s.db.selectFrom("schema_migration").select((eb) => eb.fn.max("version").as("v")).executeTakeFirst())?.v}`));
      return 0;
    }
    case "admin": {
      if (sub !== "create" || !rest[0]) break;
      const username = rest[0];
      const password = process.env.QAQPA_ADMIN_PASSWORD || randomBytes(18).toString("base64url");
      await withStore((s) => inTx(s, systemPrincipal("cli"), null, (ctx) => createAccount(ctx, { username, displayName: username, role: "sts_admin", password }, { mustChangePassword: !process.env.QAQPA_ADMIN_PASSWORD })));
      console.log(`created STS administrator ${username}` + (process.env.QAQPA_ADMIN_PASSWORD ? "" : ` with password ${password} (shown once)`));
      return 0;
    }
    case "catalogue":
      return catalogueCommand(sub, rest, withStore);
    case "audit": {
      if (sub !== "verify") break;
      const r = await withStore((s) => verifyAudit(s.db));
      if (r.ok) {
        console.log(`audit chain intact: ${r.entries} entries, head ${r.headHash}`);
        return 0;
      }
      console.error(`audit chain BROKEN at entry ${r.brokenAt} (${r.reason}); ${r.entries} entries verified before it`);
      return 1;
    }
    case "doctor":
      return runDoctor();
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return 0;
  }
  console.error(USAGE);
  return 2;
}

const invokedDirectly = process.argv[1] && /(?:cli[\\/]main\.[jt]s|qaqpa(?:\.mjs)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  let finished = false;
  // A command whose work is stuck on a promise nobody will settle would otherwise exit 0 in silence.
  process.on("beforeExit", () => {
    if (!finished) {
      console.error("qaqpa: internal error: the command stopped before finishing");
      process.exit(70);
    }
  });
  main(process.argv.slice(2)).then(
    (code) => {
      finished = true;
      if (code !== undefined) process.exitCode = code;
    },
    (e) => {
      finished = true;
      if (e instanceof ConfigError || e instanceof Problem) console.error(`qaqpa: ${e.message}`);
      else console.error(e);
      process.exitCode = 1;
    },
  );
}
void parseArgs;
