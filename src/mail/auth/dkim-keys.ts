/**
 * DKIM keys for connected domains and the DNS records their owners publish.
 *
 *   generateDkimKey   RSA-2048 key pair (node:crypto), PKCS#8 PEM private key for the store to seal
 *   dkimTxtValue      "v=DKIM1; k=rsa; p=<base64 DER SubjectPublicKeyInfo>"   (RFC 6376 §3.6.1)
 *   txtStrings        the value split into ≤ 255-byte character-strings           (RFC 1035 §3.3.14)
 *   zoneFileRecord    "<selector>._domainkey.<domain>. 3600 IN TXT ( "…" "…" )"
 *   spfRecord         "v=spf1 ip4:… ip6:… -all" naming the gateway's sending addresses (RFC 7208)
 *
 * RSA-2048 because RFC 8301 §3.2 requires verifiers to accept 1024–4096 bits and signers to use at
 * least 1024, and 2048 is what every major receiver validates; the TXT value (~400 bytes) needs two
 * character-strings, which every DNS server and zone editor handles.
 */
import { createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { normaliseDomain, normaliseIp } from "../policy/lib/address.js";
import { isIP } from "node:net";

const generateKeyPairAsync = promisify(generateKeyPair);

export interface DkimKey {
  readonly domain: string;
  readonly selector: string;
  /** PKCS#8 PEM. Secret: the store seals it (src/secrets/sealer.ts) and never returns it. */
  readonly privateKeyPem: string;
  /** Owner name of the TXT record, without the trailing dot. */
  readonly dnsName: string;
  readonly txtValue: string;
  readonly txtStrings: readonly string[];
  readonly zoneRecord: string;
}

export class DkimError extends Error {
  override name = "DkimError";
}

/** RFC 6376 §3.1: a selector is one or more dot-separated sub-domain labels. */
export function validSelector(s: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(s) && s.length <= 63;
}

export function dkimTxtValue(publicKey: KeyObject | string): string {
  const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== "rsa") throw new DkimError("DKIM key must be RSA (k=rsa)");
  const der = key.export({ format: "der", type: "spki" });
  return `v=DKIM1; k=rsa; p=${der.toString("base64")}`;
}

/** Splits a TXT value into character-strings of at most `max` bytes (ASCII: bytes = characters). */
export function txtStrings(value: string, max = 255): string[] {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new DkimError("TXT value must be printable ASCII");
  const out: string[] = [];
  for (let i = 0; i < value.length; i += max) out.push(value.slice(i, i + max));
  return out.length > 0 ? out : [""];
}

export function zoneFileRecord(name: string, strings: readonly string[], ttl = 3600): string {
  const quoted = strings.map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`);
  return `${name}. ${ttl} IN TXT ( ${quoted.join(" ")} )`;
}

export function dkimRecordFor(domain: string, selector: string, publicKey: KeyObject | string): Omit<DkimKey, "privateKeyPem"> {
  const d = normaliseDomain(domain);
  if (!d) throw new DkimError(`not a domain: ${JSON.stringify(domain)}`);
  if (!validSelector(selector)) throw new DkimError(`not a DKIM selector: ${JSON.stringify(selector)}`);
  const dnsName = `${selector.toLowerCase()}._domainkey.${d}`;
  const txtValue = dkimTxtValue(publicKey);
  const strings = txtStrings(txtValue);
  return { domain: d, selector: selector.toLowerCase(), dnsName, txtValue, txtStrings: strings, zoneRecord: zoneFileRecord(dnsName, strings) };
}

export async function generateDkimKey(domain: string, selector: string, bits = 2048): Promise<DkimKey> {
  if (bits < 2048 || bits > 4096) throw new DkimError("RSA key size must be 2048–4096 bits");
  const { publicKey, privateKey } = await generateKeyPairAsync("rsa", { modulusLength: bits });
  const privateKeyPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return { ...dkimRecordFor(domain, selector, publicKey), privateKeyPem };
}

/**
 * The SPF record a connected domain publishes once its outbound mail leaves through the gateway: the
 * gateway's sending addresses, then "-all" (or "~all" while the owner still has other senders to list).
 */
export function spfRecord(gatewayAddresses: readonly string[], opts: { include?: readonly string[]; all?: "-all" | "~all" } = {}): string {
  const parts = ["v=spf1"];
  for (const a of gatewayAddresses) {
    const ip = normaliseIp(a);
    if (!ip) throw new DkimError(`not an IP address: ${JSON.stringify(a)}`);
    parts.push(`${isIP(ip) === 6 ? "ip6" : "ip4"}:${ip}`);
  }
  for (const inc of opts.include ?? []) {
    const d = normaliseDomain(inc);
    if (!d) throw new DkimError(`not a domain: ${JSON.stringify(inc)}`);
    parts.push(`include:${d}`);
  }
  parts.push(opts.all ?? "-all");
  return parts.join(" ");
}
