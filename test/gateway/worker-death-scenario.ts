/**
 * A worker dies with connections waiting in its accept queue. Runs inside a network namespace of its own
 * (`unshare -n`), so that it can set net.ipv4.tcp_migrate_req — a per-namespace setting — without touching the
 * machine's: `worker-death-scenario.ts <0|1>`.
 *
 * Two cluster workers, each on a listening socket of its own (SO_REUSEPORT). One is stopped (SIGSTOP), so the
 * connections the kernel hashes to its socket wait in its accept queue; 32 clients connect and send a request;
 * the other worker answers its share; then the stopped worker is killed. Prints one JSON line: how many
 * requests were answered before the kill, and in the end how many were answered and how many were reset.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { startGatewayCluster } from "../../src/gateway/cluster.js";
import { MemorySink } from "../../src/gateway/decision-log.js";
import { snapshot, MINISTRY, AKIMAT } from "../gateway-core/world.js";

const CLIENTS = 32;
const migrate = process.argv[2] === "1" ? "1" : "0";
execFileSync("ip", ["link", "set", "lo", "up"]);
writeFileSync("/proc/sys/net/ipv4/tcp_migrate_req", migrate);

const hosts = { "shop.example": ["127.0.0.1"] };
const cluster = await startGatewayCluster({
  workers: 2,
  host: "127.0.0.1",
  port: 0,
  scheduling: "reuseport",
  hosts,
  portalUrl: "http://portal.test",
  snapshot: snapshot({ organisations: [{ ...MINISTRY, prefixes: [...MINISTRY.prefixes, "127.0.0.1/32"] }, AKIMAT], hosts }),
  leaves: () => null,
  sink: new MemorySink(),
  onDetection: () => {},
});
const [victim] = cluster.pids();
process.kill(victim!, "SIGSTOP");

type Outcome = "answered" | "reset" | "closed";
const outcomes = new Map<number, Outcome>();
const done = Array.from(
  { length: CLIENTS },
  (_, i) =>
    new Promise<void>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port: cluster.port });
      let got = "";
      const end = (o: Outcome) => {
        if (!outcomes.has(i)) outcomes.set(i, o);
        s.destroy();
        resolve();
      };
      // Any response counts (the request is refused by policy: no origin is needed); what matters is that a
      // worker accepted the connection and answered it.
      s.on("data", (b) => {
        got += b.toString("latin1");
        if (got.startsWith("HTTP/1.1 ")) end("answered");
      });
      s.on("error", (e: NodeJS.ErrnoException) => end(e.code === "ECONNRESET" ? "reset" : "closed"));
      s.on("close", () => end("closed"));
      s.write(`GET http://blocked.example/${i} HTTP/1.1\r\nHost: blocked.example\r\nConnection: close\r\n\r\n`);
    }),
);
// The live worker answers its share; the rest wait in the stopped worker's queue.
await new Promise((r) => setTimeout(r, 1500));
const answeredBefore = [...outcomes.values()].filter((o) => o === "answered").length;
process.kill(victim!, "SIGKILL");
await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 10_000))]);
const count = (o: Outcome) => [...outcomes.values()].filter((x) => x === o).length;
process.stdout.write(`${JSON.stringify({ clients: CLIENTS, answeredBefore, answered: count("answered"), reset: count("reset"), closed: count("closed") })}\n`);
await cluster.stop();
process.exit(0);
