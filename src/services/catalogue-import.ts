/**
 * Bulk catalogue import and export (p.13: operators keep the catalogue current; a CSV is how they do it at
 * scale). The import is all-or-nothing: every row is checked — syntax, BINs, scope, contract, overlaps with
 * the stored catalogue and within the file — before anything is written; one bad row means nothing changes
 * and the answer lists every row error with its line.
 *
 * Modes: `merge` adds new prefixes and updates the organisation/contract/note of the operator's existing
 * ones; `replace` also removes the operator's prefixes that are absent from the file.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { Problem } from "../contract/problem.js";
import { scopeOf } from "../domain/authz.js";
import { parsePrefix, type Prefix } from "../domain/catalogue/prefix.js";
import { parseCatalogueCsv, exportCatalogueCsv, type CsvError, type CatalogueCsvRow } from "../domain/catalogue/csv.js";
import { findConflicts, describeConflict, type CatalogueEntry, type Candidate } from "../domain/catalogue/overlap.js";
import { appendAuditBatch, type AuditInput } from "../store/audit.js";
import { requirePermission, type Ctx } from "./context.js";
import { reconcileUnknownSources } from "./unknown-sources.js";
import { toPrefix } from "./catalogue.js";

export interface ImportOptions {
  mode: "merge" | "replace";
  dryRun: boolean;
  /** STS staff name the operator whose catalogue is imported; operator staff import their own. */
  operatorId?: string;
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  dryRun: boolean;
}

type RowError = Pick<CsvError, "line" | "column" | "code" | "message">;

