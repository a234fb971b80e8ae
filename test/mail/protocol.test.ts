import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import {
  DEFAULT_LIMITS,
  PolicyProtocolError,
  PolicyRequestDecoder,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  MAX_ACTION_BYTES,
  type DecodeResult,
} from "../../src/mail/policy/protocol.js";

/** Quick profile in `npm test`; QAQPA_FUZZ=deep runs the deep one. */
const RUNS = process.env["QAQPA_FUZZ"] === "deep" ? 20_000 : 300;
const CORPUS = new URL("../../fixtures/smtp/policy-corpus/", import.meta.url).pathname;

async function corpus(): Promise<{ name: string; bytes: Buffer }[]> {
  const names = (await readdir(CORPUS)).filter((n) => n.endsWith(".txt")).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(CORPUS, name)) })));
}

function requests(results: DecodeResult[]): Record<string, string | undefined>[] {
  return results.map((r) => {
    if (r.kind === "error") throw r.error;
    return { ...r.request };
  });
}

test("ok/every request of the corpus (bytes written by Postfix 3.7) decodes", async () => {
  const files = await corpus();
  assert.ok(files.length >= 8);
  for (const f of files) {
    const r = decodeRequest(f.bytes);
    assert.equal(r.request, "smtpd_access_policy", f.name);
    assert.match(r.protocol_state ?? "", /^(RCPT|DATA|END-OF-MESSAGE)$/, f.name);
    assert.match(r.client_address ?? "", /^127\.0\.0\.\d$/, f.name);
    assert.equal(r.encryption_keysize, "0");
    assert.equal(r.policy_context, "", "empty values are kept as empty strings");
  }
});

test("ok/byte-by-byte delivery gives the same requests as one chunk", async () => {
  const all = Buffer.concat((await corpus()).map((f) => f.bytes));
  const whole = requests(new PolicyRequestDecoder().push(all));
  const d = new PolicyRequestDecoder();
  const bytewise: DecodeResult[] = [];
  for (let i = 0; i < all.length; i++) bytewise.push(...d.push(all.subarray(i, i + 1)));
  assert.deepEqual(requests(bytewise), whole);
  assert.equal(d.pending, false);
});

test("ok/several requests in one write are returned in order", () => {
  const d = new PolicyRequestDecoder();
  const out = requests(d.push(Buffer.from("request=smtpd_access_policy\nqueue_id=A\n\nrequest=smtpd_access_policy\nqueue_id=B\n\nrequest=smtpd_")));
  assert.deepEqual(out.map((r) => r["queue_id"]), ["A", "B"]);
  assert.equal(d.pending, true);
  assert.deepEqual(requests(d.push(Buffer.from("access_policy\nqueue_id=C\n\n"))).map((r) => r["queue_id"]), ["C"]);
});

test("ok/a repeated attribute keeps the last value (README: 'the first value or the last')", () => {
  assert.equal(decodeRequest("request=smtpd_access_policy\nsender=a@x\nsender=b@x\n\n").sender, "b@x");
});

test("ok/values may contain '=', spaces and UTF-8; CR before LF is tolerated", () => {
  const r = decodeRequest("request=smtpd_access_policy\r\nccert_subject=CN=a b,O=ҚР\r\nrecipient=пользователь@мвд.қаз\r\n\r\n");
  assert.equal(r.ccert_subject, "CN=a b,O=ҚР");
  assert.equal(r.recipient, "пользователь@мвд.қаз");
});

test("ok/stray empty lines between requests are ignored, not answered", () => {
  const d = new PolicyRequestDecoder();
  assert.deepEqual(requests(d.push(Buffer.from("\n\nrequest=smtpd_access_policy\n\n"))).length, 1);
});

const failures: [string, string | Buffer, string][] = [
  ["fail/line without '='", "request=smtpd_access_policy\nnonsense\n\n", "missing-equals"],
  ["fail/empty attribute name", "request=smtpd_access_policy\n=x\n\n", "empty-name"],
  ["fail/NUL byte", "request=smtpd_access_policy\nsender=a\0b\n\n", "nul-byte"],
  ["fail/invalid UTF-8", Buffer.from([...Buffer.from("request=smtpd_access_policy\nsender="), 0xff, 0xfe, 0x0a, 0x0a]), "invalid-utf8"],
  ["fail/no request attribute", "protocol_state=RCPT\n\n", "missing-request-type"],
  ["fail/line too long (complete)", `request=smtpd_access_policy\nsender=${"a".repeat(DEFAULT_LIMITS.maxLineBytes)}\n\n`, "line-too-long"],
  ["fail/line too long (still arriving)", `request=smtpd_access_policy\nsender=${"a".repeat(DEFAULT_LIMITS.maxLineBytes + 10)}`, "line-too-long"],
  ["fail/too many attributes", "request=smtpd_access_policy\n" + Array.from({ length: DEFAULT_LIMITS.maxAttributes }, (_, i) => `a${i}=x\n`).join("") + "\n", "too-many-attributes"],
  ["fail/request too large", "request=smtpd_access_policy\n" + Array.from({ length: 40 }, (_, i) => `a${i}=${"v".repeat(1000)}\n`).join("") + "\n", "request-too-large"],
];

