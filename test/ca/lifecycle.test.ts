import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  DAY_MS,
  alertSchedule,
  dueAlerts,
  newLifecycle,
  planRotation,
  transition,
  type CaEvent,
  type CaKind,
  type CaLifecycle,
  type CaState,
  type LifecycleSubject,
} from "../../src/ca/lifecycle.js";

const T0 = new Date("2026-01-10T00:00:00Z");
const at = (days: number): Date => new Date(T0.getTime() + days * DAY_MS);

function subject(kind: CaKind, state: CaState, extra: Partial<CaLifecycle> = {}): LifecycleSubject {
  return {
    kind,
    notBefore: at(0),
    notAfter: at(365),
    lifecycle: {
      ...newLifecycle(at(0)),
      state,
      ...(state !== "generated" ? { publishedAt: at(1) } : {}),
      ...extra,
    },
  };
}

describe("transitions", () => {
  const revoke: CaEvent = { type: "revoke", reason: "superseded" };
  const table: [string, LifecycleSubject, CaEvent, Date, CaState | string, { minPublicationLeadMs?: number }?][] = [
    ["ok/root generated → published", subject("root", "generated"), { type: "publish" }, at(1), "published"],
    ["ok/root published → active", subject("root", "published"), { type: "activate" }, at(2), "active"],
    ["ok/root published → active after the publication lead", subject("root", "published"), { type: "activate" }, at(15), "active", { minPublicationLeadMs: 14 * DAY_MS }],
    ["ok/root active → retiring", subject("root", "active"), { type: "retire" }, at(30), "retiring"],
    ["ok/root retiring → revoked", subject("root", "retiring"), revoke, at(60), "revoked"],
    ["ok/root active → revoked (compromise)", subject("root", "active"), { type: "revoke", reason: "keyCompromise" }, at(3), "revoked"],
    ["ok/root generated → revoked (discarded)", subject("root", "generated"), revoke, at(1), "revoked"],
    ["ok/intermediate generated → active (no publication needed)", subject("intermediate", "generated"), { type: "activate" }, at(1), "active"],
    ["fail/root generated → active skips publication", subject("root", "generated"), { type: "activate" }, at(1), "published to operators"],
    ["fail/root activated before the publication lead", subject("root", "published"), { type: "activate" }, at(5), "less than 14 days", { minPublicationLeadMs: 14 * DAY_MS }],
    ["fail/intermediate is not published", subject("intermediate", "generated"), { type: "publish" }, at(1), "only a root"],
    ["fail/generated → retiring", subject("root", "generated"), { type: "retire" }, at(1), "not allowed from generated"],
    ["fail/published → retiring", subject("root", "published"), { type: "retire" }, at(2), "not allowed from published"],
    ["fail/retiring → active", subject("root", "retiring"), { type: "activate" }, at(40), "not allowed from retiring"],
    ["fail/revoked is terminal", subject("root", "revoked"), { type: "publish" }, at(40), "not allowed from revoked"],
    ["fail/revoked cannot be revoked again", subject("root", "revoked"), revoke, at(40), "not allowed from revoked"],
    ["fail/activate before notBefore", { ...subject("root", "published"), notBefore: at(10) }, { type: "activate" }, at(5), "not valid yet"],
    ["fail/activate after notAfter", subject("root", "published"), { type: "activate" }, at(365), "expired"],
    ["fail/publish after notAfter", subject("root", "generated"), { type: "publish" }, at(400), "expired"],
    ["fail/time going backwards", subject("root", "published"), { type: "activate" }, at(0.5), "earlier than"],
    ["fail/unknown revocation reason", subject("root", "active"), { type: "revoke", reason: "bored" as "superseded" }, at(3), "unknown revocation reason"],
  ];
  for (const [name, subj, event, now, expected, rules] of table) {
    test(name, () => {
      const r = transition(subj, event, now, rules);
      if (name.startsWith("ok/")) {
        assert.ok(r.ok, r.ok ? "" : r.reason);
        assert.equal(r.lifecycle.state, expected);
      } else {
        assert.equal(r.ok, false);
        assert.match((r as { reason: string }).reason, new RegExp(expected));
      }
    });
  }

  test("ok/each transition stamps its time and keeps the earlier ones", () => {
    let s = subject("root", "generated");
    const steps: [CaEvent, Date, keyof CaLifecycle][] = [
      [{ type: "publish" }, at(1), "publishedAt"],
      [{ type: "activate" }, at(2), "activatedAt"],
      [{ type: "retire" }, at(3), "retiringAt"],
      [{ type: "revoke", reason: "superseded" }, at(4), "revokedAt"],
    ];
    for (const [e, when, field] of steps) {
      const r = transition(s, e, when);
      assert.ok(r.ok);
      assert.equal((r.lifecycle[field] as Date).getTime(), when.getTime());
      s = { ...s, lifecycle: r.lifecycle };
    }
    assert.equal(s.lifecycle.generatedAt.getTime(), at(0).getTime());
    assert.equal(s.lifecycle.revocationReason, "superseded");
  });
});

