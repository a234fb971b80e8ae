/**
 * The workflow engine: `(state, event, now, calendar) → { state, effects }`, pure.
 *
 *   submit ──▶ step(def, app, history, event, cal) ──▶ { state, event, effects[] }
 *                        │                                   ├─ notify / task / policy effects (run by the adapter
 *                        │                                   │  in the transaction of the event)
 *                        └─ deadlinesOf(new history) ──────▶ └─ wakeup effects (the scheduler stores them)
 *
 *   scheduler ──▶ wake(def, app, history, wakeup, now, cal) ──▶ { event?, effects[] } | stale
 *
 * Deadlines are never stored: `deadlinesOf` recomputes them from the history and the calendar, and a wake-up
 * that no longer matches a current deadline (the calendar was corrected, the applicant acted) is stale and
 * does nothing. A wake-up already answered leaves an event in the history (`deadline-reminded`,
 * `deadline-overdue`, or the system event it caused), so a wake-up delivered twice acts once.
 */
import type { Calendar } from "../working-days/index.js";
import type { ActorKind, ApplicationView, Deadline, Effect, EventActor, WorkflowDefinition, WorkflowEvent, Transition } from "./types.js";

export type StepResult =
  | { ok: true; state: string; event: WorkflowEvent; effects: Effect[] }
  | { ok: false; reason: "illegal"; allowed: string[]; message: string }
  | { ok: false; reason: "refused"; allowed: string[]; message: string };

export interface EventInput {
  type: string;
  at: string;
  actor: EventActor;
  data?: Record<string, unknown>;
}

/** Events `actor` may record on an application in `state`. */
export function allowedEvents(def: WorkflowDefinition, state: string, actor: ActorKind | "public"): string[] {
  return [...new Set(def.transitions.filter((t) => t.from.includes(state) && (t.by as readonly string[]).includes(actor)).map((t) => t.event))];
}

function findTransition(def: WorkflowDefinition, state: string, type: string, actor: ActorKind | "public"): Transition | undefined {
  return def.transitions.find((t) => t.event === type && t.from.includes(state) && (t.by as readonly string[]).includes(actor));
}

export function deadlinesOf(def: WorkflowDefinition, app: ApplicationView, history: readonly WorkflowEvent[], cal: Calendar): Deadline[] {
  if (def.final.includes(app.state)) return [];
  return def.deadlines(app, history, cal);
}

/** RequestWakeup effects for every open deadline: one at the reminder, one when it passes. */
export function wakeupsFor(deadlines: readonly Deadline[]): Effect[] {
  const out: Effect[] = [];
  for (const d of deadlines) {
    if (d.remindAt) out.push({ type: "wakeup", at: d.remindAt, deadline: d.kind, phase: "remind", dueAt: d.expiresAt });
    out.push({ type: "wakeup", at: d.expiresAt, deadline: d.kind, phase: "expire", dueAt: d.expiresAt });
  }
  return out;
}

/** Apply one event. Refuses, with the events that are allowed, an event the state or the actor does not allow. */
export function step(def: WorkflowDefinition, app: ApplicationView, history: readonly WorkflowEvent[], input: EventInput, cal: Calendar): StepResult {
  const t = findTransition(def, app.state, input.type, input.actor.kind);
  const allowed = allowedEvents(def, app.state, input.actor.kind);
  if (!t) {
    const known = def.transitions.some((x) => x.event === input.type);
    const message = !known
      ? `${def.kind} has no event ${input.type}`
      : `${input.type} is not allowed in state ${app.state} for ${input.actor.kind === "applicant" ? "the applicant" : input.actor.kind === "sts" ? "STS staff" : input.actor.kind}`;
    return { ok: false, reason: "illegal", allowed, message };
  }
  const event: WorkflowEvent = { seq: history.length + 1, type: input.type, at: input.at, actor: input.actor, data: input.data ?? {} };
  const c = { app, history, event, calendar: cal };
  const refusal = t.guard?.(c);
  if (refusal) return { ok: false, reason: "refused", allowed, message: refusal };
  const state = typeof t.to === "function" ? t.to(c) : t.to;
  const after: ApplicationView = { ...app, state };
  const newHistory = [...history, event];
  const effects = [...(t.effects?.({ ...c, app: after }) ?? []), ...wakeupsFor(deadlinesOf(def, after, newHistory, cal))];
  return { ok: true, state, event, effects };
}

/** The submission: the first event, its effects and its deadlines. */
export function submit(def: WorkflowDefinition, app: ApplicationView, input: EventInput, cal: Calendar): { state: string; event: WorkflowEvent; effects: Effect[] } {
  const event: WorkflowEvent = { seq: 1, type: "submitted", at: input.at, actor: input.actor, data: input.data ?? {} };
  const after: ApplicationView = { ...app, state: def.initial };
  const effects = [...(def.onSubmit?.({ app: after, history: [], event, calendar: cal }) ?? []), ...wakeupsFor(deadlinesOf(def, after, [event], cal))];
  return { state: def.initial, event, effects };
}

