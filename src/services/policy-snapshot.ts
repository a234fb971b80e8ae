/**
 * Compiling the gateway's policy snapshot from the store: the catalogue, organisations, their current access
 * policy (p.15–16) and exceptions (p.15-2), the blocked unknown sources (p.13) and the category database
 * (curated seed + imported lists + STS overrides). The category database is rebuilt only when its inputs
 * change (it is the expensive part); the rest is recompiled on every change.
 */
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.js";
import { PolicySnapshot, type OrganisationInput, type PolicyException, type AccessPolicy } from "../gateway-core/snapshot.js";
import { buildCategoryDatabase, type BuildResult } from "../categories/database.js";
import type { CategoryEntry, CategoryList } from "../categories/entry.js";
import { isCategoryId, type CategoryId } from "../categories/taxonomy.js";
import { addCalendarDays, civilDateOf, startOfCivilDay } from "../domain/working-days/index.js";
import type { FlowProtocol } from "../gateway-core/parse/first-bytes.js";

/** What a p.15-2 service kind opens: its categories (by destination) and its protocols (inside tunnels). */
const SERVICE_KINDS: Record<string, { categories: CategoryId[]; protocols: FlowProtocol[] }> = {
  vpn: { categories: ["vpn"], protocols: ["openvpn"] },
  "remote-access": { categories: ["remote-access"], protocols: ["ssh", "rdp"] },
  ssh: { categories: [], protocols: ["ssh"] },
  rdp: { categories: ["remote-access"], protocols: ["rdp"] },
  proxy: { categories: ["proxy-anonymizer"], protocols: ["socks4", "socks5"] },
  "file-sharing": { categories: ["file-sharing"], protocols: ["bittorrent"] },
  doh: { categories: ["doh"], protocols: [] },
  other: { categories: [], protocols: ["unknown"] },
};

export interface CategoryCache {
  key: string;
  result: BuildResult;
}

export async function categoryInputsKey(db: Kysely<Database>): Promise<string> {
  const sources = await db.selectFrom("category_source").select(["name", "sha256"]).orderBy("name").execute();
  const overrides = await db.selectFrom("category_override").select(["id", "created_at"]).orderBy("id").execute();
  return createHash("sha256").update(JSON.stringify([sources, overrides.map((o) => [o.id, String(o.created_at)])])).digest("hex");
}

export async function buildCategoriesFromStore(db: Kysely<Database>, cache?: CategoryCache | null): Promise<CategoryCache> {
  const key = await categoryInputsKey(db);
  if (cache && cache.key === key) return cache;
  const rows = await db.selectFrom("category_source").selectAll().orderBy("name").execute();
  const lists: CategoryList[] = rows.map((r) => ({
    source: { name: r.name, licence: r.licence, fetched: r.fetched, version: r.version },
    entries: JSON.parse(gunzipSync(r.entries).toString("utf8")) as CategoryEntry[],
  }));
  const overrides = await db.selectFrom("category_override").selectAll().orderBy("created_at").execute();
  const result = buildCategoryDatabase({
    version: key.slice(0, 12),
    lists,
    overrides: overrides.filter((o) => isCategoryId(o.category)).map((o) => ({ action: o.action as "add" | "remove", pattern: o.pattern, category: o.category as CategoryId, reason: o.reason })),
    ...(overrides.length ? { overridesAt: new Date(Math.max(...overrides.map((o) => new Date(o.created_at).getTime()))).toISOString().slice(0, 10) } : {}),
  });
  return { key, result };
}

export async function compileSnapshot(
  db: Kysely<Database>,
  opts: { hosts: Readonly<Record<string, readonly string[]>>; categories: CategoryCache; now: Date },
): Promise<PolicySnapshot> {
  const orgs = await db.selectFrom("organisation").select(["id", "bin", "name_en", "status"]).orderBy("id").execute();
  const prefixes = await db.selectFrom("catalogue_prefix").select(["organisation_id", "prefix"]).orderBy("prefix").execute();
  // Terms are Almaty civil dates: between 19:00 and 24:00 UTC the UTC date is a day behind.
  const today = civilDateOf(opts.now);
  const policies = await db.selectFrom("access_policy").selectAll().where("status", "=", "active").where("valid_to", ">=", today).orderBy("valid_from").execute();
  const exceptions = await db.selectFrom("policy_exception").selectAll().where("status", "=", "active").where("expires_on", ">=", today).execute();
  const blocked = await db.selectFrom("unknown_source").select("address").where("state", "=", "blocked").execute();
  const pinned = await db.selectFrom("pinned_application").select("host").where("status", "=", "approved").orderBy("host").execute();

  const byOrg = new Map<string, string[]>();
  for (const p of prefixes) byOrg.set(p.organisation_id, [...(byOrg.get(p.organisation_id) ?? []), p.prefix]);
  // The latest applied list is the one in force (p.15-1: one calendar year from application).
  const policyOf = new Map<string, AccessPolicy>();
  for (const p of policies) {
    if (p.valid_from > today) continue;
    policyOf.set(p.organisation_id, {
      id: p.id,
      allowCategories: p.categories.filter(isCategoryId),
      denyCategories: [],
      allowDestinations: [],
      sourceNetworks: p.networks,
      validFrom: startOfCivilDay(p.valid_from).toISOString(),
      // valid_to is the last civil day in force (Asia/Almaty): the policy ends at the start of the next day.
      validUntil: startOfCivilDay(addCalendarDays(p.valid_to, 1)).toISOString(),
      allowUncategorised: p.categories.includes("uncategorised"),
    });
  }
  const exceptionsOf = new Map<string, PolicyException[]>();
  for (const e of exceptions) {
    const services = (Array.isArray(e.services) ? e.services : []) as { kind?: string }[];
    const cats = new Set<CategoryId>();
    const protos = new Set<FlowProtocol>();
    for (const s of services) {
      const k = SERVICE_KINDS[String(s.kind ?? "other")] ?? SERVICE_KINDS.other!;
      k.categories.forEach((c) => cats.add(c));
      k.protocols.forEach((p) => protos.add(p));
    }
    exceptionsOf.set(e.organisation_id, [
      ...(exceptionsOf.get(e.organisation_id) ?? []),
      { id: e.id, categories: [...cats], protocols: [...protos], destinations: e.destinations, validUntil: startOfCivilDay(addCalendarDays(e.expires_on, 1)).toISOString() },
    ]);
  }
  const organisations: OrganisationInput[] = orgs.map((o) => ({
    id: o.id,
    bin: o.bin.trim(),
    name: o.name_en,
    status: o.status === "active" ? "active" : "disconnected",
    prefixes: byOrg.get(o.id) ?? [],
    policy: policyOf.get(o.id) ?? null,
    exceptions: exceptionsOf.get(o.id) ?? [],
  }));
  return PolicySnapshot.compile({
    createdAt: opts.now.toISOString(),
    organisations,
    blockedSources: blocked.map((b) => b.address),
    pinnedApplications: pinned.map((p) => p.host),
    hosts: opts.hosts,
    categories: opts.categories.result.database,
  });
}
