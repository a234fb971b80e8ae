/**
 * Leaves for gateway nodes (Rules p.21–23: the data plane never holds a CA key).
 *
 * Trust choice: the issuing intermediate's key stays in the control plane (sealed in the store, as in the
 * all-in-one). A node asks the control plane for the leaf of one name over NATS request/reply and caches it,
 * exactly as a cluster worker asks its primary. Both sides hold one node credential (32 random bytes, a file
 * outside the data directory): a request carries a proof sealed under it (AES-256-GCM, bound to the name, key
 * type and time), and the reply — leaf certificate, chain and the leaf's private key — is sealed under it too,
 * bound to the same request. So a NATS subscriber without the credential gets no leaf and reads no leaf key; a
 * node that is compromised can obtain leaves for ordinary names — what any bumping gateway can do — but never
 * one for a protected name (the authority refuses them, and the intermediate's name constraints exclude the
 * stable protected namespaces) and never the intermediate's key.
 */
import { createSealer, type Sealer } from "../secrets/sealer.js";
import type { LeafSource } from "../gateway/proxy.js";
import { cachedLeaves, leafFromWire, leafToWire, type LeafWire } from "../gateway/leaf-wire.js";
import type { Bus } from "./bus.js";

const SUBJECT = "leaf";
/** A request older (or newer) than this is refused: a replayed request is useless anyway (the reply is sealed). */
const FRESH_MS = 5 * 60_000;
const TIMEOUT_MS = 5_000;

interface LeafRequest {
  name: string;
  keyType: "ecdsa" | "rsa";
  at: number;
  proof: string;
}

export function credentialSealer(credential: Uint8Array): Sealer {
  if (credential.length !== 32) throw new Error("the node credential must be 32 bytes");
  return createSealer(credential);
}

const requestContext = (r: Omit<LeafRequest, "proof">) => `qaqpa-leaf-request:${r.keyType}:${r.name}:${r.at}`;
const replyContext = (r: Omit<LeafRequest, "proof">) => `qaqpa-leaf:${r.keyType}:${r.name}:${r.at}`;

/** Control plane: answer nodes' leaf requests from the active issuing CA. */
export function serveLeaves(bus: Bus, credential: Uint8Array, leaves: () => LeafSource | null, now = () => Date.now()): { stop(): Promise<void> } {
  const sealer = credentialSealer(credential);
  const fail = (error: string) => Buffer.from(JSON.stringify({ error }));
  return bus.serve(SUBJECT, async (data) => {
    let r: LeafRequest;
    try {
      r = JSON.parse(Buffer.from(data).toString("utf8")) as LeafRequest;
      if (typeof r.name !== "string" || (r.keyType !== "ecdsa" && r.keyType !== "rsa") || typeof r.at !== "number" || typeof r.proof !== "string") return fail("malformed request");
      sealer.open(r.proof, requestContext(r));
    } catch {
      return fail("request not authenticated");
    }
    if (Math.abs(now() - r.at) > FRESH_MS) return fail("request not fresh");
    const src = leaves();
    if (!src) return fail("no active issuing CA");
    try {
      const leaf = await src.get(r.name, r.keyType);
      return Buffer.from(JSON.stringify({ sealed: sealer.seal(JSON.stringify(leafToWire(leaf)), replyContext(r)) }));
    } catch (e) {
      return fail((e as Error).message);
    }
  });
}

/** Gateway node: leaves from the control plane, cached per name and key type, concurrent misses collapsed. */
export function busLeaves(bus: Bus, credential: Uint8Array): LeafSource & { clear(): void } {
  const sealer = credentialSealer(credential);
  return cachedLeaves(async (name, keyType) => {
    const at = Date.now();
    const req: LeafRequest = { name, keyType, at, proof: sealer.seal("", requestContext({ name, keyType, at })) };
    const reply = JSON.parse(Buffer.from(await bus.request(SUBJECT, Buffer.from(JSON.stringify(req)), TIMEOUT_MS)).toString("utf8")) as { sealed?: string; error?: string };
    if (!reply.sealed) throw new Error(`leaf for ${name}: ${reply.error ?? "no answer"}`);
    return leafFromWire(name, keyType, JSON.parse(sealer.open(reply.sealed, replyContext({ name, keyType, at })).toString("utf8")) as LeafWire);
  });
}
