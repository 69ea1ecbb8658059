import type { SessionRow } from "@/db/schema";

/** Inngest clamps priority.run to ±12 h (in seconds). */
export const MAX_PRIORITY = 43_200;
/** Recordings shorter than this get ahead of longer ones; past it all are equal. */
const HORIZON_SEC = 4 * 3600;
/** A rough bitrate for a recording whose duration is not known yet (~128 kbit/s). */
const BYTES_PER_SECOND_GUESS = 16_000;

export type RunOrderInput = Pick<SessionRow, "urgent" | "durationSec" | "fileSize">;

/**
 * Where a run goes in the queue, as priority.run reads it: seconds it may jump
 * ahead of runs queued at the same time. Shorter first (a 30 s clip is 40 minutes
 * ahead of a 40-minute recording) and urgent before all. Never negative: a negative
 * factor would hold a run back even on an idle queue. The duration comes from the
 * probe once known, else from the file size.
 */
export function runPriority(s: RunOrderInput): number {
  if (s.urgent) return MAX_PRIORITY;
  const seconds = s.durationSec ?? s.fileSize / BYTES_PER_SECOND_GUESS;
  return Math.max(0, Math.round(HORIZON_SEC - seconds));
}