describe("expiry alerts (30/14/7 days)", () => {
  const cert = { notAfter: at(100), state: "active" as const };
  const table: [string, number, (30 | 14 | 7)[], (30 | 14 | 7)[]][] = [
    ["ok/nothing due 31 days before", 69, [], []],
    ["ok/30-day alert due at exactly 30 days", 70, [], [30]],
    ["ok/30-day alert not repeated", 75, [30], []],
    ["ok/14-day alert after the 30-day one", 86, [30], [14]],
    ["ok/7-day alert after the 14-day one", 93, [30, 14], [7]],
    ["ok/all sent: nothing more", 95, [30, 14, 7], []],
    ["ok/missed tiers collapse to the most urgent", 96, [], [7]],
    ["ok/a more urgent alert sent suppresses a less urgent one", 88, [7], []],
    ["ok/expired and never alerted: the 7-day alert, marked expired", 101, [], [7]],
  ];
  for (const [name, day, sent, expected] of table) {
    test(name, () => assert.deepEqual(dueAlerts(cert, at(day), sent).map((a) => a.threshold), expected));
  }

  test("ok/alert carries due time, days left and the expired flag", () => {
    assert.deepEqual(dueAlerts(cert, at(90.5), [30]), [{ threshold: 14, dueAt: at(86), daysLeft: 9, expired: false }]);
    assert.equal(dueAlerts(cert, at(101), [])[0]?.expired, true);
  });

  test("ok/retiring and revoked certificates raise no alerts", () => {
    assert.deepEqual(dueAlerts({ notAfter: at(100), state: "retiring" }, at(99), []), []);
    assert.deepEqual(dueAlerts({ notAfter: at(100), state: "revoked" }, at(99), []), []);
  });

  test("ok/alertSchedule gives the three due dates for wake-up requests", () => {
    assert.deepEqual(alertSchedule(at(100)), [
      { threshold: 30, dueAt: at(70) },
      { threshold: 14, dueAt: at(86) },
      { threshold: 7, dueAt: at(93) },
    ]);
  });
});

describe("rotation plan", () => {
  const active = (kind: CaKind, notAfterDay = 365): LifecycleSubject => ({ ...subject(kind, "active"), notAfter: at(notAfterDay) });

  test("ok/root: publish now, switch after the lead, revoke the old root after the overlap", () => {
    const p = planRotation(active("root"), at(200), { publicationLeadDays: 14, overlapDays: 30 });
    assert.deepEqual(
      p.steps.map((s) => [s.target, s.event.type, (s.at.getTime() - at(200).getTime()) / DAY_MS]),
      [
        ["new", "publish", 0],
        ["new", "activate", 14],
        ["old", "retire", 14],
        ["old", "revoke", 44],
      ],
    );
    assert.equal(p.switchAt.getTime(), at(214).getTime());
    assert.deepEqual(p.warnings, []);
  });

  test("ok/intermediate: switch at once, overlap defaults to 7 days", () => {
    const p = planRotation(active("intermediate"), at(200));
    assert.deepEqual(
      p.steps.map((s) => [s.target, s.event.type, (s.at.getTime() - at(200).getTime()) / DAY_MS]),
      [
        ["new", "activate", 0],
        ["old", "retire", 0],
        ["old", "revoke", 7],
      ],
    );
  });

  test("ok/warnings when the old certificate runs out before or during the overlap", () => {
    assert.match(planRotation(active("root", 205), at(200)).warnings[0] ?? "", /expires before its successor/);
    assert.match(planRotation(active("root", 220), at(200)).warnings[0] ?? "", /expires during the overlap/);
  });

  test("fail/rotation starts only from an active certificate", () => {
    assert.throws(() => planRotation(subject("root", "published"), at(200)), RangeError);
    assert.throws(() => planRotation(active("root"), at(200), { overlapDays: -1 }), RangeError);
  });
});
