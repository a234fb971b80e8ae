/**
 * STS review of pinned-application candidates (issue 3). The gateway never splices a flow because a client
 * refused its certificate; it records the refusal (`client-rejected-certificate`), and mTLS servers it cannot
 * inspect (`client-certificate-required`). STS sees them aggregated per destination host and decides:
 * approving puts the host on the snapshot's pinned-application list — allowed flows to it are then spliced
 * instead of bumped (how a flow passes, never whether: the access policy and the baseline still decide, and
 * the p.20 floor is a splice already). Rejecting records the decision (and withdraws an earlier approval).
 * Both are audited; the audit entry moves the audit head, so the running gateway recompiles its snapshot.
 */
import { sql } from "kysely";
import type { Ctx } from "./context.js";
import { requirePermission } from "./context.js";
import { Problem } from "../contract/problem.js";
import type { PinnedCandidate, PinnedStatus } from "../contract/pinned-apps.js";

const REASONS = ["client-rejected-certificate", "client-certificate-required"] as const;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

async function candidates(ctx: Ctx, host?: string): Promise<PinnedCandidate[]> {
  let q = ctx.tx
    .selectFrom("decision_log")
    .select([
      "host",
      sql<number>`count(*)`.as("n"),
      sql<number>`count(distinct organisation_id)`.as("orgs"),
      sql<Date>`min(at)`.as("first"),
      sql<Date>`max(at)`.as("last"),
      sql<string[]>`array_agg(distinct reason)`.as("reasons"),
    ])
    .where("reason", "in", [...REASONS])
    .where("host", "is not", null)
    .groupBy("host");
  if (host) q = q.where("host", "=", host);
  const seen = await q.execute();
  let dq = ctx.tx.selectFrom("pinned_application").selectAll();
  if (host) dq = dq.where("host", "=", host);
  const decided = new Map((await dq.execute()).map((d) => [d.host, d]));
  const out = new Map<string, PinnedCandidate>();
  for (const r of seen) {
    const d = decided.get(r.host!);
    out.set(r.host!, {
      host: r.host!,
      reasons: r.reasons.filter((x): x is (typeof REASONS)[number] => (REASONS as readonly string[]).includes(x)).sort(),
      connections: Number(r.n),
      organisations: Number(r.orgs),
      firstSeen: iso(r.first),
      lastSeen: iso(r.last),
      status: d?.status ?? "pending",
      decidedBy: d?.decided_by ?? null,
      decidedAt: iso(d?.decided_at),
      decisionReason: d?.reason ?? null,
    });
  }
  // A decision outlives the log rows it was made on (retention): still listed.
  for (const d of decided.values()) {
    if (!out.has(d.host)) out.set(d.host, { host: d.host, reasons: [], connections: 0, organisations: 0, firstSeen: null, lastSeen: null, status: d.status, decidedBy: d.decided_by, decidedAt: iso(d.decided_at), decisionReason: d.reason });
  }
  return [...out.values()].sort((a, b) => b.connections - a.connections || a.host.localeCompare(b.host));
}

export async function listPinnedCandidates(ctx: Ctx, status: PinnedStatus | "all" = "pending"): Promise<PinnedCandidate[]> {
  requirePermission(ctx.principal, "gateway.pinned.read");
  const all = await candidates(ctx);
  return status === "all" ? all : all.filter((c) => c.status === status);
}

export async function decidePinned(ctx: Ctx, host: string, status: "approved" | "rejected", reason: string): Promise<PinnedCandidate> {
  requirePermission(ctx.principal, "gateway.pinned.decide");
  const h = host.toLowerCase().replace(/\.$/, "");
  const [before] = await candidates(ctx, h);
  // Only a host the gateway actually saw refuse (or demand) a certificate can be reviewed: STS does not
  // splice arbitrary names through this door (category overrides and exceptions have their own workflows).
  if (!before) throw new Problem("QQ_ERR_NOT_FOUND", `${h} is not a pinned-application candidate`);
  await ctx.tx
    .insertInto("pinned_application")
    .values({ host: h, status, reason, decided_by: ctx.principal.username, decided_at: ctx.now })
    .onConflict((oc) => oc.column("host").doUpdateSet({ status, reason, decided_by: ctx.principal.username, decided_at: ctx.now }))
    .execute();
  await ctx.audit({
    action: status === "approved" ? "gateway.pinned-approve" : "gateway.pinned-reject",
    entityType: "pinned_application",
    entityId: h,
    before: before.status === "pending" ? null : { status: before.status, reason: before.decisionReason },
    after: { status, reason },
  });
  const [after] = await candidates(ctx, h);
  return after!;
}
