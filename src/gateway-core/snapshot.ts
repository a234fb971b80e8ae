/**
 * The policy snapshot: everything the data plane needs to decide, compiled by the control plane, immutable,
 * serialisable, swapped atomically. A flow keeps the snapshot it started with.
 *
 * It holds the catalogue (LPM: source address → organisation), each organisation's compiled access policy
 * (p.15–16) and exceptions (p.15-2), the blocked unknown sources (p.13), the category database and the
 * static hosts map. The seven protected categories of p.20 are not in it: they are a constant of the code.
 */
import { createHash } from "node:crypto";
import { LpmTable, buildLpmTable } from "../domain/catalogue/lpm.js";
import { parsePrefix, type Prefix } from "../domain/catalogue/prefix.js";
import type { CategoryDatabase } from "../categories/matcher.js";
import { loadCategoryDatabase, serialiseCategoryDatabase } from "../categories/database.js";
import { BASELINE_BLOCKED_CATEGORIES, isCategoryId, type CategoryId } from "../categories/taxonomy.js";
import type { FlowProtocol } from "./parse/first-bytes.js";

/** One approved p.15-2 exception: named services (categories or protocols) and/or destinations, until expiry. */
export interface PolicyException {
  readonly id: string;
  /** Category ids the exception opens (e.g. "vpn", "remote-access"). */
  readonly categories: readonly CategoryId[];
  /** Protocols the exception opens in tunnels (e.g. "openvpn", "ssh", "rdp"). */
  readonly protocols: readonly FlowProtocol[];
  /** Destination names (whole-label suffix match) or prefixes; empty = any destination of those services. */
  readonly destinations: readonly string[];
  /** ISO instant after which the exception no longer applies. */
  readonly validUntil: string;
}

/** An organisation's access policy as the gateway enforces it (p.15-1: one calendar year). */
export interface AccessPolicy {
  readonly id: string;
  readonly allowCategories: readonly CategoryId[];
  readonly denyCategories: readonly CategoryId[];
  /** Destination names or prefixes the organisation asked to be opened. */
  readonly allowDestinations: readonly string[];
  /** The organisation's own network addresses the policy applies to; empty = all its catalogue prefixes. */
  readonly sourceNetworks: readonly string[];
  readonly validFrom: string;
  readonly validUntil: string;
  /** "uncategorised" destinations are allowed only when the organisation asked for it explicitly. */
  readonly allowUncategorised: boolean;
}

export interface OrganisationInput {
  readonly id: string;
  readonly bin: string;
  readonly name: string;
  readonly status: "active" | "disconnected";
  readonly prefixes: readonly string[];
  readonly policy: AccessPolicy | null;
  readonly exceptions: readonly PolicyException[];
}

export interface SnapshotInput {
  readonly createdAt: string;
  readonly organisations: readonly OrganisationInput[];
  /** Addresses blocked after the p.13 deadline (outside the catalogue, operator did not update it). */
  readonly blockedSources: readonly string[];
  readonly hosts: Readonly<Record<string, readonly string[]>>;
  readonly categories: CategoryDatabase;
  /**
   * Content categories open to unknown sources and to organisations without a current access policy.
   * Defaults to BASELINE_ALLOWED_CATEGORIES; STS may narrow or widen it (never to a baseline-blocked one).
   */
  readonly baselineAllow?: readonly CategoryId[];
  /**
   * Destinations STS approved as pinned applications (their clients accept no certificate but the origin's):
   * an allowed flow to one is spliced instead of bumped. It changes how a flow passes, never whether.
   */
  readonly pinnedApplications?: readonly string[];
}

/**
 * The default baseline: reference-like content a state body needs before its first access policy is applied.
 * Everything else waits for the organisation's signed list (p.15–16).
 */
export const BASELINE_ALLOWED_CATEGORIES: readonly CategoryId[] = Object.freeze([
  "search-engines",
  "news",
  "education",
  "business",
  "reference",
  "technology",
  "software-development",
  "travel",
  "job-search",
  "sports",
] as const);

/** Destination matcher compiled from names and prefixes. */
export interface DestinationSet {
  readonly names: ReadonlySet<string>;
  readonly prefixes: LpmTable | null;
}

export interface OrganisationPolicy {
  readonly id: string;
  readonly bin: string;
  readonly name: string;
  readonly status: "active" | "disconnected";
  readonly policy:
    | (AccessPolicy & {
        readonly allow: ReadonlySet<CategoryId>;
        readonly deny: ReadonlySet<CategoryId>;
        readonly destinations: DestinationSet;
        readonly sources: LpmTable | null;
        readonly validFromMs: number;
        readonly validUntilMs: number;
      })
    | null;
  readonly exceptions: readonly (PolicyException & { readonly destinationSet: DestinationSet; readonly validUntilMs: number })[];
}

export class SnapshotError extends Error {
  override name = "SnapshotError";
}

export class PolicySnapshot {
  private constructor(
    readonly id: string,
    readonly createdAt: string,
    readonly input: Omit<SnapshotInput, "categories">,
    readonly catalogue: LpmTable,
    readonly organisations: readonly OrganisationPolicy[],
    readonly blockedSources: ReadonlySet<string>,
    readonly hosts: ReadonlyMap<string, readonly string[]>,
    readonly categories: CategoryDatabase,
    readonly baselineBlocked: ReadonlySet<CategoryId>,
    readonly baselineAllowed: ReadonlySet<CategoryId>,
    readonly pinned: DestinationSet,
  ) {}

