/**
 * The hook contract (Haraka's model, keyed by Postfix `protocol_state`): a hook has a name, the protocol
 * state it runs in and one job. `run` returns a verdict to end the chain, or undefined to continue.
 * Hooks are pure: everything they read is in the flow, and they change nothing.
 */
import type { Assessment } from "../detector.js";
import type { Direction } from "../lib/routing.js";
import type { ProtocolState, SmtpdRequest } from "../request.js";
import type { MailPolicySnapshot, MailSystemView } from "../snapshot.js";
import type { Verdict } from "../verdict.js";

export interface PolicyFlow {
  readonly request: SmtpdRequest;
  readonly snapshot: MailPolicySnapshot;
  /** The connected system whose server is the client, if any. */
  readonly client: MailSystemView | undefined;
  /** The client's system is suspended (UGEM Rules p.12). */
  readonly suspended: boolean;
  readonly direction: Direction;
  /** END-OF-MESSAGE of an outbound message: the detector's assessment including this message. */
  readonly assessment: Assessment | undefined;
}

export interface Hook {
  readonly name: string;
  readonly state: ProtocolState;
  run(flow: PolicyFlow): Verdict | undefined;
}
