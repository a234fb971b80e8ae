/**
 * categorise: which categories the destination belongs to, with the list source and version of each match.
 * A request after bump is categorised by host and path; a tunnel or ClientHello by name (or address).
 */
import type { Stage } from "../stage.js";

export const categorise = {
  name: "categorise",
  run(state, snap) {
    const { host, path, phase } = state.facts;
    if (host === null) {
      state.trace.push({ stage: "categorise", outcome: "no-destination-name" });
      return undefined;
    }
    const r = phase === "request" && path ? snap.categories.lookupUrl(host, path) : snap.categories.lookupHost(host);
    if (!r.ok) {
      state.trace.push({ stage: "categorise", outcome: `invalid-destination:${r.reason}` });
      return { action: "block", reason: "invalid-destination", rule: `destination ${JSON.stringify(host)} is not a valid name (${r.reason})` };
    }
    if (r.hits.length > 0) state.primary = [...r.hits[0]!.categories];
    const seen = new Set<string>();
    for (const hit of r.hits) {
      for (const o of hit.origins) {
        if (!seen.has(o.category)) {
          seen.add(o.category);
          state.categories.push(o.category);
        }
        state.categorySources.push(`${o.source}@${o.sourceVersion}:${hit.pattern}`);
      }
    }
    state.protected = r.protected;
    state.trace.push({ stage: "categorise", outcome: state.categories.length ? state.categories.join(",") : "uncategorised", rule: state.categorySources[0] });
    return undefined;
  },
} satisfies Stage;
