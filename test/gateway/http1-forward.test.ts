/**
 * The raw HTTP/1.1 forwarding path (src/gateway/http1-forward.ts) inside bumped connections, with a real TLS
 * client and two origins on loopback: the node:https origin of the other gateway tests, and a byte-level TLS
 * origin that answers with each response framing and shows what it received.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { connectTunnel } from "./tunnel-client.js";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { MemorySink } from "../../src/gateway/decision-log.js";
import type { Decision } from "../../src/gateway-core/flow.js";
import type { Origins } from "./origin.js";
import { startTestGateway, run, type TestGateway } from "./world.js";

const NAMES = ["shop.example", "www.shop.example"];
const BIG = 4 * 1024 * 1024;

/** A TLS origin speaking HTTP/1.1 byte by byte: one response per request head, framing chosen by the path. */
async function rawOrigin(dir: string) {
  const heads: string[] = [];
  const connections: tls.TLSSocket[] = [];
  const server = tls.createServer({ key: readFileSync(join(dir, "site.key")), cert: readFileSync(join(dir, "site.pem")) }, (s) => {
    connections.push(s);
    s.on("error", () => {});
    let buf = "";
    s.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      for (let end = buf.indexOf("\r\n\r\n"); end >= 0; end = buf.indexOf("\r\n\r\n")) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        heads.push(head);
        const path = head.split(" ")[1]!;
        if (path === "/chunked") s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nchunky\r\n3\r\n!!\n\r\n0\r\n\r\n");
        else if (path === "/drop") {
          // Announces keep-alive, then drops the connection once the response is out.
          s.write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ndropped\n", () => setImmediate(() => s.destroy()));
        } else if (path === "/close") s.end("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the origin closes\n");
        else if (path === "/interim") s.write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfinal\n");
        else if (path === "/big") {
          s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG}\r\n\r\n`);
          s.write(Buffer.alloc(BIG, 0x61));
        } else {
          const body = `raw ${path}\n`;
          s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nKeep-Alive: timeout=9\r\n\r\n${body}`);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    heads,
    connections,
    close: () => {
      for (const c of connections) c.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("raw HTTP/1.1 forwarding in bumped connections", () => {
  let t: TestGateway;
  let origins: Origins;
  let sink: MemorySink;
  let raw: Awaited<ReturnType<typeof rawOrigin>>;
  /** What the metrics count (onDecision feeds qaqpa_gateway_decisions_total), as action/reason. */
  const counted: string[] = [];

  before(async () => {
    t = await startTestGateway({ names: NAMES, hosts: Object.fromEntries(NAMES.map((n) => [n, ["127.0.0.1"]])), deps: { rawHttp1: true, onDecision: (d: Decision) => counted.push(`${d.verdict.action}/${d.verdict.reason}`) } });
    ({ origins, sink } = t);
    raw = await rawOrigin(origins.dir);
  });
  after(async () => {
    await raw.close();
    await t.close();
  });

  /** CONNECT, then TLS with the gateway's root: a client connection to `host` the gateway bumps. */
  async function bumped(host: string, port: number): Promise<tls.TLSSocket> {
    const s = await connectTunnel(t.port, `${host}:${port}`);
    const c = tls.connect({ socket: s, servername: host, ca: readFileSync(t.rootFile) });
    await new Promise<void>((resolve, reject) => {
      c.once("secureConnect", resolve);
      c.once("error", reject);
    });
    return c;
  }

  /** Writes `text`, then reads until `until` matches what came back (or the connection closes). */
  function exchange(c: tls.TLSSocket, text: string | Buffer, until: (got: string) => boolean): Promise<{ got: string; closed: boolean }> {
    return new Promise((resolve) => {
      let got = "";
      const done = (closed: boolean) => {
        c.off("data", onData);
        c.off("close", onClose);
        resolve({ got, closed });
      };
      const onData = (d: Buffer) => {
        got += d.toString("latin1");
        if (until(got)) done(false);
      };
      const onClose = () => done(true);
      c.on("data", onData);
      c.on("close", onClose);
      if (text.length) c.write(text);
    });
  }
  const count = (re: RegExp) => (s: string) => (s.match(re) ?? []).length;

  test("ok/keep-alive: requests on one client connection share one pooled upstream connection, each decided and logged", async () => {
    const c = await bumped("www.shop.example", raw.port);
    let afterFirst = -1;
    for (const p of ["/a", "/b", "/c"]) {
      const r = await exchange(c, `GET ${p} HTTP/1.1\r\nHost: www.shop.example:${raw.port}\r\n\r\n`, (g) => g.includes(`raw ${p}\n`));
      assert.match(r.got, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(r.got, /\r\nConnection: keep-alive\r\n/i);
      assert.doesNotMatch(r.got, /Keep-Alive: timeout=9/, "the origin's hop-by-hop fields are not relayed");
      // The first request to an upstream also runs its TLS checks (src/gateway/upstream-tls.ts) on a probe connection.
      if (afterFirst < 0) afterFirst = raw.connections.length;
    }
    c.destroy();
    assert.equal(raw.connections.length, afterFirst, "the later requests reused the pooled upstream connection");
    const recs = sink.records.filter((x) => x.kind === "request" && x.host === "www.shop.example" && ["/a", "/b", "/c"].includes(x.path ?? ""));
    assert.deepEqual(recs.map((x) => [x.path, x.action, x.status, x.tls, x.bytesDown]), [["/a", "allow", 200, "bump", 7], ["/b", "allow", 200, "bump", 7], ["/c", "allow", 200, "bump", 7]]);
  });

  test("ok/an upstream that drops a pooled keep-alive connection is not a failure: the next request still gets its answer", async () => {
    const c = await bumped("www.shop.example", raw.port);
    const a = await exchange(c, "GET /drop HTTP/1.1\r\nHost: www.shop.example\r\n\r\n", (g) => g.includes("dropped\n"));
    assert.match(a.got, /^HTTP\/1\.1 200 /);
    const b = await exchange(c, "GET /after-drop HTTP/1.1\r\nHost: www.shop.example\r\n\r\n", (g) => g.includes("raw /after-drop\n") || g.includes("</html>"));
    c.destroy();
    assert.match(b.got, /^HTTP\/1\.1 200 [^]*raw \/after-drop\n$/);
  });

  test("ok/pipelined requests are answered in order", async () => {
    const c = await bumped("www.shop.example", raw.port);
    const reqs = ["/p1", "/p2", "/p3"].map((p) => `GET ${p} HTTP/1.1\r\nHost: www.shop.example\r\n\r\n`).join("");
    const r = await exchange(c, reqs, (g) => count(/raw \/p\d\n/g)(g) === 3);
    c.destroy();
    assert.deepEqual(r.got.match(/raw \/p\d/g), ["raw /p1", "raw /p2", "raw /p3"]);
  });

  test("ok/the upstream head is origin-form without hop-by-hop or proxy fields; Host is kept", async () => {
    const c = await bumped("www.shop.example", raw.port);
    await exchange(c, "GET /h?q=1 HTTP/1.1\r\nHost: www.shop.example\r\nConnection: keep-alive, x-drop\r\nProxy-Authorization: Basic eDp5\r\nTE: trailers\r\nX-Kept: 1\r\n\r\n", (g) => g.includes("raw /h?q=1\n"));
    c.destroy();
    const head = raw.heads.find((h) => h.startsWith("GET /h?q=1 "))!;
    assert.match(head, /^GET \/h\?q=1 HTTP\/1\.1\r\nHost: www\.shop\.example\r\nX-Kept: 1\r\nConnection: keep-alive$/);
  });

  test("ok/request bodies with Content-Length and chunked reach the origin, and the connection goes on", async () => {
    const c = await bumped("shop.example", origins.httpsPort);
    const a = await exchange(c, "POST /len HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 11\r\n\r\nhello world", (g) => g.includes("body=11\n"));
    assert.match(a.got, /origin https shop\.example\/len body=11/);
    const b = await exchange(c, "POST /chunks HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n", (g) => g.includes("body=7\n"));
    assert.match(b.got, /origin https shop\.example\/chunks body=7/);
    const d = await exchange(c, "GET /after HTTP/1.1\r\nHost: shop.example\r\n\r\n", (g) => g.includes("body=0\n"));
    assert.match(d.got, /origin https shop\.example\/after body=0/);
    c.destroy();
  });

  test("ok/chunked, close-delimited and interim responses are relayed with their framing", async () => {
    const c = await bumped("www.shop.example", raw.port);
    const ch = await exchange(c, "GET /chunked HTTP/1.1\r\nHost: www.shop.example\r\n\r\n", (g) => g.endsWith("0\r\n\r\n"));
    assert.match(ch.got, /Transfer-Encoding: chunked\r\n/);
    assert.match(ch.got, /\r\n\r\n6\r\nchunky\r\n3\r\n!!\n\r\n0\r\n\r\n$/);
    const hint = await exchange(c, "GET /interim HTTP/1.1\r\nHost: www.shop.example\r\n\r\n", (g) => g.includes("final\n"));
    assert.doesNotMatch(hint.got, /103/, "interim responses stay between the gateway and the origin");
    const cl = await exchange(c, "GET /close HTTP/1.1\r\nHost: www.shop.example\r\n\r\n", () => false);
    assert.equal(cl.closed, true, "a close-delimited response closes the client connection after it");
    assert.match(cl.got, /Connection: close\r\n/);
    assert.match(cl.got, /\r\n\r\nuntil the origin closes\n$/);
  });

  test("ok/a large response arrives whole through the client's backpressure", async () => {
    const c = await bumped("www.shop.example", raw.port);
    let total = -1;
    const r = await exchange(c, "GET /big HTTP/1.1\r\nHost: www.shop.example\r\n\r\n", (g) => {
      const at = g.indexOf("\r\n\r\n");
      total = at < 0 ? -1 : g.length - at - 4;
      return total >= BIG;
    });
    c.destroy();
    assert.match(r.got, new RegExp(`Content-Length: ${BIG}\r\n`));
    assert.equal(total, BIG);
  });

  test("fail/a denied path gets the block page and the connection stays usable", async () => {
    const c = await bumped("shop.example", origins.httpsPort);
    const blocked = await exchange(c, "GET /blog/today HTTP/1.1\r\nHost: shop.example\r\n\r\n", (g) => g.includes("</html>"));
    assert.match(blocked.got, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(blocked.got, /X-Qaqpa-Reason: organisation-deny/i);
    const ok = await exchange(c, "GET /fine HTTP/1.1\r\nHost: shop.example\r\n\r\n", (g) => g.includes("body=0\n"));
    assert.match(ok.got, /origin https shop\.example\/fine/);
    c.destroy();
    assert.ok(!origins.requests.some((q) => q.path.startsWith("/blog")), "the origin never saw the blocked request");
  });

  test("fail/another Host on a bumped connection is misdirected (421) and recorded", async () => {
    const c = await bumped("shop.example", origins.httpsPort);
    const mark = counted.length;
    const r = await exchange(c, "GET /x HTTP/1.1\r\nHost: social.example\r\n\r\n", (g) => g.includes("</html>"));
    c.destroy();
    assert.match(r.got, /^HTTP\/1\.1 421 /);
    assert.ok(sink.records.some((x) => x.reason === "misdirected-request" && x.status === 421));
    assert.deepEqual(counted.slice(mark), ["block/misdirected-request"], "the metrics count the refusal, not the pipeline's allow");
  });

  test("fail/a WebSocket upgrade naming another Host on a bumped connection is misdirected (421), recorded and counted", async () => {
    const c = await bumped("shop.example", origins.httpsPort);
    const mark = counted.length;
    const r = await exchange(
      c,
      "GET /ws HTTP/1.1\r\nHost: social.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      (g) => g.includes("\r\n\r\n"),
    );
    c.destroy();
    assert.match(r.got, /^HTTP\/1\.1 421 /);
    const ref = /X-Qaqpa-Ref: (\S+)/i.exec(r.got)?.[1];
    assert.ok(ref, r.got);
    const rec = sink.records.find((x) => x.ref === ref);
    assert.equal(rec?.reason, "misdirected-request");
    assert.equal(rec?.status, 421);
    assert.deepEqual(counted.slice(mark), ["block/misdirected-request"]);
    assert.ok(!origins.requests.some((q) => q.path === "/ws"), "the origin never saw the upgrade");
  });

  test("fail/malformed request bytes get 400 and a close", async () => {
    const c = await bumped("shop.example", origins.httpsPort);
    const r = await exchange(c, "GET /x HTTP/1.1\r\nHost: shop.example\r\nBad Header: x\r\n\r\n", () => false);
    assert.equal(r.closed, true);
    assert.match(r.got, /^HTTP\/1\.1 400 /);
  });

  test("ok/Expect: 100-continue: the gateway answers 100 once the upstream is ready, and does not send Expect on", async () => {
    const r = await run("curl", ["-sS", "--cacert", t.rootFile, "-x", `http://127.0.0.1:${t.port}`, "-H", "Expect: 100-continue", "--data-binary", "x".repeat(2000), `https://shop.example:${origins.httpsPort}/expect`]);
    assert.match(r.out, /origin https shop\.example\/expect body=2000/, r.err);
    const c = await bumped("shop.example", raw.port);
    const interim = await exchange(c, `POST /expect-raw HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`, (g) => g.includes("\r\n\r\n"));
    assert.equal(interim.got, "HTTP/1.1 100 Continue\r\n\r\n", "100 before any body byte was sent");
    const final = await exchange(c, "hello", (g) => g.includes("raw /expect-raw\n"));
    assert.match(final.got, /^HTTP\/1\.1 200 OK\r\n/);
    c.destroy();
    const head = raw.heads.find((h) => h.startsWith("POST /expect-raw "));
    assert.ok(head, "the origin got the request");
    assert.doesNotMatch(head, /^expect:/im, "Expect is answered by the gateway, not sent on");
  });

  test("fail/a refused request with Expect: 100-continue is answered at once, without 100, and the connection closes", async () => {
    const c = await bumped("shop.example", origins.httpsPort);
    const r = await exchange(c, "POST /blog/post HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n", () => false);
    assert.equal(r.closed, true, "closed: the client may still send the body it held back");
    assert.match(r.got, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.doesNotMatch(r.got, /100 Continue/);
    assert.match(r.got, /Connection: close\r\n/);
  });

  test("fail/an expectation other than 100-continue gets 417 (the node:http path)", async () => {
    const c = await bumped("shop.example", origins.httpsPort);
    const r = await exchange(c, "POST /x HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx", (g) => / 417 /.test(g));
    c.destroy();
    assert.match(r.got, /^HTTP\/1\.1 417 /);
  });
});

describe("raw HTTP/1.1 forwarding on the explicit proxy's listener", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ names: ["shop.example", "news.example"], hosts: { "shop.example": ["127.0.0.1"], "news.example": ["127.0.0.1"] }, deps: { rawHttp1: true, rawListener: true } });
  });
  after(() => t.close());

  /** Writes each request in turn on one connection and reads its answer up to `until`. */
  async function session(steps: [string, RegExp][]): Promise<{ got: string[]; closed: boolean }> {
    const s = net.connect(t.port, "127.0.0.1");
    const got: string[] = [];
    let closed = false;
    let buf = "";
    let wake = () => {};
    s.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      wake();
    });
    s.on("close", () => {
      closed = true;
      wake();
    });
    for (const [req, until] of steps) {
      buf = "";
      s.write(req);
      await new Promise<void>((r) => {
        wake = () => (until.test(buf) || closed) && r();
        wake();
      });
      got.push(buf);
    }
    s.destroy();
    return { got, closed };
  }

  test("ok/absolute-form requests on one keep-alive connection, a block page between them", async () => {
    const o = t.origins.httpPort;
    const r = await session([
      [`GET http://shop.example:${o}/one?x=1 HTTP/1.1\r\nHost: shop.example:${o}\r\nProxy-Connection: keep-alive\r\n\r\n`, /body=0\n/],
      [`GET http://news.example:${o}/ HTTP/1.1\r\nHost: news.example:${o}\r\n\r\n`, /<\/html>/],
      [`POST http://shop.example:${o}/two HTTP/1.1\r\nHost: shop.example:${o}\r\nContent-Length: 3\r\n\r\nabc`, /body=3\n/],
    ]);
    assert.match(r.got[0]!, /origin http shop\.example\/one\?x=1 body=0/);
    assert.match(r.got[1]!, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(r.got[2]!, /origin http shop\.example\/two body=3/);
    assert.equal(r.closed, false);
    assert.ok(!t.origins.requests.some((q) => q.host === "news.example"), "the origin never saw the blocked request");
  });

  test("ok/an idle keep-alive connection is closed after 5 s; each request restarts the wait", async () => {
    const o = t.origins.httpPort;
    const s = net.connect(t.port, "127.0.0.1");
    let buf = "";
    let closedAt = 0;
    s.on("data", (d: Buffer) => (buf += d.toString("latin1")));
    const closed = new Promise<void>((r) => s.once("close", () => ((closedAt = Date.now()), r())));
    const get = async (path: string) => {
      buf = "";
      s.write(`GET http://shop.example:${o}${path} HTTP/1.1\r\nHost: shop.example:${o}\r\n\r\n`);
      while (!/body=0\n/.test(buf) && closedAt === 0) await new Promise((r) => setTimeout(r, 20));
      return buf;
    };
    const start = Date.now();
    // Three requests 3 s apart: the connection outlives the first request's 5 s wait only if every request
    // restarts it.
    for (const path of ["/a", "/b", "/c"]) {
      if (path !== "/a") await new Promise((r) => setTimeout(r, 3_000));
      assert.match(await get(path), new RegExp(`origin http shop\\.example${path} body=0`), `${path} answered on the same connection`);
    }
    const last = Date.now();
    assert.ok(last - start >= 6_000);
    await closed;
    assert.ok(closedAt - last >= 4_500 && closedAt - last < 15_000, `closed ${closedAt - last} ms after the last answer`);
  });

  test("ok/CONNECT on the raw listener opens the tunnel and bumps as before", async () => {
    const r = await run("curl", ["-sS", "--cacert", t.rootFile, "-x", `http://127.0.0.1:${t.port}`, `https://shop.example:${t.origins.httpsPort}/tunnelled`]);
    assert.match(r.out, /origin https shop\.example\/tunnelled body=0/, r.err);
  });

  test("fail/origin-form and https: targets are refused with 400, malformed bytes with 400 and a close", async () => {
    const a = await session([["GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n", /\r\n\r\n[^]*\n/]]);
    assert.match(a.got[0]!, /^HTTP\/1\.1 400 /);
    const b = await session([["GET https://shop.example/ HTTP/1.1\r\nHost: shop.example\r\n\r\n", /\r\n\r\n[^]*\n/]]);
    assert.match(b.got[0]!, /^HTTP\/1\.1 400 /);
    const c = await session([["GARBAGE \x00\x01 nonsense\r\n\r\n", /(?!)/]]);
    assert.match(c.got[0]!, /^HTTP\/1\.1 400 /);
    assert.equal(c.closed, true);
  });
});

describe("rawHttp1: false keeps every request on the node:http path", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ names: ["shop.example"], hosts: { "shop.example": ["127.0.0.1"] }, deps: { rawHttp1: false } });
  });
  after(() => t.close());

  test("ok/plain and bumped requests are still served", async () => {
    const plain = await run("curl", ["-sS", "-x", `http://127.0.0.1:${t.port}`, `http://shop.example:${t.origins.httpPort}/off`]);
    assert.match(plain.out, /origin http shop\.example\/off body=0/, plain.err);
    const bumpedReq = await run("curl", ["-sS", "--http1.1", "--cacert", t.rootFile, "-x", `http://127.0.0.1:${t.port}`, `https://shop.example:${t.origins.httpsPort}/off`]);
    assert.match(bumpedReq.out, /origin https shop\.example\/off body=0/, bumpedReq.err);
    const r = await run("curl", ["-sS", "-i", "-x", `http://127.0.0.1:${t.port}`, "--request-target", "/", `http://shop.example:${t.origins.httpPort}/`]);
    assert.match(r.out, /^HTTP\/1\.1 400 /);
  });
});
