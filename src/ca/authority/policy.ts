/**
 * The authority's leaf-name policy: validate the name, then refuse protected names twice, independently
 * (Rules p.20; architecture principle 5):
 *
 *   1. `isProtected(name)` — the caller's protected-category matcher (the gateway passes the category matcher,
 *      which knows every list entry of the seven p.20 categories);
 *   2. the excluded DNS subtrees — the same list the issuing intermediate carries in NameConstraints, checked
 *      here with RFC 5280 §4.2.1.10 semantics, so a gap in the category data cannot produce a leaf the
 *      workstations would then reject (or, worse, a wildcard that slips past their string matching).
 *
 * Either refusal alone blocks issuance. The pipeline's `protected-category` stage splices such flows before
 * ever asking for a leaf, so a refusal here means a bug upstream, and it is loud.
 */
import { ProtectedNameError } from "../errors.js";
import { isWithinSubtree, normaliseSubtrees, parseLeafName, wildcardReaches, type LeafName, type LeafNameOptions } from "./names.js";

export type IsProtected = (name: string) => boolean;

export interface LeafNamePolicyConfig extends LeafNameOptions {
  readonly isProtected: IsProtected;
  /** DNS subtrees never signed (normally `excludedSubtreesFor(bankDomains)` ∪ the intermediate's own list). */
  readonly excludedDnsSubtrees: readonly string[];
}

/** Checks one requested name; returns it normalised or throws InvalidLeafNameError / ProtectedNameError. */
export type LeafNamePolicy = (input: string) => LeafName;

export function createLeafNamePolicy(cfg: LeafNamePolicyConfig): LeafNamePolicy {
  const subtrees = normaliseSubtrees(cfg.excludedDnsSubtrees);
  const isProtected = cfg.isProtected;
  const opts: LeafNameOptions = { allowWildcard: cfg.allowWildcard ?? false, allowIp: cfg.allowIp ?? false };
  return (input) => {
    const leaf = parseLeafName(input, opts);
    // Refusal 1: the category matcher. For a wildcard ask about the base too: `*.x.kz` stands for names in x.kz.
    if (isProtected(leaf.name) || (leaf.kind === "wildcard" && isProtected(leaf.base))) {
      throw new ProtectedNameError(leaf.name, "protected-category");
    }
    // Refusal 2: the name-constraint list, independent of the category data.
    if (leaf.kind !== "ip") {
      for (const s of subtrees) {
        if (leaf.kind === "dns" ? isWithinSubtree(leaf.name, s) : wildcardReaches(leaf.base, s)) {
          throw new ProtectedNameError(leaf.name, "name-constraint", s);
        }
      }
    }
    return leaf;
  };
}
