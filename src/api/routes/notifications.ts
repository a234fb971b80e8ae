import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { Instant, Page, PageQuery, Uuid } from "../../contract/common.js";
import { iso } from "../../services/context.js";

const Notification = Type.Object({
  id: Uuid,
  recipients: Type.Array(Type.String()),
  subject: Type.String(),
  bodyText: Type.String(),
  status: Type.String({ description: "pending | sent | sink (kept by the built-in sink) | failed" }),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  related: Type.Unknown(),
  createdAt: Instant,
  sentAt: Type.Union([Instant, Type.Null()]),
});

export function notificationRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route(
      {
        method: "GET",
        url: "/api/notifications",
        access: "notification.read",
        schema: {
          tags: ["notifications"],
          summary: "Outgoing notifications (the outbox); in embedded mode the sink keeps them here",
          querystring: Type.Composite([PageQuery, Type.Object({ recipient: Type.Optional(Type.String({ maxLength: 254 })), status: Type.Optional(Type.String({ maxLength: 20 })) })], { additionalProperties: false }),
          response: { 200: Page(Notification) },
        },
      },
      (req) =>
        tx(deps, req, async (ctx) => {
          let base = ctx.tx.selectFrom("outbox_message");
          if (req.query.recipient) base = base.where((eb) => eb(eb.val(req.query.recipient), "=", eb.fn.any("recipients")));
          if (req.query.status) base = base.where("status", "=", req.query.status);
          const [{ n }] = (await base.select((eb) => eb.fn.countAll<number>().as("n")).execute()) as [{ n: number }];
          const rows = await base.selectAll().orderBy("created_at", "desc").limit(req.query.limit).offset(req.query.offset).execute();
          return {
            items: rows.map((r) => ({ id: r.id, recipients: r.recipients, subject: r.subject, bodyText: r.body_text, status: r.status, attempts: r.attempts, lastError: r.last_error, related: r.related, createdAt: iso(r.created_at), sentAt: r.sent_at ? iso(r.sent_at) : null })),
            total: Number(n),
            limit: req.query.limit,
            offset: req.query.offset,
          };
        }),
    );
  };
}
