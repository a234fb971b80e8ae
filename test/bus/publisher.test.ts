/**
 * Snapshot announcements with several control-plane replicas, on the real NATS: replicas that compiled the same
 * policy at different moments (different ids) do not re-announce it in turn; a replica that has not yet seen a
 * change does not announce the policy from before it; a new policy is announced and a node-side fetch verifies.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connectNatsBus } from "../../src/bus/nats.js";
import { policyContentKey, startSnapshotPublisher } from "../../src/bus/control-plane.js";
import { fetchSnapshot, policyObject } from "../../src/bus/snapshot-parts.js";
import type { Bus } from "../../src/bus/bus.js";
import { snapshot, AKIMAT, MINISTRY } from "../gateway-core/world.js";
import { NATS_URL, natsSkip, testNamespace, until } from "./support.js";

const skip = await natsSkip();

describe("snapshot announcements from several control-plane replicas", { skip }, () => {
  const ns = testNamespace("publisher");
  let bus: Bus;
  before(async () => {
    bus = await connectNatsBus({ servers: [NATS_URL], namespace: ns.namespace, name: "replicas" });
  });
  after(async () => {
    await bus?.close();
    await ns.cleanup();
  });

  test("ok/the same policy compiled twice is announced once; an older compile never rolls back a newer one", async () => {
    const early = snapshot({ createdAt: "2026-11-26T09:00:00.000Z", organisations: [MINISTRY] });
    const later = snapshot({ createdAt: "2026-11-26T09:00:05.000Z", organisations: [MINISTRY] });
    assert.notEqual(early.id, later.id, "the id covers the compile time");
    assert.equal(policyContentKey(early), policyContentKey(later));

    const a = await startSnapshotPublisher(bus, () => early, 50);
    await until(async () => (await bus.currentSnapshot())?.id === early.id, "replica A's announcement");
    const b = await startSnapshotPublisher(bus, () => later, 50);
    assert.equal(b.published(), later.id, "replica B is done: the announced policy is its own");
    assert.equal((await bus.currentSnapshot())?.id, early.id, "and the nodes keep what they run");

    // A change reaches replica A first; B, still on the policy before it, must not announce that back.
    let current = snapshot({ createdAt: "2026-11-26T09:00:10.000Z", organisations: [MINISTRY, AKIMAT] });
    const changed = current;
    const c = await startSnapshotPublisher(bus, () => current, 50);
    await until(async () => (await bus.currentSnapshot())?.id === changed.id, "the changed policy announced");
    await b.stop();
    const stale = await startSnapshotPublisher(bus, () => early, 50);
    assert.equal((await bus.currentSnapshot())?.id, changed.id, "a compile older than the announced one does not roll it back");
    current = snapshot({ createdAt: "2026-11-26T09:00:15.000Z", organisations: [AKIMAT] });
    await until(async () => (await bus.currentSnapshot())?.id === current.id, "the next change announced");

    const announced = (await bus.currentSnapshot())!;
    assert.equal((await fetchSnapshot(bus, announced, null)).id, current.id, "the stored objects rebuild the announced snapshot");
    assert.equal((await fetchSnapshot(bus, announced, early.categories)).id, current.id, "with the database the node already runs");
    // Objects that do not hash to what is announced are refused: a node keeps its last good snapshot.
    await bus.storeObject(policyObject("0000000000000000"), () => Buffer.from(JSON.stringify(early.input)));
    await assert.rejects(fetchSnapshot(bus, { ...announced, id: "0000000000000000" }, null), /hashes to/);
    await assert.rejects(fetchSnapshot(bus, { ...announced, categories: "0".repeat(64) }, null), /not stored/);
    for (const p of [a, c, stale]) await p.stop();

    // Objects of earlier snapshots are pruned once old enough; the announced one's stay.
    const pruning = await startSnapshotPublisher(bus, () => current, 50, 0);
    await pruning.stop();
    assert.equal(await bus.fetchObject(policyObject(early.id)), null, "an earlier policy is gone");
    assert.equal((await fetchSnapshot(bus, (await bus.currentSnapshot())!, null)).id, current.id, "the announced one is whole");
  });
});
