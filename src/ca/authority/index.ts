/**
 * The CA authority (step-ca's "authority"): decides what may be signed. It owns the protected-namespace list
 * that goes into every issuing intermediate's NameConstraints and the leaf-name policy that refuses protected
 * names a second time, and it hands the gateway a `LeafMinter` wired to that policy.
 */
import { LeafMinter, type LeafKeySet } from "../leaf.js";
import type { Issuer } from "../issuers/issuer.js";
import { excludedDnsOf, parseCertificate } from "../x509.js";
import { excludedSubtreesFor, type LeafName } from "./names.js";
import { createLeafNamePolicy, type IsProtected, type LeafNamePolicy } from "./policy.js";

export interface AuthorityConfig {
  /** The protected-category matcher (Rules p.20). The gateway passes its category matcher; tests pass a set. */
  readonly isProtected: IsProtected;
  /** Bank domains to exclude besides gov.kz and egov.kz; default DEFAULT_BANK_DOMAINS. */
  readonly bankDomains?: readonly string[];
  /** Mint `*.name` leaves. Default false: the gateway asks for the exact SNI. */
  readonly allowWildcard?: boolean;
  /** Mint IP-address leaves (clients that send no SNI). Default false. */
  readonly allowIp?: boolean;
}

export interface IssuingCa {
  readonly issuer: Issuer;
  /** DER of the issuing intermediate. */
  readonly certificate: Buffer;
}

export class CaAuthority {
  /** DNS subtrees excluded by configuration: the stable namespaces plus the bank domains. */
  readonly excludedDnsSubtrees: readonly string[];
  readonly #config: AuthorityConfig;
  readonly #policy: LeafNamePolicy;

  constructor(config: AuthorityConfig) {
    this.#config = config;
    this.excludedDnsSubtrees = Object.freeze(excludedSubtreesFor(config.bankDomains));
    this.#policy = this.namePolicy();
  }

  /**
   * The leaf-name policy. `extraExcluded` adds the subtrees a particular intermediate carries, so the
   * authority refuses at least everything the workstations would reject for that chain.
   */
  namePolicy(extraExcluded: readonly string[] = []): LeafNamePolicy {
    return createLeafNamePolicy({
      isProtected: this.#config.isProtected,
      excludedDnsSubtrees: [...this.excludedDnsSubtrees, ...extraExcluded],
      allowWildcard: this.#config.allowWildcard ?? false,
      allowIp: this.#config.allowIp ?? false,
    });
  }

  /** Validates a name and applies both refusals; throws InvalidLeafNameError or ProtectedNameError. */
  checkLeafName(name: string): LeafName {
    return this.#policy(name);
  }

  /** A minter for the gateway, refusing what this authority refuses plus what the intermediate excludes. */
  leafMinter(issuing: IssuingCa, keys: LeafKeySet, opts: { validityDays?: number; backdateSeconds?: number } = {}): LeafMinter {
    const own = excludedDnsOf(parseCertificate(issuing.certificate));
    return new LeafMinter({ issuer: issuing.issuer, issuerCertificate: issuing.certificate, policy: this.namePolicy(own), keys, ...opts });
  }
}

export { createIntermediate, createRoot, DEFAULT_INTERMEDIATE_VALIDITY_DAYS, DEFAULT_ROOT_VALIDITY_DAYS } from "./hierarchy.js";
export type { GeneratedCa, IntermediateOptions, RootOptions } from "./hierarchy.js";
export { generateLeafKeys, leafKeyContext, openLeafKeys } from "./leaf-keys.js";
export {
  DEFAULT_BANK_DOMAINS,
  STABLE_PROTECTED_NAMESPACES,
  excludedSubtreesFor,
  isWithinSubtree,
  normaliseDnsName,
  parseLeafName,
  wildcardReaches,
} from "./names.js";
export type { LeafName, LeafNameOptions } from "./names.js";
export { createLeafNamePolicy } from "./policy.js";
export type { IsProtected, LeafNamePolicy, LeafNamePolicyConfig } from "./policy.js";
