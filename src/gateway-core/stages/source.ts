/**
 * source: who is asking. p.13: the gateway serves the organisations of the IP address catalogue; a source in
 * no prefix is an unknown source — recorded for the p.13 workflow and served under the baseline policy until
 * the workflow blocks it after the operator's five working days.
 */
import type { Stage } from "../stage.js";

export const source = {
  name: "source",
  run(state, snap) {
    const ip = state.facts.sourceIp;
    if (snap.blockedSources.has(ip)) {
      state.trace.push({ stage: "source", outcome: "blocked-unknown-source", rule: "p.13" });
      return { action: "block", reason: "unknown-source-blocked", rule: "p.13 unknown source blocked after the operator's deadline" };
    }
    const org = snap.organisationOf(ip);
    if (!org) {
      state.unknownSource = true;
      state.effects.push({ kind: "record-unknown-source", address: ip });
      state.trace.push({ stage: "source", outcome: "unknown-source", rule: "p.13" });
      return undefined;
    }
    state.organisation = org;
    if (org.status !== "active") {
      state.trace.push({ stage: "source", outcome: "organisation-disconnected", rule: `organisation ${org.bin}` });
      return { action: "block", reason: "organisation-disconnected", rule: `organisation ${org.bin} is disconnected` };
    }
    state.trace.push({ stage: "source", outcome: "organisation", rule: `organisation ${org.bin}` });
    return undefined;
  },
} satisfies Stage;