export const SYSTEM_ACTOR: EventActor = { kind: "system", id: "system:scheduler", name: "scheduler", role: "system" };

export type WakeResult =
  | { kind: "stale"; why: string }
  | { kind: "done"; state: string; events: WorkflowEvent[]; effects: Effect[] };

/**
 * A wake-up delivered by the scheduler at `now`. Recomputes the deadlines and acts only if the one it was
 * requested for still exists with the same due instant and has not been answered yet.
 */
export function wake(
  def: WorkflowDefinition,
  app: ApplicationView,
  history: readonly WorkflowEvent[],
  w: { deadline: string; phase: "remind" | "expire"; dueAt: string },
  now: string,
  cal: Calendar,
): WakeResult {
  const d = deadlinesOf(def, app, history, cal).find((x) => x.kind === w.deadline && x.expiresAt === w.dueAt);
  if (!d) return { kind: "stale", why: `no open deadline ${w.deadline} due ${w.dueAt}` };
  const at = w.phase === "remind" ? d.remindAt : d.expiresAt;
  if (!at || Date.parse(now) < Date.parse(at)) return { kind: "stale", why: `too early: ${w.phase} at ${at ?? "never"}` };
  const answered = history.some((e) => e.data.deadline === d.kind && e.data.dueAt === d.expiresAt && e.data.phase === w.phase);
  if (answered) return { kind: "stale", why: `already ${w.phase === "remind" ? "reminded" : "handled"}` };
  const mark = { deadline: d.kind, dueAt: d.expiresAt, phase: w.phase, paragraph: d.paragraph, dueDate: d.dueDate };
  const key = `${app.id}:${d.kind}:${d.expiresAt}:${w.phase}`;
  const partyText = d.party === "sts" ? "STS" : "the applicant";
  if (w.phase === "remind") {
    const event: WorkflowEvent = { seq: history.length + 1, type: "deadline-reminded", at: now, actor: SYSTEM_ACTOR, data: mark };
    const body = `${def.title} ${app.number}: ${d.description} (${d.paragraph}) is due by the end of ${d.dueDate} (Asia/Almaty). 80 % of the time has passed; ${partyText} must act.`;
    const effects: Effect[] = [{ type: "notify", to: d.party === "sts" ? "sts" : "applicant", subject: `Reminder: ${app.number} — ${d.description} due ${d.dueDate}`, body, key }];
    return { kind: "done", state: app.state, events: [event], effects };
  }
  const exp = d.onExpiry;
  if (exp.type === "event") {
    const r = step(def, app, history, { type: exp.event, at: now, actor: SYSTEM_ACTOR, data: mark }, cal);
    if (!r.ok) return { kind: "stale", why: r.message };
    return { kind: "done", state: r.state, events: [r.event], effects: r.effects };
  }
  if (exp.type === "notify-applicant") {
    const event: WorkflowEvent = { seq: history.length + 1, type: "deadline-notice", at: now, actor: SYSTEM_ACTOR, data: mark };
    return { kind: "done", state: app.state, events: [event], effects: [{ type: "notify", to: "applicant", subject: `${app.number}: ${d.description}`, body: `${def.title} ${app.number}: ${d.description} (${d.paragraph}), ${d.dueDate}.`, key }] };
  }
  const event: WorkflowEvent = { seq: history.length + 1, type: "deadline-overdue", at: now, actor: SYSTEM_ACTOR, data: mark };
  const body = `${def.title} ${app.number}: ${d.description} (${d.paragraph}) was due by the end of ${d.dueDate} (Asia/Almaty) and ${partyText} has not acted. Escalated to STS staff.`;
  const effects: Effect[] = [{ type: "notify", to: "sts", subject: `Overdue: ${app.number} — ${d.description} (due ${d.dueDate})`, body, key: `${key}:sts` }];
  if (d.party === "applicant") effects.push({ type: "notify", to: "applicant", subject: `Overdue: ${app.number} — ${d.description} (due ${d.dueDate})`, body, key: `${key}:applicant` });
  return { kind: "done", state: app.state, events: [event], effects };
}

/** Replays a history: the state it leads to. The stored `state` column must always equal this. */
export function replay(def: WorkflowDefinition, app: Omit<ApplicationView, "state">, history: readonly WorkflowEvent[], cal: Calendar): string {
  let state = def.initial;
  for (const e of history.slice(1)) {
    if (e.type === "deadline-reminded" || e.type === "deadline-overdue" || e.type === "deadline-notice" || NOTE_EVENTS.has(e.type)) continue;
    const t = findTransition(def, state, e.type, e.actor.kind);
    if (!t) throw new Error(`history of ${app.number} does not replay: ${e.type} in ${state}`);
    state = typeof t.to === "function" ? t.to({ app: { ...app, state }, history: history.slice(0, e.seq - 1), event: e, calendar: cal }) : t.to;
  }
  return state;
}

/** Events that annotate an application without a transition (recorded by services, e.g. a task completed). */
export const NOTE_EVENTS = new Set(["task-completed", "signature-verified", "eligibility-checked", "flagged-late", "commented"]);
