/**
 * Every deadline of the Rules the workflows track, one test per paragraph, each across a weekend, a holiday,
 * a decreed transfer or the year boundary. Day of receipt = day 0; a deadline passes at the end of its last
 * day in Asia/Almaty (UTC+5 since 1 March 2024, so 19:00 UTC).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildCalendar, SHIPPED_YEARS } from "../../../src/domain/working-days/index.js";
import { WORKFLOWS, resubmissionAllowedFrom } from "../../../src/domain/workflows/index.js";
import { lateness } from "../../../src/domain/workflows/resource-change.js";
import { blockDueOf } from "../../../src/domain/workflows/unknown-source.js";
import { Run, almaty, APPLICANT, cal } from "./support.js";

describe("deadlines of the Rules", () => {
  test("p.6, p.10: STS answers a channel application within 10 working days — across New Year and Christmas 2026", () => {
    const r = new Run(WORKFLOWS["channel-connection"], almaty("2025-12-26T10:00:00"), { bandwidthGbps: 10 });
    const d = r.deadline("sts-answer");
    // Mon 29, Tue 30, Wed 31 Dec; 1–2 Jan holidays, weekend; Mon 5, Tue 6; 7 Jan Christmas; 8, 9, 12, 13, 14 Jan.
    assert.equal(d.dueDate, "2026-01-14");
    assert.equal(d.expiresAt, "2026-01-14T19:00:00.000Z");
    assert.equal(d.paragraph, "p.6, p.10");
    // 80 %: the start of working day 9 (13 January).
    assert.equal(d.remindAt, "2026-01-12T19:00:00.000Z");
  });

  test("p.7: the operator confirms readiness within 7 working days — across the decreed transfer of 3 → 5 January 2025", () => {
    const r = new Run(WORKFLOWS["channel-connection"], almaty("2024-12-20T10:00:00"), { bandwidthGbps: 1 });
    r.do("specifications-issued", almaty("2024-12-27T16:00:00"), undefined, { number: "TS-1" });
    const d = r.deadline("readiness");
    // Mon 30, Tue 31; 1–2 Jan holidays; Fri 3 decreed day off; Sun 5 decreed working day; Mon 6; Tue 7 Christmas; Wed 8, Thu 9, Fri 10.
    assert.equal(d.dueDate, "2025-01-10");
    assert.equal(d.party, "applicant");
    // 0.8 × 7 = 5.6 working days: working day 6 (Thu 9 January) at 14:24 Almaty.
    assert.equal(d.remindAt, "2025-01-09T09:24:00.000Z");
  });

  test("p.11: non-compliance gives 5 working days to fix — across Nauryz 2025 and its carry-over days", () => {
    const r = new Run(WORKFLOWS["channel-connection"], almaty("2025-03-03T10:00:00"), { bandwidthGbps: 2 });
    r.do("specifications-issued", almaty("2025-03-05T10:00:00"), undefined, { number: "TS-2" }).do("readiness-confirmed", almaty("2025-03-10T10:00:00"), APPLICANT);
    r.do("non-compliance-reported", almaty("2025-03-20T12:00:00"), undefined, { findings: "reserve channel shares the main duct" });
    // 21 Mar Nauryz, weekend, 24–25 carry-over; Wed 26, Thu 27, Fri 28, Mon 31 Mar, Tue 1 Apr.
    assert.equal(r.deadline("fix").dueDate, "2025-04-01");
    assert.equal(r.deadline("fix").paragraph, "p.11");
  });

  test("Appendix 2: specifications valid 60 calendar days; not renewed 10 days before expiry → cancelled automatically, across the year boundary", () => {
    const r = new Run(WORKFLOWS["channel-connection"], almaty("2025-11-10T10:00:00"), { bandwidthGbps: 1 });
    r.do("specifications-issued", almaty("2025-11-20T11:00:00"), undefined, { number: "TS-3" });
    const d = r.deadline("specifications-renewal");
    // valid until 19 January 2026 (20 Nov + 60); renewal cut-off 10 days before: 9 January 2026.
    assert.equal(d.dueDate, "2026-01-09");
    assert.match(d.description, /2026-01-19/);
    assert.deepEqual(d.onExpiry, { type: "event", event: "cancelled" });
    // The readiness term passes first (escalation, no state change) …
    r.wakeAll("2026-01-09T18:59:59.000Z");
    assert.equal(r.app.state, "specifications-issued");
    assert.ok(r.history.some((e) => e.type === "deadline-overdue" && e.data.deadline === "readiness"));
    // … and at the end of 9 January 2026 the specifications are cancelled.
    const effects = r.wakeAll("2026-01-09T19:00:00.000Z");
    assert.equal(r.app.state, "cancelled");
    assert.ok(effects.some((e) => e.type === "notify" && e.to === "applicant" && /cancelled automatically/.test(e.body)));
  });

  test("Appendix 2: a renewal moves the cancellation; a connection before the cut-off ends it", () => {
    const r = new Run(WORKFLOWS["channel-connection"], almaty("2025-11-10T10:00:00"), { bandwidthGbps: 1 });
    r.do("specifications-issued", almaty("2025-11-20T11:00:00"), undefined, { number: "TS-4" });
    r.do("specifications-renewed", almaty("2026-01-05T11:00:00"));
    assert.equal(r.deadline("specifications-renewal").dueDate, "2026-02-24"); // 5 Jan + 60 = 6 Mar, − 10
    r.wakeAll("2026-01-10T00:00:00.000Z");
    assert.notEqual(r.app.state, "cancelled");
    r.do("readiness-confirmed", almaty("2026-01-12T10:00:00"), APPLICANT).do("connected", almaty("2026-01-20T10:00:00"));
    assert.deepEqual(r.deadlines(), []);
  });

  test("p.16: STS applies an access policy within 10 working days — across Nauryz 2026", () => {
    const r = new Run(WORKFLOWS["access-policy"], almaty("2026-03-20T09:00:00"), { categories: ["news"], networks: ["10.1.0.0/24"] });
    assert.equal(r.deadline("sts-apply").dueDate, "2026-04-08");
  });

  test("p.15-1: the access is open one calendar year; reminders 30 and 7 days before it lapses; it lapses by itself", () => {
    const r = new Run(WORKFLOWS["access-policy"], almaty("2026-03-20T09:00:00"), { categories: ["news"], networks: ["10.1.0.0/24"] });
    r.do("applied", almaty("2026-04-08T15:00:00"));
    assert.deepEqual(r.effects.find((e) => e.type === "apply-access-policy"), { type: "apply-access-policy", validFrom: "2026-04-08", validTo: "2027-04-07" });
    assert.equal(r.deadline("lapse-notice-30").expiresAt, "2027-03-08T19:00:00.000Z");
    assert.equal(r.deadline("lapse-notice-7").expiresAt, "2027-03-31T19:00:00.000Z");
    assert.equal(r.deadline("policy-term").expiresAt, "2027-04-07T19:00:00.000Z");
    const notices = r.wakeAll("2027-04-01T00:00:00.000Z");
    assert.equal(notices.filter((e) => e.type === "notify" && e.to === "applicant").length, 2);
    assert.equal(r.app.state, "applied");
    const end = r.wakeAll("2027-04-07T19:00:00.000Z");
    assert.equal(r.app.state, "lapsed");
    assert.ok(end.some((e) => e.type === "end-access-policy" && e.status === "lapsed"));
  });

  test("p.15-1: a policy applied on 29 February ends on 28 February", () => {
    const r = new Run(WORKFLOWS["access-policy"], almaty("2024-02-20T09:00:00"), {});
    r.do("applied", "2024-02-29T06:00:00.000Z");
    assert.equal(r.deadline("policy-term").dueDate, "2025-02-28");
  });

  test("p.17: STS connects an IR to the WAF or rejects within 10 working days — across New Year 2026; 30-day lock-out after rejection", () => {
    const r = new Run(WORKFLOWS["waf-connection"], almaty("2025-12-31T17:00:00"), { domain: "gov.example.kz" });
    assert.equal(r.deadline("sts-connect").dueDate, "2026-01-19");
    r.do("rejected", almaty("2026-01-16T10:00:00"), undefined, { reason: "no https certificate" });
    const msg = r.effects.find((e) => e.type === "notify" && e.to === "applicant");
    assert.ok(msg && msg.type === "notify" && /from 2026-02-16/.test(msg.body), "the rejection names the date a new application is accepted");
    assert.equal(resubmissionAllowedFrom(almaty("2026-01-16T10:00:00")), "2026-02-16");
  });

  test("p.17 second part: a request for missing data restarts the term from the day the data arrives", () => {
    const r = new Run(WORKFLOWS["waf-connection"], almaty("2026-01-05T10:00:00"), { domain: "a.kz" });
    r.do("information-requested", almaty("2026-01-06T10:00:00"), undefined, { request: "DBMS version" });
    assert.deepEqual(r.deadlines(), []);
    r.do("information-supplied", almaty("2026-01-09T10:00:00"), APPLICANT);
    assert.equal(r.deadline("sts-connect").startDate, "2026-01-09");
  });

  test("p.18: defacement protection — 10 working days across the decreed transfer of January 2025", () => {
    const r = new Run(WORKFLOWS["defacement-protection"], almaty("2024-12-31T10:00:00"), { domain: "b.kz" });
    // 1–2 Jan holidays, 3 decreed day off, Sun 5 worked (1), 6 (2), 7 Christmas, 8 (3), 9 (4), 10 (5), 13–17 (6–10).
    assert.equal(r.deadline("sts-connect").dueDate, "2025-01-17");
    assert.equal(r.deadline("sts-connect").paragraph, "p.18");
  });

  test("p.19: a notice is due within 5 working days of the change; later ones are flagged late — across Nauryz 2026", () => {
    assert.deepEqual(lateness("2026-03-17", almaty("2026-03-27T10:00:00"), cal), { workingDays: 5, late: false });
    assert.deepEqual(lateness("2026-03-17", almaty("2026-03-30T10:00:00"), cal), { workingDays: 6, late: true });
  });

  test("p.13: the operator updates the catalogue within 5 working days of the notice — across Nauryz 2026", () => {
    assert.equal(blockDueOf(new Date(almaty("2026-03-20T12:00:00")), cal), "2026-04-01");
  });

  test("p.13: a decreed day off added after the notice moves the block date (recomputed, not stored)", () => {
    const corrected = buildCalendar({ years: SHIPPED_YEARS as never, overrides: [{ date: "2026-03-27", kind: "decreed-day-off", reference: "test order" }] });
    assert.equal(blockDueOf(new Date(almaty("2026-03-20T12:00:00")), corrected), "2026-04-02");
  });

  test("UGEM p.8–10: STS connects or rejects a mail system within 5 working days — received on a holiday, across the 2025 transfer", () => {
    const r = new Run(WORKFLOWS["mail-gateway-connection"], almaty("2025-01-02T10:00:00"), { domain: "mail.gov.kz" });
    assert.equal(r.deadline("sts-decide").dueDate, "2025-01-10");
    assert.equal(r.deadline("sts-decide").paragraph, "UGEM p.8–10");
  });

  test("UGEM p.10: a rejected applicant re-submits after thirty calendar days", () => {
    assert.equal(resubmissionAllowedFrom(almaty("2025-12-20T10:00:00")), "2026-01-20");
  });

  test("p.14: an incident's acknowledgement term follows its severity (critical: 1 hour around the clock; medium: 1 working day)", () => {
    const crit = new Run(WORKFLOWS.incident, almaty("2026-01-03T23:30:00"), { severity: "critical", title: "x" });
    assert.equal(crit.deadline("acknowledgement").expiresAt, "2026-01-03T19:30:00.000Z");
    const med = new Run(WORKFLOWS.incident, almaty("2026-01-02T10:00:00"), { severity: "medium", title: "x" });
    assert.equal(med.deadline("acknowledgement").dueDate, "2026-01-05");
    med.do("severity-set", almaty("2026-01-02T10:05:00"), undefined, { severity: "high" });
    assert.equal(med.deadline("acknowledgement").expiresAt, "2026-01-02T09:00:00.000Z", "re-classifying recomputes the term from the report");
  });

  test("p.21–22: operators acknowledge a new root within 10 working days; overdue acknowledgements escalate", () => {
    const r = new Run(WORKFLOWS["root-distribution"], almaty("2026-03-20T10:00:00"), { fingerprint: "AB:CD" });
    assert.equal(r.deadline("acknowledgement").dueDate, "2026-04-08");
    const fx = r.wakeAll("2026-04-08T19:00:00.000Z");
    assert.ok(fx.some((e) => e.type === "notify" && e.to === "sts" && /^Overdue/.test(e.subject)));
    assert.ok(fx.some((e) => e.type === "notify" && e.to === "applicant" && /^Reminder/.test(e.subject)));
  });
});
