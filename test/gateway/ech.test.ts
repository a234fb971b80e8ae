/**
 * ECH on the wire: Chromium's real ClientHello (it carries an encrypted_client_hello extension) sent through a
 * CONNECT tunnel to an allowed, inspected destination is refused (`ech-not-inspectable`), and never reaches the
 * origin; the same bytes towards a protected destination are spliced untouched (p.20).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { fixture } from "../gateway-core/parse/support.js";
import { startTestGateway, categoriesWith, type TestGateway } from "./world.js";

const HELLO = fixture("client-hello", "chromium-h2.bin"); // SNI fixture.example, ECH extension present

function tunnel(port: number, target: string, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    let got = "";
    let sent = false;
    s.on("data", (d) => {
      got += d.toString("latin1");
      if (sent) return void s.destroy(); // the TLS answer (origin's or the gateway's): enough
      if (got.includes("\r\n\r\n")) {
        sent = true;
        s.write(bytes);
      }
    });
    s.on("error", () => {});
    s.on("close", () => resolve(got));
    setTimeout(() => s.destroy(), 3000);
  });
}

for (const [category, expected] of [["shopping", "block"], ["finance-banking", "allow"]] as const) {
  describe(`ECH in a real ClientHello towards a ${category} destination`, () => {
    let t: TestGateway;
    before(async () => {
      t = await startTestGateway({ names: ["fixture.example"], hosts: { "fixture.example": ["127.0.0.1"] }, snapshot: { categories: categoriesWith([["fixture.example", category]]) } });
    });
    after(() => t.close());

    test(`${expected === "block" ? "fail/refused: an encrypted ClientHello cannot be inspected" : "ok/p.20: spliced untouched"}`, async () => {
      const reply = await tunnel(t.port, `fixture.example:${t.origins.httpsPort}`, HELLO);
      assert.match(reply, /^HTTP\/1\.1 200/);
      const find = () => t.sink.records.find((r) => r.host === "fixture.example" && r.kind === "connection" && r.protocol === "tls");
      // A splice is logged when both legs have closed, just after the client's close.
      for (let i = 0; i < 100 && !find(); i++) await new Promise((r) => setTimeout(r, 20));
      const rec = find();
      assert.ok(rec, JSON.stringify(t.sink.records));
      assert.equal(rec.action, expected);
      if (expected === "block") {
        assert.equal(rec.reason, "ech-not-inspectable");
        assert.ok(!t.origins.requests.length, "nothing reached the origin");
      } else {
        assert.equal(rec.reason, "protected-category");
        assert.equal(rec.tls, "splice");
      }
    });
  });
}
