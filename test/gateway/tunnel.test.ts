/**
 * Plain HTTP inside CONNECT tunnels: spliced after the first request when no later request could be decided
 * differently (the host has no URL-path entries), decided request by request otherwise.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestGateway, type TestGateway } from "./world.js";
import { Tunnel } from "./tunnel-client.js";

const NAMES = ["shop.example", "social.example", "news.example"];

describe("plain HTTP in CONNECT tunnels", () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ names: NAMES, hosts: Object.fromEntries(NAMES.map((n) => [n, ["127.0.0.1"]])) });
  });
  after(() => t.close());

  test("ok/a host without URL-path entries is decided on the first request, then spliced to its address", async () => {
    const before = t.sink.records.length;
    const tunnel = await Tunnel.open(t.port, `social.example:${t.origins.httpPort}`);
    for (const p of ["/1", "/2", "/3"]) assert.equal(await tunnel.get("social.example", p), 200);
    assert.deepEqual(t.origins.requests.filter((r) => r.host === "social.example").map((r) => r.path).slice(-3), ["/1", "/2", "/3"]);
    tunnel.socket.destroy();
    // The connection record is written when the splice closes.
    while (!t.sink.records.slice(before).some((r) => r.host === "social.example" && r.kind === "connection")) await new Promise((r) => setTimeout(r, 5));
    const recs = t.sink.records.slice(before).filter((r) => r.host === "social.example");
    assert.deepEqual(recs.map((r) => [r.kind, r.action, r.tls]), [["connection", "allow", null]], "one connection record, no per-request records");
    assert.ok(recs[0]!.bytesUp > 0 && recs[0]!.bytesDown > 0);
  });

  test("fail/a host with URL-path entries keeps per-request decisions: a denied path is blocked mid-tunnel", async () => {
    // shop.example is shopping (allowed), shop.example/blog is news (denied for the ministry).
    const tunnel = await Tunnel.open(t.port, `shop.example:${t.origins.httpPort}`);
    assert.equal(await tunnel.get("shop.example", "/cart"), 200);
    assert.equal(await tunnel.get("shop.example", "/blog/post"), 403);
    assert.equal(await tunnel.get("shop.example", "/cart"), 200);
    tunnel.socket.destroy();
  });

  test("fail/a first request for another host is not spliced: it is misdirected (421)", async () => {
    const tunnel = await Tunnel.open(t.port, `social.example:${t.origins.httpPort}`);
    assert.equal(await tunnel.get("news.example", "/"), 421);
    tunnel.socket.destroy();
  });
});
