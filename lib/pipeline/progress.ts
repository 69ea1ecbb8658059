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

/**
 * Progress while remote providers' parts are still being cut as the first ones transcribe:
 * each measured share counts by the width of its own band, so the bar is their sum — the
 * cutting band's missing share is held back from the transcription band's value. With every
 * part cut (always, for the local model's parts) this is transcribingProgress exactly. Both
 * shares only grow, so the bar never moves back, and neither is ever guessed.
 */
export function partsProgress(cutShare: number, secondsDone: number, durationSec: number): number {
  const [a, b] = PREPARE_PHASES.cutting;
  const cut = Number.isFinite(cutShare) ? Math.max(0, Math.min(1, cutShare)) : 0;
  return transcribingProgress(secondsDone, durationSec) - (1 - cut) * (b - a);
}
