/**
 * The policy service: Postfix's `check_policy_service inet:127.0.0.1:<port>` peer, and the control of
 * suspensions (UGEM Rules p.12). The I/O shell around `PolicyEngine`: it moves bytes, runs the engine's
 * commands, and talks to the ports (store, outbox, audit) and to Postfix's queue.
 *
 * Per connection (SMTPD_POLICY_README: one connection, many requests, one at a time):
 *
 *     bytes ─▶ PolicyRequestDecoder ─▶ request ─▶ engine.decide (sync, in memory) ─▶ action=…\n\n
 *                    │ protocol error                     │ throws
 *                    ▼                                    ▼
 *               log + disconnect                 action=DEFER_IF_PERMIT …   (never OK)
 *
 *   - a request that stays incomplete for `requestTimeoutMs` ends the connection (README: on trouble,
 *     "disconnect"; Postfix retries, then applies its default_action, which we render as DEFER_IF_PERMIT);
 *   - until the first snapshot is loaded, complete requests wait up to `requestTimeoutMs`, then get the
 *     fail-safe tempfail;
 *   - idle connections are closed after `idleTimeoutMs` (longer than Postfix's max_idle of 300 s, so
 *     normally Postfix closes first).
 *
 * Suspension (UGEM Rules p.12: suspend "to prevent the entry of UGEM IP addresses into the global
 * databases of untrusted IP addresses and domains, with subsequent notification of the owner"):
 *
 *   suspend  mark suspended (sync: new mail → 4xx) → persist → postsuper -h the queue ids seen from the
 *            system (again after a grace period, for messages being committed at that moment)
 *            → persist held ids → notify owner + STS → audit
 *   release  postsuper -H held ids → postqueue -i → persist → unmark → reset the windows → notify → audit
 *   deleteHeld  postsuper -d held ids (hold queue only) → persist → notify → audit
 *
 * Operations on one system are serialised; different systems proceed independently.
 */
