import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { Page } from "../../contract/common.js";
import { AuditEntry, AuditQuery, AuditVerification } from "../../contract/audit.js";
import { verifyAudit } from "../../store/audit.js";
import type { AuditBody } from "../../domain/audit-chain.js";

const tags = ["audit"];

export function auditRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route({ method: "GET", url: "/api/audit", access: "audit.read", schema: { tags, summary: "The audit log, newest first", querystring: AuditQuery, response: { 200: Page(AuditEntry) } } }, (req) =>
      tx(deps, req, async (ctx) => {
        let base = ctx.tx.selectFrom("audit_entry");
        if (req.query.entityType) base = base.where("entity_type", "=", req.query.entityType);
        if (req.query.entityId) base = base.where("entity_id", "=", req.query.entityId);
        if (req.query.action) base = base.where("action", "=", req.query.action);
        const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
        const rows = await base.select(["seq", "body", "hash", "prev_hash"]).orderBy("seq", "desc").limit(req.query.limit).offset(req.query.offset).execute();
        const items = rows.map((r) => {
          const b = JSON.parse(r.body) as AuditBody;
          return { seq: b.seq, at: b.at, action: b.action, entityType: b.entityType, entityId: b.entityId, actor: b.actor, before: b.before, after: b.after, hash: r.hash, prevHash: r.prev_hash };
        });
        return { items, total: Number(n), limit: req.query.limit, offset: req.query.offset };
      }),
    );
    route({ method: "GET", url: "/api/audit/verify", access: "audit.read", schema: { tags, summary: "Recompute the hash chain and report the first break", response: { 200: AuditVerification } } }, async () => {
      const r = await verifyAudit(deps.store.db);
      return r.ok ? { ok: true, entries: r.entries, headHash: r.headHash } : { ok: false, entries: r.entries, brokenAt: r.brokenAt, reason: r.reason };
    });
  };
}
