/**
 * What the pipeline decides about: the facts of one flow (a CONNECT tunnel, a TLS ClientHello, an HTTP request)
 * and the decision it reaches, with the trace of every stage that looked at it.
 *
 * Primitives:
 *   FlowFacts  what the shell learned from the bytes (source, protocol, destination name/port, path, TLS hints)
 *   Verdict    a terminal answer from one stage (allow with a TLS action, or block with a reason)
 *   Decision   the pipeline's answer: verdict + organisation + categories + trace + effects
 *   Effect     something the shell must do besides the verdict (record an unknown source)
 */
import type { CategoryId } from "../categories/taxonomy.js";
import type { FlowProtocol } from "./parse/first-bytes.js";

export type Phase = "connect" | "tls" | "request";

export interface FlowFacts {
  readonly phase: Phase;
  readonly sourceIp: string;
  /** From the first bytes; "http" for explicit-proxy requests and bumped requests. */
  readonly protocol: FlowProtocol;
  /** Destination as the client named it: SNI, Host, CONNECT authority or absolute URL host. Lower case. */
  readonly host: string | null;
  readonly port: number;
  /** Path and query of an HTTP request (plain or bumped). */
  readonly path?: string;
  readonly tls?: { readonly ech: boolean; readonly alpn: readonly string[]; readonly ja4: string };
}

/** Stable reason codes: block pages, logs, metrics and the portal translate these. */
export type Reason =
  | "policy-unavailable"
  | "unknown-source-blocked"
  | "organisation-disconnected"
  | "protected-category"
  | "baseline-category"
  | "unknown-protocol"
  | "remote-access-protocol"
  | "vpn-protocol"
  | "proxy-protocol"
  | "p2p-protocol"
  | "ech-not-inspectable"
  | "uncategorised"
  | "organisation-deny"
  | "organisation-allow"
  | "exception"
  | "default-deny"
  | "invalid-destination"
  // Decided by the shell at the point of effect, after the pipeline allowed the flow:
  | "upstream-certificate"
  | "upstream-unreachable"
  | "misdirected-request"
  | "malformed-client-hello"
  | "client-rejected-certificate"
  | "client-certificate-required"
  | "missing-server-name";

export type TlsAction = "splice" | "bump";

export type Verdict =
  | { readonly action: "allow"; readonly reason: Reason; readonly tls: TlsAction | null; readonly rule: string }
  | { readonly action: "block"; readonly reason: Reason; readonly rule: string };

export interface TraceStep {
  readonly stage: string;
  readonly outcome: string;
  readonly rule?: string;
}

export type Effect = { readonly kind: "record-unknown-source"; readonly address: string };

export interface Decision {
  readonly verdict: Verdict;
  readonly organisationId: string | null;
  readonly unknownSource: boolean;
  readonly categories: readonly CategoryId[];
  /** Any category of the seven of p.20: the URL is never logged and the flow is never decrypted. */
  readonly protected: boolean;
  /** List sources and versions of the categories that matched, for the trace and the decision log. */
  readonly categorySources: readonly string[];
  readonly snapshotId: string;
  readonly trace: readonly TraceStep[];
  readonly effects: readonly Effect[];
}

/** Mutable per-flow state the stages fill in; a Decision is frozen from it at the end. */
export interface FlowState {
  readonly facts: FlowFacts;
  organisation: import("./snapshot.js").OrganisationPolicy | null;
  unknownSource: boolean;
  /** Every category on the destination's path (logs, floors: protected and baseline-blocked look at all). */
  categories: CategoryId[];
  /** Categories of the most specific match only: these decide organisation allow/deny. */
  primary: CategoryId[];
  categorySources: string[];
  protected: boolean;
  trace: TraceStep[];
  effects: Effect[];
}
