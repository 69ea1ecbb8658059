import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "@/lib/audio/probe";
import { PermanentError } from "@/lib/errors";
import {
  createLocalTranscriber,
  disposeLocalTranscriber,
  LocalModelMissingError,
  preloadLocalModel,
} from "@/lib/transcription/local";
import type { TranscriptionResult } from "@/lib/transcription/types";
import { wordErrorRate } from "@/lib/transcription/wer";
import { buildLongRecording, ensureFixtures, type Fixtures } from "@/scripts/fixtures-lib";
import { ensureLocalModel } from "@/scripts/setup-model";

let fx: Fixtures;
const transcriber = createLocalTranscriber();

async function transcribe(filePath: string): Promise<{ result: TranscriptionResult; durationSec: number }> {
  const { durationSec } = await probe(filePath);
  return { result: await transcriber.transcribe({ filePath, durationSec }), durationSec };
}

function expectWellFormed(result: TranscriptionResult, durationSec: number): void {
  let prevEnd = 0;
  for (const s of result.segments) {
    expect(s.start).toBeGreaterThanOrEqual(prevEnd);
    expect(s.end).toBeGreaterThan(s.start);
    expect(s.end).toBeLessThanOrEqual(durationSec + 0.05);
    expect(s.end - s.start).toBeLessThanOrEqual(30);
    expect(s.text).toBe(s.text.trim());
    expect(s.text).not.toMatch(/\s{2,}/);
    prevEnd = s.end;
  }
  expect(result.text).toBe(result.segments.map((s) => s.text).join(" "));
}

beforeAll(async () => {
  [fx] = await Promise.all([ensureFixtures(), ensureLocalModel()]);
  await preloadLocalModel();
});
afterAll(() => disposeLocalTranscriber());

