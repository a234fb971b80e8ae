/**
 * decide: the fixed precedence after the protected floor —
 *   baseline block (malware, phishing, VPN, remote access, DoH, proxies) unless an approved exception opens it
 *   > organisation deny > exception > organisation allow (its one-year access policy, p.15-1)
 *   > baseline allow (unknown sources and organisations without a current policy) > default deny.
 * An allowed TLS flow is inspected (bump), p.20; ECH cannot be inspected, so it is refused unless protected.
 */
import type { Stage } from "../stage.js";
import type { FlowState, Verdict } from "../flow.js";
import { destinationMatches, type PolicySnapshot } from "../snapshot.js";
import { exceptionFor } from "./exceptions.js";

function allow(state: FlowState, reason: "organisation-allow" | "exception", rule: string): Verdict {
  const tls = state.facts.phase === "request" ? null : "bump";
  return { action: "allow", reason, tls, rule };
}

function policyApplies(state: FlowState, nowMs: number) {
  const p = state.organisation?.policy;
  if (!p || nowMs < p.validFromMs || nowMs >= p.validUntilMs) return null;
  if (p.sources && p.sources.lookup(state.facts.sourceIp) < 0) return null;
  return p;
}

export const decide = {
  name: "decide",
  run(state, snap: PolicySnapshot, now) {
    // Floors look at every category on the path; allow/deny at the most specific match (a URL entry beats
    // its host's entry, as in squidGuard).
    const { facts, categories, primary } = state;
    if (facts.tls?.ech) {
      state.trace.push({ stage: "decide", outcome: "block", rule: "ech" });
      return { action: "block", reason: "ech-not-inspectable", rule: "encrypted ClientHello hides the destination; only protected destinations are spliced" };
    }
    const baseline = categories.filter((c) => snap.baselineBlocked.has(c));
    if (baseline.length > 0) {
      const ex = exceptionFor(state, now, (e) => baseline.every((c) => e.categories.includes(c)));
      if (!ex) {
        state.trace.push({ stage: "decide", outcome: "block", rule: `baseline:${baseline.join(",")}` });
        return { action: "block", reason: "baseline-category", rule: `baseline policy blocks ${baseline.join(", ")}` };
      }
      state.trace.push({ stage: "decide", outcome: "allow", rule: `exception ${ex.id}` });
      return allow(state, "exception", `exception ${ex.id} opens ${baseline.join(", ")}`);
    }
    const policy = policyApplies(state, now);
    if (policy) {
      const denied = primary.find((c) => policy.deny.has(c));
      if (denied) {
        state.trace.push({ stage: "decide", outcome: "block", rule: `policy ${policy.id} deny ${denied}` });
        return { action: "block", reason: "organisation-deny", rule: `access policy ${policy.id} denies ${denied}` };
      }
    }
    const ex = exceptionFor(state, now, (e) => e.destinations.length > 0 || e.categories.some((c) => primary.includes(c)));
    if (ex) {
      state.trace.push({ stage: "decide", outcome: "allow", rule: `exception ${ex.id}` });
      return allow(state, "exception", `exception ${ex.id}`);
    }
    const host = facts.host;
    if (policy) {
      const cat = primary.find((c) => policy.allow.has(c));
      const byDestination = host !== null && destinationMatches(policy.destinations, host);
      if (cat || byDestination || (primary.length === 0 && policy.allowUncategorised)) {
        const rule = cat ? `access policy ${policy.id} allows ${cat}` : byDestination ? `access policy ${policy.id} allows destination ${host}` : `access policy ${policy.id} allows uncategorised`;
        state.trace.push({ stage: "decide", outcome: "allow", rule });
        return allow(state, "organisation-allow", rule);
      }
    } else {
      const cat = primary.find((c) => snap.baselineAllowed.has(c));
      if (cat) {
        state.trace.push({ stage: "decide", outcome: "allow", rule: `baseline allows ${cat}` });
        return allow(state, "organisation-allow", `baseline policy allows ${cat} (no current access policy)`);
      }
    }
    if (primary.length === 0) {
      state.trace.push({ stage: "decide", outcome: "block", rule: "uncategorised" });
      return { action: "block", reason: "uncategorised", rule: "uncategorised destinations are blocked unless the access policy allows them" };
    }
    state.trace.push({ stage: "decide", outcome: "block", rule: "default-deny" });
    return { action: "block", reason: "default-deny", rule: `${primary.join(", ")} not allowed by the access policy` };
  },
} satisfies Stage;
