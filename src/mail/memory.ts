/**
 * In-memory implementations of the mail ports: for tests, benchmarks and a gateway run without a store.
 * They behave like the store (copies in, copies out) so a test cannot pass by mutating shared objects.
 */
import type { Audit, AuditEntity, MailSuspension, MailSystem, MailSystemDirectory, Outbox } from "./ports.js";
import type { QueueControl, QueuedMessage } from "./postfix/queue.js";

export class MemoryMailSystemDirectory implements MailSystemDirectory {
  readonly #systems = new Map<string, MailSystem>();

  constructor(systems: readonly MailSystem[] = []) {
    for (const s of systems) this.put(s);
  }

  put(system: MailSystem): void {
    this.#systems.set(system.id, structuredClone(system));
  }

  remove(id: string): void {
    this.#systems.delete(id);
  }

  get(id: string): MailSystem | undefined {
    const s = this.#systems.get(id);
    return s && structuredClone(s);
  }

  async list(): Promise<readonly MailSystem[]> {
    return [...this.#systems.values()].map((s) => structuredClone(s));
  }

  async setSuspension(systemId: string, suspension: MailSuspension | null): Promise<void> {
    const s = this.#systems.get(systemId);
    if (!s) throw new Error(`unknown mail system ${systemId}`);
    this.#systems.set(systemId, { ...s, suspension: suspension && structuredClone(suspension) });
  }
}

export interface OutboxMessage {
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

export class MemoryOutbox implements Outbox {
  readonly messages: OutboxMessage[] = [];

  async notify(to: string, subject: string, body: string): Promise<void> {
    this.messages.push({ to, subject, body });
  }
}

export interface AuditRecord {
  readonly action: string;
  readonly entity: AuditEntity;
  readonly before: unknown;
  readonly after: unknown;
}

export class MemoryAudit implements Audit {
  readonly entries: AuditRecord[] = [];

  async record(action: string, entity: AuditEntity, before: unknown, after: unknown): Promise<void> {
    this.entries.push({ action, entity: { ...entity }, before: structuredClone(before), after: structuredClone(after) });
  }
}

/**
 * A queue that behaves like Postfix's for the suspension logic: hold moves incoming/active/deferred mail
 * to hold, release moves held mail to deferred, remove deletes only from the named queue. Each call
 * returns the ids it actually moved, as postsuper reports them.
 */
export class MemoryQueue implements QueueControl {
  readonly messages = new Map<string, { queueName: string; sender: string }>();
  readonly delivered: string[] = [];

  add(queueId: string, queueName = "deferred", sender = ""): void {
    this.messages.set(queueId, { queueName, sender });
  }

  async list(): Promise<QueuedMessage[]> {
    return [...this.messages].map(([queueId, m]) => ({ queueId, queueName: m.queueName, arrivalTime: 0, size: 0, sender: m.sender, recipients: [], forcedExpire: false }));
  }

  async hold(ids: readonly string[]): Promise<string[]> {
    return this.#move(ids, (q) => q === "incoming" || q === "active" || q === "deferred", "hold");
  }

  async release(ids: readonly string[]): Promise<string[]> {
    return this.#move(ids, (q) => q === "hold", "deferred");
  }

  async deliver(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const m = this.messages.get(id);
      if (m && m.queueName !== "hold") {
        this.messages.delete(id);
        this.delivered.push(id);
      }
    }
  }

  async remove(ids: readonly string[], queue = "hold"): Promise<string[]> {
    const out: string[] = [];
    for (const id of new Set(ids)) {
      if (this.messages.get(id)?.queueName === queue) {
        this.messages.delete(id);
        out.push(id);
      }
    }
    return out;
  }

  #move(ids: readonly string[], from: (q: string) => boolean, to: string): string[] {
    const out: string[] = [];
    for (const id of new Set(ids)) {
      const m = this.messages.get(id);
      if (m && from(m.queueName)) {
        m.queueName = to;
        out.push(id);
      }
    }
    return out;
  }
}
