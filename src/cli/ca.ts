/**
 * `qaqpa ca …`: the gateway CA from the command line (Rules p.21–23), the same actions as the API, run as the
 * system actor `cli` so the audit chain records them. The master key is the one the all-in-one uses
 * (QAQPA_MASTER_KEY, the configured key file, or master.key in the data directory).
 *
 * On the embedded store the CLI holds the data directory's only connection: everything runs inside one
 * transaction per command and reads only through it (a read on the store outside it would wait forever).
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Store } from "../store/db.js";
import { loadConfig, type Config } from "../config.js";
import { systemPrincipal } from "../domain/authz.js";
import { createSealer } from "../secrets/sealer.js";
import { loadMasterKey } from "../app.js";
import { inTx } from "../services/context.js";
import * as ca from "../services/ca.js";
import type { CaCertificate } from "../contract/ca.js";
import type { RevocationReason } from "../contract/ca.js";
import { UsageError, usageExit } from "./usage.js";

export const CA_USAGE = `usage: qaqpa ca <command>
  init [--root-algorithm ecdsa-p384|ecdsa-p256|rsa-3072] [--bank-domain <domain>]…
                                 generate the root and its issuing intermediate (state: generated)
  publish <root id>              publish the root: every telecom operator is e-mailed (Rules p.21)
  activate <root id> [--min-lead-days <n>]
                                 start issuing under the root and its intermediate
  rotate [--scope root|intermediate] [--lead-days <n>] [--overlap-days <n>] [--bank-domain <domain>]…
                                 generate the successor; later steps run in the all-in-one
  revoke <id> --reason unspecified|keyCompromise|cACompromise|superseded|cessationOfOperation
  export [--out <dir>] [--id <root id>]
                                 write the root and every install bundle (default ./qaqpa-root-<fp8>)
  status                         certificates, states, validity and scheduled steps`;

const REASONS = ["unspecified", "keyCompromise", "cACompromise", "superseded", "cessationOfOperation"];
const ALGORITHMS = ["ecdsa-p384", "ecdsa-p256", "rsa-3072"] as const;

function fp8(sha256: string): string {
  return sha256.replaceAll(":", "").slice(0, 8).toLowerCase();
}

function describe(c: CaCertificate, now: Date): string {
  const days = Math.floor((Date.parse(c.notAfter) - now.getTime()) / 86_400_000);
  return `${c.kind.padEnd(12)} ${c.state.padEnd(9)} ${c.id}  ${fp8(c.sha256)}  valid until ${c.notAfter.slice(0, 10)} (${days} days)`;
}

function nonNegative(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number of days`);
  return Number(v);
}

export async function caCommand(sub: string | undefined, args: string[], withStore: <T>(fn: (s: Store) => Promise<T>) => Promise<T>, config: Config = loadConfig()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "root-algorithm": { type: "string" },
        "bank-domain": { type: "string", multiple: true },
        "min-lead-days": { type: "string" },
        scope: { type: "string" },
        "lead-days": { type: "string" },
        "overlap-days": { type: "string" },
        reason: { type: "string" },
        out: { type: "string" },
        id: { type: "string" },
      },
    });
  } catch (e) {
    return usageExit(e, CA_USAGE);
  }
  const { values, positionals } = parsed;
  const now = new Date();
  const env = (withSealer: boolean): ca.CaActionEnv => ({
    sealer: withSealer ? createSealer(loadMasterKey(config)) : null,
    baseUrl: config.http.publicUrl ?? null,
  });
  const run = <T>(fn: Parameters<typeof inTx<T>>[3]) => withStore((s) => inTx(s, systemPrincipal("cli"), null, fn));

  try {
    switch (sub) {
      case undefined:
      case "help":
        console.log(CA_USAGE);
        return 0;
      case "init": {
        const alg = values["root-algorithm"];
        if (alg !== undefined && !(ALGORITHMS as readonly string[]).includes(alg)) throw new UsageError(`--root-algorithm must be one of ${ALGORITHMS.join(", ")}`);
        const started = performance.now();
        const pair = await run((ctx) =>
          ca.initCaCertificates(ctx, env(true), {
            ...(alg ? { rootAlgorithm: alg as (typeof ALGORITHMS)[number] } : {}),
            ...(values["bank-domain"] ? { bankDomains: values["bank-domain"] } : {}),
          }),
        );
        console.log(`generated the gateway CA in ${Math.round(performance.now() - started)} ms
  root          ${pair.root.id}
    subject     ${pair.root.subject}
    SHA-256     ${pair.root.sha256}
    valid       ${pair.root.notBefore} – ${pair.root.notAfter}
  intermediate  ${pair.intermediate.id}
    excludes    ${pair.intermediate.excludedDns.length} namespaces (${pair.intermediate.excludedDns.slice(0, 4).join(", ")}${pair.intermediate.excludedDns.length > 4 ? ", …" : ""})
next:
  qaqpa ca export                      check the files
  qaqpa ca publish ${pair.root.id}   inform the telecom operators (Rules p.21)
  qaqpa ca activate ${pair.root.id}  start issuing`);
        return 0;
      }
      case "publish": {
        const id = positionals[0];
        if (!id) throw new UsageError("publish needs the root id (see qaqpa ca status)");
        const c = await run((ctx) => ca.publishCaRoot(ctx, env(false), id));
        console.log(`published root ${c.id} (${c.sha256}); every telecom operator with a notification address is e-mailed (Rules p.21)`);
        return 0;
      }
      case "activate": {
        const id = positionals[0];
        if (!id) throw new UsageError("activate needs the root id (see qaqpa ca status)");
        const lead = nonNegative(values["min-lead-days"], "min-lead-days");
        const c = await run((ctx) => ca.activateCaCertificate(ctx, env(false), id, lead !== undefined ? { minPublicationLeadDays: lead } : {}));
        console.log(`activated ${c.kind} ${c.id}; the gateway issues under it`);
        return 0;
      }
      case "rotate": {
        const scope = values.scope ?? "root";
        if (scope !== "root" && scope !== "intermediate") throw new UsageError("--scope must be root or intermediate");
        const lead = nonNegative(values["lead-days"], "lead-days");
        const overlap = nonNegative(values["overlap-days"], "overlap-days");
        const r = await run((ctx) =>
          ca.rotateCaCertificates(ctx, env(true), {
            scope,
            ...(lead !== undefined ? { publicationLeadDays: lead } : {}),
            ...(overlap !== undefined ? { overlapDays: overlap } : {}),
            ...(values["bank-domain"] ? { bankDomains: values["bank-domain"] } : {}),
          }),
        );
        const created = r.created.root ?? r.created.intermediate;
        console.log(`rotation ${r.rotationId}: new ${created.kind} ${created.id} (${created.sha256})`);
        for (const s of r.applied) console.log(`  done     ${s.event.type.padEnd(8)} ${s.certificateId}`);
        for (const s of r.pending) console.log(`  planned  ${s.event.type.padEnd(8)} ${s.certificateId} at ${s.at}`);
        for (const w of r.warnings) console.log(`  warning: ${w}`);
        if (r.pending.length) console.log("planned steps are applied by the running all-in-one (hourly)");
        return 0;
      }
      case "revoke": {
        const id = positionals[0];
        const reason = values.reason;
        if (!id || !reason || !REASONS.includes(reason)) throw new UsageError(`revoke needs the id and --reason ${REASONS.join("|")}`);
        const c = await run((ctx) => ca.revokeCaCertificate(ctx, env(false), id, { reason: reason as RevocationReason }));
        console.log(`revoked ${c.kind} ${c.id} (${c.revocationReason})`);
        return 0;
      }
      case "export": {
        const { root, files } = await run((ctx) => ca.exportCaRoot(ctx, values.id));
        const dir = resolve(values.out ?? `qaqpa-root-${root.fp8}`);
        mkdirSync(dir, { recursive: true });
        for (const f of files) {
          const path = join(dir, f.filename);
          writeFileSync(path, f.body);
          if (f.filename.endsWith(".sh") || f.filename.endsWith(".ps1")) chmodSync(path, 0o755);
        }
        console.log(`root ${root.id} (${root.state})
  SHA-256  ${root.sha256}
  SHA-1    ${root.sha1}
wrote ${files.length} files to ${dir}:`);
        for (const f of files) console.log(`  ${f.filename}`);
        if (root.state === "generated") console.log("note: this root is not published yet (qaqpa ca publish)");
        return 0;
      }
      case "status": {
        const list = await run((ctx) => ca.listCaCertificates(ctx));
        if (list.items.length === 0) {
          console.log("no CA yet: run qaqpa ca init");
          return 0;
        }
        for (const c of list.items) {
          console.log(describe(c, now));
          for (const s of c.scheduled) console.log(`${" ".repeat(13)}planned ${s.event.type} at ${s.at}`);
        }
        return 0;
      }
    }
  } catch (e) {
    return usageExit(e, CA_USAGE);
  }
  console.error(CA_USAGE);
  return 2;
}
