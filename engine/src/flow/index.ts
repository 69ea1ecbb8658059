import type { Store } from "../store.js";
import type { Timers } from "../timers.js";
import { type EventRec, type FnConfig, type RunRec, TERMINAL } from "../types.js";
import { fmtMs, type Logger } from "../util.js";
import { Buffers } from "./buffers.js";
import { keyOf, RateLimits, Throttles } from "./limits.js";

export interface FlowHost {
  store: Store;
  timers: Timers;
  log: Logger;
  functions: ReadonlyMap<string, FnConfig>;
  activeRuns(): Iterable<RunRec>;
  createRun(fn: FnConfig, ev: EventRec, extra?: Partial<RunRec>): RunRec;
  skipRun(fn: FnConfig, ev: EventRec, reason: string, extra?: Partial<RunRec>): RunRec;
  cancelRun(runId: string, reason: string): boolean;
}

/**
 * Flow control between an event and a run, in the server's order: debounce and batchEvents hold
 * events back; idempotency and rateLimit skip runs; singleton skips the new run or cancels the
 * running one; throttle delays run starts (in the queue); timeouts cancel runs that wait too
 * long to start or to finish.
 */
export class FlowControl {
  private readonly buffers: Buffers;
  private readonly rateLimits: RateLimits;
  private readonly throttles = new Throttles();

  constructor(private readonly host: FlowHost) {
    this.buffers = new Buffers(host.store, host.timers, host.functions, (fn, events) => this.schedule(fn, events));
    this.rateLimits = new RateLimits(host.store);
  }

  /** An event (or a cron tick) triggers `fn`. */
  trigger(fn: FnConfig, ev: EventRec): void {
    if (this.buffers.hold(fn, ev)) return;
    this.schedule(fn, [ev]);
  }

  /** Create the run, unless a lossy limit or a singleton skips it. */
  schedule(fn: FnConfig, events: EventRec[]): RunRec {
    const ev = events[0]!;
    const extra: Partial<RunRec> = events.length > 1 ? { events } : {};
    const limited = this.rateLimits.check(fn, ev);
    if (limited) return this.host.skipRun(fn, ev, limited, extra);
    if (fn.singleton) {
      const key = `${fn.id}:${keyOf(fn.singleton.key, ev)}`;
      extra.singletonKey = key;
      for (const run of this.host.activeRuns()) {
        if (run.fnId !== fn.id || run.singletonKey !== key || TERMINAL.has(run.status)) continue;
        if (fn.singleton.mode === "skip") return this.host.skipRun(fn, ev, `singleton: run ${run.id} is still active`, extra);
        this.host.cancelRun(run.id, "singleton: replaced by a newer run");
      }
    }
    const run = this.host.createRun(fn, ev, extra);
    this.armStartTimeout(fn, run);
    return run;
  }

  /** Throttle, checked when a run's first request could be sent: undefined = go, else retry then. */
  claimStart(fn: FnConfig, run: RunRec): number | undefined {
    return this.throttles.claim(fn, run.event);
  }

  /** A run's first request is being sent. */
  started(fn: FnConfig, run: RunRec): void {
    this.host.timers.clear(run.id, "timeout:start");
    const ms = fn.timeouts?.finishMs;
    if (!ms) return;
    this.host.timers.set(run.id, "timeout:finish", (run.startedAt ?? Date.now()) + ms, () => {
      this.host.cancelRun(run.id, `timeouts.finish: not finished within ${fmtMs(ms)} of its start`);
    });
  }

  /** Re-arm held events and timeouts after a restart. */
  recover(): void {
    this.buffers.recover();
    for (const run of this.host.activeRuns()) {
      const fn = this.host.functions.get(run.fnId);
      if (!fn) continue;
      if (run.status === "queued") this.armStartTimeout(fn, run);
      else this.started(fn, run);
    }
  }

  private armStartTimeout(fn: FnConfig, run: RunRec): void {
    const ms = fn.timeouts?.startMs;
    if (!ms || run.status !== "queued") return;
    this.host.timers.set(run.id, "timeout:start", run.createdAt + ms, () => {
      if (run.status === "queued") this.host.cancelRun(run.id, `timeouts.start: not started within ${fmtMs(ms)}`);
    });
  }
}
