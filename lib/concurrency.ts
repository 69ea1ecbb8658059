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
   * Aborted while the call waits: it leaves the queue at once (rejecting with the
   * signal's reason) and never starts. Once started, the task itself decides how to
   * stop, and it keeps its slot until it has, so the CPU is never oversubscribed.
   */
  signal?: AbortSignal;
  /** The clock, in ms (tests). */
  now?: () => number;
}

export function runQueued<T>(queue: PQueue, task: () => Promise<T>, options: QueuedOptions = {}): Promise<T> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  // p-queue's own signal also rejects a running call and frees its slot before the task
  // has stopped; this one aborts only while the call still waits.
  const whileQueued = new AbortController();
  let started = false;
  const onAbort = () => {
    if (!started) whileQueued.abort(signal?.reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const enqueuedSec = (options.now ?? Date.now)() / 1000;
  return queue
    .add(
      () => {
        started = true;
        return task();
      },
      // p-queue starts the highest number first, and equal numbers in arrival order.
      { priority: (options.priority ?? 0) - enqueuedSec, signal: whileQueued.signal },
    )
    .finally(() => signal?.removeEventListener("abort", onAbort));
}