import { chmod, chown, lstat, unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { DeliveryCorrelator, parseLogLine, type DeliveryOutcome } from "../log/delivery-log.js";
import type { Audit, MailSuspension, MailSystem, MailSystemDirectory, Outbox } from "../ports.js";
import type { QueueControl } from "../postfix/queue.js";
import { AnomalyDetector, type AnomalyReason, type DetectorLimits, type SystemStats } from "./detector.js";
import { PolicyEngine, type Decision, type PolicyCommand } from "./engine.js";
import type { Hook } from "./hooks/hook.js";
import { deletedNotice, releaseNotice, suspensionNotice, type Notice } from "./notices.js";
import { encodeResponse, PolicyRequestDecoder, type PolicyCodecLimits, type PolicyRequest } from "./protocol.js";
import { compileMailSnapshot, type MailPolicySnapshot } from "./snapshot.js";
import { FAILSAFE_ACTION } from "./verdict.js";

export type LogLevel = "info" | "warn" | "error";
export type MailLogger = (level: LogLevel, message: string, data?: Record<string, unknown>) => void;

export interface MailPolicyServiceOptions {
  readonly directory: MailSystemDirectory;
  readonly outbox: Outbox;
  readonly audit: Audit;
  readonly queue: QueueControl;
  /** STS duty address, notified together with the owner. */
  readonly stsAddress: string;
  /** Loopback only: Postfix and the service run on the same node. */
  readonly host?: string;
  /** 0 picks a free port (tests); production renders the configured one into main.cf. */
  readonly port?: number;
  /**
   * Listen on a UNIX-domain socket instead (main.cf: `check_policy_service unix:<path>`). Cheaper than
   * loopback TCP per request, and only processes in the socket's group can connect — with TCP any local
   * process can. smtpd runs as mail_owner, so the socket's group must be mail_owner's.
   */
  readonly socketPath?: string;
  readonly socketMode?: number;
  readonly socketGid?: number;
  readonly clock?: () => number;
  readonly detectorLimits?: Partial<DetectorLimits>;
  readonly hooks?: readonly Hook[];
  readonly codecLimits?: Partial<PolicyCodecLimits>;
  readonly requestTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** Second hold pass after this delay, for messages committed while the first pass ran. 0 disables it. */
  readonly holdGraceMs?: number;
  /** Retry interval while the store cannot be read at start. */
  readonly reloadRetryMs?: number;
  readonly log?: MailLogger;
  /**
   * Whether a delivery outcome from the log counts for the detector's bounce/defer shares; the hand-over
   * of a message to the authentication filter (a content filter on loopback) is not a delivery.
   */
  readonly countsDelivery?: (o: DeliveryOutcome) => boolean;
  /** Called when an automatic suspension (detector) has finished, or failed. */
  readonly onAutoSuspend?: (report: SuspensionReport | undefined, error: unknown) => void;
}

export interface PolicyListenAddress {
  readonly host: string;
  readonly port: number;
  /** The UNIX-domain socket, when listening on one. */
  readonly path: string | undefined;
}

export interface Actor {
  /** "detector" or the id of the account acting. */
  readonly by: string;
  readonly note?: string;
}

export interface SuspensionReport {
  readonly systemId: string;
  readonly suspension: MailSuspension;
  /** Queue ids placed on hold by this call. */
  readonly held: readonly string[];
  readonly alreadySuspended: boolean;
  /** Steps that failed (the suspension itself stands: failing closed). */
  readonly errors: readonly string[];
}

export interface ReleaseReport {
  readonly systemId: string;
  readonly released: readonly string[];
}

export interface DeleteHeldReport {
  readonly systemId: string;
  readonly deleted: readonly string[];
}

export interface MailSystemState extends SystemStats {
  readonly suspended: boolean;
  readonly suspension: MailSuspension | null;
  readonly trackedQueueIds: number;
}

abstract class MailGatewayError extends Error {
  abstract readonly code: string;
  abstract readonly statusCode: number;
}

export class MailSystemNotFoundError extends MailGatewayError {
  override name = "MailSystemNotFoundError";
  readonly code = "QQ_ERR_MAIL_SYSTEM_NOT_FOUND";
  readonly statusCode = 404;
  constructor(readonly systemId: string) {
    super(`mail system ${systemId} not found`);
  }
}

export class MailSystemNotSuspendedError extends MailGatewayError {
  override name = "MailSystemNotSuspendedError";
  readonly code = "QQ_ERR_MAIL_SYSTEM_NOT_SUSPENDED";
  readonly statusCode = 409;
  constructor(readonly systemId: string) {
    super(`mail system ${systemId} is not suspended`);
  }
}

const FAILSAFE = encodeResponse(FAILSAFE_ACTION);
const MAX_TRACKED = 200_000;

export class MailPolicyService {
  readonly engine: PolicyEngine;
  readonly #o: MailPolicyServiceOptions;
  readonly #clock: () => number;
  readonly #log: MailLogger;
  readonly #requestTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #sockets = new Set<Socket>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  /** queue id → system id, insertion-ordered (oldest first), for messages accepted from connected systems. */
  readonly #tracked = new Map<string, string>();
  readonly #systems = new Map<string, MailSystem>();
  readonly #suspensions = new Map<string, MailSuspension>();
  /** Systems with a suspension in progress: a reload must not unmark them before it is persisted. */
  readonly #inFlight = new Set<string>();
  readonly #correlator = new DeliveryCorrelator();
  readonly #responses = new Map<string, Buffer>();
  #server: Server | undefined;
  #ready = false;
  #readyWaiters: (() => void)[] = [];
  #reloadTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #requests = 0;

  constructor(opts: MailPolicyServiceOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? Date.now;
    this.#log = opts.log ?? (() => {});
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.#idleTimeoutMs = opts.idleTimeoutMs ?? 330_000;
    this.engine = new PolicyEngine({ detector: new AnomalyDetector(opts.detectorLimits), ...(opts.hooks ? { hooks: opts.hooks } : {}) });
  }

  get ready(): boolean {
    return this.#ready;
  }

  get snapshot(): MailPolicySnapshot {
    return this.engine.snapshot;
  }

  /** Requests answered since start (all connections). */
  get requests(): number {
    return this.#requests;
  }

  /**
   * Listens, then loads the mail systems; if the store is unavailable it keeps retrying in the background.
   * Returns where it listens: TCP host and port, or (with `socketPath`) the socket path, host "" and port 0.
   */
  async start(): Promise<PolicyListenAddress> {
    const server = createServer({ noDelay: true }, (s) => this.#connection(s));
    this.#server = server;
    const path = this.#o.socketPath;
    if (path !== undefined) {
      // A socket file left by a killed predecessor would make listen() fail with EADDRINUSE.
      const st = await lstat(path).catch(() => undefined);
      if (st?.isSocket()) await unlink(path);
    }
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      const done = () => {
        server.off("error", reject);
        resolve();
      };
      if (path !== undefined) server.listen(path, done);
      else server.listen(this.#o.port ?? 0, this.#o.host ?? "127.0.0.1", done);
    });
    if (path !== undefined) {
      await chmod(path, this.#o.socketMode ?? 0o660);
      if (this.#o.socketGid !== undefined) await chown(path, -1, this.#o.socketGid);
    }
    try {
      await this.reload();
    } catch (e) {
      this.#log("error", "mail systems could not be loaded; answering tempfail until they are", { error: String(e) });
      this.#scheduleReload();
    }
    const addr = server.address();
    if (typeof addr === "string") return { host: "", port: 0, path: addr };
    if (addr === null) throw new Error("policy service has no address");
    return { host: addr.address, port: addr.port, path: undefined };
  }

  #scheduleReload(): void {
    if (this.#closed) return;
    this.#reloadTimer = setTimeout(() => {
      this.reload().catch((e) => {
        this.#log("error", "mail systems could not be loaded", { error: String(e) });
        this.#scheduleReload();
      });
    }, this.#o.reloadRetryMs ?? 2_000);
    this.#reloadTimer.unref();
  }

  /**
   * Re-reads the mail systems and swaps the snapshot. A configuration that does not compile is refused and
   * the previous snapshot stays in force.
   */
  async reload(): Promise<MailPolicySnapshot> {
    const systems = await this.#o.directory.list();
    const snapshot = compileMailSnapshot(systems);
    const ids = new Set(systems.map((s) => s.id));
    for (const id of [...this.#systems.keys()]) if (!ids.has(id)) this.engine.detector.forget(id);
    this.#systems.clear();
    for (const s of systems) {
      this.#systems.set(s.id, s);
      this.engine.detector.configure(s.id, s.limits);
      if (this.#inFlight.has(s.id)) continue;
      if (s.suspension) this.#suspensions.set(s.id, s.suspension);
      else this.#suspensions.delete(s.id);
      this.engine.setSuspended(s.id, s.suspension !== null);
    }
    this.engine.setSnapshot(snapshot);
    if (!this.#ready) {
      this.#ready = true;
      for (const w of this.#readyWaiters.splice(0)) w();
    }
    return snapshot;
  }

  #waitReady(ms: number): Promise<boolean> {
    if (this.#ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.#readyWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reloadTimer);
    for (const w of this.#readyWaiters.splice(0)) w();
    const server = this.#server;
    // server.close() waits for open connections, and Postfix keeps idle policy connections for
    // max_idle (300 s): end ours first.
    const closing = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const s of this.#sockets) s.destroy();
    await closing;
    await this.settled();
  }

  /** Resolves when every background task (automatic suspensions) has finished. */
  async settled(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  // ── connections ────────────────────────────────────────────────────────────────────────────────────

  #connection(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.#idleTimeoutMs, () => socket.destroy());
    const decoder = new PolicyRequestDecoder(this.#o.codecLimits);
    let timer: NodeJS.Timeout | undefined;
    /** Pending answers while the first snapshot loads; order of answers = order of requests. */
    let chain: Promise<void> | undefined;

    const answer = (req: PolicyRequest): void => {
      if (chain === undefined && this.#ready) {
        socket.write(this.#respond(req));
        return;
      }
      const p: Promise<void> = (chain ?? Promise.resolve())
        .then(() => this.#waitReady(this.#requestTimeoutMs))
        .then((ok) => {
          if (!socket.destroyed) socket.write(ok ? this.#respond(req) : FAILSAFE);
        });
      chain = p;
      void p.finally(() => {
        if (chain === p) chain = undefined;
      });
    };

    socket.on("data", (chunk: Buffer) => {
      for (const r of decoder.push(chunk)) {
        if (r.kind === "error") {
          this.#log("warn", "policy protocol error, disconnecting", { code: r.error.code, remote: socket.remoteAddress });
          socket.destroy();
          return;
        }
        answer(r.request);
      }
      if (decoder.pending) {
        timer ??= setTimeout(() => {
          this.#log("warn", "incomplete policy request timed out, disconnecting", { remote: socket.remoteAddress });
          socket.destroy();
        }, this.#requestTimeoutMs);
      } else if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
    });
    socket.on("error", () => {}); // resets by Postfix are normal (max_ttl, process exit)
    socket.on("close", () => {
      clearTimeout(timer);
      this.#sockets.delete(socket);
    });
  }

  /** Decides one request and runs its commands. Never throws; any failure answers the fail-safe tempfail. */
  #respond(req: PolicyRequest): Buffer {
    this.#requests++;
    let d: Decision;
    try {
      d = this.engine.decide(req, this.#clock());
      if (d.error) this.#log("warn", "unreadable policy request", { error: d.error });
      for (const c of d.commands) this.#run(c);
    } catch (e) {
      this.#log("error", "policy decision failed; answering tempfail", { error: String(e) });
      return FAILSAFE;
    }
    // The actions come from a small fixed set (verdict × state): encode each once.
    let bytes = this.#responses.get(d.action);
    if (!bytes) {
      bytes = encodeResponse(d.action);
      if (this.#responses.size < 64) this.#responses.set(d.action, bytes);
    }
    return bytes;
  }

  #run(c: PolicyCommand): void {
    switch (c.type) {
      case "TrackQueueId":
        this.#track(c.queueId, c.systemId);
        return;
      case "SuspendSystem":
        this.#background(c.systemId, c.reasons);
        return;
    }
  }

  #background(systemId: string, reasons: readonly AnomalyReason[]): void {
    this.#log("warn", "abnormal activity, suspending mail system", { systemId, reasons });
    const task = this.suspend(systemId, { by: "detector" }, reasons).then(
      (r) => {
        if (r.errors.length > 0) this.#log("error", "suspension completed with errors", { systemId, errors: r.errors });
        this.#o.onAutoSuspend?.(r, undefined);
      },
      (e: unknown) => {
        this.#log("error", "suspension failed", { systemId, error: String(e) });
        this.#o.onAutoSuspend?.(undefined, e);
      },
    );
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  #track(queueId: string, systemId: string): void {
    this.#tracked.delete(queueId);
    this.#tracked.set(queueId, systemId);
    if (this.#tracked.size > MAX_TRACKED) {
      const oldest = this.#tracked.keys().next().value;
      if (oldest !== undefined) this.#tracked.delete(oldest);
    }
  }

  #trackedOf(systemId: string): string[] {
    const out: string[] = [];
    for (const [q, s] of this.#tracked) if (s === systemId) out.push(q);
    return out;
  }

  // ── delivery log ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Feeds one line of Postfix's log: learns which client queued which message (so tracking survives a
   * restart of this service), forgets removed messages, and counts delivery outcomes per system.
   */
  observeLogLine(line: string): DeliveryOutcome | undefined {
    const e = parseLogLine(line);
    if (!e) return undefined;
    if (e.kind === "client") {
      const sys = this.engine.snapshot.byAddress.get(e.clientAddress);
      if (sys) this.#track(e.queueId, sys.id);
    } else if (e.kind === "removed") {
      this.#tracked.delete(e.queueId);
    }
    const outcome = this.#correlator.apply(e);
    if (outcome) this.observeDelivery(outcome);
    return outcome;
  }

  observeDelivery(o: DeliveryOutcome): void {
    if (o.clientAddress === undefined) return;
    if (this.#o.countsDelivery && !this.#o.countsDelivery(o)) return;
    const sys = this.engine.snapshot.byAddress.get(o.clientAddress);
    if (!sys) return;
    const a = this.engine.detector.observeDelivery(sys.id, o.status, this.#clock());
    if (a.abnormal && !this.engine.isSuspended(sys.id)) {
      this.engine.setSuspended(sys.id, true);
      this.#background(sys.id, a.reasons);
    }
  }

  // ── suspension control ─────────────────────────────────────────────────────────────────────────────

  #exclusive<T>(systemId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(systemId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.#locks.set(systemId, tail);
    void tail.then(() => {
      if (this.#locks.get(systemId) === tail) this.#locks.delete(systemId);
    });
    return next;
  }

  #system(systemId: string): MailSystem {
    const s = this.#systems.get(systemId);
    if (!s) throw new MailSystemNotFoundError(systemId);
    return s;
  }

  async #holdTracked(systemId: string, errors: string[]): Promise<string[]> {
    const ids = this.#trackedOf(systemId);
    if (ids.length === 0) return [];
    try {
      const held = await this.#o.queue.hold(ids);
      // Only what postsuper moved is forgotten: an id not found may be a message still being committed.
      for (const id of held) this.#tracked.delete(id);
      return held;
    } catch (e) {
      errors.push(`hold: ${String(e)}`);
      return [];
    }
  }

  async #notify(system: MailSystem, n: Notice, errors: string[]): Promise<void> {
    for (const to of [system.ownerEmail, this.#o.stsAddress]) {
      try {
        await this.#o.outbox.notify(to, n.subject, n.body);
      } catch (e) {
        errors.push(`notify ${to}: ${String(e)}`);
      }
    }
  }

  /**
   * Suspends a mail system (by the detector or by STS). Idempotent: suspending a suspended system only
   * holds mail queued since, without a second notice.
   */
  suspend(systemId: string, actor: Actor, reasons: readonly AnomalyReason[] = []): Promise<SuspensionReport> {
    // Marked before any await, so no new mail is accepted while the rest happens.
    if (this.#systems.has(systemId)) {
      this.engine.setSuspended(systemId, true);
      this.#inFlight.add(systemId);
    }
    return this.#exclusive(systemId, async () => {
      try {
        return await this.#suspend(systemId, actor, reasons);
      } finally {
        this.#inFlight.delete(systemId);
      }
    });
  }

  async #suspend(systemId: string, actor: Actor, reasons: readonly AnomalyReason[]): Promise<SuspensionReport> {
    const system = this.#system(systemId);
    this.engine.setSuspended(systemId, true);
    const errors: string[] = [];
    const existing = this.#suspensions.get(systemId);
    if (existing) {
      const held = await this.#holdTracked(systemId, errors);
      let suspension = existing;
      if (held.length > 0) {
        suspension = { ...existing, heldQueueIds: [...existing.heldQueueIds, ...held] };
        this.#suspensions.set(systemId, suspension);
        await this.#o.directory.setSuspension(systemId, suspension);
      }
      return { systemId, suspension, held, alreadySuspended: true, errors };
    }
    let suspension: MailSuspension = {
      since: new Date(this.#clock()).toISOString(),
      reasons: [...reasons],
      by: actor.by,
      ...(actor.note ? { note: actor.note } : {}),
      heldQueueIds: [],
      counters: this.engine.detector.stats(systemId, this.#clock()),
    };
    this.#suspensions.set(systemId, suspension);
    // Persisted first: if anything below fails, the system stays suspended after a restart (fail closed).
    await this.#o.directory.setSuspension(systemId, suspension);
    const held = await this.#holdTracked(systemId, errors);
    const grace = this.#o.holdGraceMs ?? 1_000;
    if (grace > 0) {
      await new Promise((r) => setTimeout(r, grace));
      held.push(...(await this.#holdTracked(systemId, errors)));
    }
    suspension = { ...suspension, heldQueueIds: held };
    this.#suspensions.set(systemId, suspension);
    try {
      await this.#o.directory.setSuspension(systemId, suspension);
    } catch (e) {
      errors.push(`persist held ids: ${String(e)}`);
    }
    await this.#notify(system, suspensionNotice(system, suspension), errors);
    try {
      await this.#o.audit.record("mail_system.suspend", { type: "mail_system", id: systemId }, { suspension: null }, { suspension });
    } catch (e) {
      errors.push(`audit: ${String(e)}`);
    }
    this.#log("warn", "mail system suspended", { systemId, held: held.length, by: actor.by });
    return { systemId, suspension, held, alreadySuspended: false, errors };
  }

  /** Lifts a suspension: held mail goes back to the deferred queue and is scheduled for delivery at once. */
  release(systemId: string, actor: Actor): Promise<ReleaseReport> {
    return this.#exclusive(systemId, async () => {
      const system = this.#system(systemId);
      const s = this.#suspensions.get(systemId);
      if (!s) throw new MailSystemNotSuspendedError(systemId);
      const released = await this.#o.queue.release(s.heldQueueIds);
      await this.#o.queue.deliver(released);
      await this.#o.directory.setSuspension(systemId, null, { kind: "released", by: actor.by, count: released.length });
      this.#suspensions.delete(systemId);
      this.engine.setSuspended(systemId, false);
      // The burst that caused the suspension must not re-trigger it on the next message.
      this.engine.detector.reset(systemId);
      const errors: string[] = [];
      await this.#notify(system, releaseNotice(system, released.length, actor.by), errors);
      await this.#o.audit.record("mail_system.release", { type: "mail_system", id: systemId }, { suspension: s }, { suspension: null, released, by: actor.by });
      if (errors.length > 0) this.#log("error", "release notifications failed", { systemId, errors });
      return { systemId, released };
    });
  }

  /** Deletes the held mail of a suspended system (by agreement with its owner); the suspension stays. */
  deleteHeld(systemId: string, actor: Actor): Promise<DeleteHeldReport> {
    return this.#exclusive(systemId, async () => {
      const system = this.#system(systemId);
      const s = this.#suspensions.get(systemId);
      if (!s) throw new MailSystemNotSuspendedError(systemId);
      const deleted = await this.#o.queue.remove(s.heldQueueIds, "hold");
      const after: MailSuspension = { ...s, heldQueueIds: [] };
      await this.#o.directory.setSuspension(systemId, after, { kind: "deleted", by: actor.by, count: deleted.length });
      this.#suspensions.set(systemId, after);
      const errors: string[] = [];
      await this.#notify(system, deletedNotice(system, deleted.length, actor.by), errors);
      await this.#o.audit.record("mail_system.delete_held", { type: "mail_system", id: systemId }, { suspension: s }, { suspension: after, deleted, by: actor.by });
      return { systemId, deleted };
    });
  }

  state(systemId: string): MailSystemState {
    this.#system(systemId);
    return {
      ...this.engine.detector.stats(systemId, this.#clock()),
      suspended: this.engine.isSuspended(systemId),
      suspension: this.#suspensions.get(systemId) ?? null,
      trackedQueueIds: this.#trackedOf(systemId).length,
    };
  }
}
