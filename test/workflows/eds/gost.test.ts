/**
 * GOST signatures (the NCA's GOST 34.310-2004 / 34.311-95 family) cannot be verified locally: they go to the
 * ExternalGostVerifier, over HTTP to a real loopback server here. fixtures/cms/gost-34310.p7s is an artificial
 * CMS with GOST algorithm identifiers (see make-gost-fixture.ts).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createEdsVerifier,
  httpGostVerifier,
  type EdsVerification,
  type EdsVerificationInput,
  type ExternalGostVerifier,
} from "../../../src/workflows/eds/index.js";
import { bytes, DOC, IDS, input, NOW, ROOT } from "./fixture.js";

const GOST = bytes("gost-34310.p7s");

/** What a GOST verifier would answer for the fixture. */
const VERIFIED = {
  ok: true,
  signerBin: IDS.bin,
  signerIin: IDS.iin,
  subject: `CN=Ivanov Ivan,SERIALNUMBER=IIN${IDS.iin},OU=BIN${IDS.bin},O=Test Ministry,C=KZ`,
  issuer: "CN=Test GOST CA,O=Test National Certification Authority,C=KZ",
  serial: "47055E01",
  notBefore: "2025-01-01T00:00:00.000Z",
  notAfter: "2045-01-01T00:00:00.000Z",
  signingTime: "2026-01-15T04:30:00.000Z",
  algorithm: "GOST 34.310-2004 / GOST 34.311-95",
  chain: [`CN=Ivanov Ivan,SERIALNUMBER=IIN${IDS.iin},OU=BIN${IDS.bin},O=Test Ministry,C=KZ`, "CN=Test GOST CA,O=Test National Certification Authority,C=KZ"],
} as const satisfies EdsVerification;

/** An ExternalGostVerifier that records what it was asked and answers `answer`. */
function recording(answer: (i: EdsVerificationInput) => unknown): ExternalGostVerifier & { calls: EdsVerificationInput[] } {
  const calls: EdsVerificationInput[] = [];
  return {
    calls,
    async verify(i) {
      calls.push(i);
      return answer(i) as EdsVerification;
    },
  };
}

describe("without an external verifier", () => {
  test("fail/a GOST signature is unsupported, and the message says what to configure", async () => {
    const r = await createEdsVerifier().verify(input("gost-34310.p7s"));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.code, "unsupported-algorithm");
    assert.match(r.message, /GOST verification needs the external verifier to be configured/);
  });
});

describe("with an external verifier", () => {
  test("ok/a GOST signature is routed to it, with the signature decoded to DER", async () => {
    const gost = recording(() => VERIFIED);
    const b64 = Buffer.from(GOST).toString("base64");
    const r = await createEdsVerifier({ gost }).verify(input("gost-34310.p7s", { signature: b64 }));
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(gost.calls.length, 1);
    assert.deepEqual(gost.calls[0]!.signature, GOST);
    assert.equal(gost.calls[0]!.expectedBin, IDS.bin);
    if (!r.ok) return;
    assert.equal(r.signerBin, IDS.bin);
    assert.equal(r.algorithm, VERIFIED.algorithm);
    assert.ok(r.notes?.some((n) => n.includes("external GOST verifier")));
  });

  test("ok/RSA and ECDSA signatures never reach it", async () => {
    const gost = recording(() => VERIFIED);
    const v = createEdsVerifier({ gost });
    for (const f of ["signer-rsa.p7s", "signer-ecdsa-p256.p7s", "signer-expired.p7s"]) await v.verify(input(f));
    assert.equal(gost.calls.length, 0);
  });

  test("fail/the BIN is read from the certificate in the CMS, not taken from the answer", async () => {
    const gost = recording(() => ({ ...VERIFIED, signerBin: IDS.otherBin }));
    const r = await createEdsVerifier({ gost }).verify(input("gost-34310.p7s", { expectedBin: IDS.otherBin }));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.code, "bin-mismatch");
  });

  test("fail/its verdict passes through", async () => {
    const gost = recording(() => ({ ok: false, code: "untrusted-chain", message: "unknown GOST root" }));
    const r = await createEdsVerifier({ gost }).verify(input("gost-34310.p7s"));
    assert.deepEqual(r, { ok: false, code: "untrusted-chain", message: "unknown GOST root" });
  });

  test("fail/a tampered attached copy is refused before it is asked", async () => {
    const gost = recording(() => VERIFIED);
    const r = await createEdsVerifier({ gost }).verify(input("signer-rsa-attached.p7s", { content: new Uint8Array([1, 2, 3]) }));
    assert.equal(r.ok, false);
    assert.equal(gost.calls.length, 0);
  });

  const broken: Array<[string, () => unknown]> = [
    ["it throws", () => {
      throw new Error("connection reset");
    }],
    ["it answers something that is not a result", () => ({ ok: "yes" })],
    ["it answers an unknown code", () => ({ ok: false, code: "revoked-maybe", message: "?" })],
    ["it answers ok without the fields", () => ({ ok: true })],
  ];
  for (const [name, answer] of broken) {
    test(`fail/unavailable when ${name}`, async () => {
      const r = await createEdsVerifier({ gost: recording(answer) }).verify(input("gost-34310.p7s"));
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.code, "external-verifier-unavailable", r.message);
    });
  }
});

