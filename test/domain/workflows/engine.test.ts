/** The engine: transitions per role and state, refusals listing what is allowed, wake-ups that act once. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildCalendar, SHIPPED_YEARS } from "../../../src/domain/working-days/index.js";
import { WORKFLOWS, APPLICATION_KINDS, allowedEvents, step, wake, replay, wakeupsFor, type Effect } from "../../../src/domain/workflows/index.js";
import { Run, almaty, APPLICANT, STS, cal } from "./support.js";

describe("workflow engine", () => {
  test("ok/every kind has a definition whose transitions name only its states", () => {
    for (const kind of APPLICATION_KINDS) {
      const def = WORKFLOWS[kind];
      assert.equal(def.kind, kind);
      assert.ok(def.states.includes(def.initial));
      for (const s of def.final) assert.ok(def.states.includes(s), `${kind}: final ${s}`);
      for (const t of def.transitions) {
        for (const s of t.from) assert.ok(def.states.includes(s), `${kind}: ${t.event} from ${s}`);
        if (typeof t.to === "string") assert.ok(def.states.includes(t.to), `${kind}: ${t.event} to ${t.to}`);
      }
    }
  });

  test("fail/an event the state does not allow is refused with the allowed ones", () => {
    const r = new Run(WORKFLOWS["waf-connection"], almaty("2026-02-02T10:00:00"), { domain: "a.kz" });
    const res = step(r.def, r.app, r.history, { type: "disconnected", at: almaty("2026-02-03T10:00:00"), actor: STS }, r.calendar);
    assert.equal(res.ok, false);
    assert.ok(!res.ok && res.reason === "illegal");
    assert.deepEqual(!res.ok && res.allowed.sort(), ["connected", "information-requested", "rejected"]);
  });

  test("fail/the applicant may not take STS decisions, nor STS the applicant's", () => {
    const r = new Run(WORKFLOWS["waf-connection"], almaty("2026-02-02T10:00:00"), { domain: "a.kz" });
    const res = step(r.def, r.app, r.history, { type: "connected", at: almaty("2026-02-03T10:00:00"), actor: APPLICANT }, r.calendar);
    assert.ok(!res.ok && /not allowed .* for the applicant/.test(res.message));
    assert.deepEqual(!res.ok && res.allowed, ["withdrawn"]);
    assert.deepEqual(allowedEvents(r.def, "submitted", "sts").sort(), ["connected", "information-requested", "rejected"]);
    assert.deepEqual(allowedEvents(r.def, "connected", "applicant"), []);
  });

  test("fail/an unknown event names itself", () => {
    const r = new Run(WORKFLOWS.incident, almaty("2026-02-02T10:00:00"), { severity: "low", title: "x" });
    const res = step(r.def, r.app, r.history, { type: "teleported", at: almaty("2026-02-03T10:00:00"), actor: STS }, r.calendar);
    assert.ok(!res.ok && /has no event teleported/.test(res.message));
  });

  test("ok/a transition requests wake-ups for the new state's deadlines (reminder and expiry)", () => {
    const r = new Run(WORKFLOWS["channel-connection"], almaty("2026-02-02T10:00:00"), { bandwidthGbps: 1 });
    const wakeups = r.effects.filter((e): e is Extract<Effect, { type: "wakeup" }> => e.type === "wakeup");
    assert.deepEqual(wakeups.map((w) => `${w.deadline}:${w.phase}`), ["sts-answer:remind", "sts-answer:expire"]);
    r.do("specifications-issued", almaty("2026-02-05T10:00:00"), STS, { number: "TS-9" });
    assert.deepEqual(r.effects.filter((e) => e.type === "wakeup").map((w) => (w as { deadline: string }).deadline).sort(), ["readiness", "readiness", "specifications-renewal", "specifications-renewal"]);
  });

  test("ok/a wake-up acts once: delivered twice, the second is stale", () => {
    const r = new Run(WORKFLOWS["root-distribution"], almaty("2026-02-02T10:00:00"), { fingerprint: "F" });
    const d = r.deadline("acknowledgement");
    const w = { deadline: d.kind, phase: "expire" as const, dueAt: d.expiresAt };
    const first = wake(r.def, r.app, r.history, w, d.expiresAt, r.calendar);
    assert.equal(first.kind, "done");
    const again = wake(r.def, r.app, [...r.history, ...(first.kind === "done" ? first.events : [])], w, d.expiresAt, r.calendar);
    assert.deepEqual(again, { kind: "stale", why: "already handled" });
  });

  test("ok/a wake-up early, for a past state or for a due time the calendar no longer gives is stale", () => {
    const r = new Run(WORKFLOWS["root-distribution"], almaty("2026-11-02T10:00:00"), { fingerprint: "F" });
    const d = r.deadline("acknowledgement");
    assert.equal(wake(r.def, r.app, r.history, { deadline: d.kind, phase: "expire", dueAt: d.expiresAt }, d.remindAt!, r.calendar).kind, "stale");
    const corrected = buildCalendar({ years: SHIPPED_YEARS as never, overrides: [{ date: "2026-11-06", kind: "decreed-day-off", reference: "test" }] });
    const moved = wake(r.def, r.app, r.history, { deadline: d.kind, phase: "expire", dueAt: d.expiresAt }, d.expiresAt, corrected);
    assert.equal(moved.kind, "stale", "the old due time is gone after the correction");
    r.do("acknowledged", almaty("2026-11-03T10:00:00"), { ...APPLICANT, role: "operator_staff" });
    assert.equal(wake(r.def, r.app, r.history, { deadline: d.kind, phase: "expire", dueAt: d.expiresAt }, d.expiresAt, r.calendar).kind, "stale");
  });

  test("ok/replaying the history gives the stored state", () => {
    const r = new Run(WORKFLOWS["channel-connection"], almaty("2025-11-10T10:00:00"), { bandwidthGbps: 1 });
    r.do("specifications-issued", almaty("2025-11-20T11:00:00"), STS, { number: "TS" }).do("renewal-requested", almaty("2025-12-20T11:00:00"), APPLICANT);
    r.wakeAll("2026-02-01T00:00:00.000Z");
    assert.equal(r.app.state, "cancelled");
    assert.equal(replay(r.def, r.app, r.history, r.calendar), "cancelled");
  });

  test("ok/wakeupsFor skips the reminder of a notice that is itself a reminder", () => {
    const r = new Run(WORKFLOWS["access-policy"], almaty("2026-02-02T10:00:00"), {});
    r.do("applied", almaty("2026-02-03T10:00:00"));
    const w = wakeupsFor(r.deadlines());
    assert.equal(w.filter((x) => x.type === "wakeup" && x.phase === "remind").length, 0);
  });

  test("fail/UGEM p.8: an applicant of an ineligible class cannot be connected, only rejected", () => {
    const r = new Run(WORKFLOWS["mail-gateway-connection"], almaty("2026-02-02T10:00:00"), { domain: "bank.kz" });
    r.note("eligibility-checked", almaty("2026-02-02T10:00:00"), { eligible: false, class: "national_bank" });
    const res = step(r.def, r.app, r.history, { type: "connected", at: almaty("2026-02-03T10:00:00"), actor: STS }, r.calendar);
    assert.ok(!res.ok && res.reason === "refused" && /national_bank/.test(res.message));
    r.do("rejected", almaty("2026-02-03T10:00:00"), STS, { reason: "UGEM p.2" });
    assert.equal(r.app.state, "rejected");
  });

  test("ok/UGEM p.9, p.11: connection and disconnection ask the mail gateway to act", () => {
    const r = new Run(WORKFLOWS["mail-gateway-connection"], almaty("2026-02-02T10:00:00"), { domain: "akimat.kz" });
    r.do("connected", almaty("2026-02-03T10:00:00"));
    assert.ok(r.effects.some((e) => e.type === "connect-mail-system"));
    r.do("disconnection-requested", almaty("2026-03-02T10:00:00"), { kind: "system", id: "system", name: "system", role: "system" }, { reason: "class changed", agreedDate: "2026-03-16" });
    assert.equal(r.deadline("disconnection").dueDate, "2026-03-16");
    r.do("disconnected", almaty("2026-03-10T10:00:00"));
    assert.ok(r.effects.some((e) => e.type === "disconnect-mail-system"));
  });

  test("fail/p.15-2: an exception cannot outlast the request or one calendar year", () => {
    const r = new Run(WORKFLOWS.exception, almaty("2026-02-02T10:00:00"), { requestedUntil: "2026-06-30", services: [{ name: "AnyDesk", kind: "remote-access" }] });
    const late = step(r.def, r.app, r.history, { type: "approved", at: almaty("2026-02-03T10:00:00"), actor: STS, data: { expiresOn: "2026-07-01" } }, r.calendar);
    assert.ok(!late.ok && /after the date the organisation asked for/.test(late.message));
    r.do("approved", almaty("2026-02-03T10:00:00"), STS, { expiresOn: "2026-06-30" });
    assert.deepEqual(r.effects.find((e) => e.type === "grant-exception"), { type: "grant-exception", expiresOn: "2026-06-30" });
    assert.equal(r.deadline("expiry-notice").dueDate, "2026-06-23");
    r.wakeAll("2026-06-30T19:00:00.000Z");
    assert.equal(r.app.state, "expired");
    assert.deepEqual(WORKFLOWS.exception.validate!({ requestedUntil: "2027-03-01" }, almaty("2026-02-02T10:00:00"), r.calendar), [{ path: "/requestedUntil", message: "an exception lasts at most one calendar year (until 2027-02-01)" }]);
  });

  test("ok/recategorisation: the decision's outcome decides the state", () => {
    const r = new Run(WORKFLOWS.recategorisation, almaty("2026-02-02T10:00:00"), { host: "example.org", requested: "unblock", reason: "news site", contactEmail: "a@b.example" });
    r.do("decided", almaty("2026-02-03T10:00:00"), STS, { outcome: "granted", reason: "miscategorised" });
    assert.equal(r.app.state, "granted");
    assert.ok(r.effects.some((e) => e.type === "notify" && e.to === "applicant"));
  });

  test("ok/p.19: a termination opens follow-up tasks for STS", () => {
    const r = new Run(WORKFLOWS["resource-change"], almaty("2026-02-02T10:00:00"), { change: "termination", domain: "old.gov.kz", changedOn: "2026-01-30" });
    assert.equal(r.effects.filter((e) => e.type === "task").length, 2);
    const c = new Run(WORKFLOWS["resource-change"], almaty("2026-02-02T10:00:00"), { change: "change", domain: "x.kz", changedOn: "2026-01-30", changes: [{ field: "ip-address", to: "10.1.1.1" }] });
    assert.deepEqual(c.effects.filter((e) => e.type === "task").map((e) => (e as { title: string }).title.split(" ")[0]), ["Update", "Check"]);
  });

  test("fail/cross-field rules of the Appendices and p.19 that a schema cannot say", () => {
    const at = almaty("2026-02-02T10:00:00");
    const waf = WORKFLOWS["waf-connection"].validate!;
    assert.deepEqual(waf({ https: true }, at, cal).map((e) => e.path), ["/certificatePem", "/privateKeyPem"]);
    assert.deepEqual(waf({ https: false, privateKeyPem: "k" }, at, cal).map((e) => e.path), ["/https"]);
    assert.deepEqual(waf({ https: false }, at, cal), []);
    const def = WORKFLOWS["defacement-protection"].validate!;
    assert.deepEqual(def({ https: false }, at, cal).map((e) => e.path), ["/credentials"]);
    assert.deepEqual(def({ https: false, webRootAccess: { protocol: "ftp" }, credentials: { privateKeyPem: "k" } }, at, cal).map((e) => e.path), ["/credentials/password"]);
    assert.deepEqual(def({ https: false, webRootAccess: { protocol: "sftp" }, credentials: { privateKeyPem: "k" } }, at, cal), []);
    const rc = WORKFLOWS["resource-change"].validate!;
    assert.deepEqual(rc({ change: "change", changedOn: "2026-02-03", changes: [] }, at, cal).map((e) => e.path), ["/changedOn", "/changes"]);
    assert.deepEqual(rc({ change: "termination", changedOn: "2026-02-02" }, at, cal), []);
    assert.deepEqual(WORKFLOWS.exception.validate!({ requestedUntil: "2026-02-01" }, at, cal), [{ path: "/requestedUntil", message: "2026-02-01 is in the past" }]);
  });

  test("ok/p.14: an incident without a stated severity is medium; a resolved one has no deadline", () => {
    const r = new Run(WORKFLOWS.incident, almaty("2026-02-02T10:00:00"), { title: "x" });
    assert.match(r.deadline("acknowledgement").description, /medium/);
    r.do("resolved", almaty("2026-02-02T11:00:00"), STS, { summary: "false alarm" });
    assert.deepEqual(r.deadlines(), []);
  });
});
