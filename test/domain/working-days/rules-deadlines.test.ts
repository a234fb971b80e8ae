/**
 * One test per deadline of the Rules (order No. 386/НҚ as amended by No. 79/NK), computed the way the workflows
 * compute them: the instant of receipt → its Almaty civil date (day 0) → N working (or calendar) days → the
 * instant the term expires (exclusive).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SHIPPED_YEARS,
  addCalendarDays,
  addWorkingDays,
  buildCalendar,
  civilDateOf,
  endOfCivilDay,
  isWorkingDay,
  workingDaysBetween,
} from "../../../src/domain/working-days/index.js";

const cal = buildCalendar({ years: SHIPPED_YEARS });

/** Due date and the instant the term expires for N working days from an instant of receipt. */
function workingTerm(receivedAt: string, n: number): { day0: string; due: string; expiresAt: string } {
  const day0 = civilDateOf(new Date(receivedAt));
  const due = addWorkingDays(day0, n, cal);
  return { day0, due, expiresAt: endOfCivilDay(due).toISOString() };
}

test("ok/p.6 technical specifications within 10 working days from receipt of the application (8 March and Nauryz 2025 inside)", () => {
  // Received Friday 7 March 2025, 20:30 in Almaty.
  assert.deepEqual(workingTerm("2025-03-07T15:30:00Z", 10), { day0: "2025-03-07", due: "2025-03-27", expiresAt: "2025-03-27T19:00:00.000Z" });
});

test("ok/p.7 readiness letter within 7 working days after receipt of the specifications (Victory Day 2026 carried to Monday)", () => {
  assert.deepEqual(workingTerm("2026-05-06T04:00:00Z", 7), { day0: "2026-05-06", due: "2026-05-19", expiresAt: "2026-05-19T19:00:00.000Z" });
});

test("ok/p.10 rejection notice within 10 working days from receipt of the application (day 0 is the receipt, not the next working day)", () => {
  // Received on Saturday 21 March 2026 (Nauryz): 22–25 March are days off, so day 1 is Thursday 26 March.
  assert.deepEqual(workingTerm("2026-03-21T06:00:00Z", 10), { day0: "2026-03-21", due: "2026-04-08", expiresAt: "2026-04-08T19:00:00.000Z" });
});

test("ok/p.11 inconsistencies eliminated within 5 working days from receipt of the rejection (received 29 Dec 2025, across the New Year)", () => {
  assert.deepEqual(workingTerm("2025-12-29T05:00:00Z", 5), { day0: "2025-12-29", due: "2026-01-08", expiresAt: "2026-01-08T19:00:00.000Z" });
});

test("ok/p.13 catalogue updated within 5 working days after the notification, else STS blocks (New Year 2025 and order No. 436)", () => {
  // E-mailed 31 Dec 2024 20:00 UTC = 1 Jan 2025 01:00 in Almaty: day 0 is the holiday itself.
  // 2 Jan holiday, 3 Jan decreed day off, 5 Jan (Sunday) decreed working day = day 1, 7 Jan Christmas.
  const t = workingTerm("2024-12-31T20:00:00Z", 5);
  assert.deepEqual(t, { day0: "2025-01-01", due: "2025-01-10", expiresAt: "2025-01-10T19:00:00.000Z" });
  assert.equal(isWorkingDay("2025-01-05", cal), true);
});

test("ok/p.13 the Almaty date of the e-mail decides day 0: 23:30 on a Thursday is Thursday, not Friday", () => {
  // 9 Jan 2025 18:30 UTC = 23:30 in Almaty at UTC+5. A stale fixed UTC+6 would read 00:30 on Friday 10 January
  // and give the operator a day more.
  assert.deepEqual(workingTerm("2025-01-09T18:30:00Z", 5), { day0: "2025-01-09", due: "2025-01-16", expiresAt: "2025-01-16T19:00:00.000Z" });
  assert.equal(addWorkingDays("2025-01-10", 5, cal), "2025-01-17");
});

test("ok/p.16 policies applied within 10 working days after receiving the list (May 2024: 4 May worked, 8 May off)", () => {
  assert.deepEqual(workingTerm("2024-04-30T09:00:00Z", 10), { day0: "2024-04-30", due: "2024-05-17", expiresAt: "2024-05-17T19:00:00.000Z" });
});

test("ok/p.16 before the clock change: received at 00:30 on 1 Feb 2024 in Almaty (UTC+6), not 31 January", () => {
  assert.equal(civilDateOf(new Date("2024-01-31T18:30:00Z")), "2024-02-01");
  assert.equal(workingTerm("2024-01-31T18:30:00Z", 10).due, "2024-02-15");
});

test("ok/p.17 WAF connection within 10 working days; after a rejection the User waits 30 calendar days before re-submitting", () => {
  assert.equal(workingTerm("2026-02-26T06:00:00Z", 10).due, "2026-03-13");
  // Rejection received 27 Feb 2026: the 30 calendar days run 28 Feb … 29 Mar, Nauryz included (calendar days do
  // not skip holidays); re-submission is accepted from 30 March 00:00 Almaty.
  const rejected = civilDateOf(new Date("2026-02-27T06:00:00Z"));
  const lockOutEnds = addCalendarDays(rejected, 30);
  assert.equal(lockOutEnds, "2026-03-29");
  assert.equal(endOfCivilDay(lockOutEnds).toISOString(), "2026-03-29T19:00:00.000Z");
});

test("ok/UGEM p.8 applicant checked within 5 working days from receipt (31 August 2026 is now a working day)", () => {
  const t = workingTerm("2026-08-28T11:00:00Z", 5);
  assert.deepEqual(t, { day0: "2026-08-28", due: "2026-09-04", expiresAt: "2026-09-04T19:00:00.000Z" });
  // Under the pre-2026 list 30 Aug (Sunday) would have given Monday 31 Aug off and pushed this to 7 September.
  const oldLaw = buildCalendar({ years: SHIPPED_YEARS, overrides: [{ date: "2026-08-31", kind: "carry-over", name: "Constitution Day (pre-2026)" }] });
  assert.equal(addWorkingDays("2026-08-28", 5, oldLaw), "2026-09-07");
});

test("ok/App. 2 technical specifications valid 60 calendar days; renewal due 10 days before expiry", () => {
  const issued = "2025-12-29";
  const expires = addCalendarDays(issued, 60);
  assert.equal(expires, "2026-02-27");
  assert.equal(endOfCivilDay(expires).toISOString(), "2026-02-27T19:00:00.000Z");
  assert.equal(addCalendarDays(expires, -10), "2026-02-17");
  // For comparison: the same span holds 41 working days (30–31 Dec, 19 in January, 20 in February).
  assert.equal(workingDaysBetween(issued, expires, cal), 41);
});
