/**
 * Control-plane services of the gateway: the what-if simulator (the same pipeline, the same snapshot the
 * gateway uses), category lists and overrides (STS), and aggregate decision statistics.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { sql } from "kysely";
import { Problem } from "../contract/problem.js";
import { scopeOf } from "../domain/authz.js";
import { decideFlow } from "../gateway-core/pipeline.js";
import type { FlowFacts } from "../gateway-core/flow.js";
import type { PolicySnapshot } from "../gateway-core/snapshot.js";
import type { FlowProtocol } from "../gateway-core/parse/first-bytes.js";
import { parsePlainList } from "../categories/importers/plain.js";
import { parseHostsFile } from "../categories/importers/hosts.js";
import { applyOverrides } from "../categories/overrides.js";
import { CURATED_SEED } from "../categories/seed/index.js";
import { CATEGORIES, isCategoryId, isProtectedCategory, type CategoryId } from "../categories/taxonomy.js";
import { parseAddress } from "../domain/catalogue/prefix.js";
import { containsPattern, requirePermission, type Ctx } from "./context.js";
import { buildCategoriesFromStore, compileSnapshot } from "./policy-snapshot.js";

export interface WhatIfInput {
  sourceIp: string;
  url?: string;
  host?: string;
  port?: number;
  protocol?: FlowProtocol;
}

/** The snapshot the gateway is using, or one compiled now from the store (when no gateway runs here). */
export async function currentSnapshot(ctx: Ctx, live: (() => PolicySnapshot | null) | undefined, hosts: Record<string, string[]> = {}): Promise<PolicySnapshot> {
  const s = live?.();
  if (s) return s;
  return compileSnapshot(ctx.tx, { hosts, categories: await buildCategoriesFromStore(ctx.tx), now: ctx.now });
}

