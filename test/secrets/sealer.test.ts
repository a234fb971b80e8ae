import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSealer, SealError } from "../../src/secrets/sealer.js";

test("ok/round trip binds the value to its context", () => {
  const s = createSealer(randomBytes(32));
  const sealed = s.seal("-----BEGIN PRIVATE KEY-----", "ca-key:1");
  assert.ok(!sealed.includes("PRIVATE"));
  assert.equal(s.open(sealed, "ca-key:1").toString(), "-----BEGIN PRIVATE KEY-----");
});

test("fail/another context, another key, or a flipped byte does not open", () => {
  const s = createSealer(randomBytes(32));
  const sealed = s.seal(Buffer.from([1, 2, 3]), "ca-key:1");
  assert.throws(() => s.open(sealed, "ca-key:2"), SealError);
  assert.throws(() => createSealer(randomBytes(32)).open(sealed, "ca-key:1"), SealError);
  const raw = Buffer.from(sealed.slice(4), "base64url");
  raw[raw.length - 1]! ^= 1;
  assert.throws(() => s.open("qs1." + raw.toString("base64url"), "ca-key:1"), SealError);
  assert.throws(() => s.open("plain", "ca-key:1"), SealError);
  assert.throws(() => createSealer(randomBytes(16)), SealError);
});