describe("local:moonshine-tiny", () => {
  it("declares its name and limits", () => {
    expect(transcriber.name).toBe("local:moonshine-tiny");
    expect(transcriber.limits.maxSeconds).toBe(600);
    expect(transcriber.limits.maxBytes).toBeGreaterThan(100 * 1024 * 1024);
  });

  it.each(["wav", "mp3", "webm"] as const)("transcribes human LibriVox speech (%s) with WER < 0.2", async (kind) => {
    const { result, durationSec } = await transcribe(fx.librivox[kind]);
    const wer = wordErrorRate(fx.librivox.text, result.text);
    expect(wer, result.text).toBeLessThan(0.2);
    expect(result.language).toBe("en");
    expectWellFormed(result, durationSec);
  });

  it("transcribes synthetic espeak speech with WER < 0.25, one segment per window", async () => {
    const { result, durationSec } = await transcribe(fx.espeak.path);
    expect(wordErrorRate(fx.espeak.text, result.text), result.text).toBeLessThan(0.25);
    // 31 s of audio is cut at one of its pauses into two windows.
    expect(result.segments.length).toBe(2);
    // The gap between the two segments is one of the inserted pauses.
    const [first, second] = result.segments;
    const gapEnd = second?.start ?? 0;
    const gapStart = first?.end ?? 0;
    expect(fx.espeak.pauses.some((p) => gapStart <= p.end && gapEnd >= p.start)).toBe(true);
    expectWellFormed(result, durationSec);
  });

  it("returns an empty transcript for silence", async () => {
    const { result } = await transcribe(fx.silence);
    expect(result.text).toBe("");
    expect(result.segments).toEqual([]);
  });

  it("keeps the event loop responsive while it decodes", async () => {
    let last = performance.now();
    let maxLag = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 10);
      last = now;
    }, 10);
    try {
      await transcribe(fx.espeak.path);
    } finally {
      clearInterval(timer);
    }
    expect(maxLag).toBeLessThan(200);
  });

  it("queues calls beyond its concurrency, finishing them in arrival order, each with its own result", async () => {
    const one = createLocalTranscriber({ concurrency: 1 });
    try {
      const done: string[] = [];
      const [a, b] = await Promise.all([
        // Straight to the transcriber: probe() first would let the shorter file overtake.
        one.transcribe({ filePath: fx.librivox.mp3, durationSec: 28 }).finally(() => done.push("speech")),
        one.transcribe({ filePath: fx.silence, durationSec: 5 }).finally(() => done.push("silence")),
      ]);
      expect(done).toEqual(["speech", "silence"]);
      expect(wordErrorRate(fx.librivox.text, a.text)).toBeLessThan(0.2);
      expect(b.segments).toEqual([]);
    } finally {
      createLocalTranscriber({ concurrency: 2 });
    }
  });

  it("starts queued calls by priority, and a running long part lends its slot to a short clip between windows", async () => {
    const one = createLocalTranscriber({ concurrency: 1 });
    try {
      const done: string[] = [];
      // priority as runPriority gives it: 4 h minus the recording's duration.
      const longPart = 14_400 - 2400;
      const [running, queuedPart, clip] = await Promise.all([
        one.transcribe({ filePath: fx.espeak.path, durationSec: 31, priority: longPart }).finally(() => done.push("running part")),
        one.transcribe({ filePath: fx.librivox.mp3, durationSec: 28, priority: longPart }).finally(() => done.push("queued part")),
        one.transcribe({ filePath: fx.librivox.wav, durationSec: 28, priority: 14_400 - 30 }).finally(() => done.push("30 s clip")),
      ]);
      // The clip goes first; the part it interrupted resumes before the part queued after it.
      expect(done).toEqual(["30 s clip", "running part", "queued part"]);
      expect(wordErrorRate(fx.espeak.text, running.text)).toBeLessThan(0.25);
      expect(wordErrorRate(fx.librivox.text, queuedPart.text)).toBeLessThan(0.2);
      expect(wordErrorRate(fx.librivox.text, clip.text)).toBeLessThan(0.2);
    } finally {
      createLocalTranscriber({ concurrency: 2 });
    }
  });

  it("decodes side by side up to its concurrency: a short file is not held behind a long one", async () => {
    const two = createLocalTranscriber({ concurrency: 2 });
    const done: string[] = [];
    const [a, b] = await Promise.all([
      two.transcribe({ filePath: fx.librivox.mp3, durationSec: 28 }).finally(() => done.push("speech")),
      two.transcribe({ filePath: fx.silence, durationSec: 5 }).finally(() => done.push("silence")),
    ]);
    expect(done).toEqual(["silence", "speech"]);
    expect(wordErrorRate(fx.librivox.text, a.text)).toBeLessThan(0.2);
    expect(b.segments).toEqual([]);
  });

  it("lets a queued call leave the queue when it is aborted", async () => {
    const one = createLocalTranscriber({ concurrency: 1 });
    try {
      const first = one.transcribe({ filePath: fx.espeak.path, durationSec: 31 });
      const ac = new AbortController();
      const queued = one.transcribe({ filePath: fx.silence, durationSec: 5, signal: ac.signal });
      setTimeout(() => ac.abort(new Error("cancelled")), 50);
      const t0 = performance.now();
      await expect(queued).rejects.toThrow("cancelled");
      expect(performance.now() - t0).toBeLessThan(500);
      await first;
    } finally {
      createLocalTranscriber({ concurrency: 2 });
    }
  });

  it("stops at the next window when aborted", async () => {
    const ac = new AbortController();
    ac.abort(new Error("cancelled by the person"));
    await expect(
      transcriber.transcribe({ filePath: fx.espeak.path, durationSec: 31, signal: ac.signal }),
    ).rejects.toThrow();
  });

  it(
    "transcribes a 3-minute recording in windows with ordered timestamps",
    async () => {
      const long = await buildLongRecording({ minutes: 3 });
      const { result, durationSec } = await transcribe(long.path);
      expect(result.segments.length).toBeGreaterThanOrEqual(Math.floor(durationSec / 30));
      expectWellFormed(result, durationSec);
      expect(wordErrorRate(long.referenceText, result.text)).toBeLessThan(0.2);
    },
    180_000,
  );

  it("fails loudly, but not permanently, when the model is missing", async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), "murmur-nomodel-"));
    try {
      const err: unknown = await createLocalTranscriber({ modelDir: empty })
        .transcribe({ filePath: fx.silence, durationSec: 5 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocalModelMissingError);
      expect(err).not.toBeInstanceOf(PermanentError);
      expect((err as Error).message).toBe(`Local model not found in ${empty}: run npm run setup:model`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
