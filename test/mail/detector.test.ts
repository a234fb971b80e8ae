import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { AnomalyDetector, DEFAULT_DETECTOR_LIMITS, SlidingCounter, SlidingUnique, type AnomalyCode, type DetectorLimits } from "../../src/mail/policy/detector.js";

const RUNS = process.env["QAQPA_FUZZ"] === "deep" ? 5_000 : 200;
const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);
const MIN = 60_000;
const msg = (n = 1, size = 1000, recipients: string[] = []) => ({ recipients, recipientCount: Math.max(n, recipients.length), size });

/** Sends `count` messages spread evenly over [from, from + spanMs). Returns the last assessment. */
function send(d: AnomalyDetector, id: string, count: number, from: number, spanMs: number, m: (i: number) => ReturnType<typeof msg> = () => msg()) {
  let last = d.assess(id, from);
  for (let i = 0; i < count; i++) last = d.observeMessage(id, m(i), from + Math.floor((i * spanMs) / Math.max(1, count)));
  return last;
}

// Table: each absolute ceiling trips at limit + 1 and not at the limit.
const ceilings: [AnomalyCode, Partial<DetectorLimits>, (d: AnomalyDetector, n: number) => ReturnType<AnomalyDetector["assess"]>][] = [
  ["messages-per-minute", { messagesPerMinute: 10 }, (d, n) => send(d, "s", n, T0, 30_000)],
  ["messages-per-hour", { messagesPerHour: 50, messagesPerMinute: 1e9 }, (d, n) => send(d, "s", n, T0, 50 * MIN)],
  ["recipients-per-minute", { recipientsPerMinute: 10 }, (d, n) => send(d, "s", n, T0, 30_000, (i) => msg(1, 10, [`r${i}@x.kz`]))],
  ["recipients-per-hour", { recipientsPerHour: 30, recipientsPerMinute: 1e9 }, (d, n) => send(d, "s", n, T0, 40 * MIN, (i) => msg(1, 10, [`r${i}@x.kz`]))],
  ["bytes-per-hour", { bytesPerHour: 10_000 }, (d, n) => send(d, "s", n, T0, 10 * MIN, () => msg(1, 1000))],
];

for (const [code, limits, run] of ceilings) {
  const limit = Object.values(limits)[0]! === 1e9 ? undefined : (Object.values(limits)[0] as number);
  const n = code === "bytes-per-hour" ? 10 : limit!;
  test(`ok/${code}: at the limit is normal`, () => {
    const a = run(new AnomalyDetector(limits), n);
    assert.equal(a.abnormal, false, JSON.stringify(a));
  });
  test(`fail/${code}: one over the limit is abnormal`, () => {
    const a = run(new AnomalyDetector(limits), n + 1);
    assert.equal(a.abnormal, true);
    assert.deepEqual(a.reasons.map((r) => r.code), [code]);
  });
}

test("ok/the minute window slides: a limit's worth each minute never trips it", () => {
  const d = new AnomalyDetector({ messagesPerMinute: 10 });
  for (let m = 0; m < 5; m++) assert.equal(send(d, "s", 10, T0 + m * MIN + 1_000, 1_000).abnormal, false, `minute ${m}`);
  assert.equal(d.stats("s", T0 + 5 * MIN).messagesLastHour, 50);
});

test("ok/after an idle hour every window is empty again", () => {
  const d = new AnomalyDetector();
  send(d, "s", 100, T0, MIN, (i) => msg(1, 500, [`r${i}@x`]));
  const st = d.stats("s", T0 + 61 * MIN);
  assert.deepEqual([st.messagesLastMinute, st.messagesLastHour, st.recipientsLastMinute, st.recipientsLastHour, st.bytesLastHour], [0, 0, 0, 0, 0]);
});

test("ok/a recipient written twice, in any case, is one distinct recipient; unseen ones count as distinct", () => {
  const d = new AnomalyDetector();
  d.observeMessage("s", msg(2, 10, ["a@x.kz", "A@X.KZ"]), T0);
  d.observeMessage("s", msg(3, 10, []), T0 + 1);
  assert.equal(d.stats("s", T0 + 2).recipientsLastMinute, 4);
});

