/**
 * Transparent listeners with real clients on loopback. The listeners are bound to 127.0.0.9 on the origins'
 * own port numbers, so the original destination a client dialled (127.0.0.9:port) is the listener's local
 * address — what TPROXY gives in production. The test names resolve to 127.0.0.1 (where the origins listen,
 * and what the gateway dials) and 127.0.0.9; search.example resolves to 127.0.0.1 only, so a flow that names
 * it while dialling 127.0.0.9 is a forged destination.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TransparentListeners } from "../../src/gateway/transparent.js";
import { conntrack, findOriginalDestination, localAddress } from "../../src/gateway/original-destination.js";
import { startTestGateway, categoriesWith, run, type TestGateway } from "./world.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import type { Decision } from "../../src/gateway-core/flow.js";

const NAMES = ["shop.example", "news.example", "nationalbank.kz", "search.example"];
const TP = "127.0.0.9";

describe("transparent listeners", () => {
  let t: TestGateway;
  let listeners: TransparentListeners;
  /** What the metrics count (onDecision feeds qaqpa_gateway_decisions_total), as action/reason. */
  const counted: string[] = [];
  const countedSince = (n: number) => counted.slice(n);

  before(async () => {
    const hosts = Object.fromEntries(NAMES.map((n) => [n, n === "search.example" ? ["127.0.0.1"] : ["127.0.0.1", TP]]));
    // 127.0.0.10 has an address entry (malware): a TLS flow to it without SNI is decided by address.
    t = await startTestGateway({
      names: NAMES,
      hosts,
      snapshot: { categories: categoriesWith([["127.0.0.10/32", "malware"]]) },
      deps: { onDecision: (d: Decision) => counted.push(`${d.verdict.action}/${d.verdict.reason}`) },
    });
    listeners = new TransparentListeners({
      gateway: t.gateway,
      originalDestination: localAddress,
      hasAddressEntry: (ip) => {
        const r = t.snapshot().categories.lookupHost(ip);
        return r.ok && r.hits.length > 0;
      },
    });
    await listeners.listenTls({ port: t.origins.httpsPort, host: TP });
    await listeners.listenTls({ port: t.origins.httpsPort, host: "127.0.0.10" });
    await listeners.listenHttp({ port: t.origins.httpPort, host: TP });
  });
  after(async () => {
    await listeners.close();
    await t.close();
  });

  const curl = (name: string, port: number, args: string[]) =>
    run("curl", ["-sS", "--max-time", "10", "--interface", "127.0.0.1", "--resolve", `${name}:${port}:${TP}`, "-w", "\n%{http_code}", ...args]);

  test("ok/TLS by SNI: an inspected site is bumped with the gateway's leaf, as through the explicit proxy", async () => {
    const r = await curl("shop.example", t.origins.httpsPort, ["--cacert", t.rootFile, `https://shop.example:${t.origins.httpsPort}/cart`]);
    assert.match(r.out, /origin https shop\.example\/cart/, r.err);
    const s = await run("openssl", ["s_client", "-connect", `${TP}:${t.origins.httpsPort}`, "-servername", "shop.example", "-CAfile", t.rootFile, "-verify_return_error", "-brief"], "Q\n");
    assert.match(s.err + s.out, /Verification: OK/);
    assert.ok(t.sink.records.some((x) => x.host === "shop.example" && x.kind === "request" && x.tls === "bump" && x.action === "allow"));
  });

  test("ok/p.20 in transparent mode: a protected site presents the origin's own certificate", async () => {
    const r = await curl("nationalbank.kz", t.origins.httpsPort, ["--cacert", t.origins.caFile, `https://nationalbank.kz:${t.origins.httpsPort}/account`]);
    assert.match(r.out, /origin https nationalbank\.kz\/account/, r.err);
    const s = await run("openssl", ["s_client", "-connect", `${TP}:${t.origins.httpsPort}`, "-servername", "nationalbank.kz", "-showcerts"], "Q\n");
    assert.match(s.out, /Test Origin CA/);
    assert.equal(t.sink.records.find((x) => x.host === "nationalbank.kz")!.tls, "splice");
  });

  test("fail/an SNI naming a host whose addresses do not include the original destination is refused", async () => {
    const before = t.origins.requests.length;
    const mark = counted.length;
    const r = await curl("search.example", t.origins.httpsPort, ["--cacert", t.origins.caFile, `https://search.example:${t.origins.httpsPort}/`]);
    assert.notEqual(r.code, 0);
    const rec = t.sink.records.find((x) => x.host === TP && x.reason === "misdirected-request");
    assert.ok(rec, "the refusal is logged with its reason");
    assert.equal(rec.action, "block");
    assert.equal(t.origins.requests.length, before, "the origin saw nothing");
    assert.deepEqual(countedSince(mark), ["block/misdirected-request"], "the metrics count the refusal, not the pipeline's allow");
  });

  test("fail/a TLS flow without SNI is refused unless the address has a category entry", async () => {
    const s = await run("openssl", ["s_client", "-connect", `${TP}:${t.origins.httpsPort}`, "-noservername"], "Q\n");
    assert.doesNotMatch(s.out, /Test Origin CA/);
    assert.ok(t.sink.records.some((x) => x.host === TP && x.reason === "missing-server-name" && x.action === "block"));
    await run("openssl", ["s_client", "-connect", `127.0.0.10:${t.origins.httpsPort}`, "-noservername"], "Q\n");
    const byAddress = t.sink.records.find((x) => x.host === "127.0.0.10");
    assert.ok(byAddress, "decided by address");
    assert.equal(byAddress.reason, "baseline-category");
    assert.deepEqual(byAddress.categories, ["malware"]);
  });

  test("ok/HTTP by Host: the request takes the explicit proxy's path (decide, forward)", async () => {
    const r = await curl("shop.example", t.origins.httpPort, [`http://shop.example:${t.origins.httpPort}/cart?x=1`]);
    assert.match(r.out, /origin http shop\.example\/cart\?x=1/, r.err);
    assert.match(r.out, /\n200$/);
    const denied = await curl("news.example", t.origins.httpPort, [`http://news.example:${t.origins.httpPort}/`]);
    assert.match(denied.out, /\n403$/);
    assert.match(denied.out, /Access restricted/);
  });

  test("fail/HTTP with a Host whose addresses do not include the original destination gets the block page", async () => {
    const mark = counted.length;
    const r = await run("curl", ["-sS", "-i", "--interface", "127.0.0.1", "-H", "Host: search.example", `http://${TP}:${t.origins.httpPort}/forged`]);
    assert.match(r.out, /^HTTP\/1\.1 403/);
    assert.match(r.out, /x-qaqpa-reason: misdirected-request/i);
    assert.ok(!t.origins.requests.some((q) => q.path === "/forged"), "the origin never saw the forged request");
    assert.deepEqual(countedSince(mark), ["block/misdirected-request"], "the metrics count the refusal, not the pipeline's allow");
  });

  /** Raw HTTP over one connection to the transparent listener; resolves with everything read until close. */
  const exchange = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: TP, port: t.origins.httpPort, localAddress: "127.0.0.1" });
      let out = "";
      s.setEncoding("latin1");
      s.on("data", (d: string) => (out += d));
      s.on("error", reject);
      s.on("close", () => resolve(out));
      s.setTimeout(10_000, () => s.destroy(new Error("timeout")));
      s.write(text);
    });

  test("ok/HTTP keep-alive: requests on one connection are each checked and decided; a forged Host among them is refused", async () => {
    const out = await exchange(
      `GET /ka1 HTTP/1.1\r\nHost: shop.example:${t.origins.httpPort}\r\n\r\n` +
        `GET /ka-forged HTTP/1.1\r\nHost: search.example\r\n\r\n` +
        `GET /ka2 HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n`,
    );
    const statuses = [...out.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
    assert.deepEqual(statuses, ["200", "403", "200"], out);
    assert.match(out, /x-qaqpa-reason: misdirected-request/i);
    const paths = t.origins.requests.map((q) => q.path);
    assert.ok(paths.includes("/ka1") && paths.includes("/ka2"), "both honest requests reached the origin");
    assert.ok(!paths.includes("/ka-forged"), "the forged one did not");
    const rec = t.sink.records.filter((x) => x.kind === "request" && x.path === "/ka2");
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!.port, t.origins.httpPort, "the port is the original destination's");
  });

  test("ok/HTTP/1.0 (the node:http path) and Expect: 100-continue (the raw path) get the same Host check", async () => {
    const ok = await exchange(`GET /old HTTP/1.0\r\nHost: shop.example\r\n\r\n`);
    assert.match(ok, /^HTTP\/1\.[01] 200/, ok);
    assert.match(ok, /origin http shop\.example\/old/);
    const forged = await exchange(`GET /old-forged HTTP/1.0\r\nHost: search.example\r\n\r\n`);
    assert.match(forged, /^HTTP\/1\.[01] 403/, forged);
    const r = await curl("shop.example", t.origins.httpPort, ["-H", "Expect: 100-continue", "--data-binary", "x".repeat(2048), `http://shop.example:${t.origins.httpPort}/upload`]);
    assert.match(r.out, /\n200$/, r.err);
    assert.ok(!t.origins.requests.some((q) => q.path === "/old-forged"));
  });

  test("fail/a transparent request without Host, or in absolute-form, gets 400 and reaches nothing", async () => {
    const before = t.origins.requests.length;
    assert.match(await exchange(`GET /nohost HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 400/);
    assert.match(await exchange(`GET http://shop.example/abs HTTP/1.1\r\nHost: shop.example\r\n\r\n`), /^HTTP\/1\.1 400/);
    assert.match(await exchange(`NOT HTTP AT ALL\r\n\r\n`), /^HTTP\/1\.1 400/);
    assert.equal(t.origins.requests.length, before);
  });
});

