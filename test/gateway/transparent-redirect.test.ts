/**
 * Transparent listeners behind a real REDIRECT rule, as deployed with iptables/nftables REDIRECT: the client
 * dials 127.0.0.21 (the "Internet" address of the test names), the kernel's nat hook sends the connection to the
 * listeners on 127.0.0.1, and the original destination comes back from the socket's conntrack entry through
 * getsockopt(SO_ORIGINAL_DST) (native/original-dst). The rules live in a table of their own, match only
 * 127.0.0.21 on the origins' ports, and are deleted when the suite ends. The gateway dials 127.0.0.1 (the names'
 * first address), which no rule matches, so nothing loops.
 *
 * Needs root (CAP_NET_ADMIN) and nft on Linux; the project's install provides both on its test machines.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawnSync } from "node:child_process";
import { TransparentListeners } from "../../src/gateway/transparent.js";
import { conntrack, originalDstBinding } from "../../src/gateway/original-destination.js";
import { startTestGateway, run, type TestGateway } from "./world.js";

const RD = "127.0.0.21";
const TABLE = `qaqpa_redirect_${process.pid}`;

function nft(...args: string[]): void {
  const r = spawnSync("nft", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`nft ${args.join(" ")}: ${r.stderr || r.error?.message}`);
}

function whyNot(): string | false {
  if (process.platform !== "linux") return "REDIRECT and SO_ORIGINAL_DST are Linux's";
  if (process.getuid?.() !== 0) return "adding a nat rule needs root";
  if (spawnSync("nft", ["list", "tables"]).status !== 0) return "nft is not installed or not permitted here";
  return false;
}

describe("transparent listeners behind a real REDIRECT rule (nftables), original destination by SO_ORIGINAL_DST", { skip: whyNot() }, () => {
  let t: TestGateway;
  let listeners: TransparentListeners;
  let probe: net.Server;
  let probePort = 0;
  const PROBE_DPORT = 8444;

  before(async () => {
    const names = ["shop.example", "nationalbank.kz", "search.example"];
    const hosts = Object.fromEntries(names.map((n) => [n, n === "search.example" ? ["127.0.0.1"] : ["127.0.0.1", RD]]));
    t = await startTestGateway({ names, hosts });
    const ct = conntrack();
    assert.equal(ct.source, "getsockopt", "the project's install builds native/original-dst on Linux");
    listeners = new TransparentListeners({ gateway: t.gateway, originalDestination: ct, hasAddressEntry: () => false });
    const tlsPort = await listeners.listenTls({ port: 0, host: "127.0.0.1" });
    const httpPort = await listeners.listenHttp({ port: 0, host: "127.0.0.1" });
    probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    probePort = (probe.address() as net.AddressInfo).port;
    nft("add", "table", "ip", TABLE);
    nft("add", "chain", "ip", TABLE, "out", "{ type nat hook output priority -100; }");
    nft("add", "rule", "ip", TABLE, "out", "ip", "daddr", RD, "tcp", "dport", String(t.origins.httpsPort), "redirect", "to", `:${tlsPort}`);
    nft("add", "rule", "ip", TABLE, "out", "ip", "daddr", RD, "tcp", "dport", String(t.origins.httpPort), "redirect", "to", `:${httpPort}`);
    nft("add", "rule", "ip", TABLE, "out", "ip", "daddr", RD, "tcp", "dport", String(PROBE_DPORT), "redirect", "to", `:${probePort}`);
  });
  after(async () => {
    spawnSync("nft", ["delete", "table", "ip", TABLE]);
    await new Promise<void>((r) => probe?.close(() => r()));
    await listeners?.close();
    await t?.close();
  });

  const curl = (name: string, port: number, args: string[]) =>
    run("curl", ["-sS", "--max-time", "10", "--interface", "127.0.0.1", "--resolve", `${name}:${port}:${RD}`, "-w", "\n%{http_code}", ...args]);

  test("ok/both readers of the conntrack entry agree on a redirected socket: getsockopt, and the /proc text table", async () => {
    const accepted = new Promise<net.Socket>((r) => probe.once("connection", r));
    const client = net.connect({ host: RD, port: PROBE_DPORT, localAddress: "127.0.0.1" });
    client.on("error", () => {});
    const s = await accepted;
    try {
      assert.equal(s.localPort, probePort, "the kernel redirected the connection");
      assert.deepEqual(await conntrack().of(s), { ip: RD, port: PROBE_DPORT });
      assert.deepEqual(await conntrack({ binding: null }).of(s), { ip: RD, port: PROBE_DPORT });
    } finally {
      client.destroy();
      s.destroy();
    }
  });

  test("fail/a connection made to the listener itself was not redirected and has no original destination", async () => {
    const accepted = new Promise<net.Socket>((r) => probe.once("connection", r));
    const client = net.connect({ host: "127.0.0.1", port: probePort });
    client.on("error", () => {});
    const s = await accepted;
    try {
      assert.equal(await conntrack().of(s), null);
      assert.equal(await conntrack({ binding: null }).of(s), null);
      assert.ok(originalDstBinding(), "the addon is loaded");
      assert.throws(() => originalDstBinding()!.originalDestination(-1 as number, false), TypeError, "a bad descriptor is a clear error");
    } finally {
      client.destroy();
      s.destroy();
    }
  });

  test("ok/TLS by SNI: a redirected flow is bumped for the name it asked for", async () => {
    const r = await curl("shop.example", t.origins.httpsPort, ["--cacert", t.rootFile, `https://shop.example:${t.origins.httpsPort}/redirected`]);
    assert.match(r.out, /origin https shop\.example\/redirected/, r.err);
    assert.match(r.out, /\n200$/);
    assert.ok(t.sink.records.some((x) => x.host === "shop.example" && x.kind === "request" && x.tls === "bump" && x.path === "/redirected"));
  });

  test("ok/p.20: a redirected flow to a protected site keeps the origin's own certificate", async () => {
    const r = await curl("nationalbank.kz", t.origins.httpsPort, ["--cacert", t.origins.caFile, `https://nationalbank.kz:${t.origins.httpsPort}/account`]);
    assert.match(r.out, /origin https nationalbank\.kz\/account/, r.err);
    // A spliced flow's record is written when the connection closes, which may be just after curl returns.
    for (let i = 0; i < 100 && !t.sink.records.some((x) => x.host === "nationalbank.kz"); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(t.sink.records.some((x) => x.host === "nationalbank.kz" && x.tls === "splice" && x.action === "allow"));
  });

  test("ok/HTTP by Host: a redirected request is forwarded", async () => {
    const r = await curl("shop.example", t.origins.httpPort, [`http://shop.example:${t.origins.httpPort}/plain-redirected`]);
    assert.match(r.out, /origin http shop\.example\/plain-redirected/, r.err);
    assert.match(r.out, /\n200$/);
  });

  test("fail/an SNI whose addresses do not include the dialled address is refused; the origin sees nothing", async () => {
    const before = t.origins.requests.length;
    const r = await curl("search.example", t.origins.httpsPort, ["--cacert", t.origins.caFile, `https://search.example:${t.origins.httpsPort}/`]);
    assert.notEqual(r.code, 0);
    assert.ok(t.sink.records.some((x) => x.host === RD && x.reason === "misdirected-request" && x.action === "block"), "refused with its reason, against the dialled address");
    assert.equal(t.origins.requests.length, before);
  });
});
