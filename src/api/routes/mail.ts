/**
 * /api/mail — the unified e-mail gateway (UGEM): connected mail systems, their suspensions (p.12), the DKIM
 * records their owners publish and delivery statistics. Organisations see their own systems; STS and the
 * auditor all. STS suspends, releases held mail to delivery, or deletes it after review.
 */
import type { ApiDeps, App, RouteFn } from "../server.js";
import { principalOrThrow, tx } from "../server.js";
import { IdParams, Page } from "../../contract/common.js";
import { DkimRecords, MailActionResult, MailAuthResultQuery, MailAuthResultView, MailStatsQuery, MailSuspendBody, MailSuspensionQuery, MailSuspensionView, MailSystemQuery, MailSystemStats, MailSystemView } from "../../contract/mail.js";
import * as mail from "../../services/mail-systems.js";

const tags = ["mail"];

export function mailRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route({ method: "GET", url: "/api/mail/systems", access: "mail.read", schema: { tags, summary: "Connected mail systems (an organisation sees its own)", querystring: MailSystemQuery, response: { 200: Page(MailSystemView) } } }, (req) =>
      tx(deps, req, (ctx) => mail.listMailSystems(ctx, req.query)),
    );
    route({ method: "GET", url: "/api/mail/systems/:id", access: "mail.read", schema: { tags, summary: "One mail system: domains, server addresses, status, open suspension", params: IdParams, response: { 200: MailSystemView } } }, (req) =>
      tx(deps, req, (ctx) => mail.getMailSystem(ctx, req.params.id)),
    );
    route({ method: "GET", url: "/api/mail/systems/:id/dkim", access: "mail.read", schema: { tags, summary: "The DKIM TXT records to publish for the system's domains", params: IdParams, response: { 200: DkimRecords } } }, (req) =>
      tx(deps, req, (ctx) => mail.mailDkimRecords(ctx, req.params.id)),
    );
    route(
      { method: "GET", url: "/api/mail/systems/:id/stats", access: "mail.read", schema: { tags, summary: "Delivery outcomes per hour from the Postfix log; live counters and queued messages from the policy service", params: IdParams, querystring: MailStatsQuery, response: { 200: MailSystemStats } } },
      (req) => tx(deps, req, (ctx) => mail.mailSystemStats(deps.store, ctx, req.params.id, req.query)),
    );
    route(
      { method: "GET", url: "/api/mail/systems/:id/auth-results", access: "mail.read", schema: { tags, summary: "SPF / DKIM / DMARC results of inbound mail for the system's domains, newest first (metadata, never bodies)", params: IdParams, querystring: MailAuthResultQuery, response: { 200: Page(MailAuthResultView) } } },
      (req) => tx(deps, req, (ctx) => mail.mailAuthResults(ctx, req.params.id, req.query)),
    );
    route({ method: "GET", url: "/api/mail/suspensions", access: "mail.read", schema: { tags, summary: "Suspensions (UGEM p.12), newest first", querystring: MailSuspensionQuery, response: { 200: Page(MailSuspensionView) } } }, (req) =>
      tx(deps, req, (ctx) => mail.listMailSuspensions(ctx, req.query)),
    );
    for (const [action, summary] of [
      ["suspend", "Suspend the system: its new mail gets 4xx, its queued mail goes on hold, owner and STS are notified (UGEM p.12)"],
      ["release", "Release: held mail goes back to delivery, the suspension ends, owner and STS are notified"],
      ["delete-held", "Delete the held mail (by agreement with the owner); the suspension stays"],
    ] as const) {
      route(
        { method: "POST", url: `/api/mail/systems/:id/${action}`, access: "mail.write", schema: { tags, summary, params: IdParams, ...(action === "suspend" ? { body: MailSuspendBody } : {}), response: { 200: MailActionResult } } },
        (req) => mail.actOnMailSystem(deps.store, principalOrThrow(req), req.id, req.params.id, action, (req.body as { note?: string } | undefined)?.note),
      );
    }
  };
}
