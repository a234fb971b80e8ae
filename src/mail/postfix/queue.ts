/**
 * Queue control: the commands qaqpa runs on Postfix's queue when it suspends or releases a mail system.
 *
 *   list     postqueue -j               one JSON object per message (Postfix ≥ 3.1, postqueue(1))
 *   hold     postsuper -h - < ids       move to the hold queue: "no attempt is made to deliver it"
 *   release  postsuper -H - < ids       back to the deferred queue
 *   deliver  postqueue -i <id>          schedule immediate delivery of those messages
 *   remove   postsuper -d - hold < ids  delete, restricted to the hold queue
 *
 * `postqueue -j` reports queue_name, queue_id, arrival_time, message_size, forced_expire, sender and
 * recipients with delay_reason — but not the client address. Which messages came from a suspended system
 * is therefore known from the queue ids the policy service saw at END-OF-MESSAGE (and, after a restart,
 * from the smtpd "client=" lines of the log), not from the queue listing.
 *
 * Ids are passed on stdin ("-"), never as arguments, so any number fits and none is parsed as an option.
 * postsuper reports each message it moved ("<id>: placed on hold"); that report, not the request, is what
 * we record as held, released or removed.
 */
import { QUEUE_ID } from "../policy/request.js";
import { runChecked } from "./exec.js";

export type QueueName = "maildrop" | "incoming" | "active" | "deferred" | "hold" | "corrupt";

export interface QueuedMessage {
  readonly queueName: string;
  readonly queueId: string;
  /** Seconds since the epoch. */
  readonly arrivalTime: number;
  readonly size: number;
  readonly sender: string;
  readonly recipients: readonly { readonly address: string; readonly delayReason?: string }[];
  readonly forcedExpire: boolean;
}

export interface QueueControl {
  list(): Promise<QueuedMessage[]>;
  /** Returns the ids actually placed on hold. */
  hold(ids: readonly string[]): Promise<string[]>;
  /** Returns the ids actually released from hold. */
  release(ids: readonly string[]): Promise<string[]>;
  /** Schedules immediate delivery attempts. */
  deliver(ids: readonly string[]): Promise<void>;
  /** Deletes messages, only from the named queue (default: hold). Returns the ids removed. */
  remove(ids: readonly string[], queue?: QueueName): Promise<string[]>;
}

/** Parses `postqueue -j` output: one JSON object per line. Malformed lines are reported, not skipped silently. */
export function parsePostqueueJson(text: string): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    const id = o["queue_id"];
    if (typeof id !== "string") throw new Error("postqueue -j: record without queue_id");
    const rcpts = Array.isArray(o["recipients"]) ? (o["recipients"] as Record<string, unknown>[]) : [];
    out.push({
      queueName: String(o["queue_name"] ?? ""),
      queueId: id,
      arrivalTime: Number(o["arrival_time"] ?? 0),
      size: Number(o["message_size"] ?? 0),
      sender: String(o["sender"] ?? ""),
      forcedExpire: o["forced_expire"] === true,
      recipients: rcpts.map((r) =>
        typeof r["delay_reason"] === "string" ? { address: String(r["address"] ?? ""), delayReason: r["delay_reason"] } : { address: String(r["address"] ?? "") },
      ),
    });
  }
  return out;
}

export type PostsuperVerb = "placed on hold" | "released from hold" | "removed" | "requeued";

/** Ids postsuper reports for a verb ("postsuper: 3AEB920D24A: placed on hold"), in report order. */
export function parsePostsuperReport(stderr: string, verb: PostsuperVerb): string[] {
  const ids: string[] = [];
  const suffix = `: ${verb}`;
  for (const raw of stderr.split("\n")) {
    let line = raw.trim();
    if (line.startsWith("postsuper: ")) line = line.slice("postsuper: ".length);
    if (!line.endsWith(suffix)) continue;
    const id = line.slice(0, -suffix.length);
    if (QUEUE_ID.test(id)) ids.push(id);
  }
  return ids;
}

function validIds(ids: readonly string[]): string[] {
  const out = [...new Set(ids)];
  for (const id of out) if (!QUEUE_ID.test(id)) throw new Error(`not a Postfix queue id: ${JSON.stringify(id)}`);
  return out;
}

export interface PostfixQueueOptions {
  /** Instance configuration directory (`-c`); the default instance when omitted. */
  readonly configDir?: string;
  readonly postsuper?: string;
  readonly postqueue?: string;
  readonly timeoutMs?: number;
}

export class PostfixQueue implements QueueControl {
  readonly #c: string[];
  readonly #postsuper: string;
  readonly #postqueue: string;
  readonly #timeout: number;

  get postqueuePath(): string {
    return this.#postqueue;
  }

  constructor(opts: PostfixQueueOptions = {}) {
    this.#c = opts.configDir ? ["-c", opts.configDir] : [];
    this.#postsuper = opts.postsuper ?? "/usr/sbin/postsuper";
    this.#postqueue = opts.postqueue ?? "/usr/sbin/postqueue";
    this.#timeout = opts.timeoutMs ?? 60_000;
  }

  async list(): Promise<QueuedMessage[]> {
    const r = await runChecked(this.#postqueue, [...this.#c, "-j"], { timeoutMs: this.#timeout });
    return parsePostqueueJson(r.stdout);
  }

  async #postsuperStdin(flag: string, ids: readonly string[], verb: PostsuperVerb, queue?: string): Promise<string[]> {
    const list = validIds(ids);
    if (list.length === 0) return [];
    const args = [...this.#c, flag, "-", ...(queue ? [queue] : [])];
    const r = await runChecked(this.#postsuper, args, { input: list.join("\n") + "\n", timeoutMs: this.#timeout });
    return parsePostsuperReport(r.stderr, verb);
  }

  hold(ids: readonly string[]): Promise<string[]> {
    return this.#postsuperStdin("-h", ids, "placed on hold");
  }

  release(ids: readonly string[]): Promise<string[]> {
    return this.#postsuperStdin("-H", ids, "released from hold");
  }

  remove(ids: readonly string[], queue: QueueName = "hold"): Promise<string[]> {
    return this.#postsuperStdin("-d", ids, "removed", queue);
  }

  async deliver(ids: readonly string[]): Promise<void> {
    const list = validIds(ids);
    if (list.length === 0) return;
    if (list.length > 100) {
      // One flush is cheaper than hundreds of postqueue runs; it also retries other deferred mail, which
      // only brings their next attempt forward.
      await runChecked(this.#postqueue, [...this.#c, "-f"], { timeoutMs: this.#timeout });
      return;
    }
    for (const id of list) await runChecked(this.#postqueue, [...this.#c, "-i", id], { timeoutMs: this.#timeout });
  }
}
