import { Cron } from "croner";
import type { Store } from "./store.js";
import type { Timers } from "./timers.js";
import type { FnConfig } from "./types.js";
import { type Logger, parseDurationMs } from "./util.js";

export const SCHEDULED_EVENT = "inngest/scheduled.timer";

/** A parsed cron trigger: robfig/cron v3 syntax as Inngest reads it. */
export interface CronSchedule {
  /** The first tick strictly after `after` (epoch ms). */
  next(after: number): number | undefined;
  /** The last tick at or before `at`, if any after `since`. */
  latest(since: number, at: number): number | undefined;
}

// robfig's descriptors, spelled as 5-field expressions so every name means what robfig says.
const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/**
 * Parse `[TZ=Zone |CRON_TZ=Zone ]<5 fields | @descriptor | @every <duration>>`. Throws with a readable
 * message when it cannot be read (the sync turns that into a warning on the function).
 */
export function parseCron(expr: string): CronSchedule {
  let rest = expr.trim();
  let timezone: string | undefined;
  const tz = /^(?:CRON_)?TZ=(\S+)\s+(.*)$/.exec(rest);
  if (tz) {
    timezone = tz[1];
    rest = tz[2]!.trim();
  }
  const every = /^@every\s+(\S+)$/.exec(rest);
  if (every) {
    const ms = parseDurationMs(every[1]!);
    // robfig rounds @every to whole seconds, at least one.
    const step = ms === undefined ? undefined : Math.max(1000, Math.round(ms / 1000) * 1000);
    if (!step) throw new Error(`cannot read the duration of "${rest}"`);
    return {
      next: (after) => (Math.floor(after / step) + 1) * step,
      latest: (since, at) => {
        const t = Math.floor(at / step) * step;
        return t > since ? t : undefined;
      },
    };
  }
  const pattern = DESCRIPTORS[rest.toLowerCase()] ?? rest;
  if (pattern.startsWith("@")) throw new Error(`unknown descriptor "${rest}"`);
  const cron = new Cron(pattern, { timezone, paused: true, mode: "5-part" });
  cron.nextRun(); // an unknown time zone only shows when a date is computed
  return {
    next: (after) => cron.nextRun(new Date(after))?.getTime(),
    latest: (since, at) => {
      const t = cron.previousRuns(1, new Date(at + 1))[0]?.getTime();
      return t !== undefined && t > since ? t : undefined;
    },
  };
}

/** Check a cron trigger at sync time: a message when it cannot be scheduled. */
export function checkCron(expr: string): string | undefined {
  try {
    parseCron(expr);
    return undefined;
  } catch (e) {
    return `cron trigger "${expr}" cannot be read: ${(e as Error).message}`;
  }
}

interface Armed {
  fn: FnConfig;
  expr: string;
  schedule: CronSchedule;
  jitterMs: number;
}

const OWNER = "cron";

/**
 * Fires cron triggers. The last tick of each (function, expression) is journaled before its run is
 * created, so a restart never fires a tick twice; ticks missed while the engine was down fire once
 * at start.
 */
export class Crons {
  private readonly armed = new Map<string, Armed>();

  constructor(
    private readonly store: Store,
    private readonly timers: Timers,
    private readonly fire: (fn: FnConfig, expr: string, tickAt: number) => void,
    private readonly log: Logger,
  ) {}

  /** Arm the cron triggers of the current functions, disarm the ones that are gone. */
  reconcile(functions: Iterable<FnConfig>): void {
    const want = new Map<string, { fn: FnConfig; expr: string; jitter?: string }>();
    for (const fn of functions) {
      for (const t of fn.triggers) if (t.cron) want.set(markKey(fn.id, t.cron), { fn, expr: t.cron, jitter: t.jitter });
    }
    for (const [key, a] of this.armed) {
      if (!want.has(key)) {
        this.timers.clear(OWNER, key);
        this.armed.delete(key);
        this.store.putMark(key, undefined);
      } else a.fn = want.get(key)!.fn;
    }
    for (const [key, w] of want) {
      if (this.armed.has(key)) continue;
      let schedule: CronSchedule;
      try {
        schedule = parseCron(w.expr);
      } catch {
        continue; // already warned at sync
      }
      const a: Armed = { fn: w.fn, expr: w.expr, schedule, jitterMs: w.jitter ? (parseDurationMs(w.jitter) ?? 0) : 0 };
      this.armed.set(key, a);
      const now = Date.now();
      const last = this.store.marks.get(key) as number | undefined;
      if (last === undefined) this.store.putMark(key, now); // ticks count from when the trigger was first seen
      else {
        const missed = schedule.latest(last, now);
        if (missed !== undefined) {
          this.log(`cron ${w.fn.id} "${w.expr}": tick of ${new Date(missed).toISOString()} missed while down; firing once`);
          this.tick(key, a, missed);
          continue;
        }
      }
      this.armNext(key, a);
    }
  }

  private armNext(key: string, a: Armed): void {
    const last = (this.store.marks.get(key) as number | undefined) ?? Date.now();
    const next = a.schedule.next(Math.max(last, Date.now() - 1));
    if (next === undefined) return;
    const jitter = a.jitterMs > 0 ? Math.floor(Math.random() * a.jitterMs) : 0;
    this.timers.set(OWNER, key, next + jitter, () => this.tick(key, a, next));
  }

  private tick(key: string, a: Armed, tickAt: number): void {
    if (this.armed.get(key) !== a) return;
    this.store.putMark(key, tickAt);
    this.fire(a.fn, a.expr, tickAt);
    this.armNext(key, a);
  }
}

const markKey = (fnId: string, expr: string) => `cron:${fnId}:${expr}`;
