/** The working-day calendar through the API: STS decrees a transfer as data, deadlines follow at once. */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorld, type World } from "./harness.js";

describe("calendar API", () => {
  let w: World;
  before(async () => {
    w = await startWorld();
  });
  after(() => w.close());

  test("ok/2026 matches the official count and names Nauryz with its carry-over days", async () => {
    const r = await w.call(w.tokens.organisation_staff, "GET", "/api/calendar/2026");
    assert.equal(r.status, 200);
    assert.equal(r.json.verified, true);
    assert.equal(r.json.days.length, 365);
    assert.equal(r.json.workingDays, 247);
    const mar24 = r.json.days.find((d: { date: string }) => d.date === "2026-03-24");
    assert.equal(mar24.kind, "carry-over");
    assert.equal(mar24.working, false);
  });

  test("ok/p.13 deadline over Nauryz 2026: five working days from Friday 20 March", async () => {
    const r = await w.call(w.tokens.operator_staff, "GET", "/api/calendar/deadline?from=2026-03-20&workingDays=5");
    assert.equal(r.status, 200);
    // 21–23 Mar holidays, 24–25 carry-over, weekend 28–29: working days 26, 27, 30, 31 Mar, 1 Apr.
    assert.equal(r.json.due, "2026-04-01");
    assert.equal(r.json.expiresAt, "2026-04-01T19:00:00.000Z");
  });

  test("ok/a decreed transfer set through the API moves deadlines; removing it restores them; both audited", async () => {
    const base = (await w.call(w.tokens.sts_admin, "GET", "/api/calendar/deadline?from=2026-11-02&workingDays=10")).json.due;
    const set = await w.call(w.tokens.sts_admin, "PUT", "/api/calendar/days/2026-11-06", { kind: "decreed-day-off", name: "transfer", reference: "Government order (test)" });
    assert.equal(set.status, 200, set.body);
    assert.equal(set.json.overridden, true);
    const moved = (await w.call(w.tokens.sts_admin, "GET", "/api/calendar/deadline?from=2026-11-02&workingDays=10")).json.due;
    assert.notEqual(moved, base);
    assert.equal((await w.call(w.tokens.sts_admin, "DELETE", "/api/calendar/days/2026-11-06")).status, 204);
    assert.equal((await w.call(w.tokens.sts_admin, "GET", "/api/calendar/deadline?from=2026-11-02&workingDays=10")).json.due, base);
    const audit = await w.call(w.tokens.auditor, "GET", "/api/audit?entityType=calendar_day");
    assert.deepEqual(audit.json.items.map((e: { action: string }) => e.action).slice(0, 2), ["calendar.day-delete", "calendar.day-set"]);
  });

  test("fail/bad dates and contradictory data are refused with the calendar's codes", async () => {
    const bad = await w.call(w.tokens.sts_admin, "GET", "/api/calendar/deadline?from=2026-02-30&workingDays=5");
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, "QQ_ERR_INVALID_DATE");
    const year = await w.call(w.tokens.sts_admin, "PUT", "/api/calendar/years/2027", { year: 2027, verified: "yes" });
    assert.equal(year.status, 422);
    assert.equal(year.json.code, "QQ_ERR_CALENDAR_DATA");
    const mismatch = await w.call(w.tokens.sts_admin, "PUT", "/api/calendar/years/2026", { year: 2025 });
    assert.ok(mismatch.status === 400 || mismatch.status === 422);
    assert.equal((await w.call(w.tokens.operator_staff, "PUT", "/api/calendar/days/2026-11-06", { kind: "decreed-day-off" })).status, 403);
  });
});
