/**
 * A gateway primary started the way systemd starts it under socket activation, with two cluster workers: the
 * transparent HTTP listener is the descriptor the primary inherits, and the workers accept on it (their
 * `listen({ fd })` is resolved by the primary). Prints "ready" when both listen; on SIGTERM it stops the workers
 * and prints the decision records they sent back, as one JSON line.
 */
import { startGatewayCluster } from "../../src/gateway/cluster.js";
import { MemorySink } from "../../src/gateway/decision-log.js";
import { transparentSpec } from "../../src/gateway/transparent.js";
import { snapshot, MINISTRY, AKIMAT } from "../gateway-core/world.js";

const hosts = { "shop.example": ["127.0.0.1", "127.0.0.9"], "search.example": ["127.0.0.1"] };
const sink = new MemorySink();
const cluster = await startGatewayCluster({
  workers: 2,
  host: "127.0.0.1",
  port: 0,
  hosts,
  portalUrl: "http://portal.test",
  transparent: transparentSpec({ originalDestination: "local-address", socketActivation: true }),
  snapshot: snapshot({ organisations: [{ ...MINISTRY, prefixes: [...MINISTRY.prefixes, "127.0.0.1/32"] }, AKIMAT], hosts }),
  leaves: () => null,
  sink,
  onDetection: () => {},
});
process.stdout.write(`ready ${cluster.workers}\n`);
process.once("SIGTERM", () => {
  void cluster
    .stop()
    .then(() => process.stdout.write(`${JSON.stringify(sink.records.map((r) => ({ host: r.host, reason: r.reason, action: r.action })))}\n`))
    .finally(() => process.exit(0));
});
