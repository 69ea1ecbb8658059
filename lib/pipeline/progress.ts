/**
 * Progress is measured, not invented: each stage owns a band, and inside the
 * transcription band progress is the share of audio seconds already transcribed.
 */
export const BANDS = {
  preparing: { from: 0, to: 10 },
  transcribing: { from: 10, to: 85 },
  analyzing: { from: 85, to: 95 },
  finalizing: { from: 95, to: 100 },
} as const;

export function transcribingProgress(secondsDone: number, durationSec: number): number {
  const share = durationSec > 0 ? Math.min(1, secondsDone / durationSec) : 1;
  return BANDS.transcribing.from + share * (BANDS.transcribing.to - BANDS.transcribing.from);
}
