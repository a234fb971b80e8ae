/**
 * The gateway resolves every destination itself and dials only the addresses it resolved — never an address
 * the client chose — so a spoofed SNI, Host or CONNECT target cannot buy a bypass (check at the point of
 * effect). Addresses from the static hosts map (tests, private zones) are trusted; addresses that public DNS
 * returns in private, loopback or link-local space are refused (DNS rebinding into the gateway's networks).
 */
import { promises as dns } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export interface Resolver {
  resolve(name: string): Promise<string[]>;
  /**
   * The addresses `resolve` would give without a lookup (hosts map, a public address literal, a fresh cache
   * entry), else null: the per-request path skips an await when the answer is already known.
   */
  known(name: string): readonly string[] | null;
}

export class ResolveError extends Error {
  override name = "ResolveError";
  constructor(
    readonly code: "not-found" | "private-address" | "timeout",
    message: string,
  ) {
    super(message);
  }
}

const PUBLIC_RANGES = new Set(["unicast"]);

export function isPublicAddress(a: string): boolean {
  try {
    let addr = ipaddr.parse(a);
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
    return PUBLIC_RANGES.has(addr.range());
  } catch {
    return false;
  }
}

export function createResolver(opts: { hosts?: ReadonlyMap<string, readonly string[]>; ttlMs?: number; lookup?: (name: string) => Promise<string[]>; allowPrivate?: boolean }): Resolver {
  const cache = new Map<string, { at: number; addrs: string[] }>();
  const ttl = opts.ttlMs ?? 30_000;
  const lookup = opts.lookup ?? (async (name: string) => (await dns.lookup(name, { all: true, verbatim: true })).map((r) => r.address));
  const canonical = (name: string) => name.toLowerCase().replace(/\.$/, "");
  /** What is known of a canonical name without a lookup; null for a private literal (refused) or a cache miss. */
  const knownOf = (n: string): readonly string[] | null => {
    const fixed = opts.hosts?.get(n);
    if (fixed) return fixed;
    if (isIP(n)) return opts.allowPrivate || isPublicAddress(n) ? [n] : null;
    // A short shared cache tolerates CDN rotation between the policy check and the dial.
    const hit = cache.get(n);
    return hit && Date.now() - hit.at < ttl ? hit.addrs : null;
  };
  return {
    known: (name) => knownOf(canonical(name)),
    async resolve(name) {
      const n = canonical(name);
      const known = knownOf(n);
      if (known) return [...known];
      if (isIP(n)) throw new ResolveError("private-address", `${n} is not a public address`);
      let addrs: string[];
      try {
        addrs = await lookup(n);
      } catch (e) {
        throw new ResolveError("not-found", `${n} does not resolve (${(e as NodeJS.ErrnoException).code ?? "error"})`);
      }
      const usable = opts.allowPrivate ? addrs : addrs.filter(isPublicAddress);
      if (usable.length === 0) throw new ResolveError(addrs.length ? "private-address" : "not-found", `${n} resolves to no public address`);
      cache.set(n, { at: Date.now(), addrs: usable });
      if (cache.size > 50_000) cache.delete(cache.keys().next().value!);
      return usable;
    },
  };
}
