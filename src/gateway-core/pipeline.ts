/**
 * THE pipeline. Read top to bottom, it is the gateway's policy:
 *
 *   source              source address → organisation (catalogue, p.13) or unknown source
 *   classify            first bytes → web (HTTP/TLS) or a blocked protocol (SSH, RDP, OpenVPN, SOCKS, P2P, unknown)
 *   categorise          destination → categories, with list source and version
 *   protected-category  p.20: the seven categories are spliced, never decrypted — before any other decision
 *   decide              baseline block > organisation deny > exception > organisation allow > default deny
 *   pinned application  an allowed flow STS approved as a pinned application is spliced, not bumped (how, never whether)
 *
 * The first terminal verdict ends the chain. Every stage leaves a trace step; the decision carries it to
 * the block page, the decision log and the what-if API.
 */
import type { Decision, FlowFacts, FlowState, Verdict } from "./flow.js";
import { destinationMatches, type PolicySnapshot } from "./snapshot.js";
import type { Stage } from "./stage.js";
import { source } from "./stages/source.js";
import { classify } from "./stages/classify.js";
import { categorise } from "./stages/categorise.js";
import { protectedCategory } from "./stages/protected-category.js";
import { decide } from "./stages/decide.js";

export const PIPELINE: readonly Stage[] = Object.freeze([source, classify, categorise, protectedCategory, decide]);

const NO_SNAPSHOT: Verdict = Object.freeze({ action: "block", reason: "policy-unavailable", rule: "no valid policy snapshot: failing closed" });

export function decideFlow(facts: FlowFacts, snapshot: PolicySnapshot | null, nowMs: number): Decision {
  if (!snapshot) {
    return { verdict: NO_SNAPSHOT, organisationId: null, unknownSource: false, categories: [], protected: false, categorySources: [], snapshotId: "none", trace: [{ stage: "pipeline", outcome: "policy-unavailable" }], effects: [] };
  }
  const state: FlowState = { facts, organisation: null, unknownSource: false, categories: [], primary: [], categorySources: [], protected: false, trace: [], effects: [] };
  let verdict: Verdict | undefined;
  for (const stage of PIPELINE) {
    verdict = stage.run(state, snapshot, nowMs);
    if (verdict) break;
  }
  // decide always answers; this only guards a pipeline edited into silence.
  verdict ??= { action: "block", reason: "default-deny", rule: "no stage decided" };
  if (verdict.action === "allow" && verdict.tls === "bump" && facts.host !== null && destinationMatches(snapshot.pinned, facts.host)) {
    verdict = { ...verdict, tls: "splice", rule: `${verdict.rule}; pinned application approved by STS: spliced` };
    state.trace.push({ stage: "pinned-application", outcome: "splice", rule: facts.host });
  }
  return {
    verdict,
    organisationId: state.organisation?.id ?? null,
    unknownSource: state.unknownSource,
    categories: state.categories,
    protected: state.protected,
    categorySources: state.categorySources,
    snapshotId: snapshot.id,
    trace: state.trace,
    effects: state.effects,
  };
}
