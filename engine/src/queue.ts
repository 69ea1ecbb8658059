import { evaluateValue } from "./expressions.js";
import type { FnConfig, RunRec } from "./types.js";

export interface WorkItem {
  runId: string;
  /** "step" (discover / run next) or a step hash. */
  stepId: string;
  attempt: number;
  transportFailures: number;
  /** When the app stopped answering this item (an outage is bounded by time, not by tries). */
  outageSince?: number;
  /** Queue order: by score (the run's creation time, moved by its priority), then FIFO. */
  score?: number;
  seq?: number;
}

/** What the queue needs to know about a run before it may send its request. */
export type Admission =
  | { kind: "drop" } // the run is gone or finished
  | { kind: "wait" } // not runnable yet (e.g. its function is not synced): stays queued
  | { kind: "go"; fn: FnConfig; run: RunRec; gate?: () => number | undefined };

interface Bucket {
  key: string;
  limit: number;
}

/**
 * The ready queue and the concurrency buckets. Like Inngest, a concurrency limit counts executing
 * steps (requests in flight to the app), so a sleeping or waiting run holds no slot.
 */
export class ReadyQueue {
  private readonly ready: WorkItem[] = [];
  private readonly inFlightByBucket = new Map<string, number>();
  private inFlight = 0;
  private seq = 0;
  private pumping = false;
  private stopped = false;

  constructor(
    private readonly maxInFlight: number,
    private readonly admit: (item: WorkItem) => Admission,
    private readonly dispatch: (fn: FnConfig, run: RunRec, item: WorkItem) => Promise<void>,
    /** The score of a run's items: older runs first, so started runs finish before new ones start. */
    private readonly scoreOf: (runId: string) => number,
  ) {}

  enqueue(item: WorkItem): void {
    if (this.stopped) return;
    item.score = this.scoreOf(item.runId);
    item.seq = ++this.seq;
    // binary insertion by (score, run id: ULIDs sort by creation, seq)
    let lo = 0;
    let hi = this.ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.ready[mid]!, item)) lo = mid + 1;
      else hi = mid;
    }
    this.ready.splice(lo, 0, item);
    this.pump();
  }

  has(runId: string, stepId: string): boolean {
    return this.ready.some((i) => i.runId === runId && i.stepId === stepId);
  }

  removeRun(runId: string): void {
    for (let i = this.ready.length - 1; i >= 0; i--) if (this.ready[i]!.runId === runId) this.ready.splice(i, 1);
  }

  pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      for (let i = 0; i < this.ready.length && this.inFlight < this.maxInFlight; ) {
        const item = this.ready[i]!;
        const a = this.admit(item);
        if (a.kind === "drop") {
          this.ready.splice(i, 1);
          continue;
        }
        if (a.kind === "wait") {
          i++;
          continue;
        }
        const buckets = bucketsOf(a.fn, a.run);
        if (buckets.some((b) => (this.inFlightByBucket.get(b.key) ?? 0) >= b.limit)) {
          i++;
          continue;
        }
        // A gate (throttle) is asked last, once a slot is free, because asking counts the start.
        const until = a.gate?.();
        if (until !== undefined) {
          this.wakeAt(until);
          i++;
          continue;
        }
        this.ready.splice(i, 1);
        for (const b of buckets) this.inFlightByBucket.set(b.key, (this.inFlightByBucket.get(b.key) ?? 0) + 1);
        this.inFlight++;
        void this.dispatch(a.fn, a.run, item).finally(() => {
          for (const b of buckets) {
            const n = (this.inFlightByBucket.get(b.key) ?? 1) - 1;
            if (n <= 0) this.inFlightByBucket.delete(b.key);
            else this.inFlightByBucket.set(b.key, n);
          }
          this.inFlight--;
          this.pump();
        });
      }
    } finally {
      this.pumping = false;
    }
  }

  private wake: { at: number; timer: NodeJS.Timeout } | undefined;

  /** Pump again at `at` (the earliest of the times asked for). */
  private wakeAt(at: number): void {
    if (this.wake && this.wake.at <= at) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = undefined;
      this.pump();
    }, Math.max(1, at - Date.now()));
    this.wake = { at, timer };
  }

  stop(): void {
    this.stopped = true;
    if (this.wake) clearTimeout(this.wake.timer);
  }

  /** Number of executing SDK requests (for tests and the dashboard). */
  stats(): { inFlight: number; ready: number; buckets: Record<string, number> } {
    return { inFlight: this.inFlight, ready: this.ready.length, buckets: Object.fromEntries(this.inFlightByBucket) };
  }
}

function before(a: WorkItem, b: WorkItem): boolean {
  if (a.score !== b.score) return a.score! < b.score!;
  if (a.runId !== b.runId) return a.runId < b.runId;
  return a.seq! < b.seq!;
}

function bucketsOf(fn: FnConfig, run: RunRec): Bucket[] {
  return fn.concurrency.map((c) => {
    const keyVal = c.key ? JSON.stringify(evaluateValue(c.key, { event: run.event }) ?? null) : "";
    const scope = c.scope ?? "fn";
    const key = scope === "fn" ? `fn:${fn.id}:${keyVal}` : `${scope}:${c.key ?? ""}:${keyVal}`;
    return { key, limit: c.limit };
  });
}