export async function whatIf(ctx: Ctx, input: WhatIfInput, snapshot: PolicySnapshot) {
  requirePermission(ctx.principal, "gateway.what-if");
  const a = parseAddress(input.sourceIp);
  if (!a.ok) throw new Problem("QQ_ERR_VALIDATION", `sourceIp: ${a.message}`, { errors: [{ path: "/sourceIp", message: a.message }] });
  const sourceIp = a.address.text;
  // Scoped roles simulate only sources of their own organisations: a what-if must not reveal another's policy.
  const s = scopeOf(ctx.principal);
  if (s.kind !== "all") {
    const row = await ctx.tx
      .selectFrom("catalogue_prefix")
      .select(["operator_id", "organisation_id"])
      .where(sql<boolean>`prefix >>= ${sourceIp}::inet`)
      .orderBy(sql`masklen(prefix)`, "desc")
      .limit(1)
      .executeTakeFirst();
    const mine = row && (s.kind === "operator" ? row.operator_id === s.operatorId : row.organisation_id === s.organisationId);
    if (!mine) throw new Problem("QQ_ERR_FORBIDDEN", "simulate only source addresses of your own organisations");
  }
  let facts: FlowFacts;
  if (input.url) {
    let u: URL;
    try {
      u = new URL(input.url);
    } catch {
      throw new Problem("QQ_ERR_VALIDATION", "url is not a valid URL", { errors: [{ path: "/url", message: "invalid URL" }] });
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Problem("QQ_ERR_VALIDATION", "url must be http or https", { errors: [{ path: "/url", message: "scheme" }] });
    const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
    // https: the connection decision (what the gateway does with the ClientHello); http: the request decision.
    facts = u.protocol === "https:"
      ? { phase: "tls", sourceIp, protocol: "tls", host, port, tls: { ech: false, alpn: ["h2", "http/1.1"], ja4: "what-if" } }
      : { phase: "request", sourceIp, protocol: "http", host, port, path: u.pathname + u.search };
  } else if (input.host) {
    facts = { phase: "tls", sourceIp, protocol: input.protocol ?? "tls", host: input.host.toLowerCase(), port: input.port ?? 443 };
  } else {
    throw new Problem("QQ_ERR_VALIDATION", "give url, or host (and port)", { errors: [{ path: "/url", message: "required" }] });
  }
  const d = decideFlow(facts, snapshot, ctx.now.getTime());
  return {
    verdict: d.verdict,
    organisationId: d.organisationId,
    unknownSource: d.unknownSource,
    categories: [...d.categories],
    protected: d.protected,
    categorySources: [...d.categorySources],
    snapshotId: d.snapshotId,
    trace: d.trace.map((t) => ({ ...t })),
  };
}

export async function importCategoryList(
  ctx: Ctx,
  name: string,
  text: string,
  q: { format: "plain" | "hosts"; category: string; licence: string; fetched: string; version: string; skipInvalid: boolean },
) {
  requirePermission(ctx.principal, "category.write");
  if (!isCategoryId(q.category)) throw new Problem("QQ_ERR_VALIDATION", `unknown category ${q.category}`, { errors: [{ path: "/category", message: "unknown category" }] });
  if (name === "qaqpa-curated" || name === "sts-override") throw new Problem("QQ_ERR_VALIDATION", `source name ${name} is reserved`);
  const source = { name, licence: q.licence, fetched: q.fetched, version: q.version };
  const r = (q.format === "hosts" ? parseHostsFile : parsePlainList)(text, { source, category: q.category as CategoryId });
  if (r.errors.length && !q.skipInvalid) {
    throw new Problem("QQ_ERR_VALIDATION", `${r.errors.length} line(s) are not valid; nothing was imported (send skipInvalid=true to import the rest)`, { errors: r.errors.slice(0, 1000) });
  }
  const body = Buffer.from(JSON.stringify(r.entries), "utf8");
  const sha256 = createHash("sha256").update(body).digest("hex");
  const before = await ctx.tx.selectFrom("category_source").select(["name", "version", "entry_count", "sha256"]).where("name", "=", name).executeTakeFirst();
  await ctx.tx
    .insertInto("category_source")
    .values({ name, licence: q.licence, fetched: q.fetched, version: q.version, format: q.format, entry_count: r.entries.length, entries: gzipSync(body), sha256, imported_by: ctx.principal.username })
    .onConflict((oc) => oc.column("name").doUpdateSet({ licence: q.licence, fetched: q.fetched, version: q.version, format: q.format, entry_count: r.entries.length, entries: gzipSync(body), sha256, imported_by: ctx.principal.username, imported_at: new Date() }))
    .execute();
  await ctx.audit({ action: "category.list-import", entityType: "category_source", entityId: name, before: before ?? null, after: { name, version: q.version, licence: q.licence, category: q.category, entries: r.entries.length, sha256 } });
  return { name, entries: r.entries.length, skipped: r.errors.length, errors: r.errors.slice(0, 100) };
}

export async function deleteCategoryList(ctx: Ctx, name: string) {
  requirePermission(ctx.principal, "category.write");
  const before = await ctx.tx.selectFrom("category_source").select(["name", "version", "entry_count", "sha256"]).where("name", "=", name).executeTakeFirst();
  if (!before) throw new Problem("QQ_ERR_NOT_FOUND", `category list ${name} not found`);
  await ctx.tx.deleteFrom("category_source").where("name", "=", name).execute();
  await ctx.audit({ action: "category.list-delete", entityType: "category_source", entityId: name, before });
}

const overrideView = (r: { id: string; pattern: string; category: string; action: string; reason: string; decided_by: string; created_at: Date | string }) => ({
  id: r.id,
  pattern: r.pattern,
  category: r.category,
  action: r.action,
  reason: r.reason,
  decidedBy: r.decided_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * STS overrides, oldest first, a page at a time. `q` matches the pattern, the reason, who decided, the category
 * id and the category's name in any of the three languages (case-insensitive substring).
 */
export async function listOverrides(ctx: Ctx, q: { limit: number; offset: number; q?: string | undefined }) {
  requirePermission(ctx.principal, "category.read");
  let base = ctx.tx.selectFrom("category_override");
  const text = q.q?.trim();
  if (text) {
    const like = containsPattern(text);
    const lower = text.toLowerCase();
    const named = CATEGORIES.filter((c) => [c.id, c.names.kk, c.names.ru, c.names.en].some((n) => n.toLowerCase().includes(lower))).map((c) => c.id as string);
    base = base.where((eb) => eb.or([eb("pattern", "ilike", like), eb("reason", "ilike", like), eb("decided_by", "ilike", like), eb("category", "ilike", like), ...(named.length ? [eb("category", "in", named)] : [])]));
  }
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await base.selectAll().orderBy("created_at").orderBy("id").limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(overrideView), total: Number(n), limit: q.limit, offset: q.offset };
}

export async function addOverride(ctx: Ctx, o: { action: "add" | "remove"; pattern: string; category: string; reason: string }) {
  requirePermission(ctx.principal, "category.write");
  if (!isCategoryId(o.category)) throw new Problem("QQ_ERR_VALIDATION", `unknown category ${o.category}`, { errors: [{ path: "/category", message: "unknown category" }] });
  // p.20 is a floor: the curated protected entries cannot be overridden away. Checked by the same code that
  // builds the database, against the seed, before anything is stored.
  const check = applyOverrides([...CURATED_SEED], [{ ...o, category: o.category as CategoryId }]);
  const rej = check.rejected[0];
  if (rej && rej.reason !== "no-match") throw new Problem("QQ_ERR_VALIDATION", `${rej.reason}: ${rej.detail}`, { errors: [{ path: "/pattern", message: rej.detail }] });
  if (o.action === "remove" && isProtectedCategory(o.category) && CURATED_SEED.some((e) => e.pattern === o.pattern && e.category === o.category)) {
    throw new Problem("QQ_ERR_VALIDATION", "p.20: a curated protected entry cannot be removed");
  }
  const r = await ctx.tx
    .insertInto("category_override")
    .values({ pattern: o.pattern.toLowerCase(), category: o.category, action: o.action, reason: o.reason, decided_by: ctx.principal.username })
    .onConflict((oc) => oc.columns(["pattern", "category"]).doUpdateSet({ action: o.action, reason: o.reason, decided_by: ctx.principal.username, created_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.audit({ action: "category.override-set", entityType: "category_override", entityId: r.id, after: { pattern: r.pattern, category: r.category, action: r.action, reason: r.reason } });
  return overrideView(r);
}

export async function deleteOverride(ctx: Ctx, id: string) {
  requirePermission(ctx.principal, "category.write");
  const before = await ctx.tx.selectFrom("category_override").selectAll().where("id", "=", id).executeTakeFirst();
  if (!before) throw new Problem("QQ_ERR_NOT_FOUND", `override ${id} not found`);
  await ctx.tx.deleteFrom("category_override").where("id", "=", id).execute();
  await ctx.audit({ action: "category.override-delete", entityType: "category_override", entityId: id, before });
}

/** Counts only: no route lists who visited what. */
export async function decisionSummary(ctx: Ctx, from: Date, to: Date) {
  requirePermission(ctx.principal, "decision.read");
  const base = ctx.tx.selectFrom("decision_log").where("at", ">=", from).where("at", "<", to);
  const byReason = await base.select(["action", "reason", "tls", (eb) => eb.fn.countAll<number>().as("n")]).groupBy(["action", "reason", "tls"]).execute();
  const byCategory = await ctx.tx
    .selectFrom(sql<{ category: string; action: string }>`(select unnest(categories) as category, action from decision_log where at >= ${from} and at < ${to})`.as("c"))
    .select(["category", "action", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy(["category", "action"])
    .execute();
  const topBlocked = await base.select(["host", (eb) => eb.fn.countAll<number>().as("n")]).where("action", "=", "block").where("host", "is not", null).groupBy("host").orderBy("n", "desc").limit(20).execute();
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    byReason: byReason.map((r) => ({ action: r.action, reason: r.reason, tls: r.tls, count: Number(r.n) })),
    byCategory: byCategory.map((r) => ({ category: r.category, action: r.action, count: Number(r.n) })),
    topBlockedHosts: topBlocked.map((r) => ({ host: r.host!, count: Number(r.n) })),
  };
}

export async function decisionByRef(ctx: Ctx, ref: string) {
  requirePermission(ctx.principal, "decision.read");
  const rows = await ctx.tx.selectFrom("decision_log").selectAll().where("ref", "=", ref).execute();
  if (rows.length === 0) throw new Problem("QQ_ERR_NOT_FOUND", `no decision with reference ${ref}`);
  return rows.map((r) => ({ at: new Date(r.at).toISOString(), kind: r.kind, organisationId: r.organisation_id, host: r.host, port: r.port, categories: r.categories, action: r.action, reason: r.reason, tls: r.tls, status: r.status, snapshotId: r.snapshot_id }));
}
