/** A session still "active" but silent for this long is flagged as possibly stuck. */
export const STALE_AFTER_MS = 15 * 60_000;

export function isStale(s: { status: string; updatedAt: Date }, now = Date.now()): boolean {
  return (s.status === "queued" || s.status === "processing") && now - s.updatedAt.getTime() > STALE_AFTER_MS;
}
