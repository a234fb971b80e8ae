/**
 * The bus as the configuration names it (control plane and gateway nodes alike), and a gateway node's own
 * credential. The control plane reads no credential file: it opens the enrolled nodes' credentials from the store.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { ConfigError, type Config } from "../config.js";
import { keepConnecting, type Bus } from "./bus.js";
import { connectNatsBus } from "./nats.js";
import { startControlPlaneBus, type ControlPlaneBus, type ControlPlaneBusOptions } from "./control-plane.js";

export function busConnector(bus: NonNullable<Config["bus"]>, name: string, env: NodeJS.ProcessEnv = process.env): () => Promise<Bus> {
  return () => connectNatsBus({ servers: bus.servers, namespace: bus.namespace, name, ...(bus.user ? { user: bus.user, pass: bus.passwordEnv ? (env[bus.passwordEnv] ?? "") : "" } : {}) });
}

/**
 * A gateway node's own 32-byte credential (base64 in the file `qaqpa node enrol` wrote), or undefined when none
 * is configured. The configuration has already checked that `bus.nodeId` names the node it was issued to.
 */
export function nodeCredential(bus: NonNullable<Config["bus"]>): Uint8Array | undefined {
  if (!bus.nodeCredentialFile) return undefined;
  const k = Buffer.from(readFileSync(bus.nodeCredentialFile, "utf8").trim(), "base64");
  if (k.length !== 32) throw new ConfigError(`${bus.nodeCredentialFile} does not hold a 32-byte base64 node credential (qaqpa node enrol ${bus.nodeId ?? "<node>"} writes one)`);
  return k;
}

export interface ControlPlaneOnBus {
  /** Resolves once the bus is connected and the publisher, consumer and leaf service run. */
  readonly ready: Promise<ControlPlaneBus>;
  lastError(): string | null;
  stop(): Promise<void>;
}

/** The control plane's bus duties, connecting in the background (the API serves during a NATS outage). */
export function controlPlaneOnBus(bus: NonNullable<Config["bus"]>, o: Omit<ControlPlaneBusOptions, "bus">, env: NodeJS.ProcessEnv = process.env): ControlPlaneOnBus {
  let started: ControlPlaneBus | null = null;
  let error: string | null = null;
  let resolveReady!: (c: ControlPlaneBus) => void;
  const ready = new Promise<ControlPlaneBus>((r) => (resolveReady = r));
  const connection = keepConnecting(
    busConnector(bus, `control-plane ${hostname()}:${process.pid}`, env),
    async (b) => {
      started = await startControlPlaneBus({ ...o, bus: b });
      resolveReady(started);
    },
    (e) => (error = e.message),
  );
  return {
    ready,
    lastError: () => started?.lastError() ?? error,
    async stop() {
      await started?.stop();
      await connection.stop();
    },
  };
}
