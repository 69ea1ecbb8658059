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

type Run = { start: number; end: number };

/** Cost of one window covering `first..last`, after a pause of `gapBefore` s (see SpeechWindowPlanner). */
function windowCost(first: Run, last: Run, gapBefore: number, minSec: number): number {
  const short = Math.max(0, minSec - (last.end - first.start));
  // One per window, a price for shortness, and a small reward for cutting in a long pause.
  return 1 + short * 0.25 - Math.min(gapBefore, 2) * 0.1;
}

/**
 * Windows from voice activity (Silero VAD), planned while the detector is still listening,
 * so the model can decode the first windows of a part while the VAD scans the rest (a
 * 10-minute part otherwise sat with no progress for its whole decode and scan: 3–4 s idle,
 * 14–17 s on a loaded machine).
 *
 * Each window starts and ends at speech, with a small margin, and every cut falls in a
 * pause between speech, never inside it. Speech runs are gathered into windows of up to
 * `maxSeconds` (Moonshine's error rate rose sharply for pieces over ~30 s and under
 * ~12 s); a window never begins with the long silence that once made the model return
 * nothing, and stretches without speech are never sent to the model. A speech run longer
 * than a window (the VAD caps runs at 20 s, so only with a smaller `maxSeconds`) is split
 * evenly: the only cut that can land in speech.
 *
 * The cuts are chosen by dynamic programming over the runs: as few windows as possible,
 * none much shorter than `minSeconds` when that can be avoided, cuts in the longer pauses
 * (a greedy fill left a 3 s tail window after a 24 s one on the 28 s LibriVox clip, and
 * WER went from 2.8 % to 15 %). The DP is incremental, and a cut is handed out only once
 * it is settled: when the optimal plan up to every boundary that a later window could
 * still start at passes through it. Later speech can only end after the detector's
 * frontier (less `pendingSec`), so a window reaching it starts within one window of the
 * frontier; the plan handed out piece by piece is therefore the plan of the whole.
 */
export class SpeechWindowPlanner {
  private readonly rate: number;
  private readonly margin: number;
  private readonly room: number;
  private readonly minSec: number;
  private readonly pendingSec: number;
  /** Runs from the last settled cut on, split into pieces of at most `room` seconds. */
  private runs: Run[] = [];
  /** cost[j]: best plan of runs[0..j); from[j]: where its last window starts. */
  private cost: number[] = [0];
  private from: number[] = [-1];
  /** Speech end of the window handed out last (its margin and the next one's meet halfway). */
  private prevEnd: number | undefined;

  constructor(options: SpeechWindowOptions & { pendingSec?: number } = {}) {
    this.rate = options.sampleRate ?? 16_000;
    this.margin = options.marginSec ?? 0.2;
    this.room = (options.maxSeconds ?? 30) - 2 * this.margin;
    this.minSec = options.minSeconds ?? 12;
    // The VAD holds back a segment until 0.25 s of silence follows it, and one 32 ms frame.
    this.pendingSec = options.pendingSec ?? 1;
  }

  /**
   * Seconds before which every window has been handed out, with the detector at
   * `frontierSec`: up to the first run still waiting, or, with none waiting, up to where a
   * segment the detector is still hearing could have begun (it caps them at
   * `maxRunSec`). Audio before it is either in a window or silence.
   */
  handedOutUntil(frontierSec: number, maxRunSec: number): number {
    const first = this.runs[0];
    const t = first ? first.start : frontierSec - this.pendingSec - maxRunSec;
    return Math.max(0, t - this.margin);
  }

  /**
   * Adds speech (sorted, after everything added before) found up to `frontierSec`;
   * returns the windows that no later speech can change. `availableSamples` is how much
   * audio is in memory: no window reaches past it.
   */
  add(speech: readonly Run[], frontierSec: number, availableSamples: number): SpeechWindow[] {
    for (const s of speech) this.push(s);
    return this.settle(frontierSec, availableSamples);
  }

  /** The audio has ended at `totalSamples`: adds the last speech and returns every window left. */
  finish(speech: readonly Run[], totalSamples: number): SpeechWindow[] {
    const durationSec = totalSamples / this.rate;
    for (const s of speech) this.push({ start: s.start, end: Math.min(durationSec, s.end) });
    const n = this.runs.length;
    if (n === 0) return [];
    const windows = this.handOut(this.pathTo(n), totalSamples, durationSec);
    this.runs = [];
    this.cost = [0];
    this.from = [-1];
    return windows;
  }

