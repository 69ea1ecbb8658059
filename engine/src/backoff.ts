export interface BackoffOptions {
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** When set, every retry waits this long instead (the dev server's --retry-interval, for tests). */
  retryIntervalMs?: number;
}

/**
 * Delay before the next attempt: the app's `retry-after` (seconds or a date) when it sent one,
 * otherwise exponential from the base with ±25 % jitter, capped.
 */
export function backoffMs(opts: BackoffOptions, attempt: number, headers?: Record<string, string>): number {
  const ra = headers?.["retry-after"];
  if (ra) {
    const secs = Number(ra);
    if (!Number.isNaN(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  if (opts.retryIntervalMs) return opts.retryIntervalMs;
  const base = opts.backoffBaseMs * 2 ** attempt;
  const jitter = base * (0.75 + Math.random() * 0.5);
  return Math.min(opts.backoffMaxMs, Math.round(jitter));
}