export async function importCatalogueCsv(ctx: Ctx, csv: string | Uint8Array, opts: ImportOptions): Promise<ImportSummary> {
  requirePermission(ctx.principal, "catalogue.write");
  const scope = scopeOf(ctx.principal);
  if (scope.kind === "organisation") throw new Problem("QQ_ERR_FORBIDDEN", "organisation staff may not change the catalogue");
  const operatorId = scope.kind === "operator" ? scope.operatorId : opts.operatorId;
  if (scope.kind === "operator" && opts.operatorId && opts.operatorId !== scope.operatorId) throw new Problem("QQ_ERR_FORBIDDEN", "operator staff import their own operator's catalogue only");
  if (!operatorId) throw new Problem("QQ_ERR_VALIDATION", "operatorId is required for STS staff", { errors: [{ path: "/operatorId", message: "required" }] });
  const operator = await ctx.tx.selectFrom("telecom_operator").select(["id", "bin"]).where("id", "=", operatorId).executeTakeFirst();
  if (!operator) throw new Problem("QQ_ERR_NOT_FOUND", `telecom operator ${operatorId} not found`);

  const parsed = parseCatalogueCsv(csv);
  const errors: RowError[] = [...parsed.errors];

  // One writer at a time: what we check below is what we write.
  await sql`select pg_advisory_xact_lock(727013)`.execute(ctx.tx);

  const orgBins = [...new Set(parsed.rows.map((r) => r.organisationBin))];
  const orgs = new Map<string, string>();
  for (let i = 0; i < orgBins.length; i += 5000) {
    for (const o of await ctx.tx.selectFrom("organisation").select(["id", "bin"]).where("bin", "in", orgBins.slice(i, i + 5000)).execute()) orgs.set(o.bin, o.id);
  }
  const contracts = await ctx.tx.selectFrom("contract").select(["id", "organisation_id", "number", "status"]).where("operator_id", "=", operatorId).execute();
  const activeByOrg = new Map<string, { id: string; number: string }[]>();
  for (const c of contracts) if (c.status === "active") activeByOrg.set(c.organisation_id, [...(activeByOrg.get(c.organisation_id) ?? []), { id: c.id, number: c.number }]);

  const existingRows = await ctx.tx.selectFrom("catalogue_prefix").selectAll().execute();
  const byText = new Map(existingRows.map((r) => [r.prefix, r]));

  type Planned = { line: number; prefix: Prefix; organisationId: string; contractId: string | null; note: string | null; existingId?: string };
  const planned: Planned[] = [];
  for (const row of parsed.rows) {
    if (row.operatorBin !== operator.bin) {
      errors.push({ line: row.line, column: "operator_bin", code: "invalid-value", message: `operator BIN ${row.operatorBin} is not the operator being imported (${operator.bin})` });
      continue;
    }
    const organisationId = orgs.get(row.organisationBin);
    if (!organisationId) {
      errors.push({ line: row.line, column: "organisation_bin", code: "invalid-value", message: `no organisation with BIN ${row.organisationBin}` });
      continue;
    }
    const active = activeByOrg.get(organisationId) ?? [];
    const contract = row.contractNumber ? active.find((c) => c.number === row.contractNumber) : active[0];
    if (!contract) {
      errors.push({
        line: row.line,
        column: row.contractNumber ? "contract_number" : "organisation_bin",
        code: "invalid-value",
        message: row.contractNumber ? `no active contract ${row.contractNumber} between organisation ${row.organisationBin} and this operator` : `organisation ${row.organisationBin} has no active contract with this operator (p.4)`,
      });
      continue;
    }
    const existing = byText.get(row.prefix.text);
    if (existing && existing.operator_id !== operatorId) {
      errors.push({ line: row.line, column: "prefix", code: "invalid-value", message: `${row.prefix.text} is in another operator's catalogue` });
      continue;
    }
    planned.push({ line: row.line, prefix: row.prefix, organisationId, contractId: row.contractNumber || active.length === 1 ? contract.id : null, note: row.note ?? null, existingId: existing?.id });
  }

  // Overlap check against everything that will remain: in replace mode this operator's absent prefixes go.
  const keep = new Set(planned.map((p) => p.prefix.text));
  const existing: CatalogueEntry[] = [];
  for (const r of existingRows) {
    if (opts.mode === "replace" && r.operator_id === operatorId && !keep.has(r.prefix)) continue;
    const p = parsePrefix(r.prefix);
    if (p.ok) existing.push({ id: r.id, prefix: p.prefix, organisationId: r.organisation_id });
  }
  const candidates: Candidate[] = planned.map((p) => ({ prefix: p.prefix, organisationId: p.organisationId, ...(p.existingId ? { id: p.existingId } : {}) }));
  for (const c of findConflicts(existing, candidates)) {
    const p = planned[c.candidate]!;
    errors.push({ line: p.line, column: "prefix", code: c.kind === "duplicate" ? "duplicate-prefix" : "invalid-value", message: describeConflict(c, p.prefix) });
  }

  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line);
    throw new Problem("QQ_ERR_CATALOGUE_IMPORT", `${errors.length} row error(s); nothing was imported`, { errors: errors.slice(0, 1000) });
  }

  const creates = planned.filter((p) => !p.existingId);
  const updates = planned.filter((p) => {
    if (!p.existingId) return false;
    const e = byText.get(p.prefix.text)!;
    return e.organisation_id !== p.organisationId || (e.contract_id ?? null) !== p.contractId || (e.note ?? null) !== p.note;
  });
  const removals = opts.mode === "replace" ? existingRows.filter((r) => r.operator_id === operatorId && !keep.has(r.prefix)) : [];
  const summary: ImportSummary = { created: creates.length, updated: updates.length, unchanged: planned.length - creates.length - updates.length, removed: removals.length, dryRun: opts.dryRun };
  if (opts.dryRun) return summary;

  const audit: AuditInput[] = [];
  // Ids are made here, not returned by the insert: reading 100,000 rows back costs as much as writing them.
  const createdAt = ctx.now.toISOString();
  const made = creates.map((p) => ({ ...p, id: randomUUID() }));
  for (let i = 0; i < made.length; i += 5000) {
    const c = made.slice(i, i + 5000);
    // unnest: one statement with six array parameters per 5,000 rows (multi-row VALUES binds six per row).
    await sql`
      insert into catalogue_prefix (id, prefix, organisation_id, operator_id, contract_id, note, created_at, updated_at)
      select *, ${createdAt}::timestamptz, ${createdAt}::timestamptz from unnest(${c.map((p) => p.id)}::uuid[], ${c.map((p) => p.prefix.text)}::cidr[],
        ${c.map((p) => p.organisationId)}::uuid[], ${c.map(() => operatorId)}::uuid[], ${c.map((p) => p.contractId)}::uuid[], ${c.map((p) => p.note)}::text[])`.execute(ctx.tx);
    for (const p of c) {
      const after = { id: p.id, prefix: p.prefix.text, organisationId: p.organisationId, operatorId, contractId: p.contractId, note: p.note, createdAt, updatedAt: createdAt };
      audit.push({ action: "catalogue.create", entityType: "catalogue_prefix", entityId: p.id, after, requestId: ctx.requestId });
    }
  }
  for (const p of updates) {
    const before = toPrefix(byText.get(p.prefix.text)!);
    const r = await ctx.tx
      .updateTable("catalogue_prefix")
      .set({ organisation_id: p.organisationId, contract_id: p.contractId, note: p.note, updated_at: sql<Date>`now()` })
      .where("id", "=", p.existingId!)
      .returningAll()
      .executeTakeFirstOrThrow();
    audit.push({ action: "catalogue.update", entityType: "catalogue_prefix", entityId: r.id, before, after: toPrefix(r), requestId: ctx.requestId });
  }
  for (let i = 0; i < removals.length; i += 1000) {
    const chunk = removals.slice(i, i + 1000);
    await ctx.tx.deleteFrom("catalogue_prefix").where("id", "in", chunk.map((r) => r.id)).execute();
    for (const r of chunk) audit.push({ action: "catalogue.delete", entityType: "catalogue_prefix", entityId: r.id, before: toPrefix(r), requestId: ctx.requestId });
  }
  audit.push({ action: "catalogue.import", entityType: "telecom_operator", entityId: operatorId, after: { mode: opts.mode, ...summary }, requestId: ctx.requestId });
  await appendAuditBatch(ctx.tx, ctx.principal, audit, ctx.now);
  if (creates.length > 0) await reconcileUnknownSources(ctx.tx, ctx.now);
  return summary;
}

