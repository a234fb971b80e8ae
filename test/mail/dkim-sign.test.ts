/**
 * DKIM signatures made by dkim-sign.ts, verified by an independent implementation (mailauth's verifier)
 * against the published record: message shapes that exercise relaxed canonicalization, and tampering
 * that must break the signature (a changed body, a From added after signing).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { dkimVerify } from "mailauth";
import { generateDkimKey, type DkimKey } from "../../src/mail/auth/dkim-keys.js";
import { createOutboundSigner } from "../../src/mail/auth/mailauth.js";

let key: DkimKey;
const resolver = async (name: string, rrtype: string) => {
  if (rrtype === "TXT" && name.replace(/\.$/, "") === key.dnsName) return [[...key.txtStrings]];
  throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
};
const sign = async (m: string) => Buffer.from(await createOutboundSigner(() => key).sign(Buffer.from(m, "latin1"), "a.gov.kz"));
const verify = async (m: Buffer | string) => (await dkimVerify(typeof m === "string" ? Buffer.from(m, "latin1") : m, { resolver })).results.map((r) => r.status.result);

before(async () => {
  key = await generateDkimKey("a.gov.kz", "q202612");
});

const SHAPES: Record<string, string> = {
  plain: "From: <clerk@a.gov.kz>\r\nTo: <x@internet.test>\r\nSubject: hello\r\nMessage-ID: <1@a.gov.kz>\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\n\r\nBody line\r\n",
  "folded headers, whitespace runs, trailing spaces and blank lines": "Received: from a by b\r\nReceived: from c\r\n by d\r\nFrom:   \"Clerk\"\t <clerk@a.gov.kz>\r\nTo: <x@internet.test>,\r\n\t<y@internet.test>\r\nTo: <z@internet.test>\r\nSubject:  a   long\r\n   subject \t\r\nMIME-Version: 1.0\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n\r\nline  with   runs \t\r\n\r\n  indented\t\r\n\r\n\r\n",
  "empty body": "From: <clerk@a.gov.kz>\r\nSubject: nothing\r\n\r\n",
  "bare LF line endings": "From: <clerk@a.gov.kz>\nTo: <x@internet.test>\nSubject: unix\n\nfirst\nsecond\n",
  "8-bit body": "From: <clerk@a.gov.kz>\r\nSubject: =?utf-8?B?0J/RgNC40LLQtdGC?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\r\n",
};

for (const [name, m] of Object.entries(SHAPES)) {
  test(`ok/${name}: mailauth verifies the signature against the published record`, async () => {
    const signed = await sign(m);
    assert.match(signed.toString("latin1"), /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=a\.gov\.kz; s=q202612;/);
    assert.deepEqual(await verify(signed), ["pass"]);
  });
}

test("fail/a changed body or a From added after signing breaks the signature", async () => {
  const signed = (await sign(SHAPES.plain!)).toString("latin1");
  // mailauth reports a body-hash mismatch as "neutral" (body hash did not verify), a header change as "fail".
  assert.deepEqual(await verify(signed.replace("Body line", "Body lime")), ["neutral"]);
  assert.deepEqual(await verify(signed.replace("From: <clerk@a.gov.kz>", "From: <clerk@a.gov.kz>\r\nFrom: <ceo@a.gov.kz>")), ["fail"]);
  assert.deepEqual(await verify(signed.replace("Subject: hello", "Subject: hullo")), ["fail"]);
});

test("ok/a domain without a key is passed on unchanged", async () => {
  const m = Buffer.from(SHAPES.plain!);
  const out = await createOutboundSigner(() => undefined).sign(m, "b.gov.kz");
  assert.equal(Buffer.from(out).toString("latin1"), SHAPES.plain);
});
