/**
 * Leaves for gateway nodes (Rules p.21–23: the data plane never holds a CA key).
 *
 * Trust choice: the issuing intermediate's key stays in the control plane (sealed in the store, as in the
 * all-in-one). A node asks the control plane for the leaf of one name over NATS request/reply and caches it,
 * exactly as a cluster worker asks its primary. Each node has its own credential (32 random bytes, issued by
 * `qaqpa node enrol`, held in a file on the node and sealed under the master key in the store:
 * src/services/gateway-nodes.ts). A request names the node in clear and carries a proof sealed under that
 * node's credential (AES-256-GCM, bound to the node, name, key type and time); the control plane verifies it
 * with the credentials the node holds now (its current one, and its previous one during a rotation's overlap)
 * and seals the reply — leaf certificate, chain and the leaf's private key — under the credential that
 * verified, bound to the same request. So a NATS subscriber without a node's credential gets no leaf and reads
 * no leaf key; an unknown or revoked node is refused ("request not authenticated") as soon as the control
 * plane's directory has seen the change (seconds); a node that is compromised can obtain leaves for ordinary
 * names — what any bumping gateway can do — until it is revoked, but never one for a protected name (the
 * authority refuses them, and the intermediate's name constraints exclude the stable protected namespaces) and
 * never the intermediate's key. Revoking it cuts off that node alone.
 */
import { createSealer, type Sealer } from "../secrets/sealer.js";
import type { LeafSource } from "../gateway/proxy.js";
import { cachedLeaves, leafFromWire, leafToWire, type LeafWire } from "../gateway/leaf-wire.js";
import { NODE_NAME, type Bus } from "./bus.js";

const SUBJECT = "leaf";
/** A request older (or newer) than this is refused: a replayed request is useless anyway (the reply is sealed). */
const FRESH_MS = 5 * 60_000;
const TIMEOUT_MS = 5_000;

interface LeafRequest {
  node: string;
  name: string;
  keyType: "ecdsa" | "rsa";
  at: number;
  proof: string;
}

/** The control plane's view of the enrolled nodes (src/services/gateway-nodes.ts keeps it from the store). */
export interface NodeCredentials {
  /** Sealers of the credentials the node may prove itself with now; none for an unknown or revoked node. */
  sealers(node: string): readonly Sealer[];
}

export function credentialSealer(credential: Uint8Array): Sealer {
  if (credential.length !== 32) throw new Error("the node credential must be 32 bytes");
  return createSealer(credential);
}

const requestContext = (r: Omit<LeafRequest, "proof">) => `qaqpa-leaf-request:${r.node}:${r.keyType}:${r.name}:${r.at}`;
const replyContext = (r: Omit<LeafRequest, "proof">) => `qaqpa-leaf:${r.node}:${r.keyType}:${r.name}:${r.at}`;

/** The sealer of the node's credential that opens the request's proof, or null. */
function authenticate(credentials: NodeCredentials, r: LeafRequest): Sealer | null {
  for (const sealer of credentials.sealers(r.node)) {
    try {
      sealer.open(r.proof, requestContext(r));
      return sealer;
    } catch {
      // Not this credential: the previous one during a rotation's overlap may still open it.
    }
  }
  return null;
}

/** Control plane: answer enrolled nodes' leaf requests from the active issuing CA. */
export function serveLeaves(bus: Bus, credentials: NodeCredentials, leaves: () => LeafSource | null, now = () => Date.now()): { stop(): Promise<void> } {
  const fail = (error: string) => Buffer.from(JSON.stringify({ error }));
  return bus.serve(SUBJECT, async (data) => {
    let r: LeafRequest;
    try {
      r = JSON.parse(Buffer.from(data).toString("utf8")) as LeafRequest;
    } catch {
      return fail("malformed request");
    }
    if (typeof r.node !== "string" || !NODE_NAME.test(r.node) || typeof r.name !== "string" || (r.keyType !== "ecdsa" && r.keyType !== "rsa") || typeof r.at !== "number" || typeof r.proof !== "string") return fail("malformed request");
    // Unknown, revoked and wrong credential answer alike: the bus does not tell which node ids exist.
    const sealer = authenticate(credentials, r);
    if (!sealer) return fail("request not authenticated");
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
export function busLeaves(bus: Bus, node: string, credential: Uint8Array): LeafSource & { clear(): void } {
  const sealer = credentialSealer(credential);
  return cachedLeaves(async (name, keyType) => {
    const at = Date.now();
    const req: LeafRequest = { node, name, keyType, at, proof: sealer.seal("", requestContext({ node, name, keyType, at })) };
    const reply = JSON.parse(Buffer.from(await bus.request(SUBJECT, Buffer.from(JSON.stringify(req)), TIMEOUT_MS)).toString("utf8")) as { sealed?: string; error?: string };
    if (!reply.sealed) throw new Error(`leaf for ${name}: ${reply.error ?? "no answer"}`);
    return leafFromWire(name, keyType, JSON.parse(sealer.open(reply.sealed, replyContext({ node, name, keyType, at })).toString("utf8")) as LeafWire);
  });
}