  private push(s: Run): void {
    const last = this.runs.at(-1)?.end ?? this.prevEnd ?? 0;
    // Sorted and disjoint: a run that overlapped the previous one keeps only what is new.
    const start = Math.max(0, s.start, last);
    const end = s.end;
    if (!(end > start)) return;
    const pieces = Math.ceil((end - start) / this.room);
    for (let k = 0; k < pieces; k++) {
      this.runs.push({ start: start + ((end - start) * k) / pieces, end: start + ((end - start) * (k + 1)) / pieces });
      this.extend();
    }
  }

  /** One more step of the DP, for the run just pushed. */
  private extend(): void {
    const runs = this.runs;
    const j = runs.length;
    const last = runs[j - 1]!;
    let best = Infinity;
    let bestFrom = -1;
    for (let i = j - 1; i >= 0; i--) {
      const first = runs[i]!;
      if (last.end - first.start > this.room && i < j - 1) break;
      const before = i > 0 ? runs[i - 1]!.end : this.prevEnd;
      const c = this.cost[i]! + windowCost(first, last, before === undefined ? 0 : first.start - before, this.minSec);
      if (c < best) {
        best = c;
        bestFrom = i;
      }
    }
    this.cost[j] = best;
    this.from[j] = bestFrom;
  }

  /** Boundaries of the best plan of runs[0..j), ascending, from 0 to j. */
  private pathTo(j: number): number[] {
    const out: number[] = [];
    for (let k = j; k > 0; k = this.from[k]!) out.push(k);
    out.push(0);
    return out.reverse();
  }

  private settle(frontierSec: number, availableSamples: number): SpeechWindow[] {
    const runs = this.runs;
    const n = runs.length;
    if (n < 2) return [];
    // Every later run ends after `reach`; a window holding it and runs[i] starts at runs[i].
    const reach = frontierSec - this.pendingSec;
    let first = n;
    while (first > 0 && runs[first - 1]!.start >= reach - this.room) first--;
    if (first === 0) return [];
    // The cut shared by the best plans to every boundary in [first, n].
    let common = new Set(this.pathTo(n));
    for (let c = first; c < n && common.size > 1; c++) {
      const mine = new Set(this.pathTo(c));
      common = new Set([...common].filter((b) => mine.has(b)));
    }
    // Not n itself: the margin of the window before it depends on where the next speech starts.
    const cut = Math.max(...[...common].filter((b) => b < n));
    if (cut <= 0) return [];
    const windows = this.handOut(this.pathTo(cut), availableSamples, Infinity, runs[cut]!.start);
    // The DP again from the cut: every plan still to come starts there.
    const rest = runs.slice(cut);
    this.runs = [];
    this.cost = [0];
    this.from = [-1];
    for (const r of rest) {
      this.runs.push(r);
      this.extend();
    }
    return windows;
  }

  /** The windows of a path of boundaries (ascending, from 0), with their margins; forgets those runs. */
  private handOut(path: number[], maxSamples: number, durationSec: number, nextStart?: number): SpeechWindow[] {
    const groups: Run[] = [];
    for (let k = 1; k < path.length; k++) {
      groups.push({ start: this.runs[path[k - 1]!]!.start, end: this.runs[path[k]! - 1]!.end });
    }
    const out = groups.map((g, i) => {
      // Margins stop halfway to the neighbouring window, so windows never overlap.
      const prevEnd = i > 0 ? groups[i - 1]!.end : this.prevEnd;
      const next = i + 1 < groups.length ? groups[i + 1]!.start : nextStart;
      const lo = Math.max(0, g.start - this.margin, prevEnd === undefined ? 0 : (prevEnd + g.start) / 2);
      const hi = Math.min(durationSec, g.end + this.margin, next === undefined ? durationSec : (g.end + next) / 2);
      return {
        from: Math.max(0, Math.floor(lo * this.rate)),
        to: Math.min(maxSamples, Math.ceil(hi * this.rate)),
        voicedStart: ms(g.start),
        voicedEnd: ms(g.end),
      };
    });
    if (groups.length) this.prevEnd = groups.at(-1)!.end;
    return out;
  }
}

/** The windows of a whole part's speech at once (see SpeechWindowPlanner). */
export function planSpeechWindows(
  speech: ReadonlyArray<{ start: number; end: number }>,
  totalSamples: number,
  options: SpeechWindowOptions = {},
): SpeechWindow[] {
  const sorted = [...speech].sort((a, b) => a.start - b.start);
  return new SpeechWindowPlanner(options).finish(sorted, totalSamples);
}
