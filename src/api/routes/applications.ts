import { createHash } from "node:crypto";
import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { CivilDate, IdParams, Page, PageQuery, Uuid } from "../../contract/common.js";
import {
  ApplicationQuery,
  ApplicationSummary,
  ApplicationView,
  AttachmentUpload,
  AttachmentView,
  CanonicalRequest,
  CanonicalResult,
  EventBody,
  PublicRequestResult,
  PublicRequestStatus,
  RecategorisationDocument,
  StatsView,
  SUBMITTABLE_KINDS,
  SubmitBody,
  TaskView,
  Timeline,
  TrustAnchorCreate,
  TrustAnchorView,
  ATTACHMENT_MAX_BYTES,
} from "../../contract/applications.js";
import { Problem } from "../../contract/problem.js";
import { canonicalJson } from "../../domain/audit-chain.js";
import { WORKFLOWS } from "../../domain/workflows/index.js";
import * as apps from "../../services/applications.js";
import { addAttachment, completeTask, getAttachment, listAttachments, listTasks } from "../../services/applications-attachments.js";
import { addTrustAnchor, listTrustAnchors, removeTrustAnchor } from "../../services/applications-signature.js";
import { publicRequestStatus, submitPublicRequest } from "../../services/applications-public.js";

const tags = ["applications"];
const PUBLIC_LIMIT_PER_HOUR = 10;

/** A small per-address window for the unauthenticated request form; the counts are forgotten after an hour. */
function publicRateLimiter(limit: number, windowMs = 3_600_000) {
  const seen = new Map<string, { start: number; n: number }>();
  return (ip: string, now = Date.now()) => {
    if (seen.size > 10_000) for (const [k, v] of seen) if (now - v.start > windowMs) seen.delete(k);
    const e = seen.get(ip);
    if (!e || now - e.start > windowMs) {
      seen.set(ip, { start: now, n: 1 });
      return true;
    }
    return ++e.n <= limit;
  };
}

