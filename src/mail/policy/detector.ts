/**
 * Anomaly detector per connected mail system (UGEM Rules p.12: "upon detection of abnormal traffic activity
 * of electronic mail systems linked to the UGEM, the STS shall suspend their operation to prevent the entry
 * of UGEM IP addresses into the global databases of untrusted IP addresses").
 *
 * Pure and deterministic: no timers, no Date.now — every method takes `now` (ms since the epoch) from the
 * caller's injected clock. Primitives:
 *
 *   SlidingCounter   ring of fixed buckets: messages, recipients, bytes, delivery outcomes per window
 *   SlidingUnique    distinct keys seen in a window (unique recipients), bounded by a cap
 *   baseline         EWMA of completed per-minute message counts (the system's "normal")
 *
 * What it looks at, and why:
 *   - absolute ceilings per system (messages and unique recipients per minute/hour, bytes per hour): a
 *     compromised account or an open form mailer sends far more than any office does;
 *   - deviation from the learned baseline: "> factor × baseline and > floor" catches a burst from a system
 *     whose normal rate is far below the ceiling, without flagging small systems for a few extra letters;
 *   - share of bounced / deferred deliveries (fed from the Postfix delivery log): receivers rejecting what
 *     a system sends is exactly the signal blocklists act on.
 *
 * `observe*` returns the assessment including the observation, so the message that crosses a limit is the
 * one that is deferred (the sender keeps it) and triggers the suspension.
 */

export interface DetectorLimits {
  /** Messages accepted from the system in the last minute. */
  readonly messagesPerMinute: number;
  readonly messagesPerHour: number;
  /** Distinct recipients in the last minute / hour. */
  readonly recipientsPerMinute: number;
  readonly recipientsPerHour: number;
  /** Sum of message sizes in the last hour. */
  readonly bytesPerHour: number;
  /** Abnormal when the last minute's count exceeds factor × baseline (and the floor). */
  readonly baselineFactor: number;
  /** Never flag a deviation below this many messages per minute. */
  readonly baselineFloorPerMinute: number;
  /** EWMA weight of each completed minute (0.05 ≈ a 20-minute memory). */
  readonly baselineAlpha: number;
  /** Minutes of history before the baseline is trusted. */
  readonly baselineWarmupMinutes: number;
  /** Delivery outcomes in the last hour needed before shares are judged. */
  readonly deliveryMinSamples: number;
  /** Abnormal when bounced / all deliveries in the last hour exceeds this. */
  readonly maxBounceShare: number;
  /** Abnormal when deferred / all delivery attempts in the last hour exceeds this. */
  readonly maxDeferShare: number;
}

/**
 * Defaults sized for a ministry's mail server: an order of magnitude above a busy office hour, well below
 * what a spam run sends. STS overrides them per system (`MailSystem.limits`).
 */
export const DEFAULT_DETECTOR_LIMITS: DetectorLimits = Object.freeze({
  messagesPerMinute: 600,
  messagesPerHour: 10_000,
  recipientsPerMinute: 1_000,
  recipientsPerHour: 20_000,
  bytesPerHour: 4 * 1024 * 1024 * 1024,
  baselineFactor: 10,
  baselineFloorPerMinute: 100,
  baselineAlpha: 0.05,
  baselineWarmupMinutes: 60,
  deliveryMinSamples: 50,
  maxBounceShare: 0.3,
  maxDeferShare: 0.6,
});

export type AnomalyCode =
  | "messages-per-minute"
  | "messages-per-hour"
  | "recipients-per-minute"
  | "recipients-per-hour"
  | "bytes-per-hour"
  | "above-baseline"
  | "bounce-share"
  | "defer-share";

export interface AnomalyReason {
  readonly code: AnomalyCode;
  readonly observed: number;
  readonly limit: number;
}

export interface Assessment {
  readonly abnormal: boolean;
  readonly reasons: readonly AnomalyReason[];
}

