/**
 * Pure functions over the addresses found in policy requests: client IPs and envelope addresses.
 *
 * Postfix sends IPv4 as a dotted quad and IPv6 as "1:2:3::4:5:6" (SMTPD_POLICY_README); registered server
 * addresses come from people. Both sides are normalised the same way (IPv4-mapped IPv6 → IPv4, IPv6 in RFC
 * 5952 form) so that one map lookup decides, whatever spelling either side used.
 */
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import ipaddr from "ipaddr.js";

/** Canonical text of an IP address, or undefined when `s` is not one (strict: no "1.2.3", no zones). */
export function normaliseIp(s: string): string | undefined {
  // node:net accepts zone indexes ("fe80::1%eth0"); a zone is meaningless off-host and not a key we store.
  if (s.includes("%")) return undefined;
  const v = isIP(s);
  if (v === 0) return undefined;
  const addr = ipaddr.process(s);
  return addr.kind() === "ipv6" ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/**
 * Lower-case A-label form of a domain, without a trailing dot; undefined when it is not a usable DNS name.
 * SMTPUTF8 clients may send U-labels; relay_domains and our maps hold A-labels.
 */
export function normaliseDomain(s: string): string | undefined {
  let d = s.trim();
  if (d.endsWith(".")) d = d.slice(0, -1);
  if (d.length === 0 || d.length > 253) return undefined;
  d = d.toLowerCase();
  // Fast path: an all-ASCII name needs no IDNA mapping (the common case on every request).
  const ascii = /^[a-z0-9.-]+$/.test(d) ? d : domainToASCII(d);
  if (ascii === "" || ascii.length > 253) return undefined;
  for (const label of ascii.split(".")) {
    if (label.length === 0 || label.length > 63) return undefined;
    if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(label)) return undefined;
  }
  return ascii;
}

/**
 * Domain part of an envelope address ("" for the null sender or an address without a domain).
 * The last "@" separates it: a quoted local part may itself contain "@" (RFC 5321 §4.1.2).
 */
export function domainOf(address: string | undefined): string {
  if (!address) return "";
  const at = address.lastIndexOf("@");
  if (at < 0 || at === address.length - 1) return "";
  return normaliseDomain(address.slice(at + 1)) ?? "";
}
