/**
 * Leaves handed to a process that holds no CA key — a cluster worker (over IPC) or a gateway node (over the
 * bus): the wire form, and the cache that process keeps (per name and key type, concurrent misses collapsed
 * into one request).
 */
import type { MintedLeaf } from "../ca/leaf.js";
import type { LeafSource } from "./proxy.js";

/** Leaf then chain, DER in base64; the leaf key's PEM. */
export interface LeafWire {
  epoch: number;
  ders: string[];
  keyPem: string;
}

export function leafToWire(leaf: MintedLeaf): LeafWire {
  return { epoch: leaf.epoch, ders: [leaf.der, ...leaf.chain].map((d) => d.toString("base64")), keyPem: leaf.key.privateKeyPem() };
}

export function leafFromWire(name: string, keyType: "ecdsa" | "rsa", w: LeafWire): MintedLeaf {
  const ders = w.ders.map((b) => Buffer.from(b, "base64"));
  const keyPem = w.keyPem;
  // Only what the TLS path reads: the leaf DER, its chain and the leaf key's PEM.
  return { name, keyType, epoch: w.epoch, der: ders[0]!, chain: ders.slice(1), key: { privateKeyPem: () => keyPem } } as unknown as MintedLeaf;
}

const LEAF_TTL_MS = 10 * 60_000;
const LEAF_MAX = 10_000;

export function cachedLeaves(fetch: (name: string, keyType: "ecdsa" | "rsa") => Promise<MintedLeaf>): LeafSource & { clear(): void } {
  const cache = new Map<string, { leaf: MintedLeaf; until: number }>();
  const inflight = new Map<string, Promise<MintedLeaf>>();
  return {
    get(name, keyType) {
      const key = `${keyType}:${name}`;
      const hit = cache.get(key);
      if (hit && hit.until > Date.now()) return Promise.resolve(hit.leaf);
      const running = inflight.get(key);
      if (running) return running;
      const p = fetch(name, keyType).then(
        (leaf) => {
          inflight.delete(key);
          if (cache.size >= LEAF_MAX) cache.delete(cache.keys().next().value!);
          cache.set(key, { leaf, until: Date.now() + LEAF_TTL_MS });
          return leaf;
        },
        (e: Error) => {
          inflight.delete(key);
          throw e;
        },
      );
      inflight.set(key, p);
      return p;
    },
    clear: () => cache.clear(),
  };
}
