/** p.13 notice texts and the block date, and the deadline helpers' edge cases. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { blockAtOf, blockDueOf, blockedText, noticeText } from "../../../src/domain/workflows/unknown-source.js";
import { calendarDaysDeadline, hoursDeadline, lastDayOfYearTerm, lastEvent, workingDaysDeadline } from "../../../src/domain/workflows/deadline-math.js";
import { almaty, cal } from "./support.js";

describe("unknown sources (p.13)", () => {
  test("ok/the block is due at the end of the fifth working day after the notice — across New Year 2026", () => {
    const notified = new Date(almaty("2025-12-30T16:00:00"));
    // Wed 31 Dec (1); 1–2 Jan holidays; weekend; Mon 5 (2), Tue 6 (3); Wed 7 Christmas; Thu 8 (4), Fri 9 (5).
    assert.equal(blockDueOf(notified, cal), "2026-01-09");
    assert.equal(blockAtOf(notified, cal).toISOString(), "2026-01-09T19:00:00.000Z");
  });

  test("ok/one notice lists every address, sorted numerically, with the last day to act", () => {
    const t = new Date("2026-03-20T07:00:00.000Z");
    const n = noticeText("Operator A", [
      { address: "10.0.0.10", firstSeen: t, lastSeen: t, hits: 2 },
      { address: "10.0.0.9", firstSeen: t, lastSeen: t, hits: 1 },
    ], "2026-04-01");
    assert.equal(n.subject, "UGIA: 2 IP addresses not in the IP address catalogue");
    assert.match(n.body, /10\.0\.0\.9\t[^\n]*\n10\.0\.0\.10\t/);
    assert.match(n.body, /by the end of 2026-04-01 \(Asia\/Almaty\)/);
    assert.equal(noticeText("Operator A", [{ address: "10.0.0.1", firstSeen: t, lastSeen: t, hits: 1 }], "2026-04-01").subject, "UGIA: 1 IP address not in the IP address catalogue");
  });

  test("ok/the block notice lists the blocked addresses", () => {
    assert.equal(blockedText("Operator A", ["10.0.0.2"]).subject, "UGIA: 1 IP address blocked (p.13)");
    assert.match(blockedText("Operator A", ["10.0.0.3", "10.0.0.2"]).body, /10\.0\.0\.2\n10\.0\.0\.3/);
  });
});

describe("deadline helpers", () => {
  const spec = { kind: "k", paragraph: "p", party: "sts" as const, description: "d" };

  test("ok/a one-year term ends the day before the anniversary; from 29 February on 28 February", () => {
    assert.equal(lastDayOfYearTerm("2026-04-08"), "2027-04-07");
    assert.equal(lastDayOfYearTerm("2024-02-29"), "2025-02-28");
    assert.equal(lastDayOfYearTerm("2025-12-31"), "2026-12-30");
  });

  test("ok/an hour term runs around the clock, across midnight and the year", () => {
    const d = hoursDeadline(spec, almaty("2025-12-31T23:30:00"), 1);
    assert.equal(d.expiresAt, "2025-12-31T19:30:00.000Z");
    assert.equal(d.dueDate, "2026-01-01");
    assert.equal(d.remindAt, "2025-12-31T19:18:00.000Z");
    assert.equal(hoursDeadline({ ...spec, remind: false }, almaty("2026-01-01T00:00:00"), 4).remindAt, null);
  });

  test("ok/a notice without a reminder, and a term already over, have no reminder", () => {
    assert.equal(calendarDaysDeadline({ ...spec, remind: false }, almaty("2026-01-05T10:00:00"), "2026-02-01").remindAt, null);
    assert.equal(calendarDaysDeadline(spec, almaty("2026-01-05T10:00:00"), "2026-01-04").remindAt, null);
    assert.equal(workingDaysDeadline({ ...spec, remind: false }, almaty("2026-01-05T10:00:00"), 5, cal).remindAt, null);
    assert.deepEqual(workingDaysDeadline(spec, almaty("2026-01-05T10:00:00"), 5, cal).onExpiry, { type: "escalate" });
  });

  test("ok/lastEvent finds the latest of the types named, or nothing", () => {
    const h = [1, 2, 3].map((seq) => ({ seq, type: seq === 2 ? "b" : "a", at: "", actor: { kind: "sts" as const, id: "", name: "", role: "" }, data: {} }));
    assert.equal(lastEvent(h, "a")?.seq, 3);
    assert.equal(lastEvent(h, "b", "c")?.seq, 2);
    assert.equal(lastEvent(h, "c"), undefined);
  });
});
