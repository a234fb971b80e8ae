/**
 * The application inbox through the HTTP API: deadlines are derived, so "overdue" is decided after they are
 * computed; the soonest deadline comes first; a scoped role sees only its own applications; the CSV carries
 * the same rows with the next deadline.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { startWorld, type World } from "./harness.js";
import { documents } from "./authz-cases/workflows.js";

describe("application inbox API", () => {
  let w: World;
  let late: { id: string; number: string };
  let fresh: { id: string; number: string };
  before(async () => {
    w = await startWorld();
    const submit = async (operatorId: string) => {
      const r = await w.call(w.tokens.sts_admin, "POST", "/api/applications/channel-connection", { document: documents.channel(), operatorId });
      assert.equal(r.status, 201, r.body);
      return { id: r.json.id as string, number: r.json.number as string };
    };
    late = await submit(w.ids.opA);
    fresh = await submit(w.ids.opB);
    // Received forty days ago: STS's ten-working-day answer (p.6) has passed.
    const then = new Date(Date.now() - 40 * 86_400_000);
    await w.store.db.updateTable("application").set({ submitted_at: then }).where("id", "=", late.id).execute();
    await w.store.db.updateTable("application_event").set({ at: then }).where("application_id", "=", late.id).where(sql<boolean>`seq = 1`).execute();
  });
  after(() => w.close());

  test("ok/the soonest deadline first; overdue filters on the derived deadline", async () => {
    const all = await w.call(w.tokens.sts_engineer, "GET", "/api/application-inbox?kind=channel-connection");
    assert.equal(all.status, 200, all.body);
    assert.deepEqual(all.json.items.map((a: { number: string }) => a.number).slice(0, 2), [late.number, fresh.number]);
    assert.equal(all.json.items[0].nextDeadline.overdue, true);
    assert.equal(all.json.items[1].nextDeadline.overdue, false);
    const overdue = await w.call(w.tokens.sts_engineer, "GET", "/api/application-inbox?overdue=true&kind=channel-connection");
    assert.deepEqual(overdue.json.items.map((a: { id: string }) => a.id), [late.id]);
    assert.equal(overdue.json.total, 1);
  });

  test("ok/pages are cut after filtering; the number search finds one", async () => {
    const page = await w.call(w.tokens.sts_engineer, "GET", "/api/application-inbox?kind=channel-connection&limit=1&offset=1");
    assert.equal(page.json.items.length, 1);
    assert.equal(page.json.items[0].id, fresh.id);
    assert.ok(page.json.total >= 2);
    const byNumber = await w.call(w.tokens.sts_engineer, "GET", `/api/application-inbox?q=${encodeURIComponent(late.number.slice(-6))}`);
    assert.deepEqual(byNumber.json.items.map((a: { id: string }) => a.id), [late.id]);
  });

  test("ok/an operator sees only its own applications", async () => {
    const mine = await w.call(w.tokens.operator_staff, "GET", "/api/application-inbox?kind=channel-connection");
    const ids = mine.json.items.map((a: { id: string }) => a.id);
    assert.ok(ids.includes(late.id));
    assert.ok(!ids.includes(fresh.id), "operator A does not see operator B's application");
  });

  test("ok/CSV of the same rows with the next deadline", async () => {
    const r = await w.call(w.tokens.auditor, "GET", "/api/application-inbox.csv?overdue=true&kind=channel-connection");
    assert.equal(r.status, 200);
    assert.match(r.headers["content-type"], /^text\/csv/);
    const lines = r.body.trim().split("\r\n");
    assert.equal(lines[0], "number,kind,state,organisation_id,operator_id,submitted_at,next_deadline,paragraph,party,due_date,overdue");
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, new RegExp(`^${late.number},channel-connection,submitted,,${w.ids.opA},.*,true$`));
  });

  test("fail/a filter the schema does not know is refused as problem+json", async () => {
    const r = await w.call(w.tokens.sts_engineer, "GET", "/api/application-inbox?kind=telepathy");
    assert.equal(r.status, 400);
    assert.equal(r.headers["content-type"], "application/problem+json; charset=utf-8");
  });
});
