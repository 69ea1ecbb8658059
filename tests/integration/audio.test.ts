import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePcm, encodeChunk, estimateChunkBytes, planChunks, writeWavPart } from "@/lib/audio/chunks";
import { resolveTool, runTool } from "@/lib/audio/ffmpeg";
import { findPauses } from "@/lib/audio/pauses";
import { probe } from "@/lib/audio/probe";
import { detectSilences } from "@/lib/audio/silence";
import { PermanentError } from "@/lib/errors";
import { ensureFixtures, type Fixtures } from "@/scripts/fixtures-lib";

let fx: Fixtures;
let tmp: string;

beforeAll(async () => {
  fx = await ensureFixtures();
  tmp = await mkdtemp(path.join(os.tmpdir(), "murmur-audio-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("resolveTool", () => {
  it("finds ffmpeg and ffprobe", async () => {
    expect(path.isAbsolute(await resolveTool("ffmpeg"))).toBe(true);
    expect(path.isAbsolute(await resolveTool("ffprobe"))).toBe(true);
  });
});

describe("probe", () => {
  it.each([
    ["wav", "wav", "pcm_s16le"],
    ["mp3", "mp3", "mp3"],
    ["m4a", "mov,mp4,m4a,3gp,3g2,mj2", "aac"],
    ["webm", "matroska,webm", "opus"],
  ] as const)("reads %s", async (kind, formatName, codec) => {
    const info = await probe(fx.librivox[kind]);
    expect(info.formatName).toBe(formatName);
    expect(info.codec).toBe(codec);
    expect(info.durationSec).toBeGreaterThan(27.5);
    expect(info.durationSec).toBeLessThan(28.5);
    expect(info.channels).toBe(1);
    expect(info.sampleRate).toBeGreaterThan(0);
    expect(info.sizeBytes).toBe((await stat(fx.librivox[kind])).size);
    if (kind !== "wav") expect(info.bitRate).toBeGreaterThan(16_000);
  });

  it("accepts a video that carries an audio track", async () => {
    const info = await probe(fx.videoWithAudio);
    expect(info.codec).toBe("aac");
    expect(info.durationSec).toBeCloseTo(3, 0);
  });

  it.each([
    ["a text file renamed .mp3", "textAsMp3", /not in an audio format/],
    ["an empty file", "emptyMp3", /empty/],
    ["a truncated mp3", "truncatedMp3", /truncated|damaged or incomplete|not in an audio format/],
    ["an image", "image", /no audio track/],
    ["a video without sound", "videoNoAudio", /no audio track/],
  ] as const)("rejects %s with a readable PermanentError", async (_label, key, reason) => {
    const err: unknown = await probe(fx.bad[key]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/^This file is not audio we can read \(.+\)\.$/);
    expect((err as Error).message).toMatch(reason);
  });

  it("rejects a missing file as permanent", async () => {
    await expect(probe(path.join(tmp, "nope.mp3"))).rejects.toBeInstanceOf(PermanentError);
  });
});

describe("detectSilences", () => {
  it("finds every pause inserted between the espeak sentences", async () => {
    const silences = await detectSilences(fx.espeak.path);
    for (const pause of fx.espeak.pauses) {
      const hit = silences.find((s) => s.start <= pause.start + 0.05 && s.end >= pause.end - 0.05);
      expect(hit, `pause at ${pause.start}`).toBeDefined();
    }
    // Inside sentences nothing counts as a 0.4 s silence.
    expect(silences.length).toBe(fx.espeak.pauses.length);
  });

  it("reports a silent file as one silence spanning it", async () => {
    const silences = await detectSilences(fx.silence, { durationSec: 5 });
    expect(silences).toHaveLength(1);
    expect(silences[0]?.start).toBe(0);
    expect(silences[0]?.end).toBeCloseTo(5, 1);
  });

  it("plans chunk cuts inside the pauses it found", async () => {
    const info = await probe(fx.espeak.path);
    const silences = await detectSilences(fx.espeak.path);
    const chunks = planChunks(info.durationSec, silences, { maxSeconds: 12 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks.slice(0, -1)) {
      expect(silences.some((s) => s.start <= c.end && c.end <= s.end)).toBe(true);
    }
  });
});

describe("encodeChunk", () => {
  it("writes 16 kHz mono Ogg/Opus of the requested length", async () => {
    const dest = path.join(tmp, "nested", "chunk-1.ogg");
    await encodeChunk(fx.librivox.mp3, { start: 5.2, end: 17.7 }, dest);
    const info = await probe(dest);
    expect(info.codec).toBe("opus");
    expect(info.formatName).toBe("ogg");
    expect(info.channels).toBe(1);
    expect(Math.abs(info.durationSec - 12.5)).toBeLessThan(0.1);
    expect(info.sizeBytes).toBeLessThan(estimateChunkBytes(12.5));
  });

  it("takes audio out of a video", async () => {
    const dest = path.join(tmp, "from-video.ogg");
    await encodeChunk(fx.videoWithAudio, { start: 0, end: 2 }, dest);
    expect(Math.abs((await probe(dest)).durationSec - 2)).toBeLessThan(0.1);
  });
});

describe("decodePcm", () => {
  it("returns 16 kHz mono float samples for the whole file", async () => {
    const info = await probe(fx.librivox.wav);
    const pcm = await decodePcm(fx.librivox.wav);
    expect(Math.abs(pcm.length - info.durationSec * 16_000)).toBeLessThan(16);
    let peak = 0;
    for (const v of pcm) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(0.05);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it("returns a range", async () => {
    const pcm = await decodePcm(fx.librivox.m4a, { start: 2, end: 4.5 });
    expect(Math.abs(pcm.length - 2.5 * 16_000)).toBeLessThan(160);
  });

  it("rejects when aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(decodePcm(fx.librivox.wav, { signal: ac.signal })).rejects.toThrow();
  });
});

describe("WAV parts from the pause scan's own pass", () => {
  /** What ffmpeg itself decodes from a file, as 16 kHz mono float: the reference the fast read must equal. */
  async function ffmpegPcm(file: string): Promise<Float32Array> {
    const out: Buffer[] = [];
    await runTool("ffmpeg", ["-nostdin", "-v", "error", "-i", file, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"], { onStdout: (c) => out.push(c) });
    return new Float32Array(new Uint8Array(Buffer.concat(out)).buffer);
  }

  it("finds the same pauses as the plain scan, and the parts hold every decoded sample exactly once", async () => {
    const pcmPath = path.join(tmp, "librivox.pcm");
    const plain = await findPauses(fx.librivox.mp3, 28);
    const withPcm = await findPauses(fx.librivox.mp3, 28, { pcmPath });
    expect(withPcm.silences).toEqual(plain.silences);
    expect((await stat(pcmPath)).size).toBe(withPcm.decodedSec! * 16_000 * 2);
    expect(withPcm.decodedSec).toBeCloseTo(plain.decodedSec!, 1);

    const plan = planChunks(withPcm.decodedSec!, withPcm.silences, { maxSeconds: 7 });
    expect(plan.length).toBeGreaterThan(2);
    const whole = await ffmpegPcm(fx.librivox.mp3);
    let at = 0;
    for (const c of plan) {
      const file = path.join(tmp, `part-${c.index}.wav`);
      await writeWavPart(pcmPath, c, file);
      const info = await probe(file);
      expect(info.codec).toBe("pcm_s16le");
      expect(info.sampleRate).toBe(16_000);
      expect(info.channels).toBe(1);
      // read without ffmpeg, and the same samples ffmpeg reads from the part
      const fast = await decodePcm(file);
      expect(fast).toEqual(await ffmpegPcm(file));
      // contiguous: each part continues where the one before ended, 16-bit close to the original decode
      for (let i = 0; i < fast.length; i += 997) expect(Math.abs(fast[i]! - whole[at + i]!)).toBeLessThan(1e-4);
      at += fast.length;
    }
    expect(at).toBe((await stat(pcmPath)).size / 2);
  });

  it("reads a range of a WAV part without ffmpeg, like ffmpeg's range", async () => {
    const pcmPath = path.join(tmp, "range.pcm");
    await findPauses(fx.librivox.mp3, 28, { pcmPath });
    const file = path.join(tmp, "range.wav");
    await writeWavPart(pcmPath, { start: 0, end: 10 }, file);
    const part = await decodePcm(file, { start: 2, end: 4.5 });
    expect(part).toHaveLength(2.5 * 16_000);
    const all = await decodePcm(file);
    expect(part).toEqual(all.subarray(2 * 16_000, 4.5 * 16_000));
  });
});
