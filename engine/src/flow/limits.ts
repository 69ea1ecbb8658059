import { evaluateValue } from "../expressions.js";
import type { Store } from "../store.js";
import type { EventRec, FnConfig } from "../types.js";
import { gcra } from "./gcra.js";

const DAY_MS = 24 * 3600 * 1000;

/** The value of a key expression for an event, as a string ("" without a key). */
export function keyOf(expr: string | undefined, event: EventRec): string {
  return expr ? JSON.stringify(evaluateValue(expr, { event }) ?? null) : "";
}

/**
 * The lossy limits, checked when a run would be created: `idempotency` (Inngest rewrites it to a
 * rate limit of one run per key per 24 h) and `rateLimit` (`limit` runs per `period` per key;
 * the excess is skipped). Their state is journaled, so a restart keeps them.
 */
export class RateLimits {
  constructor(private readonly store: Store) {}

  /** Undefined when the run may start (and it is counted), else why it is skipped. */
  check(fn: FnConfig, event: EventRec, now = Date.now()): string | undefined {
    if (fn.idempotency) {
      const key = keyOf(fn.idempotency, event);
      if (!this.take(`idem:${fn.id}:${key}`, now, DAY_MS, 0)) return `idempotency: a run for key ${key} started in the last 24h`;
    }
    const rl = fn.rateLimit;
    if (rl) {
      const key = keyOf(rl.key, event);
      const emission = rl.periodMs / rl.limit;
      // `limit` runs at once, then one per emission interval: at most `limit` in any period.
      if (!this.take(`rl:${fn.id}:${key}`, now, emission, rl.periodMs - emission)) {
        return `rateLimit: more than ${rl.limit} run(s) per ${rl.periodMs}ms${rl.key ? ` for key ${key}` : ""}`;
      }
    }
    return undefined;
  }

  private take(mark: string, now: number, emission: number, tolerance: number): boolean {
    const prev = this.store.marks.get(mark) as { tat: number } | undefined;
    const r = gcra(prev?.tat, now, emission, tolerance);
    if (r.allowed) this.store.putMark(mark, { tat: r.tat, expiresAt: r.tat });
    return r.allowed;
  }
}

/**
 * `throttle`: GCRA over run starts per key. A run over the limit is not dropped: its first
 * request waits in the queue (FIFO with the others) until the limit lets it start.
 */
export class Throttles {
  private readonly tat = new Map<string, number>();

  /** Undefined when the run may start now (and it is counted), else when to try again. */
  claim(fn: FnConfig, event: EventRec, now = Date.now()): number | undefined {
    const t = fn.throttle;
    if (!t) return undefined;
    const key = `${fn.id}:${keyOf(t.key, event)}`;
    const emission = t.periodMs / t.limit;
    const r = gcra(this.tat.get(key), now, emission, emission * (t.burst - 1));
    if (!r.allowed) return r.retryAt;
    this.tat.set(key, r.tat);
    return undefined;
  }
}