export interface MessageObservation {
  /** Recipients of the message when known (RCPT requests of the same `instance`). */
  readonly recipients: readonly string[];
  /** Recipients Postfix accepted (`recipient_count`); counted as distinct when the addresses are unknown. */
  readonly recipientCount: number;
  /** Message size in bytes (`size` at END-OF-MESSAGE). */
  readonly size: number;
}

export type DeliveryStatus = "sent" | "deferred" | "bounced";

export interface SystemStats {
  readonly messagesLastMinute: number;
  readonly messagesLastHour: number;
  readonly recipientsLastMinute: number;
  readonly recipientsLastHour: number;
  readonly bytesLastHour: number;
  readonly baselinePerMinute: number;
  readonly baselineWarmedUp: boolean;
  readonly deliveriesLastHour: { readonly sent: number; readonly deferred: number; readonly bounced: number };
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const NORMAL: Assessment = Object.freeze({ abnormal: false, reasons: Object.freeze([]) as readonly AnomalyReason[] });

/**
 * Sum over a sliding window made of `buckets` buckets of `bucketMs` each. The window is approximate by at
 * most one bucket (1 s for the minute window, 1 min for the hour window), which is far finer than any limit.
 *
 *   ring: [b0][b1][b2]…[bn-1]      head = absolute index of the newest bucket
 *              ▲ head % n            advancing zeroes every bucket skipped since, subtracting it from total
 */
export class SlidingCounter {
  readonly #ring: Float64Array;
  readonly #bucketMs: number;
  #head = -1;
  #total = 0;

  constructor(bucketMs: number, buckets: number) {
    this.#bucketMs = bucketMs;
    this.#ring = new Float64Array(buckets);
  }

  #advance(now: number): void {
    const b = Math.floor(now / this.#bucketMs);
    if (b <= this.#head) return; // same bucket, or the clock stepped back: count into the newest bucket
    const n = this.#ring.length;
    if (this.#head < 0 || b - this.#head >= n) {
      this.#ring.fill(0);
      this.#total = 0;
    } else {
      for (let i = this.#head + 1; i <= b; i++) {
        const k = i % n;
        this.#total -= this.#ring[k]!;
        this.#ring[k] = 0;
      }
    }
    this.#head = b;
  }

  add(now: number, amount = 1): void {
    this.#advance(now);
    this.#ring[this.#head % this.#ring.length]! += amount;
    this.#total += amount;
  }

  sum(now: number): number {
    this.#advance(now);
    return this.#total;
  }

  clear(): void {
    this.#ring.fill(0);
    this.#total = 0;
  }
}

/**
 * Number of distinct keys seen in the last `windowMs`, exact up to `cap` entries in the window; beyond the
 * cap the oldest entries are dropped, so the count saturates near the cap — still far above any limit.
 */
export class SlidingUnique {
  readonly #windowMs: number;
  readonly #cap: number;
  readonly #lastSeen = new Map<string, number>();
  #keys: string[] = [];
  #times: number[] = [];
  #start = 0;

  constructor(windowMs: number, cap = 100_000) {
    this.#windowMs = windowMs;
    this.#cap = cap;
  }

  #evict(now: number): void {
    const edge = now - this.#windowMs;
    while (this.#start < this.#keys.length && this.#times[this.#start]! <= edge) this.#drop();
    if (this.#start > 1024 && this.#start * 2 > this.#keys.length) {
      this.#keys = this.#keys.slice(this.#start);
      this.#times = this.#times.slice(this.#start);
      this.#start = 0;
    }
  }

  #drop(): void {
    const k = this.#keys[this.#start]!;
    const t = this.#times[this.#start]!;
    if (this.#lastSeen.get(k) === t) this.#lastSeen.delete(k);
    this.#start++;
  }

