import { describe, expect, it } from "vitest";
import { planSpeechWindows } from "@/lib/transcription/local-windows";

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
