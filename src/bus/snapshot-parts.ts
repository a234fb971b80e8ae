/**
 * A policy snapshot as it crosses the bus: two objects, the policy (the snapshot's inputs without the category
 * database, JSON — a few KiB to a few MiB) and the category database (its own serialised form, tens of MiB for
 * a million domains, named by its content hash). A policy change ships only the first; a node keeps the database
 * it runs when the announced one has the same hash. The node recompiles the snapshot from both, so the id it
 * verifies covers the policy and the database's content hash, which loading the database recomputes from its
 * bytes. The same split as `PolicySnapshot.serialise()`, which the node uses for its own disk.
 */
import { PolicySnapshot, type SnapshotInput } from "../gateway-core/snapshot.js";
import { loadCategoryDatabase, serialiseCategoryDatabase } from "../categories/database.js";
import type { CategoryDatabase } from "../categories/matcher.js";
import type { Announcement, Bus } from "./bus.js";

export const policyObject = (id: string) => `policy-${id}`;
export const categoriesObject = (contentHash: string) => `categories-${contentHash}`;

/** Store a snapshot's two objects (each only if absent). */
export async function storeSnapshot(bus: Bus, s: PolicySnapshot): Promise<void> {
  await bus.storeObject(categoriesObject(s.categories.contentHash), () => serialiseCategoryDatabase(s.categories));
  await bus.storeObject(policyObject(s.id), () => Buffer.from(JSON.stringify(s.input), "utf8"));
}

/**
 * Fetch and rebuild the announced snapshot, reusing `have` (the database the node runs) when its hash is the
 * announced one. Throws when an object is missing or the rebuilt snapshot does not hash to the announced id.
 */
export async function fetchSnapshot(bus: Bus, a: Announcement, have: CategoryDatabase | null): Promise<PolicySnapshot> {
  const policy = await bus.fetchObject(policyObject(a.id));
  if (!policy) throw new Error(`policy ${a.id} is announced but not stored`);
  let categories = have && have.contentHash === a.categories ? have : null;
  if (!categories) {
    const bytes = await bus.fetchObject(categoriesObject(a.categories));
    if (!bytes) throw new Error(`category database ${a.categories} is announced but not stored`);
    categories = loadCategoryDatabase(bytes);
    if (categories.contentHash !== a.categories) throw new Error(`category database announced as ${a.categories} hashes to ${categories.contentHash}`);
  }
  const input = JSON.parse(Buffer.from(policy).toString("utf8")) as Omit<SnapshotInput, "categories">;
  const s = PolicySnapshot.compile({ ...input, categories });
  if (s.id !== a.id) throw new Error(`snapshot announced as ${a.id} hashes to ${s.id}`);
  return s;
}
