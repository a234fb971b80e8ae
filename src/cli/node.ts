/**
 * `qaqpa node …`: enrolment of the gateway nodes of the multi-node mode (src/services/gateway-nodes.ts), run as
 * the system actor `cli` so the audit chain records every issue, rotation and revocation. A credential is
 * written once, to a 0600 file the operator installs on the node as bus.nodeCredentialFile; nothing secret is
 * printed. The master key is the one the all-in-one uses (QAQPA_MASTER_KEY, the configured key file, or
 * master.key in the data directory).
 *
 * Like `qaqpa ca`, each command is one transaction on the store: on the embedded store the control plane must be
 * stopped; on PostgreSQL it runs beside the replicas, which see the change within seconds. On a running control
 * plane the STS administrator does the same through the API (POST /api/gateway/nodes, …/{id}/rotate|revoke).
 */
import { chmodSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Store } from "../store/db.js";
import { loadConfig, type Config } from "../config.js";
import { systemPrincipal } from "../domain/authz.js";
import { createSealer } from "../secrets/sealer.js";
import { loadMasterKey } from "../app.js";
import { inTx, type Ctx } from "../services/context.js";
import { DEFAULT_ROTATION_OVERLAP_MS, enrolGatewayNode, listGatewayNodes, revokeGatewayNode, rotateGatewayNode, type IssuedCredential } from "../services/gateway-nodes.js";
import type { GatewayNode } from "../contract/gateway-nodes.js";
import { UsageError, usageExit } from "./usage.js";

export const NODE_USAGE = `usage: qaqpa node <command>
  enrol <id> [--out <file>]      issue the gateway node's credential (id = its gatewayNode.name); written to
                                 <file> (default ./qaqpa-node-<id>.credential, mode 0600), never printed
  rotate <id> [--out <file>] [--overlap-minutes <n>]
                                 issue a new credential; the old one is accepted ${DEFAULT_ROTATION_OVERLAP_MS / 60_000} more minutes (0: no longer)
  revoke <id>                    refuse every credential of the node from now on
  list                           the enrolled nodes, their states and times (never a credential)`;

/** The credential as the node reads it (base64), private from its first byte: written aside, then renamed over. */
function writeCredential(path: string, credential: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, credential.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function describe(n: GatewayNode): string {
  const times = [`enrolled ${n.createdAt}`, n.rotatedAt ? `rotated ${n.rotatedAt}` : "", n.previousValidUntil ? `previous credential until ${n.previousValidUntil}` : "", n.revokedAt ? `revoked ${n.revokedAt}` : ""];
  return `${n.id.padEnd(24)} ${n.state.padEnd(8)} generation ${n.generation}  ${times.filter(Boolean).join(", ")}`;
}

export async function nodeCommand(sub: string | undefined, args: string[], withStore: <T>(fn: (s: Store) => Promise<T>) => Promise<T>, config: Config = loadConfig()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { out: { type: "string" }, "overlap-minutes": { type: "string" } } });
  } catch (e) {
    return usageExit(e, NODE_USAGE);
  }
  const { values, positionals } = parsed;
  const run = <T>(fn: (ctx: Ctx) => Promise<T>) => withStore((s) => inTx(s, systemPrincipal("cli"), null, fn));
  const id = positionals[0];
  /** Issue in the transaction and write the file before it commits: a file that cannot be written stores nothing. */
  const issue = async (verb: string, fn: (ctx: Ctx) => Promise<IssuedCredential>) => {
    if (!id) throw new UsageError(`${verb} needs the node id (its gatewayNode.name)`);
    const out = resolve(values.out ?? `qaqpa-node-${id}.credential`);
    const { node } = await run(async (ctx) => {
      const issued = await fn(ctx);
      writeCredential(out, issued.credential);
      issued.credential.fill(0);
      return issued;
    });
    return { node, out };
  };

  try {
    switch (sub) {
      case undefined:
      case "help":
        console.log(NODE_USAGE);
        return 0;
      case "enrol": {
        const sealer = createSealer(loadMasterKey(config));
        const { node, out } = await issue("enrol", (ctx) => enrolGatewayNode(ctx, sealer, id!));
        console.log(`enrolled gateway node ${node.id} (generation ${node.generation})
  credential  ${out} (0600)
on the node: install that file, name it in bus.nodeCredentialFile, set bus.nodeId: ${node.id}, and restart qaqpa gateway-node`);
        return 0;
      }
      case "rotate": {
        const m = values["overlap-minutes"];
        if (m !== undefined && !/^\d+$/.test(m)) throw new UsageError("--overlap-minutes must be a whole number of minutes");
        const sealer = createSealer(loadMasterKey(config));
        const { node, out } = await issue("rotate", (ctx) => rotateGatewayNode(ctx, sealer, id!, m !== undefined ? Number(m) * 60_000 : DEFAULT_ROTATION_OVERLAP_MS));
        console.log(`rotated the credential of gateway node ${node.id} (generation ${node.generation})
  credential  ${out} (0600)
  previous    ${node.previousValidUntil ? `accepted until ${node.previousValidUntil}: install the new file on the node and restart it before then` : "no longer accepted"}`);
        return 0;
      }
      case "revoke": {
        if (!id) throw new UsageError("revoke needs the node id");
        const node = await run((ctx) => revokeGatewayNode(ctx, id));
        console.log(`revoked gateway node ${node.id}: the control plane refuses its leaf requests within seconds`);
        return 0;
      }
      case "list": {
        const { items } = await run((ctx) => listGatewayNodes(ctx));
        if (items.length === 0) console.log("no gateway node is enrolled: qaqpa node enrol <id>");
        for (const n of items) console.log(describe(n));
        return 0;
      }
    }
  } catch (e) {
    return usageExit(e, NODE_USAGE);
  }
  console.error(NODE_USAGE);
  return 2;
}