  add(now: number, key: string): void {
    this.#evict(now);
    const prev = this.#lastSeen.get(key);
    if (prev !== undefined && prev >= now) return; // already counted at this instant (or a clock step back)
    if (this.#keys.length - this.#start >= this.#cap) this.#drop();
    this.#keys.push(key);
    this.#times.push(now);
    this.#lastSeen.set(key, now);
  }

  size(now: number): number {
    this.#evict(now);
    return this.#lastSeen.size;
  }

  clear(): void {
    this.#lastSeen.clear();
    this.#keys = [];
    this.#times = [];
    this.#start = 0;
  }
}

class SystemState {
  readonly msgMinute = new SlidingCounter(1_000, 60);
  readonly msgHour = new SlidingCounter(MINUTE, 60);
  readonly rcptMinute = new SlidingUnique(MINUTE);
  readonly rcptHour = new SlidingUnique(HOUR);
  readonly bytesHour = new SlidingCounter(MINUTE, 60);
  readonly sent = new SlidingCounter(MINUTE, 60);
  readonly deferred = new SlidingCounter(MINUTE, 60);
  readonly bounced = new SlidingCounter(MINUTE, 60);
  /** Calendar minute being counted for the baseline, its count, the EWMA, minutes of history. */
  minute = -1;
  minuteCount = 0;
  baseline = 0;
  minutesSeen = 0;
  /** Latest `now` seen: the detector's own clock never goes backwards. */
  last = -Infinity;
  anonymous = 0;

  constructor(public limits: DetectorLimits) {}

  clock(now: number): number {
    if (now > this.last) this.last = now;
    return this.last;
  }

  /** Folds completed minutes into the EWMA. Idle minutes count as zero (closed form, no loop per minute). */
  fold(now: number): void {
    const m = Math.floor(now / MINUTE);
    if (this.minute < 0) {
      this.minute = m;
      return;
    }
    if (m <= this.minute) return;
    const L = this.limits;
    const a = L.baselineAlpha;
    // A minute above the deviation threshold teaches the baseline only up to that threshold, so one burst
    // (already flagged) does not become tomorrow's normal.
    const ceiling = Math.max(L.baselineFloorPerMinute, L.baselineFactor * this.baseline);
    const sample = this.minutesSeen >= L.baselineWarmupMinutes ? Math.min(this.minuteCount, ceiling) : this.minuteCount;
    this.baseline = a * sample + (1 - a) * this.baseline;
    const idle = m - this.minute - 1;
    if (idle > 0) this.baseline *= Math.pow(1 - a, idle);
    this.minutesSeen += m - this.minute;
    this.minute = m;
    this.minuteCount = 0;
  }

