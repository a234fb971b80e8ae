/** A small driver for the pure engine: an application, its history, and a fake clock moved by the test. */
import assert from "node:assert/strict";
import { buildCalendar, SHIPPED_YEARS, type Calendar } from "../../../src/domain/working-days/index.js";
import { step, submit, wake, deadlinesOf, type ApplicationView, type Effect, type EventActor, type WorkflowDefinition, type WorkflowEvent } from "../../../src/domain/workflows/index.js";

export const cal: Calendar = buildCalendar({ years: SHIPPED_YEARS as never });

export const APPLICANT: EventActor = { kind: "applicant", id: "acc-1", name: "applicant", role: "organisation_staff" };
export const STS: EventActor = { kind: "sts", id: "acc-2", name: "engineer", role: "sts_engineer" };

/** An instant given as Almaty wall time (UTC+5 since 1 March 2024). */
export function almaty(wall: string): string {
  return new Date(`${wall}+05:00`).toISOString();
}

export class Run {
  app: ApplicationView;
  history: WorkflowEvent[] = [];
  effects: Effect[] = [];
  constructor(
    readonly def: WorkflowDefinition,
    submittedAt: string,
    payload: Record<string, unknown> = {},
    readonly calendar: Calendar = cal,
  ) {
    this.app = { id: "app-1", kind: def.kind, number: "X-1", state: def.initial, organisationId: "org-1", operatorId: "op-1", payload, submittedAt };
    const r = submit(def, this.app, { type: "submitted", at: submittedAt, actor: APPLICANT }, calendar);
    this.history.push(r.event);
    this.effects = r.effects;
  }
  do(type: string, at: string, actor: EventActor = STS, data: Record<string, unknown> = {}) {
    const r = step(this.def, this.app, this.history, { type, at, actor, data }, this.calendar);
    if (!r.ok) throw new Error(`${type}: ${r.message} (allowed: ${r.allowed.join(", ")})`);
    this.history.push(r.event);
    this.app = { ...this.app, state: r.state };
    this.effects = r.effects;
    return this;
  }
  note(type: string, at: string, data: Record<string, unknown> = {}) {
    this.history.push({ seq: this.history.length + 1, type, at, actor: STS, data });
    return this;
  }
  deadlines() {
    return deadlinesOf(this.def, this.app, this.history, this.calendar);
  }
  deadline(kind: string) {
    const d = this.deadlines().find((x) => x.kind === kind);
    assert.ok(d, `no open deadline ${kind}; open: ${this.deadlines().map((x) => x.kind).join(", ")}`);
    return d;
  }
  /** Deliver every wake-up requested so far that is due by `now`, in time order, as the scheduler would. */
  wakeAll(now: string) {
    const out: Effect[] = [];
    for (;;) {
      const due = this.deadlines()
        .flatMap((d) => [
          ...(d.remindAt ? [{ d, phase: "remind" as const, at: d.remindAt }] : []),
          { d, phase: "expire" as const, at: d.expiresAt },
        ])
        .filter((x) => x.at <= now)
        .sort((a, b) => a.at.localeCompare(b.at));
      let acted = false;
      for (const x of due) {
        const r = wake(this.def, this.app, this.history, { deadline: x.d.kind, phase: x.phase, dueAt: x.d.expiresAt }, x.at, this.calendar);
        if (r.kind === "stale") continue;
        this.history.push(...r.events);
        this.app = { ...this.app, state: r.state };
        out.push(...r.effects);
        acted = true;
        break;
      }
      if (!acted) return out;
    }
  }
}
