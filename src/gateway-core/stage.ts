import type { FlowState, Verdict } from "./flow.js";
import type { PolicySnapshot } from "./snapshot.js";

/**
 * One pipeline stage: one job, a narrow signature. `run` returns a terminal verdict, or undefined to let the
 * next stage look. It records what it saw in `state.trace` and never performs I/O.
 */
export interface Stage {
  readonly name: string;
  run(state: FlowState, snapshot: PolicySnapshot, nowMs: number): Verdict | undefined;
}