  assess(now: number): Assessment {
    const L = this.limits;
    let reasons: AnomalyReason[] | undefined;
    const check = (code: AnomalyCode, observed: number, limit: number): void => {
      if (observed > limit) (reasons ??= []).push({ code, observed, limit });
    };
    const m1 = this.msgMinute.sum(now);
    check("messages-per-minute", m1, L.messagesPerMinute);
    check("messages-per-hour", this.msgHour.sum(now), L.messagesPerHour);
    check("recipients-per-minute", this.rcptMinute.size(now), L.recipientsPerMinute);
    check("recipients-per-hour", this.rcptHour.size(now), L.recipientsPerHour);
    check("bytes-per-hour", this.bytesHour.sum(now), L.bytesPerHour);
    if (this.minutesSeen >= L.baselineWarmupMinutes) {
      check("above-baseline", m1, Math.max(L.baselineFloorPerMinute, L.baselineFactor * this.baseline));
    }
    const s = this.sent.sum(now);
    const d = this.deferred.sum(now);
    const b = this.bounced.sum(now);
    const total = s + d + b;
    if (total >= L.deliveryMinSamples && total > 0) {
      check("bounce-share", round3(b / total), L.maxBounceShare);
      check("defer-share", round3(d / total), L.maxDeferShare);
    }
    return reasons ? { abnormal: true, reasons } : NORMAL;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export class AnomalyDetector {
  readonly #defaults: DetectorLimits;
  readonly #systems = new Map<string, SystemState>();
  readonly #overrides = new Map<string, Partial<DetectorLimits>>();

  constructor(defaults: Partial<DetectorLimits> = {}) {
    this.#defaults = Object.freeze({ ...DEFAULT_DETECTOR_LIMITS, ...defaults });
  }

  /** Effective limits of a system: defaults overridden by the system's own (from the store). */
  limits(systemId: string): DetectorLimits {
    const o = this.#overrides.get(systemId);
    return o ? { ...this.#defaults, ...o } : this.#defaults;
  }

  /** Sets (or clears, with undefined) a system's limit overrides; keeps its counters and baseline. */
  configure(systemId: string, limits: Partial<DetectorLimits> | undefined): void {
    if (limits && Object.keys(limits).length > 0) this.#overrides.set(systemId, limits);
    else this.#overrides.delete(systemId);
    const st = this.#systems.get(systemId);
    if (st) st.limits = this.limits(systemId);
  }

  #state(systemId: string): SystemState {
    let st = this.#systems.get(systemId);
    if (!st) {
      st = new SystemState(this.limits(systemId));
      this.#systems.set(systemId, st);
    }
    return st;
  }

  /** Counts one accepted outbound message and returns the assessment including it. */
  observeMessage(systemId: string, msg: MessageObservation, nowIn: number): Assessment {
    const st = this.#state(systemId);
    const now = st.clock(nowIn);
    st.fold(now);
    st.minuteCount++;
    st.msgMinute.add(now);
    st.msgHour.add(now);
    if (msg.size > 0) st.bytesHour.add(now, msg.size);
    let known = 0;
    for (const r of msg.recipients) {
      const key = r.toLowerCase();
      st.rcptMinute.add(now, key);
      st.rcptHour.add(now, key);
      known++;
    }
    // Recipients Postfix accepted but we did not see by address: counted as distinct (the cautious side).
    for (let i = known; i < msg.recipientCount; i++) {
      const key = `\u0000${st.anonymous++}`;
      st.rcptMinute.add(now, key);
      st.rcptHour.add(now, key);
    }
    return st.assess(now);
  }

  /** Counts one delivery outcome of a message the system sent (from the delivery log). */
  observeDelivery(systemId: string, status: DeliveryStatus, nowIn: number): Assessment {
    const st = this.#state(systemId);
    const now = st.clock(nowIn);
    st.fold(now);
    (status === "sent" ? st.sent : status === "deferred" ? st.deferred : st.bounced).add(now);
    return st.assess(now);
  }

  assess(systemId: string, nowIn: number): Assessment {
    const st = this.#systems.get(systemId);
    if (!st) return NORMAL;
    const now = st.clock(nowIn);
    st.fold(now);
    return st.assess(now);
  }

  stats(systemId: string, nowIn: number): SystemStats {
    const st = this.#state(systemId);
    const now = st.clock(nowIn);
    st.fold(now);
    return {
      messagesLastMinute: st.msgMinute.sum(now),
      messagesLastHour: st.msgHour.sum(now),
      recipientsLastMinute: st.rcptMinute.size(now),
      recipientsLastHour: st.rcptHour.size(now),
      bytesLastHour: st.bytesHour.sum(now),
      baselinePerMinute: st.baseline,
      baselineWarmedUp: st.minutesSeen >= st.limits.baselineWarmupMinutes,
      deliveriesLastHour: { sent: st.sent.sum(now), deferred: st.deferred.sum(now), bounced: st.bounced.sum(now) },
    };
  }

  /**
   * Clears the windows of a system (on release: the burst that caused the suspension must not re-trigger
   * it on the first message after). The baseline is kept — it never learned the burst beyond the threshold.
   */
  reset(systemId: string): void {
    const st = this.#systems.get(systemId);
    if (!st) return;
    for (const c of [st.msgMinute, st.msgHour, st.bytesHour, st.sent, st.deferred, st.bounced]) c.clear();
    st.rcptMinute.clear();
    st.rcptHour.clear();
    st.minuteCount = 0;
  }

  /** Drops a system entirely (disconnected, UGEM Rules p.11). */
  forget(systemId: string): void {
    this.#systems.delete(systemId);
    this.#overrides.delete(systemId);
  }
}
