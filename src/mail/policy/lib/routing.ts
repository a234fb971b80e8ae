/**
 * Which way a recipient goes, from the client and the recipient domain alone:
 *
 *   client is a connected system's server ─────────────────────────────▶ outbound (counted)
 *   unknown client, recipient domain connected ─────────────────────────▶ inbound
 *   unknown client, recipient domain not connected ─────────────────────▶ relay attempt (refused)
 *
 * Postfix's smtpd_relay_restrictions (permit_mynetworks, reject_unauth_destination) is the first line
 * against open relay; this classification is the second, so a mistake in one of them alone never opens
 * the gateway (SMTPD_POLICY_README: "always specify check_policy_service AFTER reject_unauth_destination").
 */
import type { MailPolicySnapshot, MailSystemView } from "../snapshot.js";

export type Direction = "outbound" | "inbound" | "relay";

export function clientSystem(snapshot: MailPolicySnapshot, clientAddress: string | undefined): MailSystemView | undefined {
  return clientAddress === undefined ? undefined : snapshot.byAddress.get(clientAddress);
}

export function direction(snapshot: MailPolicySnapshot, client: MailSystemView | undefined, recipientDomain: string): Direction {
  if (client) return "outbound";
  return recipientDomain !== "" && snapshot.byDomain.has(recipientDomain) ? "inbound" : "relay";
}
