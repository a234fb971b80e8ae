/**
 * Message authentication at the gateway — the interfaces; `mailauth.ts` implements them with the
 * `mailauth` package (pinned at 4.13.3, the Node 20 line) and `filter.ts` runs them as Postfix's content
 * filter (docs/mail.md, "Message authentication").
 *
 *   inbound   SPF (RFC 7208) of the Internet client for MAIL FROM / HELO, DKIM signatures (RFC 6376),
 *             DMARC alignment and policy (RFC 7489) → an Authentication-Results header (RFC 8601) added
 *             before the message is relayed to the organisation's server;
 *   outbound  DKIM signature with the connected domain's key (keys: ./dkim-keys.ts, sealed at rest by
 *             the store), so receivers can align mail relayed through the gateway's IPs with the domain.
 *
 * Both run outside the SMTP dialogue of the policy service, which never sees the body.
 */

export type AuthOutcome = "pass" | "fail" | "softfail" | "neutral" | "none" | "temperror" | "permerror" | "policy";

export interface Envelope {
  readonly clientAddress: string;
  readonly helo: string;
  /** MAIL FROM; "" for the null sender. */
  readonly mailFrom: string;
}

export interface InboundAuthResults {
  readonly spf: { readonly result: AuthOutcome; readonly domain: string };
  readonly dkim: readonly { readonly result: AuthOutcome; readonly domain: string; readonly selector: string }[];
  readonly dmarc: { readonly result: AuthOutcome; readonly domain: string; readonly policy: "none" | "quarantine" | "reject" | undefined };
  /** The header value to prepend, "Authentication-Results: <authserv-id>; …" (RFC 8601). */
  readonly header: string;
}

export interface InboundVerifier {
  verify(message: Uint8Array, envelope: Envelope): Promise<InboundAuthResults>;
}

export interface OutboundSigner {
  /** Returns the message with a DKIM-Signature header for `domain` prepended. */
  sign(message: Uint8Array, domain: string): Promise<Uint8Array>;
}
