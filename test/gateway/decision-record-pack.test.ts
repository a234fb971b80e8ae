/**
 * Decision records packed as rows for the worker → primary channel (src/gateway/decision-log.ts): whatever a
 * record holds — optional path and status present or absent, nulls, any strings — unpacking gives it back whole,
 * so the primary's log, store rows and counters see exactly what the worker recorded.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { packRecord, unpackRecord, type DecisionRecord } from "../../src/gateway/decision-log.js";

const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const record: fc.Arbitrary<DecisionRecord> = fc
  .record({
    time: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ref: fc.string(),
    kind: fc.constantFrom("connection" as const, "request" as const),
    organisationId: nullable(fc.uuid()),
    unknownSource: fc.boolean(),
    source: fc.string(),
    host: nullable(fc.string()),
    ip: nullable(fc.string()),
    port: fc.integer({ min: 0, max: 65535 }),
    protocol: fc.string(),
    categories: fc.array(fc.string()),
    action: fc.constantFrom("allow" as const, "block" as const),
    reason: fc.string(),
    tls: fc.constantFrom("splice" as const, "bump" as const, null),
    bytesUp: fc.nat(),
    bytesDown: fc.nat(),
    durationMs: fc.nat(),
    ja4: nullable(fc.string()),
    snapshotId: fc.string(),
    path: fc.option(fc.string(), { nil: undefined }),
    status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
  })
  .map((r) => {
    const out = { ...r } as DecisionRecord;
    if (r.path === undefined) delete out.path;
    if (r.status === undefined) delete out.status;
    return out;
  });

test("a packed record unpacks to the same record, through JSON as the IPC channel carries it", () => {
  fc.assert(
    fc.property(record, (r) => {
      assert.deepStrictEqual(unpackRecord(JSON.parse(JSON.stringify(packRecord(r)))), r);
    }),
    { numRuns: 500 },
  );
});

test("a packed record is much smaller than the object on the wire", () => {
  const r: DecisionRecord = {
    time: "2026-12-02T12:00:00.000Z", ref: "r-1", kind: "request", organisationId: "0d8c7c0e-8a6f-4e9a-9d7c-1f0a1b2c3d4e", unknownSource: false,
    source: "10.0.0.1", host: "shop.example", path: "/", ip: "203.0.113.5", port: 443, protocol: "http", categories: ["shopping"], action: "allow",
    reason: "organisation-allow", tls: "bump", status: 200, bytesUp: 0, bytesDown: 1024, durationMs: 3, ja4: null, snapshotId: "s-1",
  };
  assert.ok(JSON.stringify(packRecord(r)).length < 0.7 * JSON.stringify(r).length);
});
