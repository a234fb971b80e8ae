/**
 * Typed reading of an SMTPD access policy request: the attributes the hooks use, validated once.
 * Anything we cannot read safely (another request type, an unknown protocol state) is an error, and the
 * server answers it with the fail-safe tempfail — never with OK.
 */
import type { PolicyRequest } from "./protocol.js";
import { normaliseIp } from "./lib/address.js";

/** SMTPD_POLICY_README: "Protocol states are CONNECT, EHLO, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, VRFY or ETRN". */
export const PROTOCOL_STATES = ["CONNECT", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "END-OF-MESSAGE", "VRFY", "ETRN"] as const;
export type ProtocolState = (typeof PROTOCOL_STATES)[number];

const STATES: ReadonlySet<string> = new Set(PROTOCOL_STATES);

/**
 * Postfix queue ids: short form is hex (≥ 6), long form (enable_long_queue_ids) uses a base-52 alphabet
 * with a "z" separator. Checked before a queue id is ever handed to postsuper.
 */
export const QUEUE_ID = /^[0-9A-Za-z]{6,32}$/;

export interface SmtpdRequest {
  readonly state: ProtocolState;
  /** Normalised client IP; undefined when absent or not an IP (then no connected system can match). */
  readonly clientAddress: string | undefined;
  readonly sender: string;
  /** RCPT: the recipient; DATA/END-OF-MESSAGE: only when exactly one recipient was accepted. */
  readonly recipient: string;
  readonly recipientCount: number;
  readonly size: number;
  /** Empty until Postfix has created the queue file (after the first accepted RCPT). */
  readonly queueId: string;
  /** Correlates the requests of one message transaction on one policy connection. */
  readonly instance: string;
  readonly raw: PolicyRequest;
}

export class PolicyRequestError extends Error {
  override name = "PolicyRequestError";
}

function int(s: string | undefined): number {
  if (!s) return 0;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

export function readSmtpdRequest(raw: PolicyRequest): SmtpdRequest {
  if (raw.request !== "smtpd_access_policy") throw new PolicyRequestError(`unsupported request type ${JSON.stringify(raw.request)}`);
  const state = raw.protocol_state;
  if (state === undefined || !STATES.has(state)) throw new PolicyRequestError(`unknown protocol_state ${JSON.stringify(state)}`);
  const qid = raw.queue_id ?? "";
  return {
    state: state as ProtocolState,
    clientAddress: raw.client_address ? normaliseIp(raw.client_address) : undefined,
    sender: raw.sender ?? "",
    recipient: raw.recipient ?? "",
    recipientCount: int(raw.recipient_count),
    size: int(raw.size),
    queueId: QUEUE_ID.test(qid) ? qid : "",
    instance: raw.instance ?? "",
    raw,
  };
}
