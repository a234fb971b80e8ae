/**
 * The qaqpa gateway as the benchmark runs it: a child process with the whole pipeline on — a policy snapshot
 * whose catalogue holds 127.0.0.1, a category database of ~1 M synthetic domains plus a list that puts the
 * benchmark origin in an allowed category, a real issuing CA (root + constrained intermediate + epoch leaf
 * keys) and the decision log written as JSON lines to a file.
 *
 * Started by run.ts with an IPC channel; configuration comes as one JSON argument. Answers
 * `{ listening: port, rootPem }` once ready; exits when the channel closes or on SIGTERM.
 */
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { GatewayCluster, Scheduling } from "../../src/gateway/cluster.js";
import type { CategoryEntry, CategoryId } from "../../src/categories/index.js";
import type { OrganisationInput } from "../../src/gateway-core/snapshot.js";
import { product } from "./product.js";

const { Gateway } = await product<typeof import("../../src/gateway/proxy.js")>("gateway/proxy.js");
const { startGatewayCluster } = await product<typeof import("../../src/gateway/cluster.js")>("gateway/cluster.js");
const { createResolver } = await product<typeof import("../../src/gateway/resolver.js")>("gateway/resolver.js");
const { jsonLinesSink } = await product<typeof import("../../src/gateway/decision-log.js")>("gateway/decision-log.js");
const { createSealer } = await product<typeof import("../../src/secrets/sealer.js")>("secrets/sealer.js");
const { CaAuthority, createIntermediate, createRoot, generateLeafKeys, openLeafKeys } = await product<typeof import("../../src/ca/authority/index.js")>("ca/authority/index.js");
const { FileKeyIssuer } = await product<typeof import("../../src/ca/issuers/file-key.js")>("ca/issuers/file-key.js");
const { LeafCache, epochOf } = await product<typeof import("../../src/ca/leaf.js")>("ca/leaf.js");
const { toPem } = await product<typeof import("../../src/ca/x509.js")>("ca/x509.js");
const { buildCategoryDatabase } = await product<typeof import("../../src/categories/index.js")>("categories/index.js");
const { PolicySnapshot } = await product<typeof import("../../src/gateway-core/snapshot.js")>("gateway-core/snapshot.js");

export interface QaqpaConfig {
  originCaFile: string;
  rootPemFile: string;
  logFile: string;
  domains: number;
  /** Names served by the origin; the first is in an allowed category, protected ones are spliced (p.20). */
  originNames: string[];
  /** Cluster workers (1 = this process serves, as in the first run). */
  workers?: number;
  scheduling?: Scheduling;
}

const cfg = JSON.parse(process.argv[2]!) as QaqpaConfig;

// ------------------------------------------------------------------ synthetic category list (seeded PRNG)
let seed = 0x9e3779b9;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789";
function label(min: number, max: number): string {
  const n = min + Math.floor(rand() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHA[Math.floor(rand() * (i === 0 ? 26 : ALPHA.length))];
  return s;
}
const TLDS = ["com", "com", "com", "net", "org", "kz", "kz", "ru", "info", "io", "de", "co.uk", "com.kz", "xyz", "top"];
const CATS: CategoryId[] = ["adult", "gambling", "malware", "phishing", "news", "shopping", "games", "advertising"];
const synthetic: CategoryEntry[] = [];
for (let i = 0; i < cfg.domains; i++) {
  let n = label(3, 14) + "." + TLDS[Math.floor(rand() * TLDS.length)];
  if (rand() < 0.1) n = label(3, 8) + "." + n;
  synthetic.push({ pattern: n, category: CATS[Math.floor(rand() * CATS.length)]!, source: "synthetic" });
}
const benchList: CategoryEntry[] = [{ pattern: cfg.originNames[0]!, category: "shopping", source: "bench-list" }];

const t0 = performance.now();
const categories = buildCategoryDatabase({
  version: "bench-1",
  lists: [
    { source: { name: "synthetic", licence: "bench", fetched: "2026-11-01", version: "1" }, entries: synthetic },
    { source: { name: "bench-list", licence: "bench", fetched: "2026-11-01", version: "1" }, entries: benchList },
  ],
}).database;
synthetic.length = 0;
const buildMs = performance.now() - t0;

// ------------------------------------------------------------------ policy snapshot
const now = new Date();
const ORG: OrganisationInput = {
  id: "org-bench",
  bin: "000000000001",
  name: "Benchmark organisation",
  status: "active",
  prefixes: ["10.1.0.0/16", "127.0.0.1/32", "2001:db8:1::/48"],
  policy: {
    id: "pol-bench",
    allowCategories: ["shopping"],
    denyCategories: ["news", "gambling"],
    allowDestinations: [],
    sourceNetworks: [],
    validFrom: new Date(now.getTime() - 30 * 86_400_000).toISOString(),
    validUntil: new Date(now.getTime() + 300 * 86_400_000).toISOString(),
    allowUncategorised: false,
  },
  exceptions: [],
};
const snap = PolicySnapshot.compile({
  createdAt: now.toISOString(),
  organisations: [ORG],
  blockedSources: [],
  hosts: Object.fromEntries(cfg.originNames.map((n) => [n, ["127.0.0.1"]])),
  categories,
});

// ------------------------------------------------------------------ issuing CA
const sealer = createSealer(randomBytes(32));
const root = await createRoot(sealer, { now });
const inter = await createIntermediate(sealer, root, { now });
const issuer = FileKeyIssuer.open(sealer, inter.record.id, inter.record.sealedKey);
const keys = openLeafKeys(sealer, generateLeafKeys(sealer, epochOf(now.getTime()), 86_400, now));
const authority = new CaAuthority({ isProtected: (n) => { const r = snap.categories.lookupDomain(n); return r.ok && r.protected; } });
const leaves = new LeafCache(authority.leafMinter({ issuer, certificate: inter.record.der }, keys));
writeFileSync(cfg.rootPemFile, toPem(root.record.der));

// ------------------------------------------------------------------ gateway
const log = createWriteStream(cfg.logFile, { flags: "a" });
const sink = jsonLinesSink(log);
const workers = cfg.workers ?? 1;
let cluster: GatewayCluster | null = null;
if (workers > 1) {
  cluster = await startGatewayCluster({
    workers,
    scheduling: cfg.scheduling,
    host: "127.0.0.1",
    port: 0,
    hosts: Object.fromEntries(snap.hosts),
    portalUrl: "http://portal.invalid",
    upstreamCa: [readFileSync(cfg.originCaFile, "utf8")],
    snapshot: snap,
    leaves: () => leaves,
    sink,
    onDetection: () => {},
  });
}
const gw = new Gateway({
  snapshot: () => snap,
  resolver: createResolver({ hosts: snap.hosts }),
  leaves: () => leaves,
  upstreamCa: [readFileSync(cfg.originCaFile, "utf8")],
  portalUrl: "http://portal.invalid",
  sink,
  onUnknownSource: () => {},
});
const port = cluster ? cluster.port : await gw.listen(0, "127.0.0.1");

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await Promise.race([Promise.all([gw.close(), cluster?.stop()]), new Promise((r) => setTimeout(r, 4000))]);
  sink.flush();
  log.end();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown());
process.on("disconnect", () => void shutdown());
process.send!({ listening: port, buildMs: Math.round(buildMs), domains: cfg.domains });
