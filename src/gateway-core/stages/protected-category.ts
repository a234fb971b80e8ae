/**
 * protected-category: p.20 — encrypted traffic of finance and banking, government and legal, health,
 * personal privacy, video conferencing, security signature updates and operating-system updates is never
 * analysed. Such a flow is spliced (passed through untouched), whatever any policy says. This stage runs
 * before `decide` and nothing in the configuration can remove it or reorder it.
 */
import type { Stage } from "../stage.js";

export const protectedCategory = {
  name: "protected-category",
  run(state) {
    if (!state.protected) return undefined;
    state.trace.push({ stage: "protected-category", outcome: "splice", rule: "p.20" });
    // A plain-HTTP request has nothing to decrypt; it passes, and its URL is never logged.
    return { action: "allow", reason: "protected-category", tls: state.facts.phase === "request" ? null : "splice", rule: "p.20 protected category: never decrypted" };
  },
} satisfies Stage;
