/**
 * GCRA (generic cell rate algorithm): requests are spaced `emissionMs` apart on average, and up to
 * `toleranceMs` ahead of that schedule is allowed (the burst). `tat` is the theoretical arrival
 * time of the next request; undefined is a fresh key.
 */
export function gcra(tat: number | undefined, now: number, emissionMs: number, toleranceMs: number): { allowed: boolean; tat: number; retryAt: number } {
  const current = Math.max(tat ?? now, now);
  if (current - now > toleranceMs) return { allowed: false, tat: current, retryAt: current - toleranceMs };
  return { allowed: true, tat: current + emissionMs, retryAt: now };
}
