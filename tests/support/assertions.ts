import { expect } from "vitest";

/** The error a promise rejects with; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

/** Segments never go backwards and cover the recording from its first seconds to its end. */
export function expectMonotonicCoverage(segs: readonly { start: number; end: number }[], durationSec: number): void {
  for (let i = 0; i < segs.length; i++) {
    expect(segs[i]!.end).toBeGreaterThanOrEqual(segs[i]!.start);
    if (i > 0) expect(segs[i]!.start).toBeGreaterThanOrEqual(segs[i - 1]!.end);
  }
  expect(segs[0]!.start).toBeLessThan(5);
  expect(segs.at(-1)!.end).toBeGreaterThan(durationSec - 10);
  expect(segs.at(-1)!.end).toBeLessThanOrEqual(durationSec + 0.01);
}

/** Most steps whose [startedAt, endedAt] intervals overlap at one moment. */
export function maxOverlap(steps: Array<{ startedAt: string | null; endedAt: string | null }>): number {
  const points: Array<[number, number]> = [];
  for (const s of steps) {
    if (!s.startedAt || !s.endedAt) continue;
    points.push([Date.parse(s.startedAt), 1], [Date.parse(s.endedAt), -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (cur += d));
  return max;
}
