/**
 * The gateway's stable reason codes (`Reason` in src/gateway-core/flow.ts) in the chosen language.
 * test/portal/operations.test.ts fails when the gateway adds a reason without a label here (the portal's
 * own type check cannot import the data-plane module: it needs Node's types).
 */
import type { TFunction } from "i18next";

export const REASONS = [
  "policy-unavailable",
  "unknown-source-blocked",
  "organisation-disconnected",
  "protected-category",
  "baseline-category",
  "unknown-protocol",
  "remote-access-protocol",
  "vpn-protocol",
  "proxy-protocol",
  "p2p-protocol",
  "ech-not-inspectable",
  "uncategorised",
  "organisation-deny",
  "organisation-allow",
  "exception",
  "default-deny",
  "invalid-destination",
  "upstream-certificate",
  "upstream-unreachable",
  "misdirected-request",
  "malformed-client-hello",
  "client-rejected-certificate",
  "client-certificate-required",
  "missing-server-name",
] as const;
export type GatewayReason = (typeof REASONS)[number];

export function reasonLabels(t: TFunction): Record<GatewayReason, string> {
  return {
    "policy-unavailable": t("gatewayReason.policyUnavailable"),
    "unknown-source-blocked": t("gatewayReason.unknownSourceBlocked"),
    "organisation-disconnected": t("gatewayReason.organisationDisconnected"),
    "protected-category": t("gatewayReason.protectedCategory"),
    "baseline-category": t("gatewayReason.baselineCategory"),
    "unknown-protocol": t("gatewayReason.unknownProtocol"),
    "remote-access-protocol": t("gatewayReason.remoteAccessProtocol"),
    "vpn-protocol": t("gatewayReason.vpnProtocol"),
    "proxy-protocol": t("gatewayReason.proxyProtocol"),
    "p2p-protocol": t("gatewayReason.p2pProtocol"),
    "ech-not-inspectable": t("gatewayReason.echNotInspectable"),
    uncategorised: t("gatewayReason.uncategorised"),
    "organisation-deny": t("gatewayReason.organisationDeny"),
    "organisation-allow": t("gatewayReason.organisationAllow"),
    exception: t("gatewayReason.exception"),
    "default-deny": t("gatewayReason.defaultDeny"),
    "invalid-destination": t("gatewayReason.invalidDestination"),
    "upstream-certificate": t("gatewayReason.upstreamCertificate"),
    "upstream-unreachable": t("gatewayReason.upstreamUnreachable"),
    "misdirected-request": t("gatewayReason.misdirectedRequest"),
    "malformed-client-hello": t("gatewayReason.malformedClientHello"),
    "client-rejected-certificate": t("gatewayReason.clientRejectedCertificate"),
    "client-certificate-required": t("gatewayReason.clientCertificateRequired"),
    "missing-server-name": t("gatewayReason.missingServerName"),
  };
}

export function reasonLabel(t: TFunction, reason: string): string {
  return (reasonLabels(t) as Record<string, string>)[reason] ?? reason;
}
