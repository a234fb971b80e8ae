import type { FlowState } from "../flow.js";
import { destinationMatches, type OrganisationPolicy } from "../snapshot.js";

type Exception = OrganisationPolicy["exceptions"][number];

/** The first unexpired p.15-2 exception of the flow's organisation that opens this flow's destination. */
export function exceptionFor(state: FlowState, nowMs: number, opens: (e: Exception) => boolean): Exception | undefined {
  const org = state.organisation;
  if (!org) return undefined;
  const host = state.facts.host;
  for (const e of org.exceptions) {
    if (e.validUntilMs <= nowMs || !opens(e)) continue;
    if (e.destinations.length === 0 || (host !== null && destinationMatches(e.destinationSet, host))) return e;
  }
  return undefined;
}
