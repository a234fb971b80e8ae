import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { Page } from "../../contract/common.js";
import { UnknownSourceAssign, UnknownSourceQuery, UnknownSourceView } from "../../contract/policies.js";
import { assignOperator, listUnknownSources } from "../../services/unknown-sources.js";

const tags = ["unknown-sources"];

export function unknownSourceRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route(
      { method: "GET", url: "/api/unknown-sources", access: "unknown-source.read", schema: { tags, summary: "Source addresses the gateway saw outside the catalogue: notified, blocked, resolved (p.13); operators see their own", querystring: UnknownSourceQuery, response: { 200: Page(UnknownSourceView) } } },
      (req) => tx(deps, req, (ctx) => listUnknownSources(ctx, req.query)),
    );
    route(
      { method: "POST", url: "/api/unknown-sources/assign", access: "unknown-source.write", schema: { tags, summary: "Attribute a detected address to a telecom operator, which is then notified (p.13)", body: UnknownSourceAssign, response: { 200: UnknownSourceView } } },
      (req) => tx(deps, req, (ctx) => assignOperator(ctx, req.body.address, req.body.operatorId)),
    );
  };
}
