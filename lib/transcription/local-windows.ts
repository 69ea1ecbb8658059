/**
 * Where to cut 16 kHz PCM into model-sized windows. Moonshine's error rate rose
 * sharply for pieces over ~30 s and under ~12 s here, so windows aim for 15–28 s
 * and end inside a pause.
 */

export interface SpeechWindow {
  /** Sample range handed to the model. */
  from: number;
  to: number;
  /** Seconds, trimmed to the sound inside the window: what a segment reports. */
  voicedStart: number;
  voicedEnd: number;
}

export interface WindowOptions {
  sampleRate?: number;
  minSeconds?: number;
  maxSeconds?: number;
  /** A window holding nothing louder than this (dBFS) is not sent to the model. */
  silenceFloorDb?: number;
}

const FRAME_SEC = 0.02;
const MIN_PAUSE_FRAMES = 8; // 160 ms: shorter dips are inside words
const PAD_SEC = 0.1;

const ms = (sec: number) => Math.round(sec * 1000) / 1000;

function frameLevels(pcm: Float32Array, frameLen: number): Float64Array {
  const n = Math.ceil(pcm.length / frameLen);
  const db = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const a = f * frameLen;
    const b = Math.min(a + frameLen, pcm.length);
    let sum = 0;
    for (let i = a; i < b; i++) {
      const v = pcm[i] ?? 0;
      sum += v * v;
    }
    db[f] = 10 * Math.log10(sum / Math.max(1, b - a) + 1e-10);
  }
  return db;
}

function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return -100;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? -100;
}

/**
 * The level separating pause from sound, relative to this recording's own noise floor
 * and speech level, so quiet and noisy recordings both get cut at their pauses.
 */
function pauseThreshold(db: Float64Array): number {
  // A low percentile: dense speech may leave only a few percent of frames in pauses.
  const noise = percentile(db, 0.03);
  const speech = percentile(db, 0.95);
  // Capped below the speech level so audio without any pause still counts as sound.
  return Math.min(noise + Math.max(6, (speech - noise) * 0.25), speech - 10);
}

export function planWindows(pcm: Float32Array, options: WindowOptions = {}): SpeechWindow[] {
  const rate = options.sampleRate ?? 16_000;
  const minFrames = Math.round((options.minSeconds ?? 15) / FRAME_SEC);
  const maxFrames = Math.round((options.maxSeconds ?? 28) / FRAME_SEC);
  const floorDb = options.silenceFloorDb ?? -55;
  const frameLen = Math.round(rate * FRAME_SEC);
  const db = frameLevels(pcm, frameLen);
  const n = db.length;
  if (n === 0) return [];
  const threshold = pauseThreshold(db);
  const quiet = (f: number) => (db[f] ?? -100) <= threshold;

  const windows: SpeechWindow[] = [];
  let start = 0;
  while (start < n) {
    let end = n;
    if (n - start > maxFrames) {
      end = cutPoint(db, quiet, start + minFrames, start + maxFrames);
    }
    let first = -1;
    let last = -1;
    let loudest = -100;
    for (let f = start; f < end; f++) {
      const level = db[f] ?? -100;
      loudest = Math.max(loudest, level);
      if (!quiet(f)) {
        if (first < 0) first = f;
        last = f;
      }
    }
    if (first >= 0 && loudest > floorDb) {
      const dur = pcm.length / rate;
      windows.push({
        from: start * frameLen,
        to: Math.min(end * frameLen, pcm.length),
        voicedStart: ms(Math.max(start * FRAME_SEC, first * FRAME_SEC - PAD_SEC)),
        voicedEnd: ms(Math.min(end * FRAME_SEC, (last + 1) * FRAME_SEC + PAD_SEC, dur)),
      });
    }
    start = end;
  }
  return windows;
}

/**
 * Cuts one window again into shorter ones (each roughly a third to a half of it), for
 * a second decode when the model heard nothing in the whole: a different cut changes
 * what the model sees at the edges, which is what made it return nothing.
 */
export function recutWindow(pcm: Float32Array, w: SpeechWindow, options: WindowOptions = {}): SpeechWindow[] {
  const rate = options.sampleRate ?? 16_000;
  const seconds = (w.to - w.from) / rate;
  const offsetSec = w.from / rate;
  const parts = planWindows(pcm.subarray(w.from, w.to), {
    ...options,
    minSeconds: seconds * 0.3,
    maxSeconds: seconds * 0.55,
  });
  return parts.map((p) => ({
    from: w.from + p.from,
    to: w.from + p.to,
    voicedStart: ms(offsetSec + p.voicedStart),
    voicedEnd: ms(offsetSec + p.voicedEnd),
  }));
}

/** Samples handed to the model: the voiced part of a window and a margin, not the silence around it. */
export function voicedRange(w: SpeechWindow, marginSec: number, sampleRate = 16_000): { from: number; to: number } {
  return {
    from: Math.max(w.from, Math.floor((w.voicedStart - marginSec) * sampleRate)),
    to: Math.min(w.to, Math.ceil((w.voicedEnd + marginSec) * sampleRate)),
  };
}

/** Middle of the longest pause in [lo, hi); without one, the quietest frame there. */
function cutPoint(db: Float64Array, quiet: (f: number) => boolean, lo: number, hi: number): number {
  let bestLen = 0;
  let bestMid = -1;
  let runStart = -1;
  for (let f = lo; f <= hi; f++) {
    if (f < hi && quiet(f)) {
      if (runStart < 0) runStart = f;
      continue;
    }
    if (runStart >= 0) {
      const len = f - runStart;
      if (len >= MIN_PAUSE_FRAMES && len >= bestLen) {
        bestLen = len;
        bestMid = runStart + Math.floor(len / 2);
      }
      runStart = -1;
    }
  }
  if (bestMid > lo) return bestMid;
  let quietest = hi;
  for (let f = lo; f < hi; f++) if ((db[f] ?? 0) < (db[quietest] ?? 0)) quietest = f;
  return quietest;
}
