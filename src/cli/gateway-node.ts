/**
 * `qaqpa gateway-node`: a data-plane node of the multi-node mode (src/gateway/node.ts). It needs the `bus` and
 * `gatewayNode` sections and opens no store.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, gatewayWorkers, loadConfig, type TransparentConfig } from "../config.js";
import { busConnector, nodeCredential } from "../bus/from-config.js";
import { startGatewayNode } from "../gateway/node.js";
import { transparentSpec } from "../gateway/transparent.js";

function transparentLine(tp: TransparentConfig | undefined): string {
  if (!tp) return "";
  const at = tp.socketActivation ? "the socket units' descriptors" : [tp.http !== undefined ? `http ${tp.host}:${tp.http}` : "", tp.tls !== undefined ? `tls ${tp.host}:${tp.tls}` : ""].filter(Boolean).join(", ");
  return `\n  transparent ${at} (original destination: ${tp.originalDestination})`;
}

export async function gatewayNodeCommand(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfig(env);
  const { bus, gatewayNode } = config;
  if (!bus || !gatewayNode) throw new ConfigError("qaqpa gateway-node needs the bus and gatewayNode sections of the configuration");
  const node = await startGatewayNode({
    name: gatewayNode.name,
    stateDir: gatewayNode.stateDir ?? join(config.dataDir, "node"),
    connectBus: busConnector(bus, `gateway-node ${gatewayNode.name}`, env),
    credential: nodeCredential(bus),
    listen: {
      host: config.proxy.host,
      port: config.proxy.port,
      hosts: config.proxy.hosts,
      upstreamCa: (config.proxy.upstreamCaFiles ?? []).map((f) => readFileSync(f, "utf8")),
      portalUrl: gatewayNode.portalUrl,
      // The same section as the all-in-one's; under socket activation the node's own unit hands the sockets over.
      ...(config.gateway?.transparent ? { transparent: transparentSpec(config.gateway.transparent, env) } : {}),
    },
    ...(gatewayNode.health ? { health: gatewayNode.health } : {}),
    ...(gatewayNode.spoolMaxBytes !== undefined ? { spoolMaxBytes: gatewayNode.spoolMaxBytes } : {}),
    workers: gatewayWorkers(config),
    scheduling: config.gateway?.scheduling,
  });
  const s = node.snapshot();
  console.log(`qaqpa gateway node ${gatewayNode.name} is running
  proxy      http://${config.proxy.host.includes(":") ? `[${config.proxy.host}]` : config.proxy.host}:${node.port}${transparentLine(config.gateway?.transparent)}
  snapshot   ${s ? `${s.id} (persisted)` : "none yet: failing closed until the control plane's arrives"}
  bus        ${bus.servers.join(", ")}
  leaves     ${bus.nodeId ? `asked as enrolled node ${bus.nodeId}` : "none (no bus.nodeId / nodeCredentialFile): allowed TLS is spliced, never decrypted"}${node.healthPort !== null ? `\n  health     http://${gatewayNode.health!.host}:${node.healthPort}/health` : ""}`);
  const stop = async () => {
    await node.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return new Promise(() => {});
}
