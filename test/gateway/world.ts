/**
 * A gateway on loopback for the feature tests: the test policy world (the ministry owns 127.0.0.1, 127.0.0.2 is
 * nobody), the local origins, and a bumping CA whose root is exported to a file for curl and openssl.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Gateway, type GatewayDeps } from "../../src/gateway/proxy.js";
import { createResolver } from "../../src/gateway/resolver.js";
import { MemorySink } from "../../src/gateway/decision-log.js";
import { CaAuthority } from "../../src/ca/authority/index.js";
import { LeafCache } from "../../src/ca/leaf.js";
import { toPem } from "../../src/ca/x509.js";
import type { PolicySnapshot, SnapshotInput } from "../../src/gateway-core/snapshot.js";
import { buildCategoryDatabase } from "../../src/categories/database.js";
import type { CategoryEntry } from "../../src/categories/entry.js";
import { makeHierarchy } from "../ca/fixture.js";
import { snapshot, MINISTRY, AKIMAT, TEST_LIST } from "../gateway-core/world.js";
import { startOrigins, type Origins } from "./origin.js";

export interface TestGateway {
  origins: Origins;
  gateway: Gateway;
  port: number;
  rootFile: string;
  sink: MemorySink;
  snapshot: () => PolicySnapshot;
  close(): Promise<void>;
}

/** The test category list plus a few entries of a test's own. */
export function categoriesWith(extra: [string, CategoryEntry["category"]][]) {
  return buildCategoryDatabase({
    version: "test-1",
    lists: [{ source: { name: "test-list", licence: "test", fetched: "2026-11-01", version: "1" }, entries: [...TEST_LIST, ...extra.map(([pattern, category]) => ({ pattern, category, source: "test-list" }))] }],
  }).database;
}

/** A gateway CA hierarchy minting leaves (never for names the snapshot calls protected); its root in dir. */
export async function bumpingCa(dir: string, snap: () => PolicySnapshot | null): Promise<{ leaves: LeafCache; rootFile: string }> {
  const h = await makeHierarchy();
  const authority = new CaAuthority({
    isProtected: (n) => {
      const r = snap()?.categories.lookupDomain(n);
      return !r || !r.ok || r.protected;
    },
  });
  const leaves = new LeafCache(authority.leafMinter({ issuer: h.issuer, certificate: h.intermediate.record.der }, h.keys));
  const rootFile = join(dir, "gateway-root.pem");
  writeFileSync(rootFile, toPem(h.root.record.der));
  return { leaves, rootFile };
}

export async function startTestGateway(o: {
  names: string[];
  hosts: Record<string, string[]>;
  snapshot?: Partial<SnapshotInput>;
  deps?: Partial<GatewayDeps>;
}): Promise<TestGateway> {
  const origins = await startOrigins(o.names);
  const snap = snapshot({ organisations: [{ ...MINISTRY, prefixes: [...MINISTRY.prefixes, "127.0.0.1/32"] }, AKIMAT], hosts: o.hosts, ...o.snapshot });
  const { leaves, rootFile } = await bumpingCa(origins.dir, () => snap);
  const sink = new MemorySink();
  const gateway = new Gateway({
    snapshot: () => snap,
    resolver: createResolver({ hosts: snap.hosts }),
    leaves: () => leaves,
    upstreamCa: [origins.caPem],
    portalUrl: "http://portal.test",
    sink,
    onUnknownSource: () => {},
    timeouts: { firstBytesMs: 2000 },
    ...o.deps,
  });
  const port = await gateway.listen(0, "127.0.0.1");
  return {
    origins,
    gateway,
    port,
    rootFile,
    sink,
    snapshot: () => snap,
    async close() {
      await gateway.close();
      await origins.close();
    },
  };
}

export function run(cmd: string, args: string[], input = ""): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    p.stdin.end(input);
  });
}