describe("original destination", () => {
  // A REDIRECT entry: the client 10.1.2.3:51234 dialled 93.184.216.34:443; the gateway listens on 3130.
  const LINE = "ipv4     2 tcp      6 431999 ESTABLISHED src=10.1.2.3 dst=93.184.216.34 sport=51234 dport=443 src=10.0.0.1 dst=10.1.2.3 sport=3130 dport=51234 [ASSURED] mark=0 zone=0 use=2";
  const OTHER = "ipv4     2 tcp      6 431999 ESTABLISHED src=10.1.2.3 dst=203.0.113.7 sport=51235 dport=443 src=203.0.113.7 dst=10.1.2.3 sport=443 dport=51235 [ASSURED] mark=0 zone=0 use=2";

  test("ok/conntrack: the original tuple of the client's connection to the listener", () => {
    assert.deepEqual(findOriginalDestination(`${OTHER}\n${LINE}\n`, { clientIp: "10.1.2.3", clientPort: 51234, listenerPort: 3130 }), { ip: "93.184.216.34", port: 443 });
  });

  test("fail/conntrack: no entry for another port, client or listener", () => {
    assert.equal(findOriginalDestination(LINE, { clientIp: "10.1.2.3", clientPort: 51235, listenerPort: 3130 }), null);
    assert.equal(findOriginalDestination(LINE, { clientIp: "10.1.2.4", clientPort: 51234, listenerPort: 3130 }), null);
    assert.equal(findOriginalDestination(LINE, { clientIp: "10.1.2.3", clientPort: 51234, listenerPort: 3129 }), null);
  });

  test("ok/conntrack and local-address strategies on a real accepted socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qaqpa-ct-"));
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.9", r));
    const listenerPort = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once("connection", r));
    const client = net.connect({ host: "127.0.0.9", port: listenerPort, localAddress: "127.0.0.1" });
    await new Promise((r) => client.once("connect", r));
    const s = await accepted;
    try {
      const file = join(dir, "nf_conntrack");
      writeFileSync(file, `ipv4     2 tcp      6 300 ESTABLISHED src=127.0.0.1 dst=198.51.100.20 sport=${client.localPort} dport=443 src=127.0.0.9 dst=127.0.0.1 sport=${listenerPort} dport=${client.localPort} [ASSURED] mark=0 use=1\n`);
      assert.deepEqual(await conntrack({ file }).of(s), { ip: "198.51.100.20", port: 443 });
      assert.equal(await conntrack({ file: join(dir, "missing") }).of(s), null, "no table, no destination: refused");
      assert.deepEqual(await localAddress.of(s), { ip: "127.0.0.9", port: listenerPort });
    } finally {
      client.destroy();
      s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("gateway.transparent configuration", () => {
  const load = (yaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), "qaqpa-tpcfg-"));
    try {
      writeFileSync(join(dir, "qaqpa.yaml"), yaml);
      return loadConfig({}, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  test("ok/off by default; on with ports and an original-destination strategy", () => {
    assert.equal(load("log: { level: info }\n").gateway?.transparent, undefined);
    const c = load("gateway:\n  transparent: { host: 0.0.0.0, http: 3129, tls: 3130, originalDestination: conntrack }\n");
    assert.deepEqual(c.gateway?.transparent, { host: "0.0.0.0", http: 3129, tls: 3130, originalDestination: "conntrack" });
  });

  test("fail/unknown keys, unknown strategies, no port, clashing ports are refused", () => {
    assert.throws(() => load("gateway:\n  transparent: { host: 0.0.0.0, tls: 3130, originalDestination: conntrack, tproxy: true }\n"), ConfigError);
    assert.throws(() => load("gateway:\n  transparent: { host: 0.0.0.0, tls: 3130, originalDestination: so_original_dst }\n"), ConfigError);
    assert.throws(() => load("gateway:\n  transparent: { host: 0.0.0.0, originalDestination: conntrack }\n"), /http or a tls port/);
    assert.throws(() => load("gateway:\n  transparent: { host: 0.0.0.0, http: 3128, originalDestination: local-address }\n"), /distinct ports/);
    assert.throws(() => load("gateway:\n  transparent: { host: 0.0.0.0, http: 0, originalDestination: local-address }\n"), ConfigError);
    assert.throws(() => load("proxy:\n  transparentTlsPort: 3130\n"), ConfigError, "the old placeholder keys are gone");
    assert.throws(() => load("proxy:\n  transparent: { host: 0.0.0.0, http: 3129, originalDestination: conntrack }\n"), ConfigError, "it is the gateway's section, not the explicit proxy's");
    assert.throws(() => load("gateway:\n  transparent: { http: 3129, originalDestination: conntrack }\n"), /host is needed/);
    assert.throws(() => load("gateway:\n  transparent: { socketActivation: true, tls: 3130, originalDestination: local-address }\n"), /socket units/);
  });

  test("ok/socket activation (TPROXY): no ports, no host — the socket units hold them", () => {
    const c = load("gateway:\n  transparent: { socketActivation: true, originalDestination: local-address }\n");
    assert.deepEqual(c.gateway?.transparent, { socketActivation: true, originalDestination: "local-address" });
  });
});
