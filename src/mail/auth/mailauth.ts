/**
 * SPF / DKIM / DMARC verification of inbound mail and DKIM signing of outbound mail with `mailauth`
 * (pinned at 4.13.3: the Node 20 line; later majors need Node 22).
 *
 *   createInboundVerifier   authenticate(message, { ip, helo, sender, mta, resolver }) → results + the
 *                           Authentication-Results / Received-SPF header lines to prepend (RFC 8601, 7208)
 *   createOutboundSigner    DKIM signature with the connected domain's key (dkim-sign.ts, relaxed/relaxed,
 *                           rsa-sha256; verified with mailauth in the tests)
 *
 * The DNS resolver is injectable (`(name, rrtype) => Promise<string[] | string[][]>`, the shape of
 * `dns.promises.resolve`): tests serve the published records from memory and never touch real DNS.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { authenticate, type DNSResolver } from "mailauth";
import { dkimSignatureField, toCrlf } from "./dkim-sign.js";
import type { AuthOutcome, Envelope, InboundAuthResults, InboundVerifier, OutboundSigner } from "./types.js";

export type { DNSResolver };

const OUTCOMES = new Set<AuthOutcome>(["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"]);

function outcome(r: string | undefined): AuthOutcome {
  if (r === "temperr") return "temperror";
  return r && OUTCOMES.has(r as AuthOutcome) ? (r as AuthOutcome) : "none";
}

/** Header section / body split (the first empty line), on the raw bytes. */
function splitHeader(message: Uint8Array): { head: string; body: Buffer } {
  const b = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  let i = b.indexOf("\r\n\r\n");
  let sep = 4;
  if (i < 0) {
    i = b.indexOf("\n\n");
    sep = 2;
  }
  if (i < 0) return { head: b.toString("latin1"), body: Buffer.alloc(0) };
  return { head: b.subarray(0, i + sep / 2).toString("latin1"), body: b.subarray(i + sep / 2) };
}

/**
 * RFC 8601 §5: a border MTA removes Authentication-Results fields that claim its own authserv-id before
 * adding its own, so a sender cannot forge the gateway's verdict.
 */
export function stripOwnAuthResults(message: Uint8Array, authservId: string): Buffer {
  const { head, body } = splitHeader(message);
  const fields = head.split(/\r?\n(?![ \t])/);
  const own = new RegExp(`^authentication-results:\\s*${authservId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*(;|$)`, "i");
  const kept = fields.filter((f) => f !== "" && !own.test(f.replace(/\r?\n[ \t]+/g, " ")));
  return Buffer.concat([Buffer.from(kept.map((f) => f + "\r\n").join(""), "latin1"), body]);
}

/** Domain of the first address in the From header ("" when there is none). */
export function headerFromDomain(message: Uint8Array): string {
  const { head } = splitHeader(message);
  const m = /^from:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(head);
  if (!m) return "";
  const v = m[1]!.replace(/\r?\n[ \t]+/g, " ");
  const addr = /<([^>]*)>/.exec(v)?.[1] ?? v.trim().split(/[\s,]/)[0] ?? "";
  const at = addr.lastIndexOf("@");
  return at < 0 ? "" : addr.slice(at + 1).trim().toLowerCase().replace(/\.$/, "");
}

export interface InboundVerifierOptions {
  /** authserv-id of the Authentication-Results header: the gateway's host name. */
  readonly authservId: string;
  readonly resolver?: DNSResolver;
}

export interface VerifiedMessage extends InboundAuthResults {
  /** The message with forged own results removed and the new header lines prepended. */
  readonly message: Buffer;
  readonly headerFromDomain: string;
}

export function createInboundVerifier(o: InboundVerifierOptions): InboundVerifier & { verifyMessage(message: Uint8Array, envelope: Envelope): Promise<VerifiedMessage> } {
  async function verifyMessage(message: Uint8Array, envelope: Envelope): Promise<VerifiedMessage> {
    const clean = stripOwnAuthResults(message, o.authservId);
    const r = await authenticate(clean, {
      ip: envelope.clientAddress,
      helo: envelope.helo,
      sender: envelope.mailFrom,
      mta: o.authservId,
      disableArc: true,
      disableBimi: true,
      ...(o.resolver ? { resolver: o.resolver } : {}),
    });
    const spf = r.spf ? { result: outcome(r.spf.status.result), domain: r.spf.domain } : { result: "none" as const, domain: "" };
    const dkim = r.dkim.results.map((d) => ({ result: outcome(d.status.result), domain: d.signingDomain ?? "", selector: d.selector ?? "" }));
    const p = r.dmarc ? r.dmarc.policy : undefined;
    const policy: InboundAuthResults["dmarc"]["policy"] = p === "none" || p === "quarantine" || p === "reject" ? p : undefined;
    const dmarc: InboundAuthResults["dmarc"] = r.dmarc ? { result: outcome(r.dmarc.status.result), domain: r.dmarc.domain, policy } : { result: "none", domain: "", policy: undefined };
    const header = r.headers.trim() === "" ? "" : r.headers.trim() + "\r\n";
    return { spf, dkim, dmarc, header, message: Buffer.concat([Buffer.from(header, "latin1"), clean]), headerFromDomain: headerFromDomain(clean) };
  }
  return {
    verifyMessage,
    async verify(message, envelope) {
      const { spf, dkim, dmarc, header } = await verifyMessage(message, envelope);
      return { spf, dkim, dmarc, header };
    },
  };
}

export interface SigningKey {
  readonly selector: string;
  readonly privateKeyPem: string;
}

/**
 * Signs with the key of `domain` (dkim-sign.ts: the key parsed once, not per message); a domain without a
 * key is passed through unsigned. Line endings become CRLF, as SMTP carries them.
 */
export function createOutboundSigner(keyOf: (domain: string) => SigningKey | undefined, clock: () => Date = () => new Date()): OutboundSigner & { canSign(domain: string): boolean } {
  const parsed = new Map<string, KeyObject>();
  const keyObject = (pem: string): KeyObject => {
    let k = parsed.get(pem);
    if (!k) {
      if (parsed.size >= 10_000) parsed.clear();
      parsed.set(pem, (k = createPrivateKey(pem)));
    }
    return k;
  };
  return {
    canSign: (domain) => keyOf(domain) !== undefined,
    async sign(message, domain) {
      const key = keyOf(domain);
      if (!key) return message;
      const crlf = toCrlf(Buffer.from(message.buffer, message.byteOffset, message.byteLength));
      const field = dkimSignatureField(crlf, { domain, selector: key.selector, key: keyObject(key.privateKeyPem), now: clock() });
      return Buffer.concat([Buffer.from(field, "latin1"), crlf]);
    },
  };
}
