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

/**
 * Inside the preparing band, by measured work: probing is quick, finding speech decodes
 * the whole file once (share = seconds decoded), cutting is one encode per part.
 */
const PREPARE_PHASES = { probing: [0, 1], pauses: [1, 5], cutting: [5, 10] } as const;

export function preparingProgress(phase: keyof typeof PREPARE_PHASES, share: number): number {
  const [a, b] = PREPARE_PHASES[phase];
  const s = Number.isFinite(share) ? Math.max(0, Math.min(1, share)) : 0;
  return BANDS.preparing.from + a + s * (b - a);
}
