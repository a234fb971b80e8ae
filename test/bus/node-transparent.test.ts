/**
 * Transparent listeners on a gateway node, in process and on two cluster workers. No bus is needed: the node
 * serves the snapshot it persisted, and its decision records wait in its spool — where the test reads them.
 * The listeners bind 127.0.0.13/14 on the origins' port numbers (local-address, as under TPROXY).
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGatewayNode } from "../../src/gateway/node.js";
import type { NodeBatch } from "../../src/bus/bus.js";
import { snapshot, MINISTRY, AKIMAT } from "../gateway-core/world.js";
import { startOrigins, type Origins } from "../gateway/origin.js";
import { run } from "../gateway/world.js";

describe("gateway node with transparent listeners", () => {
  let dir: string;
  let origins: Origins;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "qaqpa-node-tp-"));
    origins = await startOrigins(["shop.example", "search.example"]);
  });
  after(async () => {
    await origins.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [workers, TP] of [[0, "127.0.0.13"], [2, "127.0.0.14"]] as const) {
    test(`ok/fail/${workers ? `${workers} workers` : "in process"}: HTTP by Host and TLS by SNI from the persisted snapshot, forged Host refused, records spooled`, async () => {
      // search.example does not resolve to the listeners' address: naming it there is a forgery.
      const hosts = { "shop.example": ["127.0.0.1", TP], "search.example": ["127.0.0.1"] };
      const stateDir = join(dir, `node-${workers}`);
      mkdirSync(stateDir, { recursive: true });
      const snap = snapshot({ organisations: [{ ...MINISTRY, prefixes: [...MINISTRY.prefixes, "127.0.0.1/32"] }, AKIMAT], hosts });
      writeFileSync(join(stateDir, "snapshot.bin"), snap.serialise());
      writeFileSync(join(stateDir, "snapshot.bin.id"), snap.id);
      const node = await startGatewayNode({
        name: `gw-tp-${workers}`,
        stateDir,
        connectBus: () => Promise.reject(new Error("no bus in this test")),
        listen: {
          host: "127.0.0.1",
          port: 0,
          hosts,
          portalUrl: "http://portal.example",
          upstreamCa: [origins.caPem],
          transparent: { originalDestination: "local-address", http: { host: TP, port: origins.httpPort }, tls: { host: TP, port: origins.httpsPort } },
        },
        workers,
        batchEveryMs: 50,
      });
      try {
        assert.equal(node.snapshot()?.id, snap.id);
        assert.equal(node.cluster?.workers ?? 0, workers);
        assert.equal(node.transparent === null, workers > 0, "with workers, the node process runs no listener of its own");
        const curl = (name: string, port: number, args: string[]) => run("curl", ["-sS", "--max-time", "10", "--interface", "127.0.0.1", "--resolve", `${name}:${port}:${TP}`, "-w", "\n%{http_code}", ...args]);
        const plain = await curl("shop.example", origins.httpPort, [`http://shop.example:${origins.httpPort}/n${workers}`]);
        assert.match(plain.out, /origin http shop\.example\/n\d body=0\n\n200$/, plain.err);
        // No node credential, so no leaf: the TLS flow is spliced and the client sees the origin's certificate.
        const tls = await curl("shop.example", origins.httpsPort, ["--cacert", origins.caFile, `https://shop.example:${origins.httpsPort}/t${workers}`]);
        assert.match(tls.out, /origin https shop\.example\/t\d body=0\n\n200$/, tls.err);
        const forged = await run("curl", ["-sS", "-i", "--max-time", "10", "--interface", "127.0.0.1", "-H", "Host: search.example", `http://${TP}:${origins.httpPort}/`]);
        assert.match(forged.out, /^HTTP\/1\.1 403/);

        const spool = join(stateDir, "spool");
        let records: NodeBatch["records"] = [];
        const complete = () =>
          records.some((r) => r.host === "shop.example" && r.path === `/n${workers}`) &&
          records.some((r) => r.host === "shop.example" && r.tls === "splice" && r.action === "allow") &&
          records.some((r) => r.host === "search.example" && r.reason === "misdirected-request");
        for (let i = 0; i < 50 && !complete(); i++) {
          await new Promise((r) => setTimeout(r, 20));
          // Without a bus, flush() spools and then reports the batches waiting: that is what this test reads.
          await node.flush().catch(() => {});
          records = readdirSync(spool)
            .filter((f) => f.endsWith(".json"))
            .flatMap((f) => (JSON.parse(readFileSync(join(spool, f), "utf8")) as NodeBatch).records);
        }
        assert.ok(complete(), JSON.stringify(records));
      } finally {
        await node.stop();
      }
    });
  }
});