test("ok/the baseline is learned: a burst 10× above a warmed-up normal trips 'above-baseline'", () => {
  const d = new AnomalyDetector({ baselineFloorPerMinute: 20, baselineWarmupMinutes: 30, baselineAlpha: 0.1, baselineFactor: 10 });
  // Three messages at the start of every minute for an hour.
  for (let m = 0; m < 60; m++) assert.equal(send(d, "s", 3, T0 + m * MIN, 1_000).abnormal, false);
  const st = d.stats("s", T0 + 60 * MIN);
  assert.ok(st.baselineWarmedUp);
  assert.ok(Math.abs(st.baselinePerMinute - 3) < 0.1, `baseline ${st.baselinePerMinute}`);
  // Half a minute later (the last minute's messages are out of the window): 25 is under 10 × 3.
  assert.equal(send(d, "s", 25, T0 + 60 * MIN + 30_000, 20_000).abnormal, false);
  const a = send(d, "s", 10, T0 + 60 * MIN + 55_000, 1_000);
  assert.deepEqual(a.reasons.map((r) => r.code), ["above-baseline"]);
  assert.equal(a.reasons[0]!.observed, 35);
  assert.ok(Math.abs(a.reasons[0]!.limit - 30) < 1, `limit ${a.reasons[0]!.limit}`);
});

test("ok/the floor keeps small systems from being flagged for a few extra letters", () => {
  const d = new AnomalyDetector({ baselineWarmupMinutes: 10 });
  for (let m = 0; m < 30; m++) send(d, "s", 1, T0 + m * MIN, 1_000);
  // 40 in a minute is 40× the baseline of ~1, but under the default floor of 100.
  assert.equal(send(d, "s", 40, T0 + 30 * MIN, 30_000).abnormal, false);
});

test("ok/no deviation judgement before the warm-up is over", () => {
  const d = new AnomalyDetector({ baselineFloorPerMinute: 5, baselineWarmupMinutes: 60 });
  for (let m = 0; m < 10; m++) send(d, "s", 1, T0 + m * MIN, 1_000);
  assert.equal(send(d, "s", 50, T0 + 10 * MIN, 30_000).abnormal, false);
});

test("ok/a flagged burst teaches the baseline only up to the threshold", () => {
  const limits = { baselineFloorPerMinute: 10, baselineWarmupMinutes: 5, baselineAlpha: 0.5, baselineFactor: 2, messagesPerMinute: 1e9 };
  const d = new AnomalyDetector(limits);
  for (let m = 0; m < 10; m++) send(d, "s", 4, T0 + m * MIN, 1_000);
  const before = d.stats("s", T0 + 10 * MIN).baselinePerMinute;
  send(d, "s", 1000, T0 + 10 * MIN, 30_000);
  const after = d.stats("s", T0 + 11 * MIN).baselinePerMinute;
  // Threshold max(10, 2 × ~4) = 10: the folded sample is 10, not 1000.
  assert.ok(after <= 0.5 * 10 + 0.5 * before + 1e-9, `${before} → ${after}`);
});

test("ok/idle minutes decay the baseline exactly as folding zeros would", () => {
  const a = new AnomalyDetector({ baselineAlpha: 0.2 });
  const b = new AnomalyDetector({ baselineAlpha: 0.2 });
  for (const d of [a, b]) send(d, "s", 50, T0, 30_000);
  for (let m = 1; m <= 25; m++) b.assess("s", T0 + m * MIN); // one minute at a time
  const x = a.stats("s", T0 + 25 * MIN).baselinePerMinute; // 25 minutes at once
  const y = b.stats("s", T0 + 25 * MIN).baselinePerMinute;
  assert.ok(Math.abs(x - y) < 1e-9, `${x} vs ${y}`);
});

test("ok/delivery shares are judged only on enough samples", () => {
  const d = new AnomalyDetector({ deliveryMinSamples: 50, maxBounceShare: 0.3, maxDeferShare: 0.6 });
  for (let i = 0; i < 20; i++) assert.equal(d.observeDelivery("s", "bounced", T0 + i).abnormal, false, "20 bounces, 20 samples: too few to judge");
  for (let i = 0; i < 29; i++) d.observeDelivery("s", "sent", T0 + 100 + i);
  const a = d.observeDelivery("s", "sent", T0 + 200);
  assert.deepEqual(a.reasons.map((r) => [r.code, r.observed]), [["bounce-share", 0.4]]);
  const e = new AnomalyDetector({ deliveryMinSamples: 10 });
  for (let i = 0; i < 7; i++) e.observeDelivery("s", "deferred", T0 + i);
  for (let i = 0; i < 2; i++) e.observeDelivery("s", "sent", T0 + 10 + i);
  assert.deepEqual(e.observeDelivery("s", "sent", T0 + 20).reasons.map((r) => r.code), ["defer-share"]);
});

