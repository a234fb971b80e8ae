import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { CATEGORIES } from "../../categories/taxonomy.js";
import { CivilDate, Instant, Page, PageQuery, Uuid } from "../../contract/common.js";
import * as gw from "../../services/gateway.js";
import { buildCategoriesFromStore } from "../../services/policy-snapshot.js";
import { enrolGatewayNode, listGatewayNodes, revokeGatewayNode, rotateGatewayNode, type IssuedCredential } from "../../services/gateway-nodes.js";
import { GatewayNodeEnrolRequest, GatewayNodeList, GatewayNodeParams, GatewayNodeRotateRequest, IssuedGatewayNodeCredential, RevokedGatewayNode } from "../../contract/gateway-nodes.js";
import { Problem } from "../../contract/problem.js";
import type { Ctx } from "../../services/context.js";
import type { Sealer } from "../../secrets/sealer.js";

const Trace = Type.Array(Type.Object({ stage: Type.String(), outcome: Type.String(), rule: Type.Optional(Type.String()) }));
const Verdict = Type.Object({ action: Type.String(), reason: Type.String(), rule: Type.String(), tls: Type.Optional(Type.Union([Type.String(), Type.Null()])) });
const Protocol = Type.Union(["http", "tls", "ssh", "openvpn", "rdp", "socks4", "socks5", "bittorrent", "unknown"].map((p) => Type.Literal(p)));
const Override = Type.Object({ id: Uuid, pattern: Type.String(), category: Type.String(), action: Type.String(), reason: Type.String(), decidedBy: Type.String(), createdAt: Instant });

