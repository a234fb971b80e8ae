/**
 * Properties: whatever bytes or text arrive as a signature, verification returns a typed result and never
 * throws; a document that differs from the signed one never verifies. Quick profile by default; the deep one
 * with QAQPA_FUZZ=deep bash scripts/test.sh --no-install test/workflows/eds
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createEdsVerifier, EDS_ERROR_CODES, type EdsVerification } from "../../../src/workflows/eds/index.js";
import { bytes, DOC, input } from "./fixture.js";

const deep = process.env.QAQPA_FUZZ === "deep";
const runs = (quick: number) => ({ numRuns: deep ? quick * 50 : quick });

const verifier = createEdsVerifier();

function assertTyped(r: EdsVerification): void {
  assert.equal(typeof r, "object");
  if (r.ok) {
    assert.equal(typeof r.subject, "string");
    assert.ok(Array.isArray(r.chain));
  } else {
    assert.ok(EDS_ERROR_CODES.includes(r.code), r.code);
    assert.equal(typeof r.message, "string");
    // The verifier's last-resort catch says this; every input here should be judged by a named check instead.
    assert.doesNotMatch(r.message, /could not be processed/);
  }
}

const SIGNATURES = ["signer-rsa.p7s", "signer-ecdsa-p256.p7s", "signer-rsa-pss.p7s", "signer-rsa-attached.p7s", "two-signers.p7s", "gost-34310.p7s"].map(
  (name) => bytes(name),
);

/** A fixture signature with one of: a flipped byte, a cut, an inserted run, an overwritten run. */
const mutated = fc
  .tuple(fc.constantFrom(...SIGNATURES), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.nat(3))
  .map(([sig, pos, mask, run, kind]) => {
    const at = pos % sig.length;
    const out = new Uint8Array(sig);
    if (kind === 0) {
      out[at] = out[at]! ^ mask;
      return out;
    }
    if (kind === 1) return sig.slice(0, at);
    if (kind === 2) return new Uint8Array([...sig.subarray(0, at), ...run, ...sig.subarray(at)]);
    out.set(run.subarray(0, Math.max(0, sig.length - at)), at);
    return out;
  });

test("fuzz/random bytes never throw", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (sig) => {
      const r = await verifier.verify(input("signer-rsa.p7s", { signature: sig }));
      assertTyped(r);
      assert.equal(r.ok, false);
    }),
    runs(300),
  );
});

test("fuzz/random DER-looking bytes (a SEQUENCE header first) never throw", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), async (rest) => {
      const sig = new Uint8Array([0x30, 0x80, ...rest]);
      assertTyped(await verifier.verify(input("signer-rsa.p7s", { signature: sig })));
    }),
    runs(300),
  );
});

test("fuzz/random text never throws", async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 300 }), fc.string().map((s) => `-----BEGIN CMS-----\n${s}\n-----END CMS-----`)), async (sig) => {
      assertTyped(await verifier.verify(input("signer-rsa.p7s", { signature: sig })));
    }),
    runs(300),
  );
});

test("fuzz/mutated real signatures never throw", async () => {
  await fc.assert(
    fc.asyncProperty(mutated, async (sig) => {
      assertTyped(await verifier.verify(input("signer-rsa.p7s", { signature: sig })));
    }),
    runs(200),
  );
});

test("fuzz/a document that differs from the signed one never verifies", async () => {
  const changedDoc = fc
    .tuple(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.uint8Array({ maxLength: 8 }), fc.boolean())
    .map(([pos, mask, extra, append]) => {
      if (append) return new Uint8Array([...DOC, ...extra, 0x0a]);
      const out = new Uint8Array(DOC);
      out[pos % out.length] = out[pos % out.length]! ^ mask;
      return out;
    });
  await fc.assert(
    fc.asyncProperty(changedDoc, fc.constantFrom("signer-rsa.p7s", "signer-ecdsa-p384.p7s", "signer-rsa-no-attributes.p7s", "signer-rsa-attached.p7s"), async (content, sig) => {
      const r = await verifier.verify(input(sig, { content }));
      assert.equal(r.ok, false);
    }),
    runs(60),
  );
});

test("fuzz/garbage in the configuration never throws", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(fc.string(), fc.base64String()), { maxLength: 3 }), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), async (anchors, bin) => {
      const r = await verifier.verify(input("signer-rsa.p7s", { trustAnchors: anchors, intermediates: anchors, expectedBin: bin }));
      assertTyped(r);
      assert.equal(r.ok, false);
    }),
    runs(60),
  );
});
