import pLimit from "p-limit";
import PQueue from "p-queue";

/**
 * The app's concurrency limits: p-limit for a batch of items, p-queue where waiting
 * calls from many callers must start in priority order.
 */

/**
 * fn over every item, at most `concurrency` at a time; results in item order.
 * After the first failure nothing more starts: the result is lost anyway, and
 * each further call (a paid request, an ffmpeg run) would be wasted.
 */
export function mapLimited<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = pLimit(Math.max(1, concurrency));
  let failed: unknown;
  return Promise.all(
    items.map((item, i) =>
      limit(async () => {
        // Checked inside the limited call: p-limit starts the next one before a caller's catch could run.
        if (failed !== undefined) throw failed;
        try {
          return await fn(item, i);
        } catch (err) {
          failed ??= err;
          throw err;
        }
      }),
    ),
  );
}

/**
 * A process-wide queue that starts the most urgent waiting call first (p-queue),
 * for work that holds a scarce slot for long (the local model's decodes).
 */
export function createPriorityQueue(concurrency: number): PQueue {
  return new PQueue({ concurrency: Math.max(1, Math.floor(concurrency)) });
}

export interface QueuedOptions {
  /**
   * Seconds this call may jump ahead of calls queued at the same moment, as the
   * engine reads `priority.run`: a call queued t seconds earlier with t less
   * priority is level with it. Ageing, not a strict rank, so a stream of short
   * clips delays a long recording's parts by at most their head start, never forever.
   */
  priority?: number;
  /**
   * Aborted while the call waits (for its first turn or, after yielding, its next): it
   * leaves the queue at once, rejecting with the signal's reason. While it holds the slot
   * the task itself decides how to stop, and keeps the slot until it has, so the CPU is
   * never oversubscribed.
   */
  signal?: AbortSignal;
  /** The clock, in ms (tests). */
  now?: () => number;
}

/** What a queued task holds while it runs. */
export interface Turn {
  /**
   * Between two units of work (the local model: windows): when a more urgent call is
   * waiting, hands it this slot and waits for the slot back, ahead of the calls queued
   * after this one. A short clip then waits for one window of a long part, not the whole
   * part. Rejects when the call is aborted while it waits.
   */
  yieldToUrgent(): Promise<void>;
}

/** The calls waiting on each queue, with the priority they wait at. */
const waiting = new WeakMap<PQueue, Set<{ priority: number }>>();

export function runQueued<T>(queue: PQueue, task: (turn: Turn) => Promise<T>, options: QueuedOptions = {}): Promise<T> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  // p-queue starts the highest number first, and equal numbers in arrival order.
  const priority = (options.priority ?? 0) - (options.now ?? Date.now)() / 1000;
  let waiters = waiting.get(queue);
  if (!waiters) waiting.set(queue, (waiters = new Set()));
  const others = waiters;

  /** Waits for the slot (at `at`); resolves with the function that gives it back. */
  const take = (at: number) =>
    new Promise<() => void>((resolve, reject) => {
      // p-queue's own signal also rejects a running call and frees its slot before the task
      // has stopped; this one aborts only while the call still waits.
      const whileWaiting = new AbortController();
      const onAbort = () => whileWaiting.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const me = { priority: at };
      others.add(me);
      const settle = () => {
        others.delete(me);
        signal?.removeEventListener("abort", onAbort);
      };
      queue
        .add(
          () =>
            new Promise<void>((giveBack) => {
              settle();
              resolve(giveBack);
            }),
          { priority: at, signal: whileWaiting.signal },
        )
        .catch((err: unknown) => {
          settle();
          reject(err as Error);
        });
    });

  return take(priority).then(async (first) => {
    let giveBack = first;
    const turn: Turn = {
      async yieldToUrgent() {
        if (![...others].some((w) => w.priority > priority)) return;
        giveBack();
        giveBack = () => {};
        // A millisecond ahead of its own priority: back before calls queued in the same millisecond.
        giveBack = await take(priority + 0.001);
      },
    };
    try {
      return await task(turn);
    } finally {
      giveBack();
    }
  });
}