export function gatewayRoutes(deps: ApiDeps) {
  return (app: App, route: RouteFn) => {
    const tags = ["gateway"];
    route(
      {
        method: "POST",
        url: "/api/gateway/what-if",
        access: "gateway.what-if",
        schema: {
          tags,
          summary: "What would the gateway decide for this source and destination, and why (the live snapshot and pipeline)",
          body: Type.Object(
            { sourceIp: Type.String({ maxLength: 64 }), url: Type.Optional(Type.String({ maxLength: 2048 })), host: Type.Optional(Type.String({ maxLength: 253 })), port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })), protocol: Type.Optional(Protocol) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ verdict: Verdict, organisationId: Type.Union([Type.String(), Type.Null()]), unknownSource: Type.Boolean(), categories: Type.Array(Type.String()), protected: Type.Boolean(), categorySources: Type.Array(Type.String()), snapshotId: Type.String(), trace: Trace }),
          },
        },
      },
      (req) => tx(deps, req, async (ctx) => gw.whatIf(ctx, req.body, await gw.currentSnapshot(ctx, deps.snapshot, deps.hosts))),
    );
    route(
      {
        method: "GET",
        url: "/api/gateway/status",
        access: "gateway.status",
        schema: { tags, summary: "The policy snapshot in force", response: { 200: Type.Object({ running: Type.Boolean(), snapshotId: Type.Union([Type.String(), Type.Null()]), compiledAt: Type.Union([Type.String(), Type.Null()]), organisations: Type.Integer(), lastError: Type.Union([Type.String(), Type.Null()]) }) } },
      },
      async () => {
        const s = deps.snapshot?.() ?? null;
        return { running: !!deps.snapshot, snapshotId: s?.id ?? null, compiledAt: s?.createdAt ?? null, organisations: s?.organisations.length ?? 0, lastError: deps.gatewayError?.() ?? null };
      },
    );
    route(
      {
        method: "GET",
        url: "/api/gateway/nodes",
        access: "gateway-node.read",
        schema: { tags, summary: "Enrolled gateway nodes of the multi-node mode: id, state, credential generation and times (never a credential)", response: { 200: GatewayNodeList } },
      },
      (req) => tx(deps, req, (ctx) => listGatewayNodes(ctx)),
    );
    /**
     * Enrolment and rotation hand the node's credential back in this one response and never again (the store
     * holds it sealed): no cache may keep it, and neither the audit entry nor the request log carries it.
     */
    const issue = async (req: FastifyRequest, reply: FastifyReply, status: 200 | 201, fn: (ctx: Ctx, sealer: Sealer) => Promise<IssuedCredential>) => {
      const sealer = deps.sealer;
      if (!sealer) throw new Problem("QQ_ERR_NOT_READY", "this process has no master key: gateway node credentials cannot be sealed");
      const { node, credential } = await tx(deps, req, (ctx) => fn(ctx, sealer));
      const body = { node, credential: credential.toString("base64") };
      credential.fill(0);
      return reply.code(status).header("cache-control", "no-store").send(body);
    };
    route(
      {
        method: "POST",
        url: "/api/gateway/nodes",
        access: "gateway-node.write",
        schema: {
          tags,
          summary: "Enrol a gateway node (or a revoked one again) and return its credential — once, never again; an active node is refused (rotate it)",
          body: GatewayNodeEnrolRequest,
          response: { 201: IssuedGatewayNodeCredential },
        },
      },
      (req, reply) => issue(req, reply, 201, (ctx, sealer) => enrolGatewayNode(ctx, sealer, req.body.id, req.body.reason)),
    );
    route(
      {
        method: "POST",
        url: "/api/gateway/nodes/:id/rotate",
        access: "gateway-node.write",
        schema: {
          tags,
          summary: "Issue a node a new credential and return it — once, never again; the previous one is accepted for the overlap",
          params: GatewayNodeParams,
          body: GatewayNodeRotateRequest,
          response: { 200: IssuedGatewayNodeCredential },
        },
      },
      (req, reply) => issue(req, reply, 200, (ctx, sealer) => rotateGatewayNode(ctx, sealer, req.params.id, req.body.overlapMinutes === undefined ? undefined : req.body.overlapMinutes * 60_000)),
    );
    route(
      {
        method: "POST",
        url: "/api/gateway/nodes/:id/revoke",
        access: "gateway-node.write",
        schema: { tags, summary: "Refuse every credential of the node from now on (the control plane's directory sees it within 2 s)", params: GatewayNodeParams, response: { 200: RevokedGatewayNode } },
      },
      async (req) => ({ node: await tx(deps, req, (ctx) => revokeGatewayNode(ctx, req.params.id)) }),
    );
    route(
      {
        method: "GET",
        url: "/api/gateway/decisions/summary",
        access: "decision.read",
        schema: { tags, summary: "Aggregate decision counts (no per-person records)", querystring: Type.Object({ from: Instant, to: Instant }, { additionalProperties: false }) },
      },
      (req) => tx(deps, req, (ctx) => gw.decisionSummary(ctx, new Date(req.query.from), new Date(req.query.to))),
    );
    route(
      { method: "GET", url: "/api/gateway/decisions/:ref", access: "decision.read", schema: { tags, summary: "The decision behind a block-page reference", params: Type.Object({ ref: Type.String({ pattern: "^[A-Za-z0-9_-]{4,32}$" }) }, { additionalProperties: false }) } },
      (req) => tx(deps, req, (ctx) => gw.decisionByRef(ctx, req.params.ref)),
    );

    const ctags = ["categories"];
    route(
      { method: "GET", url: "/api/categories", access: "category.read", schema: { tags: ctags, summary: "The category taxonomy; the seven of p.20 are group 'protected'" } },
      async () => CATEGORIES.map((c) => ({ id: c.id, group: c.group, names: c.names })),
    );
    route(
      {
        method: "GET",
        url: "/api/categories/lookup",
        access: "category.read",
        schema: { tags: ctags, summary: "Categories of a domain, URL path or address, with their list sources", querystring: Type.Object({ host: Type.String({ minLength: 1, maxLength: 253 }), path: Type.Optional(Type.String({ maxLength: 2048 })) }, { additionalProperties: false }) },
      },
      (req) =>
        tx(deps, req, async (ctx) => {
          const db = deps.snapshot?.()?.categories ?? (await buildCategoriesFromStore(ctx.tx)).result.database;
          const r = req.query.path ? db.lookupUrl(req.query.host.toLowerCase(), req.query.path) : db.lookupHost(req.query.host.toLowerCase());
          if (!r.ok) return { host: req.query.host, valid: false, reason: r.reason, protected: false, hits: [] };
          return { host: req.query.host, valid: true, protected: r.protected, hits: r.hits.map((h) => ({ kind: h.kind, pattern: h.pattern, categories: h.categories, protected: h.protected, origins: h.origins })) };
        }),
    );
    route(
      { method: "GET", url: "/api/categories/sources", access: "category.read", schema: { tags: ctags, summary: "Imported category lists (source, licence, date, version)" } },
      (req) =>
        tx(deps, req, async (ctx) =>
          (await ctx.tx.selectFrom("category_source").select(["name", "licence", "fetched", "version", "format", "entry_count", "sha256", "imported_by", "imported_at"]).orderBy("name").execute()).map((r) => ({
            name: r.name,
            licence: r.licence,
            fetched: r.fetched,
            version: r.version,
            format: r.format,
            entries: r.entry_count,
            sha256: r.sha256,
            importedBy: r.imported_by,
            importedAt: new Date(r.imported_at).toISOString(),
          })),
        ),
    );
    route(
      {
        method: "PUT",
        url: "/api/categories/sources/:name",
        access: "category.write",
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags: ctags,
          summary: "Import (or replace) a category list: plain domains or a hosts file, all of one category",
          consumes: ["text/plain"],
          params: Type.Object({ name: Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{1,63}$" }) }, { additionalProperties: false }),
          querystring: Type.Object(
            { format: Type.Union([Type.Literal("plain"), Type.Literal("hosts")]), category: Type.String(), licence: Type.String({ minLength: 1, maxLength: 200 }), fetched: CivilDate, version: Type.String({ minLength: 1, maxLength: 100 }), skipInvalid: Type.Boolean({ default: false }) },
            { additionalProperties: false },
          ),
          body: Type.String(),
        },
      },
      (req) => tx(deps, req, (ctx) => gw.importCategoryList(ctx, req.params.name, req.body, req.query)),
    );
    route(
      { method: "DELETE", url: "/api/categories/sources/:name", access: "category.write", schema: { tags: ctags, params: Type.Object({ name: Type.String({ maxLength: 64 }) }, { additionalProperties: false }), response: { 204: Type.Null() } } },
      async (req, reply) => {
        await tx(deps, req, (ctx) => gw.deleteCategoryList(ctx, req.params.name));
        return reply.code(204).send();
      },
    );
    route(
      {
        method: "GET",
        url: "/api/categories/overrides",
        access: "category.read",
        schema: {
          tags: ctags,
          summary: "STS category overrides, oldest first, a page at a time; q searches the pattern, the reason, who decided and the category (id or name in kk/ru/en)",
          querystring: Type.Composite([PageQuery, Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) })], { additionalProperties: false }),
          response: { 200: Page(Override) },
        },
      },
      (req) => tx(deps, req, (ctx) => gw.listOverrides(ctx, req.query)),
    );
    route(
      {
        method: "POST",
        url: "/api/categories/overrides",
        access: "category.write",
        schema: {
          tags: ctags,
          summary: "Add or remove a category for a pattern (the curated p.20 entries cannot be removed)",
          body: Type.Object({ action: Type.Union([Type.Literal("add"), Type.Literal("remove")]), pattern: Type.String({ minLength: 1, maxLength: 512 }), category: Type.String({ maxLength: 64 }), reason: Type.String({ minLength: 3, maxLength: 1000 }) }, { additionalProperties: false }),
          response: { 201: Override },
        },
      },
      async (req, reply) => reply.code(201).send(await tx(deps, req, (ctx) => gw.addOverride(ctx, req.body))),
    );
    route(
      { method: "DELETE", url: "/api/categories/overrides/:id", access: "category.write", schema: { tags: ctags, params: Type.Object({ id: Uuid }, { additionalProperties: false }), response: { 204: Type.Null() } } },
      async (req, reply) => {
        await tx(deps, req, (ctx) => gw.deleteOverride(ctx, req.params.id));
        return reply.code(204).send();
      },
    );

    // Prometheus scrape endpoint: aggregate counters only, no personal data.
    app.get("/metrics", { schema: { hide: true } }, async (_req, reply) => {
      if (!deps.metrics) return reply.code(404).send();
      return reply.type(deps.metrics.contentType).send(await deps.metrics.metrics());
    });
  };
}
