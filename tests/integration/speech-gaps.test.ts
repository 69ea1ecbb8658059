import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePcm, PCM_SAMPLE_RATE } from "@/lib/audio/chunks";
import { probe } from "@/lib/audio/probe";
import { createLocalTranscriber, disposeLocalTranscriber, localDecoder, preloadLocalModel, transcribeWindow } from "@/lib/transcription/local";
import { planWindows } from "@/lib/transcription/local-windows";
import { wordErrorRate } from "@/lib/transcription/wer";
import { buildGapRecording, ensureFixtures, type Fixtures } from "@/scripts/fixtures-lib";
import { ensureLocalModel } from "@/scripts/setup-model";

/**
 * Speech after a gap must not vanish: a 25 s clip, a gap, the clip again. Before the fix,
 * Moonshine returned nothing for the second window when it began with ~2 s of silence or
 * room tone, and the transcript silently ended after the first half.
 */
let fx: Fixtures;
const transcriber = createLocalTranscriber();

beforeAll(async () => {
  [fx] = await Promise.all([ensureFixtures(), ensureLocalModel()]);
  await preloadLocalModel();
});
afterAll(() => disposeLocalTranscriber());

const variants = [
  ...[0.5, 1, 1.5, 2, 2.5, 3].map((gapSec) => ({ gapSec, gap: "silence" as const })),
  ...[1, 2, 2.5, 3].map((gapSec) => ({ gapSec, gap: "room-tone" as const })),
];

describe("a recording with a gap between two halves", () => {
  it.each(variants)("transcribes both halves around $gapSec s of $gap", async ({ gapSec, gap }) => {
    const rec = await buildGapRecording({ gapSec, gap });
    const { durationSec } = await probe(rec.path);
    const result = await transcriber.transcribe({ filePath: rec.path, durationSec });
    const first = result.segments.filter((s) => s.end <= rec.gap.end).map((s) => s.text).join(" ");
    const second = result.segments.filter((s) => s.start >= rec.gap.start).map((s) => s.text).join(" ");
    expect(wordErrorRate(rec.clipText, first), first).toBeLessThan(0.2);
    expect(wordErrorRate(rec.clipText, second), second).toBeLessThan(0.2);
    expect(result.untranscribed ?? []).toEqual([]);
  });
});

describe("a window the model returns nothing for", () => {
  async function window() {
    const pcm = await decodePcm(fx.librivox.wav);
    const [w] = planWindows(pcm, { sampleRate: PCM_SAMPLE_RATE });
    if (!w) throw new Error("the LibriVox fixture gave no window");
    return { pcm, w };
  }

  it("is decoded again cut into shorter pieces, and the words of those pieces are kept", async () => {
    const { pcm, w } = await window();
    const model = await localDecoder(pcm);
    const calls: Array<[number, number]> = [];
    // The model itself for every piece but the whole window, which answers "" as Moonshine did.
    const result = await transcribeWindow(pcm, w, async (from, to) => {
      calls.push([from, to]);
      if (calls.length === 1) return "";
      return model(from, to);
    });
    expect(calls.length).toBeGreaterThan(2);
    for (const [from, to] of calls.slice(1)) expect(to - from).toBeLessThan(w.to - w.from);
    expect(result.untranscribed).toEqual([]);
    expect(result.segments.length).toBe(calls.length - 1);
    const text = result.segments.map((s) => s.text).join(" ");
    expect(wordErrorRate(fx.librivox.text, text), text).toBeLessThan(0.25);
    for (let i = 1; i < result.segments.length; i++) {
      expect(result.segments[i]!.start).toBeGreaterThanOrEqual(result.segments[i - 1]!.end);
    }
  });

  it("is reported as untranscribed, covering the voiced part, when no cut gives words", async () => {
    const { pcm, w } = await window();
    const result = await transcribeWindow(pcm, w, async () => "");
    expect(result.segments).toEqual([]);
    expect(result.untranscribed.length).toBeGreaterThan(0);
    const covered = result.untranscribed.reduce((sum, u) => sum + (u.end - u.start), 0);
    expect(covered).toBeGreaterThan((w.voicedEnd - w.voicedStart) * 0.8);
    for (const u of result.untranscribed) {
      expect(u.start).toBeGreaterThanOrEqual(w.voicedStart - 0.001);
      expect(u.end).toBeLessThanOrEqual(w.voicedEnd + 0.001);
    }
  });
});
