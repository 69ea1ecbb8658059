import { describe, expect, it } from "vitest";
import { estimateChunkBytes, planChunks, type Chunk } from "@/lib/audio/chunks";
import type { Silence } from "@/lib/audio/silence";
import { createSilenceParser } from "@/lib/audio/silence";
import { planWindows } from "@/lib/transcription/local-windows";
import { rng } from "../support/random";

function randomSilences(rand: () => number, duration: number): Silence[] {
  const out: Silence[] = [];
  let t = rand() * 5;
  while (t < duration) {
    const len = 0.4 + rand() * (rand() < 0.1 ? 30 : 2);
    out.push({ start: t, end: Math.min(duration, t + len) });
    t += len + rand() * (rand() < 0.2 ? 900 : 40);
  }
  return out;
}

function expectValidPlan(chunks: Chunk[], duration: number, max: number): void {
  expect(chunks.length).toBeGreaterThan(0);
  expect(chunks[0]?.start).toBe(0);
  expect(chunks.at(-1)?.end).toBe(duration);
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(c.end).toBeGreaterThan(c.start);
    expect(c.end - c.start).toBeLessThanOrEqual(max + 1e-6);
    if (i > 0) expect(c.start).toBe(chunks[i - 1]?.end);
  });
}

describe("planChunks", () => {
  it("keeps a short recording whole", () => {
    expect(planChunks(42.5, [], { maxSeconds: 600 })).toEqual([{ index: 0, start: 0, end: 42.5 }]);
    expect(planChunks(600, [], { maxSeconds: 600 })).toEqual([{ index: 0, start: 0, end: 600 }]);
  });

  it("returns nothing for zero or invalid durations", () => {
    expect(planChunks(0, [], { maxSeconds: 600 })).toEqual([]);
    expect(planChunks(Number.NaN, [], { maxSeconds: 600 })).toEqual([]);
  });

  it("rejects a non-positive limit", () => {
    expect(() => planChunks(10, [], { maxSeconds: 0 })).toThrow(RangeError);
  });

  it("hard-cuts at the limit when there is no pause", () => {
    const chunks = planChunks(1500, [], { maxSeconds: 600 });
    expect(chunks.map((c) => [c.start, c.end])).toEqual([
      [0, 600],
      [600, 1200],
      [1200, 1500],
    ]);
  });

  it("cuts in the middle of the longest pause in the last 20% before the limit", () => {
    const silences = [
      { start: 300, end: 310 }, // too early: outside the search window
      { start: 500, end: 501 },
      { start: 550, end: 554 }, // longest within [480, 600]
      { start: 590, end: 591 },
    ];
    const chunks = planChunks(1000, silences, { maxSeconds: 600 });
    expect(chunks[0]).toEqual({ index: 0, start: 0, end: 552 });
    expect(chunks[1]).toEqual({ index: 1, start: 552, end: 1000 });
  });

  it("only counts the part of a pause that lies inside the search window", () => {
    // 20 s of this pause lies before 480 s; inside the window it is 2 s long, shorter than the other.
    const chunks = planChunks(1000, [{ start: 460, end: 482 }, { start: 560, end: 563 }], { maxSeconds: 600 });
    expect(chunks[0]?.end).toBe(561.5);
  });

  it("never cuts beyond the limit even if a pause straddles it", () => {
    const chunks = planChunks(1000, [{ start: 590, end: 640 }], { maxSeconds: 600 });
    expect(chunks[0]?.end).toBe(595);
  });

  it("aims at targetSeconds when it is below the limit", () => {
    const chunks = planChunks(100, [{ start: 26, end: 27 }], { maxSeconds: 30, targetSeconds: 28 });
    expect(chunks[0]?.end).toBe(26.5);
    expectValidPlan(chunks, 100, 30);
  });

  it("ignores unsorted and empty silences", () => {
    const chunks = planChunks(1300, [{ start: 1190, end: 1195 }, { start: 550, end: 550 }, { start: 570, end: 572 }], {
      maxSeconds: 600,
    });
    expect(chunks.map((c) => c.end)).toEqual([571, 1171, 1300]);
  });

  it("holds its properties for random recordings (coverage, contiguity, limits)", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = rng(seed);
      const duration = 1 + rand() * 4 * 3600;
      const max = [30, 120, 600, 1400][seed % 4] ?? 600;
      const silences = randomSilences(rand, duration);
      const chunks = planChunks(duration, silences, { maxSeconds: max });
      expectValidPlan(chunks, duration, max);
      // Every cut but the last is either the limit or inside a pause.
      for (const c of chunks.slice(0, -1)) {
        const hard = Math.abs(c.end - c.start - max) < 1e-6;
        const inPause = silences.some((s) => s.start <= c.end && c.end <= s.end);
        expect(hard || inPause, `seed ${seed}: cut at ${c.end}`).toBe(true);
        expect(c.end - c.start).toBeGreaterThanOrEqual(max * 0.8 - 1e-6);
      }
    }
  });
});

