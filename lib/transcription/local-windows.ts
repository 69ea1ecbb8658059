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

export interface SpeechWindowOptions {
  sampleRate?: number;
  /** Longest window handed to the model, margins included. */
  maxSeconds?: number;
  /** Windows shorter than this are avoided where the pauses allow (Moonshine's error rate rose below ~12 s). */
  minSeconds?: number;
  /** Sound kept before the first and after the last speech of a window. */
  marginSec?: number;
}

/**
 * Gathers speech runs into windows of at most `room` seconds, choosing the cuts (only
 * between runs) by dynamic programming: as few windows as possible, none much shorter
 * than `minSec` when that can be avoided, and cuts in the longer pauses. A greedy fill
 * left a 3 s tail window after a 24 s one on the 28 s LibriVox clip, and WER went from
 * 2.8 % to 15 %.
 */
function groupRuns(runs: ReadonlyArray<{ start: number; end: number }>, room: number, minSec: number): Array<{ start: number; end: number }> {
  const n = runs.length;
  if (n === 0) return [];
  const cost = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1).fill(-1);
  cost[0] = 0;
  for (let j = 1; j <= n; j++) {
    const last = runs[j - 1]!;
    for (let i = j - 1; i >= 0; i--) {
      const first = runs[i]!;
      const len = last.end - first.start;
      if (len > room && i < j - 1) break;
      const gapBefore = i > 0 ? first.start - runs[i - 1]!.end : 0;
      const short = Math.max(0, minSec - len);
      // One per window, a price for shortness, and a small reward for cutting in a long pause.
      const c = cost[i]! + 1 + short * 0.25 - Math.min(gapBefore, 2) * 0.1;
      if (c < cost[j]!) {
        cost[j] = c;
        from[j] = i;
      }
    }
  }
  const groups: Array<{ start: number; end: number }> = [];
  for (let j = n; j > 0; j = from[j]!) {
    const i = from[j]!;
    groups.push({ start: runs[i]!.start, end: runs[j - 1]!.end });
  }
  return groups.reverse();
}

/**
 * Windows from voice activity (Silero VAD): each starts and ends at speech, with a small
 * margin, and every cut falls in a pause between speech, never inside it. Speech runs are
 * gathered greedily into windows of up to `maxSeconds`, because Moonshine's error rate
 * rose sharply for pieces over ~30 s and under ~12 s; a window never begins with the long
 * silence that once made the model return nothing. Stretches without speech are never
 * sent to the model. A speech run longer than a window (the VAD caps runs at 20 s, so
 * only with a smaller `maxSeconds`) is split evenly: the only cut that can land in speech.
 */
export function planSpeechWindows(
  speech: ReadonlyArray<{ start: number; end: number }>,
  totalSamples: number,
  options: SpeechWindowOptions = {},
): SpeechWindow[] {
  const rate = options.sampleRate ?? 16_000;
  const maxSec = options.maxSeconds ?? 30;
  const margin = options.marginSec ?? 0.2;
  const durationSec = totalSamples / rate;
  const room = maxSec - 2 * margin;

  const runs: Array<{ start: number; end: number }> = [];
  for (const s of [...speech].sort((a, b) => a.start - b.start)) {
    const start = Math.max(0, s.start);
    const end = Math.min(durationSec, s.end);
    if (!(end > start)) continue;
    const pieces = Math.ceil((end - start) / room);
    for (let k = 0; k < pieces; k++) {
      runs.push({ start: start + ((end - start) * k) / pieces, end: start + ((end - start) * (k + 1)) / pieces });
    }
  }

  const groups = groupRuns(runs, room, options.minSeconds ?? 12);

  return groups.map((g, i) => {
    // Margins stop halfway to the neighbouring window, so windows never overlap.
    const prevEnd = groups[i - 1]?.end;
    const nextStart = groups[i + 1]?.start;
    const lo = Math.max(0, g.start - margin, prevEnd === undefined ? 0 : (prevEnd + g.start) / 2);
    const hi = Math.min(durationSec, g.end + margin, nextStart === undefined ? durationSec : (g.end + nextStart) / 2);
    return {
      from: Math.max(0, Math.floor(lo * rate)),
      to: Math.min(totalSamples, Math.ceil(hi * rate)),
      voicedStart: ms(g.start),
      voicedEnd: ms(g.end),
    };
  });
}
