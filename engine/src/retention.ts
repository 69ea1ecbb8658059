import type { Store } from "./store.js";
import { TERMINAL } from "./types.js";
import { fmtMs, type Logger } from "./util.js";

export interface RetentionOptions {
  /** Finished runs (with their steps) and events older than this are dropped. */
  historyMs: number;
  /** At most this many finished runs are kept (the oldest go first); events: 3× this. */
  historyMaxRuns: number;
  /** Compact once the journal has grown past max(this, 2 × its size after the last compaction). */
  compactBytes: number;
  log: Logger;
}

/** Each finished run leaves its trigger and one or two lifecycle events (finished, failed/cancelled). */
const EVENTS_PER_RUN = 3;

/**
 * Bounded history: finished runs, their steps and events past the retention or beyond the count are
 * dropped from memory, and the journal is compacted while the engine runs once it has grown, so both
 * stay flat however many runs go through. Unfinished runs, the events they were started by and events
 * a flow-control buffer still holds (debounce, batch) are never dropped.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly opts: RetentionOptions,
  ) {}

  start(): void {
    const every = Math.min(60_000, Math.max(250, Math.floor(this.opts.historyMs / 4)));
    let last = 0;
    // A sweep every `every`, and sooner (checked each second, cheaply) when the run count or the
    // journal is already over its bound, so a busy engine does not overshoot by a minute of runs.
    const tick = () => {
      if (this.stopped) return;
      const now = Date.now();
      const over =
        this.store.runs.size > this.opts.historyMaxRuns + Math.ceil(this.opts.historyMaxRuns / 20) ||
        this.store.bytes > Math.max(this.opts.compactBytes, 2 * this.store.bytesAfterCompact);
      if (over || now - last >= every) {
        last = now;
        this.sweep(now);
      }
      this.timer = setTimeout(tick, Math.min(every, 1_000));
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Drop what is past the retention; compact if the journal has grown. Returns what was dropped. */
  sweep(now = Date.now()): { runs: number; events: number; compacted: boolean } {
    const cutoff = now - this.opts.historyMs;
    const finished: Array<{ id: string; endedAt: number }> = [];
    const keepEvents = new Set<string>();
    let runs = 0;
    for (const run of this.store.runs.values()) {
      if (!TERMINAL.has(run.status)) {
        for (const ev of run.events) keepEvents.add(ev.id);
        continue;
      }
      const endedAt = run.endedAt ?? run.createdAt;
      if (endedAt < cutoff) {
        this.store.dropRun(run.id);
        runs++;
      } else finished.push({ id: run.id, endedAt });
    }
    if (finished.length > this.opts.historyMaxRuns) {
      finished.sort((a, b) => a.endedAt - b.endedAt);
      for (const r of finished.slice(0, finished.length - this.opts.historyMaxRuns)) {
        this.store.dropRun(r.id);
        runs++;
      }
    }
    for (const value of this.store.marks.values()) {
      const m = value as { eventId?: unknown; ids?: unknown } | null;
      if (typeof m?.eventId === "string") keepEvents.add(m.eventId);
      if (Array.isArray(m?.ids)) for (const id of m.ids) if (typeof id === "string") keepEvents.add(id);
    }
    let events = 0;
    const maxEvents = this.opts.historyMaxRuns * EVENTS_PER_RUN;
    let excess = this.store.events.size - maxEvents;
    // Events are kept in arrival order: the oldest come first.
    for (const ev of this.store.events.values()) {
      if (keepEvents.has(ev.id)) continue;
      if (ev.receivedAt < cutoff || excess > 0) {
        this.store.dropEvent(ev.id);
        events++;
        excess--;
      } else if (excess <= 0) break;
    }
    let compacted = false;
    if (this.store.bytes > Math.max(this.opts.compactBytes, 2 * this.store.bytesAfterCompact)) {
      const before = this.store.bytes;
      const t0 = Date.now();
      this.store.compact();
      compacted = true;
      this.opts.log(`journal compacted: ${mb(before)} → ${mb(this.store.bytes)} in ${fmtMs(Date.now() - t0)}`);
    }
    return { runs, events, compacted };
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}