describe("estimateChunkBytes", () => {
  it("puts a 10-minute chunk at about 2 MB, well under a 25 MB provider limit", () => {
    const bytes = estimateChunkBytes(600);
    expect(bytes).toBeGreaterThan(1_800_000);
    expect(bytes).toBeLessThan(2_500_000);
  });
});

describe("createSilenceParser", () => {
  it("pairs starts and ends and closes a trailing silence at the duration", () => {
    const p = createSilenceParser();
    for (const line of [
      "[silencedetect @ 0x1] silence_start: 1.5",
      "size=N/A time=00:00:02.00 bitrate=N/A",
      "[silencedetect @ 0x1] silence_end: 2.25 | silence_duration: 0.75",
      "[silencedetect @ 0x1] silence_start: -0.01",
      "[silencedetect @ 0x1] silence_end: 0.5 | silence_duration: 0.51",
      "[silencedetect @ 0x1] silence_start: 9",
    ]) {
      p.push(line);
    }
    expect(p.finish(10)).toEqual([
      { start: 1.5, end: 2.25 },
      { start: 0, end: 0.5 },
      { start: 9, end: 10 },
    ]);
  });
});

describe("planWindows (model windows over PCM)", () => {
  const rate = 16_000;
  /** Tone bursts (speech stand-ins) separated by quiet gaps. */
  function synth(parts: Array<[seconds: number, loud: boolean]>): Float32Array {
    const total = parts.reduce((s, [sec]) => s + sec, 0);
    const pcm = new Float32Array(Math.round(total * rate));
    let i = 0;
    for (const [sec, loud] of parts) {
      const n = Math.round(sec * rate);
      for (let k = 0; k < n; k++, i++) pcm[i] = loud ? 0.3 * Math.sin((2 * Math.PI * 220 * k) / rate) : 0.0005;
    }
    return pcm;
  }

  it("returns no window for digital silence", () => {
    expect(planWindows(new Float32Array(5 * rate))).toEqual([]);
  });

  it("cuts long audio at pauses into windows between 15 and 28 s", () => {
    const parts: Array<[number, boolean]> = [];
    for (let k = 0; k < 12; k++) parts.push([6, true], [0.6, false]);
    const pcm = synth(parts);
    const windows = planWindows(pcm);
    expect(windows.length).toBeGreaterThan(1);
    let prev = 0;
    for (const w of windows) {
      expect(w.from).toBe(prev);
      prev = w.to;
      const sec = (w.to - w.from) / rate;
      expect(sec).toBeLessThanOrEqual(28.01);
      if (w !== windows.at(-1)) expect(sec).toBeGreaterThanOrEqual(15);
      // Each cut lands in a gap: the sample there is quiet.
      if (w !== windows.at(-1)) expect(Math.abs(pcm[w.to] ?? 1)).toBeLessThan(0.01);
      expect(w.voicedStart).toBeGreaterThanOrEqual(w.from / rate);
      expect(w.voicedEnd).toBeLessThanOrEqual(w.to / rate + 1e-9);
    }
    expect(prev).toBe(pcm.length);
  });

  it("trims a window's reported times to where the sound is", () => {
    const [w] = planWindows(synth([[2, false], [3, true], [2, false]]));
    expect(w?.voicedStart).toBeCloseTo(1.9, 1);
    expect(w?.voicedEnd).toBeCloseTo(5.1, 1);
  });
});
