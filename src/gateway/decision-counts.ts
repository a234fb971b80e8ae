/**
 * Decision counters aggregated where the decisions are made — a cluster worker, a gateway node — and handed to
 * the process that exposes the metrics as (action, reason, tls) → n and (category, action) → n.
 */
import type { Decision } from "../gateway-core/flow.js";
import type { WorkerCounts } from "./cluster.js";

export class DecisionCounts {
  #decisions = new Map<string, number>();
  #categories = new Map<string, number>();

  add(d: Decision): void {
    const v = d.verdict;
    const k = `${v.action}\u0000${v.reason}\u0000${v.action === "allow" ? (v.tls ?? "none") : "none"}`;
    this.#decisions.set(k, (this.#decisions.get(k) ?? 0) + 1);
    for (const c of d.categories) {
      const ck = `${c}\u0000${v.action}`;
      this.#categories.set(ck, (this.#categories.get(ck) ?? 0) + 1);
    }
  }

  get empty(): boolean {
    return this.#decisions.size === 0 && this.#categories.size === 0;
  }

  /** What was counted since the last take. */
  take(): WorkerCounts {
    const c: WorkerCounts = {
      decisions: [...this.#decisions].map(([k, n]) => [...(k.split("\u0000") as [string, string, string]), n]),
      categories: [...this.#categories].map(([k, n]) => [...(k.split("\u0000") as [string, string]), n]),
    };
    this.#decisions = new Map();
    this.#categories = new Map();
    return c;
  }
}