export function applicationRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    const allow = publicRateLimiter(PUBLIC_LIMIT_PER_HOUR);

    route({ method: "GET", url: "/api/applications", access: "application.read", schema: { tags, summary: "Applications in the caller's scope, with the next deadline of each", querystring: ApplicationQuery, response: { 200: Page(ApplicationSummary) } } }, (req) =>
      tx(deps, req, (ctx) => apps.listApplications(ctx, req.query)),
    );

    for (const kind of SUBMITTABLE_KINDS.filter((k) => k !== "incident")) {
      const def = WORKFLOWS[kind];
      route(
        {
          method: "POST",
          url: `/api/applications/${kind}`,
          access: "application.submit",
          bodyLimit: 512 * 1024,
          schema: { tags, summary: `Submit: ${def.title} (${def.paragraph})${def.signature === "required" ? " — signed with the EDS of the legal entity" : ""}`, body: SubmitBody(kind), response: { 201: ApplicationView } },
        },
        async (req, reply) => reply.code(201).send(await tx(deps, req, (ctx) => apps.submitApplication(ctx, kind, req.body))),
      );
    }

    route(
      { method: "POST", url: "/api/applications/canonical", access: "application.submit", bodyLimit: 512 * 1024, schema: { tags, summary: "The exact bytes to sign: the canonical JSON of a document (keys sorted, no spaces, UTF-8)", body: CanonicalRequest, response: { 200: CanonicalResult } } },
      async (req) => {
        const text = canonicalJson(req.body.document);
        const bytes = Buffer.from(text, "utf8");
        return { canonical: text, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
      },
    );

    route(
      { method: "GET", url: "/api/applications/stats", access: "application.stats", schema: { tags, summary: "Counts for the transparency report: applications per kind and state, overdue deadlines, re-categorisation outcomes", querystring: Type.Object({ from: CivilDate, to: CivilDate }, { additionalProperties: false }), response: { 200: StatsView } } },
      (req) => tx(deps, req, (ctx) => apps.applicationStats(ctx, req.query.from, req.query.to)),
    );

    route({ method: "GET", url: "/api/applications/:id", access: "application.read", schema: { tags, summary: "An application: state, document (secrets as sealed field names), signature, deadlines, the events the caller may record", params: IdParams, response: { 200: ApplicationView } } }, (req) =>
      tx(deps, req, (ctx) => apps.getApplication(ctx, req.params.id)),
    );
    route({ method: "GET", url: "/api/applications/:id/timeline", access: "application.read", schema: { tags, summary: "Every event of an application with its paragraph, and its open deadlines", params: IdParams, response: { 200: Timeline } } }, (req) =>
      tx(deps, req, (ctx) => apps.timeline(ctx, req.params.id)),
    );
    route(
      { method: "POST", url: "/api/applications/:id/events", access: "application.act", schema: { tags, summary: "Record an event (a decision, a notice of readiness…); 409 lists the events allowed now", params: IdParams, body: EventBody, response: { 200: ApplicationView } } },
      (req) => tx(deps, req, (ctx) => apps.recordEvent(ctx, req.params.id, req.body)),
    );

    route({ method: "GET", url: "/api/applications/:id/attachments", access: "application.read", schema: { tags, params: IdParams, response: { 200: Type.Array(AttachmentView) } } }, (req) =>
      tx(deps, req, (ctx) => listAttachments(ctx, req.params.id)),
    );
    route(
      {
        method: "POST",
        url: "/api/applications/:id/attachments",
        access: "application.act",
        bodyLimit: Math.ceil((ATTACHMENT_MAX_BYTES * 4) / 3) + 64 * 1024,
        schema: { tags, summary: "Attach a document (PDF, PNG, JPEG or plain text; at most 5 MiB; the content must match the type)", params: IdParams, body: AttachmentUpload, response: { 201: AttachmentView } },
      },
      async (req, reply) => reply.code(201).send(await tx(deps, req, (ctx) => addAttachment(ctx, req.params.id, req.body))),
    );
    route(
      { method: "GET", url: "/api/applications/:id/attachments/:attachmentId", access: "application.read", schema: { tags, params: Type.Object({ id: Uuid, attachmentId: Uuid }, { additionalProperties: false }) } },
      async (req, reply) => {
        const a = await tx(deps, req, (ctx) => getAttachment(ctx, req.params.id, req.params.attachmentId));
        const ascii = a.name.replace(/[^\x20-\x7e]/g, "_").replaceAll('"', "_");
        return reply.type(a.mediaType).header("content-disposition", `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.name)}`).header("x-content-type-options", "nosniff").send(a.content);
      },
    );

    route({ method: "GET", url: "/api/tasks", access: "task.read", schema: { tags, summary: "Follow-up tasks of STS (p.19)", querystring: Type.Composite([PageQuery, Type.Object({ state: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("done")])) })], { additionalProperties: false }), response: { 200: Page(TaskView) } } }, (req) =>
      tx(deps, req, (ctx) => listTasks(ctx, req.query)),
    );
    route({ method: "POST", url: "/api/tasks/:id/done", access: "task.write", schema: { tags, summary: "Mark a follow-up task done", params: IdParams, response: { 200: TaskView } } }, (req) => tx(deps, req, (ctx) => completeTask(ctx, req.params.id)));

    route({ method: "GET", url: "/api/eds/trust-anchors", access: "eds.trust-anchor.read", schema: { tags: ["eds"], summary: "Root and intermediate certificates EDS signatures are verified against (the NCA's, configured by STS)", response: { 200: Type.Array(TrustAnchorView) } } }, (req) =>
      tx(deps, req, (ctx) => listTrustAnchors(ctx)),
    );
    route({ method: "POST", url: "/api/eds/trust-anchors", access: "eds.trust-anchor.write", schema: { tags: ["eds"], summary: "Add a trust anchor", body: TrustAnchorCreate, response: { 201: TrustAnchorView } } }, async (req, reply) =>
      reply.code(201).send(await tx(deps, req, (ctx) => addTrustAnchor(ctx, req.body))),
    );
    route({ method: "DELETE", url: "/api/eds/trust-anchors/:id", access: "eds.trust-anchor.write", schema: { tags: ["eds"], summary: "Remove a trust anchor", params: IdParams, response: { 204: Type.Null() } } }, async (req, reply) => {
      await tx(deps, req, (ctx) => removeTrustAnchor(ctx, req.params.id));
      return reply.code(204).send();
    });

    // Behind a block page there is no account: these two routes are public, size-limited and rate-limited.
    route(
      { method: "POST", url: "/api/recategorisation-requests", access: "public", bodyLimit: 16 * 1024, schema: { tags, summary: "Ask for a blocked site to be re-categorised or unblocked (no account needed; keep the status token)", body: RecategorisationDocument, response: { 201: PublicRequestResult } } },
      async (req, reply) => {
        if (!allow(req.ip)) throw new Problem("QQ_ERR_RATE_LIMITED", `at most ${PUBLIC_LIMIT_PER_HOUR} requests an hour from one address`);
        const out = await deps.store.db.transaction().execute((t) => submitPublicRequest(t, req.body, new Date()));
        return reply.code(201).send(out);
      },
    );
    route(
      { method: "GET", url: "/api/recategorisation-requests/status", access: "public", schema: { tags, summary: "The state and decision of a request, by its status token", querystring: Type.Object({ token: Type.String({ minLength: 20, maxLength: 100 }) }, { additionalProperties: false }), response: { 200: PublicRequestStatus } } },
      (req) => deps.store.db.transaction().execute((t) => publicRequestStatus(t, req.query.token)),
    );
  };
}