  static compile(input: SnapshotInput): PolicySnapshot {
    const entries: { prefix: Prefix; value: number }[] = [];
    const orgs: OrganisationPolicy[] = [];
    input.organisations.forEach((o, index) => {
      for (const p of o.prefixes) entries.push({ prefix: mustPrefix(p, `organisation ${o.bin} prefix`), value: index });
      orgs.push(compileOrganisation(o));
    });
    const catalogue = buildLpmTable(entries);
    const blocked = new Set(input.blockedSources.map(canonicalAddress));
    const hosts = new Map(Object.entries(input.hosts).map(([k, v]) => [k.toLowerCase().replace(/\.$/, ""), [...v]]));
    const { categories, ...rest } = input;
    const id = createHash("sha256")
      .update(JSON.stringify(rest))
      .update(categories.contentHash)
      .digest("hex")
      .slice(0, 16);
    const baselineBlocked = new Set(BASELINE_BLOCKED_CATEGORIES);
    const baselineAllowed = new Set(categoryList(input.baselineAllow ?? BASELINE_ALLOWED_CATEGORIES, "baselineAllow"));
    for (const c of baselineAllowed) if (baselineBlocked.has(c)) throw new SnapshotError(`baselineAllow may not open the baseline-blocked category ${c}`);
    return new PolicySnapshot(id, input.createdAt, rest, catalogue, orgs, blocked, hosts, categories, baselineBlocked, baselineAllowed, compileDestinations(input.pinnedApplications ?? []));
  }

  /** Serialised form for the multi-node mode: JSON of the inputs + the category database bytes. */
  serialise(): Buffer {
    const json = Buffer.from(JSON.stringify(this.input), "utf8");
    const cats = serialiseCategoryDatabase(this.categories);
    const head = Buffer.alloc(12);
    head.write("QQS1", 0, "latin1");
    head.writeUInt32BE(json.length, 4);
    head.writeUInt32BE(cats.length, 8);
    return Buffer.concat([head, json, cats]);
  }

  static deserialise(buf: Uint8Array): PolicySnapshot {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (b.length < 12 || b.toString("latin1", 0, 4) !== "QQS1") throw new SnapshotError("not a policy snapshot");
    const jl = b.readUInt32BE(4);
    const cl = b.readUInt32BE(8);
    if (12 + jl + cl !== b.length) throw new SnapshotError("policy snapshot truncated");
    const rest = JSON.parse(b.toString("utf8", 12, 12 + jl)) as Omit<SnapshotInput, "categories">;
    return PolicySnapshot.compile({ ...rest, categories: loadCategoryDatabase(b.subarray(12 + jl)) });
  }

  organisationOf(sourceIp: string): OrganisationPolicy | null {
    const v = this.catalogue.lookup(sourceIp);
    return v >= 0 ? this.organisations[v]! : null;
  }
}

function mustPrefix(text: string, what: string): Prefix {
  const r = parsePrefix(text);
  if (!r.ok) throw new SnapshotError(`${what} ${text}: ${r.message}`);
  return r.prefix;
}

function canonicalAddress(a: string): string {
  const r = parsePrefix(a);
  if (!r.ok) throw new SnapshotError(`blocked source ${a}: ${r.message}`);
  return r.prefix.text.replace(/\/(32|128)$/, "");
}

export function compileDestinations(list: readonly string[]): DestinationSet {
  const names = new Set<string>();
  const prefixes: { prefix: Prefix; value: number }[] = [];
  for (const d of list) {
    const p = parsePrefix(d);
    if (p.ok) prefixes.push({ prefix: p.prefix, value: 0 });
    else names.add(d.toLowerCase().replace(/\.$/, ""));
  }
  return { names, prefixes: prefixes.length ? buildLpmTable(prefixes) : null };
}

/** Whole-label suffix match (sub.bank.kz matches bank.kz; evilbank.kz does not), or address in a prefix. */
export function destinationMatches(set: DestinationSet, host: string): boolean {
  if (set.prefixes && set.prefixes.lookup(host) >= 0) return true;
  if (set.names.size === 0) return false;
  let h = host;
  for (;;) {
    if (set.names.has(h)) return true;
    const dot = h.indexOf(".");
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
}

function categoryList(ids: readonly string[], what: string): CategoryId[] {
  return ids.map((c) => {
    if (!isCategoryId(c)) throw new SnapshotError(`${what}: unknown category ${c}`);
    return c;
  });
}

function compileOrganisation(o: OrganisationInput): OrganisationPolicy {
  const p = o.policy;
  return {
    id: o.id,
    bin: o.bin,
    name: o.name,
    status: o.status,
    policy: p
      ? {
          ...p,
          allow: new Set(categoryList(p.allowCategories, `policy ${p.id}`)),
          deny: new Set(categoryList(p.denyCategories, `policy ${p.id}`)),
          destinations: compileDestinations(p.allowDestinations),
          sources: p.sourceNetworks.length ? buildLpmTable(p.sourceNetworks.map((s) => ({ prefix: mustPrefix(s, `policy ${p.id} source network`), value: 0 }))) : null,
          validFromMs: Date.parse(p.validFrom),
          validUntilMs: Date.parse(p.validUntil),
        }
      : null,
    exceptions: o.exceptions.map((e) => ({ ...e, categories: categoryList(e.categories, `exception ${e.id}`), destinationSet: compileDestinations(e.destinations), validUntilMs: Date.parse(e.validUntil) })),
  };
}
