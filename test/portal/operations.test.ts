/**
 * The operations pages' vocabularies against the server's: every reason code of the gateway has a label in
 * the portal (portal/src/features/gateway/reasons.ts), and the CSV export quotes as RFC 4180 says.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Reason } from "../../src/gateway-core/flow.js";
import { REASONS, type GatewayReason } from "../../portal/src/features/gateway/reasons.js";
import { toCsv } from "../../portal/src/features/transparency/csv.js";

// Type-level: the suite's type check fails when either list has a code the other lacks.
const sameReasons: [Exclude<Reason, GatewayReason> | Exclude<GatewayReason, Reason>] extends [never] ? true : false = true;

describe("portal operations vocabulary", () => {
  test("every gateway reason has exactly one label entry", () => {
    assert.ok(sameReasons);
    assert.equal(new Set(REASONS).size, REASONS.length);
  });
  test("CSV export quotes commas, quotes and line breaks", () => {
    assert.equal(toCsv(["a", "b"], [["x,y", 'say "hi"'], ["line\nbreak", 3], [null, true]]), 'a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",3\r\n,true\r\n');
  });
});