test("ok/per-system limits override the defaults; systems are independent", () => {
  const d = new AnomalyDetector({ messagesPerMinute: 100 });
  d.configure("small", { messagesPerMinute: 2 });
  assert.equal(d.limits("small").messagesPerMinute, 2);
  assert.equal(d.limits("small").messagesPerHour, DEFAULT_DETECTOR_LIMITS.messagesPerHour);
  assert.equal(send(d, "small", 3, T0, 1_000).abnormal, true);
  assert.equal(send(d, "big", 3, T0, 1_000).abnormal, false);
  d.configure("small", undefined);
  assert.equal(d.limits("small").messagesPerMinute, 100);
});

test("ok/reset clears the windows but keeps the baseline; forget drops the system", () => {
  const d = new AnomalyDetector({ messagesPerMinute: 5 });
  for (let m = 0; m < 3; m++) send(d, "s", 2, T0 + m * MIN, 1_000);
  assert.equal(send(d, "s", 6, T0 + 3 * MIN, 1_000).abnormal, true);
  const baseline = d.stats("s", T0 + 3 * MIN + 2_000).baselinePerMinute;
  d.reset("s");
  assert.equal(d.observeMessage("s", msg(), T0 + 3 * MIN + 3_000).abnormal, false);
  assert.equal(d.stats("s", T0 + 3 * MIN + 3_000).baselinePerMinute, baseline);
  d.forget("s");
  assert.equal(d.stats("s", T0 + 3 * MIN + 3_000).messagesLastMinute, 0);
  d.reset("nobody");
  assert.equal(d.assess("nobody", T0).abnormal, false);
});

test("ok/a clock stepping back neither throws nor forgets what was counted", () => {
  const d = new AnomalyDetector({ messagesPerMinute: 3 });
  send(d, "s", 3, T0 + 10_000, 1_000);
  assert.equal(d.observeMessage("s", msg(), T0).abnormal, true);
});

// ── properties: the windows against naive models ───────────────────────────────────────────────────

const events = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * MIN }), fc.integer({ min: 1, max: 5 })), { maxLength: 200 }).map((es) => {
  let t = T0;
  return es.map(([dt, n]) => [(t += Math.floor(dt / 50)), n] as const);
});

test("property/SlidingCounter equals the sum over buckets newer than now − window", () => {
  fc.assert(
    fc.property(events, fc.integer({ min: 0, max: 3 * MIN }), (es, after) => {
      const bucket = 1_000;
      const c = new SlidingCounter(bucket, 60);
      for (const [t, n] of es) c.add(t, n);
      const now = (es.at(-1)?.[0] ?? T0) + after;
      const head = Math.floor(now / bucket);
      const naive = es.filter(([t]) => Math.floor(t / bucket) > head - 60).reduce((s, [, n]) => s + n, 0);
      assert.equal(c.sum(now), naive);
    }),
    { numRuns: RUNS },
  );
});

test("property/SlidingUnique equals the number of keys last seen within the window", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.constantFrom("a", "b", "c", "d", "e", "f")), { maxLength: 200 }), (steps) => {
      const u = new SlidingUnique(MIN);
      const last = new Map<string, number>();
      let t = T0;
      for (const [dt, k] of steps) {
        t += dt;
        u.add(t, k);
        last.set(k, t);
        const naive = [...last.values()].filter((x) => x > t - MIN).length;
        assert.equal(u.size(t), naive);
      }
    }),
    { numRuns: RUNS },
  );
});

test("property/the detector is deterministic: the same events give the same assessments", () => {
  const ev = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant("m" as const), dt: fc.nat(20_000), rc: fc.nat(5), size: fc.nat(100_000) }),
      fc.record({ kind: fc.constant("d" as const), dt: fc.nat(20_000), status: fc.constantFrom("sent" as const, "deferred" as const, "bounced" as const) }),
    ),
    { maxLength: 150 },
  );
  fc.assert(
    fc.property(ev, (list) => {
      const run = () => {
        const d = new AnomalyDetector({ messagesPerMinute: 20, recipientsPerMinute: 30, deliveryMinSamples: 10, baselineWarmupMinutes: 2, baselineFloorPerMinute: 5 });
        let t = T0;
        return list.map((e) => {
          t += e.dt;
          return e.kind === "m" ? d.observeMessage("s", { recipients: [], recipientCount: e.rc, size: e.size }, t) : d.observeDelivery("s", e.status, t);
        });
      };
      assert.deepEqual(run(), run());
    }),
    { numRuns: RUNS },
  );
});
