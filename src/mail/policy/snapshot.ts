/**
 * The mail policy snapshot: what the hooks read, compiled from the store's mail systems and swapped
 * atomically (architecture: "decide in memory"). A request keeps the snapshot it started with.
 *
 *   byAddress  normalised server IP  → mail system   (who may send outbound)
 *   byDomain   A-label domain        → mail system   (whose mail we accept inbound)
 *
 * Compilation refuses a configuration in which one IP or one domain belongs to two systems: the decision
 * would depend on map order. The store should already prevent it; this is the second check.
 */
import { createHash } from "node:crypto";
import type { MailSystem } from "../ports.js";
import { normaliseDomain, normaliseIp } from "./lib/address.js";

export interface MailSystemView {
  readonly id: string;
  readonly name: string;
  readonly domains: readonly string[];
  readonly serverAddresses: readonly string[];
}

export interface MailPolicySnapshot {
  /** Content hash of the compiled view: equal snapshots have equal ids. */
  readonly id: string;
  readonly systems: ReadonlyMap<string, MailSystemView>;
  readonly byAddress: ReadonlyMap<string, MailSystemView>;
  readonly byDomain: ReadonlyMap<string, MailSystemView>;
}

export class MailConfigError extends Error {
  override name = "MailConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`mail configuration is inconsistent: ${problems.join("; ")}`);
  }
}

export function compileMailSnapshot(systems: readonly MailSystem[]): MailPolicySnapshot {
  const problems: string[] = [];
  const byId = new Map<string, MailSystemView>();
  const byAddress = new Map<string, MailSystemView>();
  const byDomain = new Map<string, MailSystemView>();
  const sorted = [...systems].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const s of sorted) {
    if (byId.has(s.id)) {
      problems.push(`duplicate mail system id ${s.id}`);
      continue;
    }
    const addresses: string[] = [];
    for (const a of s.serverAddresses) {
      const n = normaliseIp(a);
      if (!n) problems.push(`${s.id}: not an IP address: ${JSON.stringify(a)}`);
      else if (!addresses.includes(n)) addresses.push(n);
    }
    const domains: string[] = [];
    for (const d of s.domains) {
      const n = normaliseDomain(d);
      if (!n) problems.push(`${s.id}: not a domain: ${JSON.stringify(d)}`);
      else if (!domains.includes(n)) domains.push(n);
    }
    const view: MailSystemView = Object.freeze({ id: s.id, name: s.name, domains: Object.freeze(domains), serverAddresses: Object.freeze(addresses) });
    byId.set(s.id, view);
    for (const a of addresses) {
      const other = byAddress.get(a);
      if (other) problems.push(`address ${a} belongs to both ${other.id} and ${s.id}`);
      else byAddress.set(a, view);
    }
    for (const d of domains) {
      const other = byDomain.get(d);
      if (other) problems.push(`domain ${d} belongs to both ${other.id} and ${s.id}`);
      else byDomain.set(d, view);
    }
  }
  if (problems.length > 0) throw new MailConfigError(problems);
  const id = createHash("sha256")
    .update(JSON.stringify([...byId.values()]))
    .digest("hex")
    .slice(0, 16);
  return Object.freeze({ id, systems: byId, byAddress, byDomain });
}

export const EMPTY_SNAPSHOT: MailPolicySnapshot = compileMailSnapshot([]);
