import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { Page } from "../../contract/common.js";
import { AccessPolicyView, PolicyExceptionView, PolicyQuery } from "../../contract/policies.js";
import { listAccessPolicies, listExceptions } from "../../services/policies.js";

const tags = ["policies"];

export function policyRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route({ method: "GET", url: "/api/access-policies", access: "policy.read", schema: { tags, summary: "Access policies applied on the gateway, one calendar year each (p.15-1, p.16)", querystring: PolicyQuery, response: { 200: Page(AccessPolicyView) } } }, (req) =>
      tx(deps, req, (ctx) => listAccessPolicies(ctx, req.query)),
    );
    route({ method: "GET", url: "/api/policy-exceptions", access: "policy.read", schema: { tags, summary: "Exceptions for VPN and other risky services, until their expiry (p.15-2)", querystring: PolicyQuery, response: { 200: Page(PolicyExceptionView) } } }, (req) =>
      tx(deps, req, (ctx) => listExceptions(ctx, req.query)),
    );
  };
}
