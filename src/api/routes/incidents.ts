import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { Page, PageQuery } from "../../contract/common.js";
import { ApplicationView, SubmitBody } from "../../contract/applications.js";
import { IncidentQueueItem } from "../../contract/incidents.js";
import { incidentQueue, reportIncident } from "../../services/incidents.js";

const tags = ["incidents"];

export function incidentRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route(
      { method: "POST", url: "/api/incidents", access: "incident.report", bodyLimit: 256 * 1024, schema: { tags, summary: "Report an information security incident to the STS duty service (p.14)", body: SubmitBody("incident"), response: { 201: ApplicationView } } },
      async (req, reply) => reply.code(201).send(await tx(deps, req, (ctx) => reportIncident(ctx, req.body))),
    );
    route(
      {
        method: "GET",
        url: "/api/incidents",
        access: "incident.read",
        schema: {
          tags,
          summary: "The duty officer's queue: unacknowledged first, by severity, then by the acknowledgement term (callers outside STS see their own reports)",
          querystring: Type.Composite([PageQuery, Type.Object({ state: Type.Optional(Type.Union([Type.Literal("reported"), Type.Literal("acknowledged"), Type.Literal("resolved")])) })], { additionalProperties: false }),
          response: { 200: Page(IncidentQueueItem) },
        },
      },
      (req) => tx(deps, req, (ctx) => incidentQueue(ctx, req.query)),
    );
  };
}

