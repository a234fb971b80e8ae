/**
 * What the CA may name: DNS name syntax for leaves, RFC 5280 §4.2.1.10 subtree matching, and the protected
 * namespaces that the issuing intermediate excludes (Rules p.20).
 *
 * Primitives: `parseLeafName` (input → normalised `LeafName` or InvalidLeafNameError), `isWithinSubtree`,
 * `wildcardReaches`, and the default namespace lists.
 */
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { CaConfigError, InvalidLeafNameError } from "../errors.js";

/**
 * Namespaces that never change hands: the government zone and the e-government portal. `gov.kz` covers every
 * `*.gov.kz` subdomain (RFC 5280 §4.2.1.10: a DNS constraint matches any name formed by adding labels on the
 * left). `egov.kz` is listed on its own because `egov` is a different label from `gov`.
 */
export const STABLE_PROTECTED_NAMESPACES: readonly string[] = Object.freeze(["gov.kz", "egov.kz"]);

/**
 * Default bank and regulator domains (Rules p.20(1), "finance and banking"). This is configuration curated by
 * STS, not law: pass `bankDomains` to replace it. Changing it means issuing a new intermediate (the list is
 * baked into its NameConstraints) — the root and the workstations are not touched.
 */
export const DEFAULT_BANK_DOMAINS: readonly string[] = Object.freeze([
  "nationalbank.kz",
  "halykbank.kz",
  "homebank.kz",
  "kaspi.kz",
  "bcc.kz",
  "forte.kz",
  "jusan.kz",
  "eubank.kz",
  "berekebank.kz",
  "bankrbk.kz",
  "homecredit.kz",
  "otbasybank.kz",
  "bankffin.kz",
  "alfabank.kz",
  "nurbank.kz",
  "altynbank.kz",
  "kdb.kz",
]);

export type LeafName =
  | { readonly kind: "dns"; readonly name: string }
  | { readonly kind: "wildcard"; readonly name: string; readonly base: string }
  | { readonly kind: "ip"; readonly name: string; readonly bytes: Buffer };

export interface LeafNameOptions {
  /** Allow `*.example.kz` (one leftmost wildcard label, RFC 6125 §6.4.3). Default false. */
  readonly allowWildcard?: boolean;
  /** Allow an IPv4/IPv6 literal, minted as an iPAddress SAN. Default false. */
  readonly allowIp?: boolean;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Lower-cases, drops one trailing root dot, and checks preferred name syntax (RFC 1034 §3.5 with RFC 1123
 * §2.1 digits-first labels): 1–63 octets per label, at most 253 in all, letters/digits/hyphens, no hyphen at
 * either end, at least two labels and a non-numeric top label (so it can never be read as an IPv4 address).
 * Underscores are refused: CA/Browser Forum BR §7.1.4.2 forbids them in dNSName, and browsers agree.
 * Non-ASCII names must arrive as A-labels (`xn--…`, RFC 5890); the gateway converts before asking.
 */
export function normaliseDnsName(input: string): string {
  let n = input.toLowerCase();
  if (n.endsWith(".")) n = n.slice(0, -1);
  if (n.length === 0) throw new InvalidLeafNameError(input, "syntax", "empty name");
  if (n.length > 253) throw new InvalidLeafNameError(input, "too-long", "a DNS name has at most 253 characters");
  const labels = n.split(".");
  if (labels.length < 2) throw new InvalidLeafNameError(input, "syntax", `${input} is not a fully qualified DNS name`);
  for (const l of labels) {
    if (!LABEL.test(l)) throw new InvalidLeafNameError(input, "syntax", `${input} is not a DNS name (label "${l}")`);
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw new InvalidLeafNameError(input, "syntax", `${input} has a numeric top-level label`);
  return n;
}

export function parseLeafName(input: string, opts: LeafNameOptions = {}): LeafName {
  if (typeof input !== "string") throw new InvalidLeafNameError(String(input), "syntax", "name must be a string");
  const ipText = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input;
  // node:net's check is strict dotted-quad/RFC 4291 text and cheap; ipaddr.js (which compiles its patterns on
  // every call) only runs for actual addresses. A zone index (fe80::1%eth0) has no place in a certificate.
  if (isIP(ipText) !== 0) {
    if (ipText.includes("%")) throw new InvalidLeafNameError(input, "syntax", `${input}: an address with a zone index`);
    if (!opts.allowIp) throw new InvalidLeafNameError(input, "ip-not-allowed", `${input} is an IP address; IP SANs are minted only when asked for`);
    const addr = ipaddr.parse(ipText);
    return { kind: "ip", name: addr.toString(), bytes: Buffer.from(addr.toByteArray()) };
  }
  if (input.startsWith("*.")) {
    if (!opts.allowWildcard) throw new InvalidLeafNameError(input, "wildcard-not-allowed", `${input} is a wildcard; wildcards are minted only when allowed`);
    const base = normaliseDnsName(input.slice(2));
    // A wildcard directly under a top-level domain (`*.kz`) would cover every registrable name in it.
    if (base.split(".").length < 2) throw new InvalidLeafNameError(input, "wildcard-too-broad", `${input} is too broad`);
    return { kind: "wildcard", name: `*.${base}`, base };
  }
  if (input.includes("*")) throw new InvalidLeafNameError(input, "syntax", `${input}: a wildcard may only be the whole leftmost label`);
  return { kind: "dns", name: normaliseDnsName(input) };
}

/** RFC 5280 §4.2.1.10: `name` satisfies the dNSName constraint `subtree` if it equals it or ends in `.subtree`. */
export function isWithinSubtree(name: string, subtree: string): boolean {
  return name === subtree || (name.length > subtree.length && name.endsWith(subtree) && name[name.length - subtree.length - 1] === ".");
}

/**
 * Whether `*.base` can stand for a name inside `subtree`. A client matches `*.base` against any one label
 * under `base` (RFC 6125 §6.4.3), so it reaches `subtree` when `base` is itself inside the subtree or when
 * the subtree is exactly one label below `base`. The second case is the gap validators leave open: the SAN
 * string `*.kz` is not within `gov.kz` by §4.2.1.10 string matching, yet browsers accept it for `gov.kz`.
 * The authority therefore refuses it itself.
 */
export function wildcardReaches(base: string, subtree: string): boolean {
  if (isWithinSubtree(base, subtree)) return true;
  return isWithinSubtree(subtree, base) && subtree.split(".").length === base.split(".").length + 1;
}

/** Validates and normalises a configured constraint list (plain DNS names, no leading dot, deduplicated). */
export function normaliseSubtrees(list: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of list) {
    try {
      out.add(normaliseDnsName(raw));
    } catch {
      throw new CaConfigError(`excluded namespace "${raw}" is not a DNS name (write gov.kz, not .gov.kz or *.gov.kz)`);
    }
  }
  return [...out];
}

/** The excludedSubtrees an intermediate carries: the stable namespaces plus the configured bank domains. */
export function excludedSubtreesFor(bankDomains: readonly string[] = DEFAULT_BANK_DOMAINS): string[] {
  return normaliseSubtrees([...STABLE_PROTECTED_NAMESPACES, ...bankDomains]);
}
