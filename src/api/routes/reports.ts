/** /api/reports — aggregates for the STS dashboard and the auditor's transparency report (counts only). */
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { OverviewReport, ReportPeriod, TransparencyReport } from "../../contract/reports.js";
import { overviewReport, transparencyReport } from "../../services/reports.js";

const tags = ["reports"];

export function reportRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route(
      { method: "GET", url: "/api/reports/overview", access: "report.read", schema: { tags, summary: "The STS dashboard: applications by nearest deadline (working days), open incidents, unknown sources, the last 24 hours of traffic", response: { 200: OverviewReport } } },
      (req) => tx(deps, req, (ctx) => overviewReport(ctx)),
    );
    route(
      {
        method: "GET",
        url: "/api/reports/transparency",
        access: "report.read",
        schema: { tags, summary: "Transparency report over a period: inspected vs spliced connections by category, blocks, unknown-address blocks, complaints and their outcomes", querystring: ReportPeriod, response: { 200: TransparencyReport } },
      },
      (req) => tx(deps, req, (ctx) => transparencyReport(ctx, req.query.from, req.query.to)),
    );
  };
}
