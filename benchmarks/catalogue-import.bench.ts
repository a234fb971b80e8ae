/**
 * Catalogue CSV import on the embedded store (Rules p.13): 100,000 prefixes (70 % IPv4, 30 % IPv6) for 100
 * organisations of one operator, through the same all-or-nothing import the API and CLI run — parse, BIN and
 * contract checks, overlap sweep against the catalogue, batched writes and one audit entry per prefix.
 * The peer row is the floor: the same rows bulk-inserted with no checks and no audit, in the same store.
 *
 *   node --import tsx benchmarks/catalogue-import.bench.ts [--rows 100000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, loadavg, cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openStore } from "../src/store/db.js";
import { inTx } from "../src/services/context.js";
import { systemPrincipal } from "../src/domain/authz.js";
import { createOperator } from "../src/services/operators.js";
import { createOrganisation } from "../src/services/organisations.js";
import { createContract } from "../src/services/contracts.js";
import { importCatalogueCsv } from "../src/services/catalogue-import.js";
import { binCheckDigit } from "../src/domain/catalogue/bin-check.js";
import { verifyAudit } from "../src/store/audit.js";

const { values } = parseArgs({ options: { rows: { type: "string", default: "100000" } } });
const ROWS = Number(values.rows);

let seq = 20_000_000;
function bin(): string {
  for (;;) {
    const first = String(seq++).padStart(11, "0");
    const d = binCheckDigit(first);
    if (d !== undefined) return first + d;
  }
}

async function world(dir: string) {
  const store = await openStore({ dataDir: dir });
  const actor = systemPrincipal("bench");
  const opBin = bin();
  const orgBins: string[] = [];
  const opId = await inTx(store, actor, null, async (ctx) => {
    const op = await createOperator(ctx, { bin: opBin, nameKk: "O", nameRu: "O", nameEn: "Operator", notificationEmails: ["noc@o.example"] });
    for (let i = 0; i < 100; i++) {
      const b = bin();
      orgBins.push(b);
      const org = await createOrganisation(ctx, { bin: b, nameKk: `M${i}`, nameRu: `M${i}`, nameEn: `Body ${i}`, class: "state_body" });
      await createContract(ctx, { organisationId: org.id, operatorId: op.id, number: `C-${i}`, validFrom: "2026-01-01" });
    }
    return op.id;
  });
  return { store, opBin, orgBins, opId };
}

function csv(rows: number, opBin: string, orgBins: string[]): string {
  const out = ["prefix,organisation_bin,operator_bin,note"];
  const v4 = Math.round(rows * 0.7);
  for (let i = 0; i < rows; i++) {
    const org = orgBins[i % orgBins.length]!;
    let p: string;
    if (i < v4) {
      // 10.0.0.0/8 cut into /28s: 16 per /24, disjoint.
      const n = i * 16;
      p = `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/28`;
    } else {
      const j = i - v4;
      p = `2001:db8:${(j >>> 8).toString(16)}:${(j & 255).toString(16)}00::/56`;
    }
    out.push(`${p},${org},${opBin},site ${i}`);
  }
  return out.join("\n") + "\n";
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dirA = mkdtempSync(join(tmpdir(), "qaqpa-bench-import-"));
const dirB = mkdtempSync(join(tmpdir(), "qaqpa-bench-floor-"));
try {
  console.log(`catalogue import benchmark — ${ROWS} rows, embedded store (PGlite), node ${process.version}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  const a = await world(dirA);
  const text = csv(ROWS, a.opBin, a.orgBins);
  let t = performance.now();
  const dry = await inTx(a.store, systemPrincipal("bench"), null, (ctx) => importCatalogueCsv(ctx, text, { mode: "merge", dryRun: true, operatorId: a.opId }));
  const dryMs = performance.now() - t;
  t = performance.now();
  const r = await inTx(a.store, systemPrincipal("bench"), null, (ctx) => importCatalogueCsv(ctx, text, { mode: "merge", dryRun: false, operatorId: a.opId }));
  const importMs = performance.now() - t;
  t = performance.now();
  const again = await inTx(a.store, systemPrincipal("bench"), null, (ctx) => importCatalogueCsv(ctx, text, { mode: "merge", dryRun: false, operatorId: a.opId }));
  const reMs = performance.now() - t;
  const v = await verifyAudit(a.store.db);
  await a.store.close();

  // Floor: the same rows, bulk-inserted without checks or audit.
  const b = await world(dirB);
  const orgIds = new Map((await b.store.db.selectFrom("organisation").select(["id", "bin"]).execute()).map((o) => [o.bin.trim(), o.id]));
  const rows = text.trim().split("\n").slice(1).map((l) => l.split(","));
  const bOrgBins = b.orgBins;
  t = performance.now();
  await b.store.db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += 1000) {
      await tx
        .insertInto("catalogue_prefix")
        .values(rows.slice(i, i + 1000).map(([prefix, , , note], k) => ({ prefix: prefix!, organisation_id: orgIds.get(bOrgBins[(i + k) % bOrgBins.length]!)!, operator_id: b.opId, contract_id: null, note: note! })))
        .execute();
    }
  });
  const floorMs = performance.now() - t;
  await b.store.close();

  console.log("");
  console.log("| step | time | rows/s | vs floor |");
  console.log("|---|---|---|---|");
  console.log(`| dry run (parse, BINs, contracts, overlap sweep) | ${fmt(dryMs)} | ${Math.round(ROWS / (dryMs / 1000))} | — |`);
  console.log(`| import (all checks + writes + ${r.created} audit entries) | ${fmt(importMs)} | ${Math.round(ROWS / (importMs / 1000))} | ${(importMs / floorMs).toFixed(2)}× the floor's time |`);
  console.log(`| re-import of the same file (${again.unchanged} unchanged) | ${fmt(reMs)} | ${Math.round(ROWS / (reMs / 1000))} | — |`);
  console.log(`| floor: bulk insert, no checks, no audit | ${fmt(floorMs)} | ${Math.round(ROWS / (floorMs / 1000))} | 1.00× |`);
  console.log("");
  console.log(`target: import of 100,000 prefixes ≤ 10 s — ${importMs <= 10_000 ? "met" : "NOT met"} (${fmt(importMs)}); audit chain ${v.ok ? "intact" : "BROKEN"} with ${v.entries} entries`);
} finally {
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
}
