/**
 * Reports through the API: the transparency report counts connections inspected, spliced and plain by
 * category, blocks by reason, unknown-address blocks (p.13) and complaints with their outcomes (p.20) over a
 * period of Almaty days; the dashboard counts open applications by nearest deadline, incidents, unknown
 * sources and the last day of traffic. Neither answer carries a source address or a path.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorld, type World } from "./harness.js";
import { documents } from "./authz-cases/workflows.js";
import { sql } from "kysely";
import { addCalendarDays, addWorkingDays, civilDateOf, startOfCivilDay } from "../../src/domain/working-days/index.js";
import { WORKFLOWS } from "../../src/domain/workflows/index.js";
import { deadlinesOf } from "../../src/domain/workflows/engine.js";
import type { ApplicationKind } from "../../src/domain/workflows/types.js";
import { domainView, loadHistory } from "../../src/services/applications.js";
import { loadCalendar } from "../../src/services/calendar.js";

type Row = { kind: "connection" | "request"; action: "allow" | "block"; reason: string; tls: "bump" | "splice" | null; categories: string[]; host: string; at?: Date };

describe("reports API", () => {
  let w: World;
  const day = "2026-03-10";
  // 00:30 in Almaty on 10 March is still 9 March in UTC: the period is counted in Almaty days.
  const early = new Date(startOfCivilDay(day).getTime() + 30 * 60_000);

  async function log(rows: Row[]) {
    await w.store.db
      .insertInto("decision_log")
      .values(
        rows.map((r, i) => ({
          at: r.at ?? early,
          ref: `ref${i}x`,
          kind: r.kind,
          organisation_id: w.ids.orgA,
          unknown_source: r.reason === "unknown-source-blocked",
          source: "10.1.2.3",
          host: r.host,
          path: r.kind === "request" ? "/secret/path" : null,
          port: 443,
          protocol: "tls",
          categories: r.categories,
          action: r.action,
          reason: r.reason,
          tls: r.tls,
          status: null,
          bytes_up: 1,
          bytes_down: 1,
          duration_ms: 1,
          ja4: null,
          snapshot_id: "s1",
        })),
      )
      .execute();
  }

  before(async () => {
    w = await startWorld();
    const c = (action: Row["action"], reason: string, tls: Row["tls"], categories: string[], host: string): Row => ({ kind: "connection", action, reason, tls, categories, host });
    await log([
      c("allow", "organisation-allow", "bump", ["news"], "news.example"),
      c("allow", "organisation-allow", "bump", ["news"], "news.example"),
      c("allow", "protected-category", "splice", ["government-legal"], "www.egov.kz"),
      c("allow", "organisation-allow", null, ["education"], "plain.example"),
      c("block", "baseline-category", null, ["gambling"], "casino.example"),
      c("block", "unknown-source-blocked", null, [], "anything.example"),
      { kind: "request", action: "allow", reason: "organisation-allow", tls: null, categories: ["news"], host: "news.example" },
      { kind: "request", action: "block", reason: "default-deny", tls: null, categories: ["news"], host: "news.example" },
      // the day before the period (Almaty), and the last hour for the dashboard
      { ...c("block", "baseline-category", null, ["gambling"], "casino.example"), at: new Date(startOfCivilDay(day).getTime() - 60_000) },
      { ...c("block", "baseline-category", null, ["gambling"], "casino.example"), at: new Date() },
      { ...c("allow", "organisation-allow", "bump", ["news"], "news.example"), at: new Date() },
    ]);
  });
  after(() => w.close());

  test("ok/the transparency report counts inspected vs spliced by category, blocks and unknown-address blocks", async () => {
    const r = await w.call(w.tokens.auditor, "GET", `/api/reports/transparency?from=${day}&to=${day}`);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.flows, { total: 6, inspected: 2, spliced: 1, plain: 1, blocked: 2, unknownSourceBlocked: 1, requests: 2, requestsBlocked: 1 });
    const cat = (id: string) => r.json.byCategory.find((x: { category: string }) => x.category === id);
    assert.deepEqual(cat("news"), { category: "news", protected: false, inspected: 2, spliced: 0, plain: 0, blocked: 0 });
    assert.deepEqual(cat("government-legal"), { category: "government-legal", protected: true, inspected: 0, spliced: 1, plain: 0, blocked: 0 });
    assert.equal(cat("gambling").blocked, 1, "the block of the day before is outside the period");
    assert.deepEqual(r.json.daily, [{ date: day, inspected: 2, spliced: 1, plain: 1, blocked: 2 }], "00:30 in Almaty counts on the Almaty day");
    const week = await w.call(w.tokens.auditor, "GET", `/api/reports/transparency?from=2026-03-09&to=2026-03-15`);
    assert.deepEqual(week.json.daily.map((d: { date: string }) => d.date), ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13", "2026-03-14", "2026-03-15"]);
    assert.equal(week.json.daily[0].blocked, 1, "23:59 on 9 March in Almaty");
    assert.deepEqual(r.json.blocksByReason, [
      { reason: "baseline-category", count: 1 },
      { reason: "default-deny", count: 1 },
      { reason: "unknown-source-blocked", count: 1 },
    ]);
    assert.doesNotMatch(r.body, /10\.1\.2\.3|secret\/path/, "no source address or path in a report");
  });

  test("ok/complaints (re-categorisation requests) and their outcomes are counted", async () => {
    const ask = (host: string) => w.call(null, "POST", "/api/recategorisation-requests", { host, requested: "recategorise", suggestedCategory: "education", reason: "a public library catalogue" });
    const a = await ask("library.example.org");
    await ask("museum.example.org");
    const id = (await w.store.db.selectFrom("application").select("id").where("number", "=", a.json.number).executeTakeFirstOrThrow()).id;
    assert.equal((await w.call(w.tokens.sts_engineer, "POST", `/api/applications/${id}/events`, { type: "decided", data: { outcome: "denied", reason: "file sharing" } })).status, 200);
    const today = civilDateOf(new Date());
    const r = await w.call(w.tokens.sts_duty_officer, "GET", `/api/reports/transparency?from=${addCalendarDays(today, -1)}&to=${today}`);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.complaints.submitted, 2);
    assert.equal(r.json.complaints.denied, 1);
    assert.equal(r.json.complaints.pending, 1);
    assert.equal(r.json.complaints.granted, 0);
  });

  test("ok/the dashboard: open applications by nearest deadline, incidents, unknown sources, last day of traffic", async () => {
    await w.call(w.tokens.organisation_staff, "POST", "/api/incidents", { document: documents.incident() });
    const ch = await w.call(w.tokens.operator_staff, "POST", "/api/applications/channel-connection", { document: documents.channel(), operatorId: w.ids.opA });
    assert.equal(ch.status, 201, ch.body);
    await w.store.db.insertInto("unknown_source").values({ address: "192.0.2.77", first_seen: new Date(), last_seen: new Date(), state: "blocked" }).execute();
    const r = await w.call(w.tokens.sts_engineer, "GET", "/api/reports/overview");
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.incidents.open, 1);
    assert.equal(r.json.incidents.unacknowledged, 1);
    assert.ok(r.json.applications.open >= 2, "the channel connection and the pending complaint are open");
    const a = r.json.applications;
    assert.ok(a.dueToday + a.dueThisWeek + a.overdue <= a.open);
    assert.equal(r.json.unknownSources.blocked, 1);
    assert.equal(r.json.traffic.hourly.length, 24);
    const sum = r.json.traffic.hourly.reduce((n: number, h: { allowed: number; blocked: number }) => n + h.allowed + h.blocked, 0);
    assert.equal(sum, 2, "only the two records of the last hour");
    assert.deepEqual(r.json.traffic.topBlocked, [{ host: "casino.example", count: 1 }]);
    assert.doesNotMatch(r.body, /10\.1\.2\.3/);
  });

  test("ok/the dashboard's deadline counts over several applications equal each application's own nearest deadline", async () => {
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ch = await w.call(w.tokens.operator_staff, "POST", "/api/applications/channel-connection", { document: documents.channel(), operatorId: w.ids.opA });
      assert.equal(ch.status, 201, ch.body);
      made.push(ch.json.id);
    }
    // Two of them were submitted three months ago: their deadlines have passed.
    for (const id of made.slice(0, 2)) {
      await w.store.db.updateTable("application_event").set({ at: sql`at - interval '90 days'` }).where("application_id", "=", id).execute();
      await w.store.db.updateTable("application").set({ submitted_at: sql`submitted_at - interval '90 days'` }).where("id", "=", id).execute();
    }
    // Expected: every open application on its own, its history read alone (the per-application path).
    const expected = await w.store.db.transaction().execute(async (tx) => {
      const cal = await loadCalendar(tx);
      const now = new Date();
      const today = civilDateOf(now);
      const weekEnd = addWorkingDays(today, 5, cal);
      const e = { open: 0, dueToday: 0, dueThisWeek: 0, overdue: 0 };
      for (const r of await tx.selectFrom("application").selectAll().where("kind", "!=", "incident").execute()) {
        const def = WORKFLOWS[r.kind as ApplicationKind];
        if (def.final.includes(r.state)) continue;
        e.open++;
        const next = deadlinesOf(def, domainView(r), await loadHistory(tx, r.id), cal).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))[0];
        if (!next) continue;
        if (now.getTime() >= Date.parse(next.expiresAt)) e.overdue++;
        else if (next.dueDate <= today) e.dueToday++;
        else if (next.dueDate <= weekEnd) e.dueThisWeek++;
      }
      return e;
    });
    assert.ok(expected.open >= 5, "four channel connections and the pending complaint");
    assert.ok(expected.overdue >= 2, "the two back-dated applications are overdue");
    const r = await w.call(w.tokens.sts_engineer, "GET", "/api/reports/overview");
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.applications, expected);
  });

  test("fail/a reversed or malformed period is a problem+json 400; other roles are refused", async () => {
    const rev = await w.call(w.tokens.auditor, "GET", "/api/reports/transparency?from=2026-03-10&to=2026-03-01");
    assert.equal(rev.status, 400);
    assert.equal(rev.json.code, "QQ_ERR_VALIDATION");
    assert.match(rev.headers["content-type"], /application\/problem\+json/);
    const bad = await w.call(w.tokens.auditor, "GET", "/api/reports/transparency?from=10.03.2026&to=2026-03-10");
    assert.equal(bad.status, 400);
    assert.equal((await w.call(w.tokens.operator_staff, "GET", "/api/reports/overview")).status, 403);
    assert.equal((await w.call(w.tokens.organisation_staff, "GET", `/api/reports/transparency?from=${day}&to=${day}`)).status, 403);
  });
});