describe("httpGostVerifier against a loopback server", () => {
  let server: Server;
  let base: string;
  const requests: Array<{ url: string; method: string; type: string; auth: string; body: Record<string, unknown> }> = [];
  /** Per path: status, body; "/hang" never answers. */
  const routes: Record<string, (res: ServerResponse) => void> = {
    "/ok": (res) => json(res, 200, VERIFIED),
    "/verdict": (res) => json(res, 200, { ok: false, code: "bad-signature", message: "GOST signature does not verify" }),
    "/down": (res) => json(res, 503, { error: "maintenance" }),
    "/html": (res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>login</html>");
    },
    "/shape": (res) => json(res, 200, { valid: true }),
    "/huge": (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...VERIFIED, notes: ["x".repeat(2 * 1024 * 1024)] }));
    },
    "/hang": () => {},
  };

  function json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          /* recorded as empty */
        }
        requests.push({ url: req.url ?? "", method: req.method ?? "", type: req.headers["content-type"] ?? "", auth: req.headers.authorization ?? "", body });
        const path = (req.url ?? "").split("?")[0]!;
        (routes[path] ?? ((r: ServerResponse) => json(r, 404, {})))(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const verifyVia = (path: string, opts: { timeoutMs?: number } = {}, url = base + path) =>
    createEdsVerifier({ gost: httpGostVerifier(url, fetch, opts) }).verify(input("gost-34310.p7s", { intermediates: ["-----BEGIN CERTIFICATE-----\n…"] }));

  test("ok/the request follows the contract and the answer is mapped", async () => {
    const r = await verifyVia("/ok");
    assert.equal(r.ok, true, JSON.stringify(r));
    const req = requests.find((q) => q.url === "/ok")!;
    assert.equal(req.method, "POST");
    assert.equal(req.type, "application/json");
    assert.deepEqual(req.body, {
      version: 1,
      content: Buffer.from(DOC).toString("base64"),
      signature: Buffer.from(GOST).toString("base64"),
      trustAnchors: [ROOT],
      intermediates: ["-----BEGIN CERTIFICATE-----\n…"],
      expectedBin: IDS.bin,
      now: NOW.toISOString(),
    });
    if (r.ok) {
      assert.equal(r.subject, VERIFIED.subject);
      assert.deepEqual(r.chain, VERIFIED.chain);
    }
  });

  test("ok/credentials in the configured URL travel as Basic authentication, the query string as given", async () => {
    const r = await verifyVia("", {}, `http://sts%40gov:p%3Ass@${base.slice("http://".length)}/ok?client=qaqpa`);
    assert.equal(r.ok, true, JSON.stringify(r));
    const req = requests.find((q) => q.url === "/ok?client=qaqpa")!;
    assert.equal(req.auth, `Basic ${Buffer.from("sts@gov:p:ss").toString("base64")}`);
  });

  test("fail/a verdict of the service keeps its code", async () => {
    const r = await verifyVia("/verdict");
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.code, "bad-signature");
    assert.match(r.message, /^GOST verifier: /);
  });

  const unavailable: Array<[string, string, { timeoutMs?: number }, RegExp]> = [
    ["HTTP 503", "/down", {}, /HTTP 503/],
    ["an HTML page", "/html", {}, /not JSON/],
    ["JSON of another shape", "/shape", {}, /not a verification result/],
    ["an answer over the size cap", "/huge", {}, /unreadable answer/],
    ["no answer within the timeout", "/hang", { timeoutMs: 300 }, /no answer within 300 ms/],
  ];
  for (const [name, path, opts, message] of unavailable) {
    test(`fail/external-verifier-unavailable on ${name}`, async () => {
      const r = await verifyVia(path, opts);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.code, "external-verifier-unavailable");
      assert.match(r.message, message);
    });
  }

  test("fail/external-verifier-unavailable when nothing listens, without echoing credentials", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await verifyVia("", {}, `http://user:secret@127.0.0.1:${port}/verify?token=abc`);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.code, "external-verifier-unavailable");
    assert.match(r.message, new RegExp(`127\\.0\\.0\\.1:${port}/verify`));
    assert.doesNotMatch(r.message, /secret|token|user/);
  });

  test("fail/external-verifier-unavailable on a URL that is not one", async () => {
    const r = await verifyVia("", {}, "not a url");
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.code, "external-verifier-unavailable");
  });

  test("fail/called directly with an undecodable signature, the adapter answers malformed", async () => {
    const r = await httpGostVerifier(base + "/ok").verify({ content: DOC, signature: "%%%", trustAnchors: [], now: NOW });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.code, "malformed");
  });
});
