import pLimit, { type LimitFunction } from "p-limit";

/**
 * The one concurrency limiter of the app is p-limit; these are the two ways it is used.
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
 * Runs `task` through a p-limit queue; a call aborted while it still waits
 * leaves at once (rejecting with the signal's reason) and never starts. Once
 * started, the task itself decides how to stop.
 */
export function runLimited<T>(limit: LimitFunction, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  let started = false;
  const run = limit(() => {
    started = true;
    signal?.throwIfAborted();
    return task();
  });
  if (!signal) return run;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      if (!started) reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    run.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
