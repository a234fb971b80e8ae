import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { Page } from "../../contract/common.js";
import { ApplicationSummary } from "../../contract/applications.js";
import { InboxCsvQuery, InboxQuery } from "../../contract/application-inbox.js";
import { applicationInbox, applicationInboxCsv } from "../../services/application-inbox.js";

const tags = ["applications"];

export function applicationInboxRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route(
      {
        method: "GET",
        url: "/api/application-inbox",
        access: "application.read",
        schema: { tags, summary: "The inbox: applications in the caller's scope, soonest deadline first, filterable by kind, state, number and overdue", querystring: InboxQuery, response: { 200: Page(ApplicationSummary) } },
      },
      (req) => tx(deps, req, (ctx) => applicationInbox(ctx, req.query)),
    );
    route(
      { method: "GET", url: "/api/application-inbox.csv", access: "application.read", schema: { tags, summary: "The inbox with the same filters as CSV", querystring: InboxCsvQuery, produces: ["text/csv"] } },
      async (req, reply) => {
        const csv = await tx(deps, req, (ctx) => applicationInboxCsv(ctx, req.query));
        return reply.type("text/csv; charset=utf-8").header("content-disposition", 'attachment; filename="applications.csv"').send(csv);
      },
    );
  };
}