for (const [name, input, code] of failures) {
  test(name, () => {
    const d = new PolicyRequestDecoder();
    const out = d.push(typeof input === "string" ? Buffer.from(input) : input);
    const last = out.at(-1);
    assert.equal(last?.kind, "error");
    assert.equal(last.kind === "error" && last.error.code, code);
    // Poisoned: a stream that went wrong cannot be trusted to be back in step.
    const again = d.push(Buffer.from("request=smtpd_access_policy\n\n"));
    assert.equal(again.length, 1);
    assert.equal(again[0]!.kind, "error");
    assert.ok(d.failed instanceof PolicyProtocolError);
  });
}

test("ok/limits are configurable per decoder", () => {
  const d = new PolicyRequestDecoder({ maxAttributes: 2 });
  assert.equal(d.push(Buffer.from("request=smtpd_access_policy\na=1\nb=2\n\n"))[0]!.kind, "error");
});

test("ok/response encoding: one attribute, control characters neutralised, bounded length", () => {
  assert.equal(encodeResponse("DUNNO").toString(), "action=DUNNO\n\n");
  assert.equal(encodeResponse("REJECT a\nb\r\0c").toString(), "action=REJECT a b  c\n\n");
  const long = encodeResponse("450 4.7.1 " + "я".repeat(600));
  assert.ok(long.length <= "action=".length + MAX_ACTION_BYTES + 2);
  assert.ok(!long.toString().includes("\uFFFD"), "no split UTF-8 sequence");
  assert.equal(decodeResponse(encodeResponse("DEFER_IF_PERMIT Service temporarily unavailable")), "DEFER_IF_PERMIT Service temporarily unavailable");
  assert.throws(() => decodeResponse("action=a\nb=c\n\n"), PolicyProtocolError);
  assert.throws(() => decodeResponse("foo"), PolicyProtocolError);
});

test("fail/encodeRequest refuses what the protocol cannot carry", () => {
  assert.throws(() => encodeRequest({ "a=b": "x" }), PolicyProtocolError);
  assert.throws(() => encodeRequest({ a: "x\ny" }), PolicyProtocolError);
  assert.throws(() => encodeRequest({ "": "x" }), PolicyProtocolError);
  assert.equal(encodeRequest({ request: "smtpd_access_policy", skipped: undefined }).toString(), "request=smtpd_access_policy\n\n");
});

test("fail/decodeRequest on an incomplete request", () => {
  assert.throws(() => decodeRequest("request=smtpd_access_policy\n"), (e: unknown) => e instanceof PolicyProtocolError && e.code === "incomplete");
});

// ── properties ──────────────────────────────────────────────────────────────────────────────────────

const attrName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/).filter((n) => n !== "request");
const attrValue = fc.string({ maxLength: 80, unit: "grapheme" }).map((s) => s.replace(/[\n\0\r]/g, " "));
const attrs = fc.dictionary(attrName, attrValue, { maxKeys: 30 }).map((d) => ({ request: "smtpd_access_policy", ...d }));

/** Splits bytes at arbitrary points. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

test("property/encode → decode with arbitrary chunking is the identity", () => {
  fc.assert(
    fc.property(fc.array(attrs, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (reqs, cuts) => {
      const bytes = Buffer.concat(reqs.map((r) => encodeRequest(r)));
      const d = new PolicyRequestDecoder();
      const out: DecodeResult[] = [];
      for (const c of chunked(bytes, cuts)) out.push(...d.push(c));
      assert.deepEqual(requests(out), reqs.map((r) => ({ ...r })));
      assert.equal(d.pending, false);
    }),
    { numRuns: RUNS },
  );
});

test("property/arbitrary bytes never throw, and the decoder stays bounded", () => {
  const limits = { maxLineBytes: 256, maxAttributes: 8, maxRequestBytes: 1024 };
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
      const d = new PolicyRequestDecoder(limits);
      let errors = 0;
      for (const c of chunks) {
        for (const r of d.push(c)) {
          if (r.kind === "error") errors++;
          else assert.ok(Object.keys(r.request).length <= limits.maxAttributes);
        }
        if (d.failed) break;
      }
      assert.ok(errors <= 1, "one error, then the decoder is poisoned");
    }),
    { numRuns: RUNS },
  );
});

test("property/a response never carries a second line, whatever the reason text", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 700 }), (text) => {
      const s = encodeResponse(text).toString("utf8");
      assert.ok(s.startsWith("action="));
      assert.ok(s.endsWith("\n\n"));
      assert.equal(s.indexOf("\n"), s.length - 2);
    }),
    { numRuns: RUNS },
  );
});
