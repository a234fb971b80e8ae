/**
 * The gateway with real clients on loopback: curl and openssl s_client through the explicit proxy to local
 * origins. What a user of the Rules would check: exempt sites keep their own certificate (p.20), inspected
 * sites get the gateway's leaf that validates against the exported root (p.21–23), blocked categories get
 * the block page, SSH is refused as remote access, unknown sources are recorded (p.13).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { connectTunnel } from "./tunnel-client.js";
import tls from "node:tls";
import type { Decision } from "../../src/gateway-core/flow.js";
import type { MemorySink } from "../../src/gateway/decision-log.js";
import { MINISTRY } from "../gateway-core/world.js";
import type { Origins } from "./origin.js";
import { startTestGateway, run, type TestGateway } from "./world.js";

const NAMES = ["shop.example", "www.shop.example", "news.example", "nationalbank.kz", "search.example", "social.example"];
/** Routed to the origin but absent from its certificate: upstream validation must fail. */
const WRONG_CERT = "wrongcert.example";

describe("gateway with real clients", () => {
  let t: TestGateway;
  let origins: Origins;
  let port: number;
  let rootFile: string;
  let sink: MemorySink;
  const unknown: string[] = [];
  /** What the metrics count (onDecision feeds qaqpa_gateway_decisions_total), as action/reason. */
  const counted: string[] = [];

  before(async () => {
    // The test client connects from 127.0.0.1 (the ministry) or 127.0.0.2 (nobody: an unknown source).
    t = await startTestGateway({
      names: NAMES,
      hosts: Object.fromEntries([...NAMES, WRONG_CERT].map((n) => [n, ["127.0.0.1"]])),
      deps: { onUnknownSource: (a) => unknown.push(a), onDecision: (d: Decision) => counted.push(`${d.verdict.action}/${d.verdict.reason}`) },
    });
    ({ origins, port, rootFile, sink } = t);
  });
  after(() => t.close());

  const curl = (args: string[]) => run("curl", ["-sS", "--max-time", "10", "-x", `http://127.0.0.1:${port}`, "-w", "\n%{http_code}", ...args]);

  test("ok/plain HTTP to an allowed category is proxied", async () => {
    const r = await curl([`http://shop.example:${origins.httpPort}/cart?x=1`]);
    assert.match(r.out, /origin http shop\.example\/cart\?x=1/);
    assert.match(r.out, /\n200$/);
    const rec = sink.records.find((x) => x.host === "shop.example" && x.kind === "request")!;
    assert.equal(rec.action, "allow");
    assert.equal(rec.organisationId, MINISTRY.id);
    assert.equal(rec.path, "/cart", "the query string is not logged");
  });

  test("fail/plain HTTP to a denied category gets the trilingual block page", async () => {
    const r = await run("curl", ["-sS", "-i", "-x", `http://127.0.0.1:${port}`, `http://news.example:${origins.httpPort}/`]);
    assert.match(r.out, /^HTTP\/1\.1 403/);
    assert.match(r.out, /x-qaqpa-reason: organisation-deny/i);
    assert.match(r.out, /Қол жеткізу шектелген/);
    assert.match(r.out, /Доступ ограничен/);
    assert.match(r.out, /Access restricted/);
    assert.match(r.out, /http:\/\/portal\.test\/requests\/new\?ref=/);
  });

  test("ok/HTTPS to an inspected category: the gateway's leaf validates against the exported root", async () => {
    const r = await curl(["--cacert", rootFile, `https://shop.example:${origins.httpsPort}/secure`]);
    assert.match(r.out, /origin https shop\.example\/secure/, r.err);
    const s = await run("openssl", ["s_client", "-proxy", `127.0.0.1:${port}`, "-connect", `shop.example:${origins.httpsPort}`, "-servername", "shop.example", "-CAfile", rootFile, "-verify_return_error", "-brief"], "Q\n");
    assert.match(s.err + s.out, /Verification: OK/);
    assert.doesNotMatch(s.err + s.out, /Test Origin CA/);
    const rec = sink.records.find((x) => x.host === "shop.example" && x.kind === "request" && x.tls === "bump");
    assert.ok(rec, "the request inside the bumped connection was decided and logged");
  });

  test("ok/p.20: a protected site presents the origin's own certificate, never the gateway's", async () => {
    const r = await curl(["--cacert", origins.caFile, `https://nationalbank.kz:${origins.httpsPort}/account`]);
    assert.match(r.out, /origin https nationalbank\.kz\/account/, r.err);
    const s = await run("openssl", ["s_client", "-proxy", `127.0.0.1:${port}`, "-connect", `nationalbank.kz:${origins.httpsPort}`, "-servername", "nationalbank.kz", "-showcerts"], "Q\n");
    assert.match(s.out, /Test Origin CA/);
    const rec = sink.records.find((x) => x.host === "nationalbank.kz")!;
    assert.equal(rec.tls, "splice");
    assert.deepEqual(rec.categories, ["finance-banking"]);
    assert.equal(rec.path, undefined, "nothing inside a protected flow is logged");
  });

  test("fail/a denied path inside an allowed, bumped site gets the block page over TLS", async () => {
    const r = await run("curl", ["-sS", "-i", "--cacert", rootFile, "-x", `http://127.0.0.1:${port}`, `https://shop.example:${origins.httpsPort}/blog/today`]);
    assert.match(r.out, /HTTP\/1\.1 200 Connection Established/i);
    assert.match(r.out, /HTTP\/(1\.1|2) 403/);
    assert.match(r.out, /x-qaqpa-reason: organisation-deny/i);
    assert.ok(!origins.requests.some((q) => q.path.startsWith("/blog")), "the origin never saw the blocked request");
  });

  test("fail/an upstream certificate that does not name the site is a block page, never a silent pass", async () => {
    const r = await run("curl", ["-sS", "-i", "--cacert", rootFile, "-x", `http://127.0.0.1:${port}`, `https://${WRONG_CERT}:${origins.httpsPort}/`]);
    assert.match(r.out, /HTTP\/(1\.1|2) 502/);
    assert.match(r.out, /x-qaqpa-reason: upstream-certificate/i);
  });

  test("fail/CONNECT to a denied name is refused before the tunnel opens", async () => {
    const r = await run("curl", ["-sS", "-i", "--cacert", rootFile, "-x", `http://127.0.0.1:${port}`, `https://news.example:${origins.httpsPort}/`]);
    assert.match(r.out, /HTTP\/1\.1 403/);
    assert.match(r.out, /organisation-deny/);
    assert.ok(!origins.requests.some((q) => q.host === "news.example"), "the origin never saw the blocked request");
  });

  test("fail/a request for another host on a bumped connection is misdirected (421)", async () => {
    const r = await curl(["--cacert", rootFile, "-H", "Host: social.example", `https://shop.example:${origins.httpsPort}/`]);
    assert.match(r.out, /\n421$/);
  });

  test("fail/a CONNECT whose SNI names another host is refused, and counted as the refusal", async () => {
    const s = await connectTunnel(port, `shop.example:${origins.httpsPort}`);
    // The CONNECT itself was allowed and counted as such; what follows is the TLS flow the gateway refuses.
    const mark = counted.length;
    const c = tls.connect({ socket: s, servername: "social.example", rejectUnauthorized: false });
    const outcome = await new Promise<string>((resolve) => {
      c.once("secureConnect", () => resolve("connected"));
      c.once("error", () => resolve("refused"));
      c.once("close", () => resolve("refused"));
    });
    c.destroy();
    assert.equal(outcome, "refused");
    assert.ok(sink.records.some((x) => x.host === "shop.example" && x.kind === "connection" && x.reason === "misdirected-request" && x.action === "block"));
    assert.deepEqual(counted.slice(mark), ["block/misdirected-request"], "one block with the refusal's reason, no allow");
  });

  test("ok/HTTP/2 towards the client on a bumped connection (Squid strips h2; the gateway speaks it)", async () => {
    const r = await run("curl", ["-sS", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "--cacert", rootFile, "-x", `http://127.0.0.1:${port}`, `https://www.shop.example:${origins.httpsPort}/h2`]);
    assert.equal(r.out, "2 200", r.err);
    const h1 = await run("curl", ["-sS", "--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "--cacert", rootFile, "-x", `http://127.0.0.1:${port}`, `https://www.shop.example:${origins.httpsPort}/h1`]);
    assert.equal(h1.out, "1.1 200", h1.err);
    const mark = counted.length;
    const mis = await run("curl", ["-sS", "--http2", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: social.example", "--cacert", rootFile, "-x", `http://127.0.0.1:${port}`, `https://www.shop.example:${origins.httpsPort}/`]);
    assert.equal(mis.out, "421", "another :authority on an h2 connection is misdirected");
    // The tunnel's own decisions (CONNECT, then TLS) are allows; the request is counted as the 421 only.
    const since = counted.slice(mark);
    assert.deepEqual(since.filter((x) => !x.startsWith("allow/")), ["block/misdirected-request"]);
    assert.equal(since.length, 3, since.join(", "));
  });

  test("ok/WebSocket upgrade through the explicit proxy is decided and spliced", async () => {
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () =>
        s.write(`GET http://shop.example:${origins.httpPort}/ws HTTP/1.1\r\nHost: shop.example:${origins.httpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`),
      );
      let got = "";
      s.on("data", (d) => {
        got += d;
        if (got.includes("\r\n\r\n")) s.destroy();
      });
      s.on("close", () => resolve(got));
      setTimeout(() => s.destroy(), 5000);
    });
    assert.match(reply, /^HTTP\/1\.1 101/);
    const denied = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => s.write(`GET http://news.example:${origins.httpPort}/ws HTTP/1.1\r\nHost: news.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`));
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("close", () => resolve(got));
      setTimeout(() => s.destroy(), 5000);
    });
    assert.match(denied, /^HTTP\/1\.1 403/);
  });

  test("fail/SSH through CONNECT is refused as remote access", async () => {
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => s.write(`CONNECT shop.example:${origins.httpsPort} HTTP/1.1\r\nHost: shop.example\r\n\r\n`));
      let got = "";
      s.on("data", (d) => {
        got += d;
        if (got.includes("\r\n\r\n") && !got.includes("SSH-sent")) {
          got += "SSH-sent";
          s.write("SSH-2.0-OpenSSH_9.2p1 Debian\r\n");
        }
      });
      s.on("close", () => resolve(got));
      setTimeout(() => s.destroy(), 5000);
    });
    assert.match(reply, /^HTTP\/1\.1 200/);
    await new Promise((r) => setTimeout(r, 100));
    const rec = sink.records.find((x) => x.protocol === "ssh")!;
    assert.equal(rec.action, "block");
    assert.equal(rec.reason, "remote-access-protocol");
  });

  test("ok/p.13: a source outside the catalogue is served under the baseline and recorded", async () => {
    const r = await run("curl", ["-sS", "--interface", "127.0.0.2", "-x", `http://127.0.0.1:${port}`, "-w", "\n%{http_code}", `http://search.example:${origins.httpPort}/`]);
    assert.match(r.out, /\n200$/, r.err);
    assert.ok(unknown.includes("127.0.0.2"));
    const blocked = await run("curl", ["-sS", "--interface", "127.0.0.2", "-x", `http://127.0.0.1:${port}`, "-w", "\n%{http_code}", `http://shop.example:${origins.httpPort}/`]);
    assert.match(blocked.out, /\n403$/, "the baseline does not include shopping");
  });

  test("fail/malformed bytes get a clean close", async () => {
    const r = await new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => s.write("GARBAGE \x00\x01\x02 nonsense\r\n\r\n"));
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("close", () => resolve(got));
      setTimeout(() => s.destroy(), 3000);
    });
    assert.match(r, /^HTTP\/1\.1 400/);
  });
});
