import { Type } from "@sinclair/typebox";
import type { ApiDeps, App, RouteFn } from "../server.js";
import { tx } from "../server.js";
import { CivilDate } from "../../contract/common.js";
import * as cal from "../../services/calendar.js";
import { DAY_KINDS } from "../../domain/working-days/index.js";

const tags = ["calendar"];
const Year = Type.Object({ year: Type.Integer({ minimum: 2023, maximum: 2100 }) }, { additionalProperties: false });
const DayInfo = Type.Object({
  date: Type.String(),
  kind: Type.String(),
  working: Type.Boolean(),
  name: Type.Optional(Type.String()),
  holidayId: Type.Optional(Type.String()),
  carriedFrom: Type.Optional(Type.String()),
  reference: Type.Optional(Type.String()),
  estimated: Type.Optional(Type.Boolean()),
  overridden: Type.Optional(Type.Boolean()),
  verified: Type.Boolean(),
});

export function calendarRoutes(deps: ApiDeps) {
  return (_app: App, route: RouteFn) => {
    route(
      {
        method: "GET",
        url: "/api/calendar/:year",
        access: "calendar.read",
        schema: {
          tags,
          summary: "Every day of a year in the Kazakh working-day calendar (Asia/Almaty)",
          params: Year,
          response: { 200: Type.Object({ year: Type.Integer(), verified: Type.Boolean(), workingDays: Type.Integer(), workingDaysPerMonth: Type.Array(Type.Integer()), days: Type.Array(DayInfo) }) },
        },
      },
      (req) => tx(deps, req, (ctx) => cal.yearView(ctx, req.params.year)),
    );
    route(
      {
        method: "GET",
        url: "/api/calendar/deadline",
        access: "calendar.read",
        schema: {
          tags,
          summary: "The due date N working days after a date of receipt (day of receipt = day 0)",
          querystring: Type.Object({ from: CivilDate, workingDays: Type.Integer({ minimum: 0, maximum: 400 }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ from: Type.String(), workingDays: Type.Integer(), due: Type.String(), expiresAt: Type.String(), timeZone: Type.String(), verified: Type.Boolean() }) },
        },
      },
      (req) => tx(deps, req, (ctx) => cal.deadline(ctx, req.query.from, req.query.workingDays)),
    );
    route(
      {
        method: "PUT",
        url: "/api/calendar/days/:date",
        access: "calendar.write",
        schema: {
          tags,
          summary: "Set a day: decreed day off, decreed working Saturday, or a correction",
          params: Type.Object({ date: CivilDate }, { additionalProperties: false }),
          body: Type.Object({ kind: Type.Union(DAY_KINDS.map((k) => Type.Literal(k))), name: Type.Optional(Type.String({ maxLength: 200 })), reference: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
          response: { 200: DayInfo },
        },
      },
      (req) => tx(deps, req, (ctx) => cal.setDayOverride(ctx, req.params.date, req.body)),
    );
    route(
      { method: "DELETE", url: "/api/calendar/days/:date", access: "calendar.write", schema: { tags, summary: "Remove a day override", params: Type.Object({ date: CivilDate }, { additionalProperties: false }), response: { 204: Type.Null() } } },
      async (req, reply) => {
        await tx(deps, req, (ctx) => cal.deleteDayOverride(ctx, req.params.date));
        return reply.code(204).send();
      },
    );
    route(
      {
        method: "PUT",
        url: "/api/calendar/years/:year",
        access: "calendar.write",
        bodyLimit: 256 * 1024,
        schema: { tags, summary: "Add or correct a year's data (Kurban Ait, decreed transfers, official counts)", params: Year, body: Type.Object({}, { additionalProperties: true }) },
      },
      (req) => tx(deps, req, (ctx) => cal.putYearData(ctx, req.params.year, req.body)),
    );
  };
}
