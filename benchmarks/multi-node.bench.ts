/**
 * Snapshot distribution in the multi-node mode, on the local NATS JetStream (127.0.0.1:4222 or
 * QAQPA_BENCH_NATS_URL): a policy snapshot with a category database of N synthetic domains is serialised,
 * stored and announced by the control plane's publisher, and a gateway node fetches, verifies (recompiles the
 * content hash), persists and swaps it. Prints the size and the time of each step, the end-to-end time from
 * "compiled" to "the node serves it", and the same for a policy-only change (the database is not shipped again).
 *
 *   npm run bench:multi-node                               # 1 M domains
 *   QAQPA_BENCH_DOMAINS=200000 npm run bench:multi-node
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { buildCategoryDatabase } from "../src/categories/database.js";
import type { CategoryEntry } from "../src/categories/entry.js";
import type { CategoryId } from "../src/categories/taxonomy.js";
import { PolicySnapshot } from "../src/gateway-core/snapshot.js";
import { connectNatsBus, destroyNamespace } from "../src/bus/nats.js";
import { startSnapshotPublisher } from "../src/bus/control-plane.js";
import { startGatewayNode } from "../src/gateway/node.js";

const N = Number(process.env.QAQPA_BENCH_DOMAINS ?? 1_000_000);
const NATS = process.env.QAQPA_BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
const CATS: CategoryId[] = ["adult", "gambling", "malware", "phishing", "news", "shopping", "games", "advertising"];

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const entries: CategoryEntry[] = Array.from({ length: N }, (_, i) => ({ pattern: `d${i.toString(36)}.example${i % 97}.com`, category: CATS[i % CATS.length]!, source: "synthetic" }));
const categories = buildCategoryDatabase({ version: "bench", lists: [{ source: { name: "synthetic", licence: "CC0-1.0", fetched: "2026-11-26", version: "bench" }, entries }] }).database;
const snapshot = PolicySnapshot.compile({ createdAt: new Date().toISOString(), organisations: [], blockedSources: [], hosts: {}, categories });

let t = process.hrtime.bigint();
const bytes = snapshot.serialise();
const serialiseMs = ms(t);
t = process.hrtime.bigint();
const verified = PolicySnapshot.deserialise(bytes);
const deserialiseMs = ms(t);
if (verified.id !== snapshot.id) throw new Error("the deserialised snapshot does not hash to its id");

const namespace = `bench_${randomBytes(4).toString("hex")}`;
const dir = mkdtempSync(join(tmpdir(), "qaqpa-bench-node-"));
const controlPlane = await connectNatsBus({ servers: [NATS], namespace, name: "bench control plane" });
const node = await startGatewayNode({
  name: "bench-node",
  stateDir: dir,
  connectBus: () => connectNatsBus({ servers: [NATS], namespace, name: "bench node" }),
  listen: { host: "127.0.0.1", port: 0, hosts: {}, portalUrl: "http://portal.example" },
});
try {
  while (!node.connected()) await new Promise((r) => setTimeout(r, 10));
  t = process.hrtime.bigint();
  const publisher = await startSnapshotPublisher(controlPlane, () => snapshot);
  const publishMs = ms(t);
  while (node.snapshot()?.id !== snapshot.id) await new Promise((r) => setTimeout(r, 2));
  const totalMs = ms(t);
  await publisher.stop();
  // A policy-only change: the category database stays; only the policy object travels.
  const changed = PolicySnapshot.compile({ createdAt: new Date(Date.now() + 1000).toISOString(), organisations: [], blockedSources: ["192.0.2.1"], hosts: {}, categories });
  t = process.hrtime.bigint();
  const again = await startSnapshotPublisher(controlPlane, () => changed);
  while (node.snapshot()?.id !== changed.id) await new Promise((r) => setTimeout(r, 2));
  const policyOnlyMs = ms(t);
  await again.stop();
  console.log(`multi-node snapshot distribution — ${N.toLocaleString("en")} domains, load ${loadavg()[0]!.toFixed(2)}`);
  console.log(`| step | result |\n|---|---|`);
  console.log(`| serialised size | ${(bytes.length / 1048576).toFixed(1)} MiB |`);
  console.log(`| serialise (control plane) | ${serialiseMs.toFixed(0)} ms |`);
  console.log(`| store + announce (object store, KV) | ${publishMs.toFixed(0)} ms (includes serialising the database) |`);
  console.log(`| deserialise + verify hash (node) | ${deserialiseMs.toFixed(0)} ms |`);
  console.log(`| compiled → node serves it (end to end) | ${totalMs.toFixed(0)} ms |`);
  console.log(`| policy-only change: compiled → node serves it | ${policyOnlyMs.toFixed(0)} ms |`);
} finally {
  await node.stop();
  await controlPlane.close();
  await destroyNamespace([NATS], namespace);
  rmSync(dir, { recursive: true, force: true });
}