export async function exportCatalogue(ctx: Ctx, operatorId?: string): Promise<string> {
  requirePermission(ctx.principal, "catalogue.read");
  const scope = scopeOf(ctx.principal);
  let q = ctx.tx
    .selectFrom("catalogue_prefix")
    .innerJoin("organisation", "organisation.id", "catalogue_prefix.organisation_id")
    .innerJoin("telecom_operator", "telecom_operator.id", "catalogue_prefix.operator_id")
    .leftJoin("contract", "contract.id", "catalogue_prefix.contract_id")
    .select(["catalogue_prefix.prefix", "organisation.bin as organisation_bin", "telecom_operator.bin as operator_bin", "contract.number as contract_number", "catalogue_prefix.note"]);
  if (scope.kind === "operator") q = q.where("catalogue_prefix.operator_id", "=", scope.operatorId);
  if (scope.kind === "organisation") q = q.where("catalogue_prefix.organisation_id", "=", scope.organisationId);
  if (operatorId) q = q.where("catalogue_prefix.operator_id", "=", operatorId);
  const rows: CatalogueCsvRow[] = [];
  for (const r of await q.execute()) {
    const p = parsePrefix(r.prefix);
    if (!p.ok) continue;
    rows.push({ prefix: p.prefix, organisationBin: r.organisation_bin.trim(), operatorBin: r.operator_bin.trim(), ...(r.contract_number ? { contractNumber: r.contract_number } : {}), ...(r.note ? { note: r.note } : {}) });
  }
  return exportCatalogueCsv(rows);
}
