import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Store } from "../store/db.js";
import { systemPrincipal } from "../domain/authz.js";
import { inTx } from "../services/context.js";
import { importCatalogueCsv, exportCatalogue } from "../services/catalogue-import.js";
import { Problem } from "../contract/problem.js";

/** `qaqpa catalogue import|export`: the same all-or-nothing import as the API, run as the system actor `cli`. */
export async function catalogueCommand(sub: string | undefined, args: string[], withStore: <T>(fn: (s: Store) => Promise<T>) => Promise<T>): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { operator: { type: "string" }, "dry-run": { type: "boolean" }, replace: { type: "boolean" } } });
  const opId = async (s: Store) => {
    if (!values.operator) return undefined;
    const op = await s.db.selectFrom("telecom_operator").select("id").where("bin", "=", values.operator).executeTakeFirst();
    if (!op) throw new Problem("QQ_ERR_NOT_FOUND", `no telecom operator with BIN ${values.operator}`);
    return op.id;
  };
  if (sub === "import") {
    const file = positionals[0];
    if (!file || !values.operator) {
      console.error("usage: qaqpa catalogue import <file.csv> --operator <BIN> [--dry-run] [--replace]");
      return 2;
    }
    const csv = readFileSync(file);
    try {
      // Resolve the operator before the transaction: the embedded store has one connection.
      const r = await withStore(async (s) => {
        const operatorId = await opId(s);
        return inTx(s, systemPrincipal("cli"), null, (ctx) => importCatalogueCsv(ctx, csv, { mode: values.replace ? "replace" : "merge", dryRun: !!values["dry-run"], operatorId }));
      });
      console.log(`${r.dryRun ? "dry run: would import" : "imported"}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.removed} removed`);
      return 0;
    } catch (e) {
      if (e instanceof Problem && e.code === "QQ_ERR_CATALOGUE_IMPORT") {
        console.error(e.message);
        for (const x of (e.extensions.errors as { line: number; column?: string; message: string }[]) ?? []) console.error(`  line ${x.line}${x.column ? ` (${x.column})` : ""}: ${x.message}`);
        return 1;
      }
      throw e;
    }
  }
  if (sub === "export") {
    const csv = await withStore(async (s) => {
      const operatorId = await opId(s);
      return inTx(s, systemPrincipal("cli"), null, (ctx) => exportCatalogue(ctx, operatorId));
    });
    process.stdout.write(csv);
    return 0;
  }
  console.error("usage: qaqpa catalogue import|export …");
  return 2;
}
