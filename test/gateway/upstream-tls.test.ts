/**
 * Upstream TLS through the gateway with real servers on loopback: an origin that sends only its leaf (the
 * intermediate is served by a local HTTP server named in the leaf's AIA caIssuers), one whose AIA leads nowhere,
 * and origins that demand a client certificate over TLS 1.3 and TLS 1.2. Made with openssl: root → intermediate
 * → leaves; the gateway trusts the root only.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import tls from "node:tls";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UpstreamTls, caIssuersUrls } from "../../src/gateway/upstream-tls.js";
import { X509Certificate } from "node:crypto";
import { startTestGateway, categoriesWith, run, type TestGateway } from "./world.js";

const NAMES = ["aia.example", "badaia.example", "mtls13.example", "mtls12.example"];

function openssl(args: string[], cwd: string) {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

describe("upstream TLS: AIA chasing and client-certificate requests", () => {
  const dir = mkdtempSync(join(tmpdir(), "qaqpa-aia-"));
  let t: TestGateway;
  let aiaServer: http.Server;
  const aiaHits: string[] = [];
  const servers: https.Server[] = [];
  const ports: Record<string, number> = {};
  let rootPem: string;

  before(async () => {
    aiaServer = http.createServer((req, res) => {
      aiaHits.push(req.url ?? "");
      if (req.url === "/int.der") return res.writeHead(200, { "content-type": "application/pkix-cert" }).end(readFileSync(join(dir, "int.der")));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => aiaServer.listen(0, "127.0.0.1", r));
    const aia = `http://127.0.0.1:${(aiaServer.address() as AddressInfo).port}`;
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(["req", "-x509", ...ec, "-keyout", "root.key", "-out", "root.pem", "-days", "30", "-subj", "/CN=AIA Test Root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], dir);
    writeFileSync(join(dir, "int.cnf"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
    openssl(["req", ...ec, "-keyout", "int.key", "-out", "int.csr", "-subj", "/CN=AIA Test Intermediate"], dir);
    openssl(["x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-out", "int.pem", "-days", "30", "-extfile", "int.cnf"], dir);
    openssl(["x509", "-in", "int.pem", "-outform", "DER", "-out", "int.der"], dir);
    const leaf = (name: string, sans: string[], issuers: string) => {
      writeFileSync(join(dir, `${name}.cnf`), `subjectAltName=${sans.map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage=serverAuth\nauthorityInfoAccess=caIssuers;URI:${issuers}\n`);
      openssl(["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${sans[0]}`], dir);
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "int.pem", "-CAkey", "int.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "30", "-extfile", `${name}.cnf`], dir);
    };
    leaf("good", ["aia.example", "mtls13.example", "mtls12.example"], `${aia}/int.der`);
    leaf("bad", ["badaia.example"], `${aia}/missing.der`);
    rootPem = readFileSync(join(dir, "root.pem"), "utf8");
    const file = (f: string) => readFileSync(join(dir, f));
    const serve = async (name: string, opts: https.ServerOptions) => {
      const s = https.createServer(opts, (req, res) => res.writeHead(200, { "content-type": "text/plain" }).end(`origin ${name} ${req.url}\n`));
      s.on("upgrade", (_req, sock) => sock.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
      servers.push(s);
      ports[name] = (s.address() as AddressInfo).port;
    };
    await serve("aia.example", { key: file("good.key"), cert: file("good.pem") }); // the leaf only
    await serve("badaia.example", { key: file("bad.key"), cert: file("bad.pem") });
    const fullChain = Buffer.concat([file("good.pem"), file("int.pem")]);
    await serve("mtls13.example", { key: file("good.key"), cert: fullChain, ca: [rootPem], requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" });
    await serve("mtls12.example", { key: file("good.key"), cert: fullChain, ca: [rootPem], requestCert: true, rejectUnauthorized: true, maxVersion: "TLSv1.2" });
    t = await startTestGateway({
      names: ["shop.example"],
      hosts: Object.fromEntries(NAMES.map((n) => [n, ["127.0.0.1"]])),
      snapshot: { categories: categoriesWith(NAMES.map((n) => [n, "shopping"])) },
      deps: { upstreamCa: [rootPem] },
    });
  });
  after(async () => {
    await t.close();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    aiaServer.closeAllConnections();
    await new Promise<void>((r) => aiaServer.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const viaGateway = (name: string, path = "/") => run("curl", ["-sS", "-i", "--max-time", "10", "--http1.1", "--cacert", t.rootFile, "-x", `http://127.0.0.1:${t.port}`, `https://${name}:${ports[name]}${path}`]);

  test("ok/an origin that sends only its leaf: the intermediate is fetched from AIA and the chain validates", async () => {
    const direct = await run("curl", ["-sS", "--max-time", "10", "--cacert", join(dir, "root.pem"), "--resolve", `aia.example:${ports["aia.example"]}:127.0.0.1`, `https://aia.example:${ports["aia.example"]}/`]);
    assert.notEqual(direct.code, 0, "the chain really is incomplete: curl alone cannot validate it");
    const r = await viaGateway("aia.example", "/first");
    assert.match(r.out, /origin aia\.example \/first/, r.out + r.err);
    const again = await viaGateway("aia.example", "/second");
    assert.match(again.out, /origin aia\.example \/second/);
    assert.equal(aiaHits.filter((h) => h === "/int.der").length, 1, "the intermediate is fetched once and cached");
  });

  test("fail/an AIA URL that gives no issuer is a block page (upstream-certificate), never a silent pass", async () => {
    const r = await viaGateway("badaia.example");
    assert.match(r.out, /HTTP\/1\.1 502/);
    assert.match(r.out, /x-qaqpa-reason: upstream-certificate/i);
    assert.doesNotMatch(r.out, /origin badaia/);
    assert.ok(aiaHits.includes("/missing.der"));
  });

  test("fail/the AIA fetch is size-bounded: an intermediate larger than the bound is not used", async () => {
    const small = new UpstreamTls({ upstreamCa: [rootPem], aiaMaxBytes: 100 });
    const c = await small.check("aia.example", "127.0.0.1", ports["aia.example"]!);
    small.close();
    assert.equal(c.ok, false);
    assert.equal(!c.ok && c.reason, "upstream-certificate");
    const big = new UpstreamTls({ upstreamCa: [rootPem] });
    const ok = await big.check("aia.example", "127.0.0.1", ports["aia.example"]!);
    big.close();
    assert.equal(ok.ok, true, "the same origin with the default bound");
  });

  test("ok/only http caIssuers URLs are followed", () => {
    const leaf = new X509Certificate(readFileSync(join(dir, "good.pem")));
    assert.deepEqual(caIssuersUrls(leaf).map((u) => new URL(u).pathname), ["/int.der"]);
    const root = new X509Certificate(rootPem);
    assert.deepEqual(caIssuersUrls(root), []);
  });

  /** A WebSocket upgrade inside a bumped CONNECT tunnel: the response head the client gets. */
  const upgradeVia = (name: string) =>
    new Promise<string>((resolve) => {
      const raw = net.connect(t.port, "127.0.0.1", () => raw.write(`CONNECT ${name}:${ports[name]} HTTP/1.1\r\nHost: ${name}\r\n\r\n`));
      raw.once("data", () => {
        const s = tls.connect({ socket: raw, servername: name, ca: readFileSync(t.rootFile), ALPNProtocols: ["http/1.1"] }, () =>
          s.write(`GET /ws HTTP/1.1\r\nHost: ${name}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`),
        );
        let got = "";
        s.on("data", (d) => {
          got += d;
          if (got.includes("\r\n\r\n")) s.destroy();
        });
        s.on("error", () => {});
        s.on("close", () => resolve(got));
      });
      raw.on("error", () => resolve(""));
      setTimeout(() => raw.destroy(), 5000);
    });

  test("ok/a WebSocket upgrade over a bumped connection gets the same checks: AIA-completed chain works, mTLS is refused", async () => {
    assert.match(await upgradeVia("aia.example"), /^HTTP\/1\.1 101/);
    const refused = await upgradeVia("mtls13.example");
    assert.match(refused, /^HTTP\/1\.1 502/);
    assert.match(refused, /x-qaqpa-reason: client-certificate-required/i);
  });

  for (const name of ["mtls13.example", "mtls12.example"]) {
    test(`fail/an upstream that requires a client certificate (${name.slice(4, 6) === "13" ? "TLS 1.3 certificate_required" : "TLS 1.2 CertificateRequest"}) is denied and recorded`, async () => {
      const r = await viaGateway(name, "/login");
      assert.match(r.out, /HTTP\/1\.1 502/, r.out + r.err);
      assert.match(r.out, /x-qaqpa-reason: client-certificate-required/i);
      const rec = t.sink.records.find((x) => x.host === name && x.reason === "client-certificate-required");
      assert.ok(rec, "the decision log names the host for STS");
      assert.equal(rec.action, "block");
    });
  }
});
