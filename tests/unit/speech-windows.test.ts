import { describe, expect, it } from "vitest";
import { planSpeechWindows, SpeechWindowPlanner, type SpeechWindow } from "@/lib/transcription/local-windows";
import { rng } from "../support/random";

const RATE = 16_000;
const sec = (samples: number) => samples / RATE;

describe("planSpeechWindows", () => {
  const speech = [
    { start: 0.5, end: 6 },
    { start: 6.4, end: 14 },
    { start: 16, end: 25 },
    { start: 25.5, end: 33 },
    { start: 36, end: 44 },
    { start: 44.3, end: 58 },
  ];
  const total = 60 * RATE;
  const windows = planSpeechWindows(speech, total, { sampleRate: RATE });

  it("keeps every window at most 30 s, in order, without overlap", () => {
    expect(windows.length).toBeGreaterThan(1);
    for (const w of windows) expect(sec(w.to - w.from)).toBeLessThanOrEqual(30.001);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toBeGreaterThanOrEqual(windows[i - 1]!.to);
  });

  it("starts and ends each window at speech, with a small margin, and never cuts inside speech", () => {
    for (const w of windows) {
      expect(speech.some((s) => Math.abs(s.start - w.voicedStart) < 1e-6)).toBe(true);
      expect(speech.some((s) => Math.abs(s.end - w.voicedEnd) < 1e-6)).toBe(true);
      expect(w.voicedStart - sec(w.from)).toBeLessThanOrEqual(0.2 + 1e-3);
      expect(sec(w.to) - w.voicedEnd).toBeLessThanOrEqual(0.2 + 1e-3);
      for (const s of speech) {
        const inside = s.start < sec(w.to) && s.end > sec(w.from);
        if (inside) {
          expect(s.start).toBeGreaterThanOrEqual(sec(w.from) - 1e-6);
          expect(s.end).toBeLessThanOrEqual(sec(w.to) + 1e-6);
        }
      }
    }
  });

  it("prefers cuts in long pauses and avoids short tail windows", () => {
    // 49 s of speech fits in two windows; the cut goes in the 3 s pause (24 → 27), not a 0.3 s one,
    // and a greedy fill (24 s + 26 s would also fit, but so would 29 s + a 20 s tail) is not needed.
    const runs = [
      { start: 1, end: 8 },
      { start: 8.3, end: 15 },
      { start: 15.4, end: 24 },
      { start: 27, end: 35 },
      { start: 35.3, end: 50 },
    ];
    const w = planSpeechWindows(runs, 52 * RATE, { sampleRate: RATE });
    expect(w).toHaveLength(2);
    expect(w[0]!.voicedEnd).toBe(24);
    expect(w[1]!.voicedStart).toBe(27);
    // The 28 s LibriVox clip as the VAD sees it stays one window instead of 24 s + a 3 s tail.
    const clip = [
      { start: 0.222, end: 6.854 },
      { start: 8.126, end: 10.726 },
      { start: 11.934, end: 17.03 },
      { start: 18.078, end: 23.878 },
      { start: 24.894, end: 27.904 },
    ];
    expect(planSpeechWindows(clip, 27.93 * RATE, { sampleRate: RATE })).toHaveLength(1);
  });

  it("sends nothing to the model without speech", () => {
    expect(planSpeechWindows([], total, { sampleRate: RATE })).toEqual([]);
  });

  it("splits a speech run longer than a window evenly", () => {
    const w = planSpeechWindows([{ start: 0, end: 50 }], 50 * RATE, { sampleRate: RATE, maxSeconds: 30 });
    expect(w).toHaveLength(2);
    for (const x of w) expect(sec(x.to - x.from)).toBeLessThanOrEqual(30.001);
  });
});

/** Speech as Silero VAD reports it: runs of 0.3–20 s, pauses of 0.25–4 s, rounded to the millisecond. */
function vadLikeSpeech(seed: number, seconds: number): Array<{ start: number; end: number }> {
  const r = rng(seed);
  const out: Array<{ start: number; end: number }> = [];
  let t = r() * 2;
  while (t < seconds - 1) {
    const len = r() < 0.15 ? 0.3 + r() : 1 + r() * 19;
    const end = Math.min(seconds - 0.5, t + len);
    out.push({ start: Math.round(t * 1000) / 1000, end: Math.round(end * 1000) / 1000 });
    t = end + 0.25 + (r() < 0.1 ? r() * 40 : r() * r() * 4);
  }
  return out;
}

/**
 * Feeds speech the way the VAD finds it: the detector moves on in blocks of ~1 s and reports
 * a segment once 0.25 s of silence has followed it (a last one when the audio ends).
 */
function streamed(speech: Array<{ start: number; end: number }>, totalSamples: number) {
  const planner = new SpeechWindowPlanner({ sampleRate: RATE });
  const out: SpeechWindow[] = [];
  const handedOut: Array<{ at: number; until: number; count: number }> = [];
  let next = 0;
  for (let frontier = 1.024; frontier < totalSamples / RATE; frontier += 1.024) {
    const found: Array<{ start: number; end: number }> = [];
    while (next < speech.length && speech[next]!.end + 0.256 <= frontier) found.push(speech[next++]!);
    const available = Math.floor(frontier * RATE);
    for (const w of planner.add(found, frontier, available)) {
      expect(w.to).toBeLessThanOrEqual(available);
      out.push(w);
    }
    handedOut.push({ at: frontier, until: planner.handedOutUntil(frontier, 20), count: out.length });
  }
  out.push(...planner.finish(speech.slice(next), totalSamples));
  return { windows: out, handedOut };
}

describe("SpeechWindowPlanner while the VAD is still listening", () => {
  it("hands out the same windows as planning the whole part at once, long before the end", () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const total = 600 * RATE;
      const speech = vadLikeSpeech(seed, 600);
      const whole = planSpeechWindows(speech, total, { sampleRate: RATE });
      const { windows } = streamed(speech, total);
      expect(windows, `seed ${seed}`).toEqual(whole);
      expect(whole.length).toBeGreaterThan(10);
    }
  });

  it("settles the first windows within a few windows of audio", () => {
    const total = 600 * RATE;
    const speech = vadLikeSpeech(11, 600);
    const planner = new SpeechWindowPlanner({ sampleRate: RATE });
    let next = 0;
    let firstAt: number | undefined;
    for (let frontier = 1.024; frontier < 600 && firstAt === undefined; frontier += 1.024) {
      const found: Array<{ start: number; end: number }> = [];
      while (next < speech.length && speech[next]!.end + 0.256 <= frontier) found.push(speech[next++]!);
      if (planner.add(found, frontier, Math.floor(frontier * RATE)).length) firstAt = frontier;
    }
    expect(firstAt).toBeDefined();
    // The VAD scans 120 s in well under a second here; the model takes ~1 s per window.
    expect(firstAt!).toBeLessThan(speech[0]!.start + 4 * 30);
  });

  it("says how far everything is handed out, never past a window still to come", () => {
    const total = 600 * RATE;
    const speech = vadLikeSpeech(5, 600);
    const { windows, handedOut } = streamed(speech, total);
    // At every step, each window not yet handed out begins after the reported point.
    expect(handedOut.some((h) => h.until > 0)).toBe(true);
    for (const h of handedOut) {
      expect(h.until).toBeLessThanOrEqual(h.at);
      for (const w of windows.slice(h.count)) expect(w.from / RATE).toBeGreaterThanOrEqual(h.until - 1e-9);
    }
  });
});
