import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes, verify } from "node:crypto";
import { inspect } from "node:util";
import { createSealer, SealError } from "../../src/secrets/sealer.js";
import { FileKeyIssuer, caKeyContext, sealCaKey } from "../../src/ca/issuers/file-key.js";
import { generateLeafKeys, leafKeyContext, openLeafKeys } from "../../src/ca/authority/leaf-keys.js";

test("ok/a sealed CA key opens only inside the issuer and signs verifiable ECDSA (DER) signatures", () => {
  const sealer = createSealer(randomBytes(32));
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const sealed = sealCaKey(sealer, "ca-1", privateKey);
  assert.match(sealed, /^qs1\./);
  const issuer = FileKeyIssuer.open(sealer, "ca-1", sealed);
  assert.equal(issuer.algorithm.name, "ecdsa-with-SHA256");
  const sig = issuer.sign(Buffer.from("tbs"));
  assert.equal(sig[0], 0x30, "DER Ecdsa-Sig-Value");
  assert.ok(verify("sha256", Buffer.from("tbs"), { key: publicKey, dsaEncoding: "der" }, sig));
  assert.equal(caKeyContext("ca-1"), "ca-key:ca-1");
});

test("fail/a key sealed for one record does not open for another (context ca-key:<id>)", () => {
  const sealer = createSealer(randomBytes(32));
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const sealed = sealCaKey(sealer, "ca-1", privateKey);
  assert.throws(() => FileKeyIssuer.open(sealer, "ca-2", sealed), SealError);
});

test("ok/no serialisation of an issuer carries key material", () => {
  const sealer = createSealer(randomBytes(32));
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
  const sealed = sealCaKey(sealer, "ca-1", privateKey);
  const issuer = FileKeyIssuer.open(sealer, "ca-1", sealed);
  for (const out of [JSON.stringify(issuer), inspect(issuer, { showHidden: true, depth: 10 }), String(Object.keys(issuer))]) {
    assert.ok(!out.includes(pkcs8.slice(0, 40)));
    assert.ok(!out.includes(sealed.slice(4, 40)));
    assert.ok(!out.includes("PRIVATE KEY"));
  }
  assert.deepEqual(JSON.parse(JSON.stringify(issuer)), { id: "ca-1", kind: "file-key", algorithm: "ecdsa-with-SHA384" });
  assert.equal(issuer.publicKey.type, "public");
});

test("ok/per-epoch leaf keys: sealed per type and epoch, opened to ECDSA P-256 and RSA-2048, never printed", () => {
  const sealer = createSealer(randomBytes(32));
  const rec = generateLeafKeys(sealer, 20_000, 86_400, new Date());
  assert.throws(() => sealer.open(rec.sealedEcdsa, leafKeyContext(20_001, 86_400, "ecdsa")), SealError);
  assert.throws(() => sealer.open(rec.sealedEcdsa, leafKeyContext(20_000, 86_400, "rsa")), SealError);
  const set = openLeafKeys(sealer, rec);
  assert.equal(set.ecdsa.type, "ecdsa");
  assert.equal(set.rsa?.type, "rsa");
  assert.equal(set.rsa?.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  const pem = set.ecdsa.privateKeyPem();
  assert.match(pem, /BEGIN PRIVATE KEY/);
  for (const out of [JSON.stringify(set), inspect(set, { depth: 10, showHidden: true })]) {
    assert.ok(!out.includes("PRIVATE KEY"));
    assert.ok(!out.includes(pem.split("\n")[1]!));
  }
  assert.throws(() => generateLeafKeys(sealer, -1, 86_400, new Date()), /epoch/);
});
