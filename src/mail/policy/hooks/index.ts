/**
 * THE ordered list of mail policy hooks. Read it top to bottom: it is the gateway's mail policy.
 * Within one protocol state the first hook that returns a verdict decides (Haraka); a state without a
 * decision answers DUNNO and leaves the message to Postfix's own restrictions.
 *
 * Postfix asks only in the states that have hooks here: `postfix/render.ts` renders check_policy_service
 * into exactly those restriction lists (`HOOK_STATES`).
 */
import type { ProtocolState } from "../request.js";
import { dataSuspended } from "./data.js";
import { eomAbnormal, eomOutbound, eomSuspended } from "./end-of-message.js";
import type { Hook } from "./hook.js";
import { rcptInbound, rcptOutbound, rcptRelay, rcptSuspended } from "./rcpt.js";

export const HOOKS: readonly Hook[] = Object.freeze([
  // RCPT — per recipient
  rcptSuspended, //   suspended system → DEFER 450 4.7.1 (sender keeps the mail)
  rcptOutbound, //    connected system → DUNNO (counted at end of message)
  rcptInbound, //     unknown client → connected domain → DUNNO
  rcptRelay, //       unknown client → foreign domain → REJECT 554 5.7.1 (no open relay)
  // DATA — not consulted by default: see OPTIONAL_HOOKS
  // END-OF-MESSAGE — after the detector counted the message
  eomSuspended, //    suspended meanwhile → DEFER 451 4.7.1
  eomAbnormal, //     this message crossed a limit → DEFER 451 4.7.1 + suspend the system
  eomOutbound, //     → DUNNO, queue id tracked for a later hold
]);

/**
 * Hooks that are not in the default list. `data/suspended` stops a suspended system's transfer before the
 * body is sent; without it the same message is deferred at END-OF-MESSAGE instead (the sender keeps it
 * either way). Asking at DATA costs a third policy round trip for every message, for a case that only
 * arises when a suspension lands between RCPT and DATA — so it is opt-in:
 * `new PolicyEngine({ hooks: [...HOOKS, ...OPTIONAL_HOOKS] })` and render with the matching states.
 */
export const OPTIONAL_HOOKS: readonly Hook[] = Object.freeze([dataSuspended]);

/** Protocol states in which Postfix must consult the policy service. */
export function hookStates(hooks: readonly Hook[] = HOOKS): readonly ProtocolState[] {
  return [...new Set(hooks.map((h) => h.state))];
}

export type { Hook, PolicyFlow } from "./hook.js";
