import { evaluate } from "../expressions.js";
import type { Store } from "../store.js";
import type { Timers } from "../timers.js";
import type { EventRec, FnConfig } from "../types.js";
import { keyOf } from "./limits.js";

const OWNER = "flow";

type Schedule = (fn: FnConfig, events: EventRec[]) => void;

interface DebounceMark {
  fnId: string;
  eventId: string;
  firstAt: number;
  fireAt: number;
}

interface BatchMark {
  fnId: string;
  ids: string[];
  firstAt: number;
}

/**
 * Events held back before a run: `debounce` keeps the last event per key and restarts the wait
 * with each new one (`timeout` caps the total wait); `batchEvents` collects up to `maxSize` events
 * per key, or what arrived within `timeout` of the first. Both are journaled (marks), so a restart
 * loses no held event.
 */
export class Buffers {
  constructor(
    private readonly store: Store,
    private readonly timers: Timers,
    private readonly functions: ReadonlyMap<string, FnConfig>,
    private readonly schedule: Schedule,
  ) {}

  /** True when the event was taken (debounced or batched); false: schedule it now. */
  hold(fn: FnConfig, ev: EventRec, now = Date.now()): boolean {
    if (fn.debounce) {
      const mark = `debounce:${fn.id}:${keyOf(fn.debounce.key, ev)}`;
      const prev = this.store.marks.get(mark) as DebounceMark | undefined;
      const firstAt = prev?.firstAt ?? now;
      let fireAt = now + fn.debounce.periodMs;
      if (fn.debounce.timeoutMs !== undefined) fireAt = Math.min(fireAt, firstAt + fn.debounce.timeoutMs);
      const m: DebounceMark = { fnId: fn.id, eventId: ev.id, firstAt, fireAt };
      this.store.putMark(mark, m);
      this.armDebounce(mark, m);
      return true;
    }
    const b = fn.batchEvents;
    if (b && evaluate(b.if, { event: ev })) {
      const mark = `batch:${fn.id}:${keyOf(b.key, ev)}`;
      const prev = this.store.marks.get(mark) as BatchMark | undefined;
      const m: BatchMark = { fnId: fn.id, ids: [...(prev?.ids ?? []), ev.id], firstAt: prev?.firstAt ?? now };
      if (m.ids.length >= b.maxSize) {
        this.flushBatch(mark, m);
        return true;
      }
      this.store.putMark(mark, m);
      if (!prev) this.timers.set(OWNER, mark, m.firstAt + b.timeoutMs, () => this.flushBatch(mark));
      return true;
    }
    return false;
  }

  /** Re-arm what the journal holds (at start). */
  recover(): void {
    for (const [mark, value] of this.store.marks) {
      if (mark.startsWith("debounce:")) this.armDebounce(mark, value as DebounceMark);
      else if (mark.startsWith("batch:")) {
        const m = value as BatchMark;
        const fn = this.functions.get(m.fnId);
        this.timers.set(OWNER, mark, m.firstAt + (fn?.batchEvents?.timeoutMs ?? 0), () => this.flushBatch(mark));
      }
    }
  }

  private armDebounce(mark: string, m: DebounceMark): void {
    this.timers.set(OWNER, mark, m.fireAt, () => {
      const cur = this.store.marks.get(mark) as DebounceMark | undefined;
      if (!cur || cur.eventId !== m.eventId) return;
      this.store.putMark(mark, undefined);
      const fn = this.functions.get(m.fnId);
      const ev = this.store.events.get(m.eventId);
      if (fn && ev) this.schedule(fn, [ev]);
    });
  }

  private flushBatch(mark: string, given?: BatchMark): void {
    const m = given ?? (this.store.marks.get(mark) as BatchMark | undefined);
    this.timers.clear(OWNER, mark);
    this.store.putMark(mark, undefined);
    if (!m) return;
    const fn = this.functions.get(m.fnId);
    const events = m.ids.map((id) => this.store.events.get(id)).filter((e): e is EventRec => !!e);
    if (fn && events.length) this.schedule(fn, events);
  }
}
