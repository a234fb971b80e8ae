import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, sign, verify, generateKeyPairSync } from "node:crypto";
import { dkimRecordFor, DkimError, generateDkimKey, spfRecord, txtStrings, validSelector, zoneFileRecord } from "../../src/mail/auth/dkim-keys.js";

test("ok/a generated key: RSA-2048, its TXT record carries the public key that verifies its signatures", async () => {
  const k = await generateDkimKey("A.gov.kz", "ugem2026");
  assert.equal(k.dnsName, "ugem2026._domainkey.a.gov.kz");
  assert.match(k.txtValue, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/);
  const priv = createPrivateKey(k.privateKeyPem);
  assert.equal(priv.asymmetricKeyDetails?.modulusLength, 2048);
  const pub = createPublicKey({ key: Buffer.from(k.txtValue.split("p=")[1]!, "base64"), format: "der", type: "spki" });
  const data = Buffer.from("dkim-signature header hash input");
  assert.ok(verify("sha256", data, pub, sign("sha256", data, priv)));
  assert.ok(k.txtStrings.every((s) => s.length <= 255));
  assert.equal(k.txtStrings.join(""), k.txtValue);
  assert.ok(k.txtStrings.length >= 2, "a 2048-bit key needs two character-strings");
  assert.ok(k.zoneRecord.startsWith('ugem2026._domainkey.a.gov.kz. 3600 IN TXT ( "v=DKIM1; k=rsa; p='));
});

test("fail/only RSA keys of 2048–4096 bits, valid selectors and domains", async () => {
  await assert.rejects(generateDkimKey("a.gov.kz", "s", 1024), DkimError);
  await assert.rejects(generateDkimKey("a.gov.kz", "bad_selector"), DkimError);
  await assert.rejects(generateDkimKey("not a domain", "s"), DkimError);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
  assert.throws(() => dkimRecordFor("a.gov.kz", "s", ec), DkimError);
  assert.ok(validSelector("s1.ugem"));
  assert.ok(!validSelector("-s"));
});

test("ok/TXT splitting and zone quoting", () => {
  assert.deepEqual(txtStrings("a".repeat(600)).map((s) => s.length), [255, 255, 90]);
  assert.deepEqual(txtStrings(""), [""]);
  assert.throws(() => txtStrings("ä"), DkimError);
  assert.equal(zoneFileRecord("x._domainkey.a.kz", ['a"b\\c']), 'x._domainkey.a.kz. 3600 IN TXT ( "a\\"b\\\\c" )');
});

test("ok/SPF record for a connected domain sending through the gateway", () => {
  assert.equal(spfRecord(["192.0.2.10", "2001:DB8::10"]), "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all");
  assert.equal(spfRecord(["192.0.2.10"], { include: ["spf.a.gov.kz"], all: "~all" }), "v=spf1 ip4:192.0.2.10 include:spf.a.gov.kz ~all");
  assert.throws(() => spfRecord(["192.0.2.0/24"]), DkimError);
});
