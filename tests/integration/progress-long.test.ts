/**
 * Progress a person can trust, through the real engine and the real local model on the
 * 40-minute recording (`npm run fixtures -- --long 40`): the bar moves in many small
 * measured steps with no long stall once prepare starts, the ETA is there while it runs and
 * is close to the truth at half way, and a session waiting behind it knows its place.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLongRecording, ensureFixtures, type Fixtures, type LongRecording } from "@/scripts/fixtures-lib";
import { type Harness, sleep, startPipelineHarness } from "../support/pipeline-harness";

const MODEL_DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "models", "moonshine-tiny");

let h: Harness;
let fx: Fixtures;
let long: LongRecording;

beforeAll(async () => {
  const { ensureLocalModel } = await import("@/scripts/setup-model");
  await ensureLocalModel(MODEL_DIR);
  [fx, long] = await Promise.all([ensureFixtures(), buildLongRecording({ minutes: 40 })]);
  h = await startPipelineHarness({
    env: { TRANSCRIPTION_PROVIDER: "local", ANALYSIS_PROVIDER: "local", MOONSHINE_MODEL_DIR: MODEL_DIR, PROCESSING_RETRIES: "1" },
  });
}, 240_000);

afterAll(async () => {
  await h?.stop();
});

interface Sample {
  at: number;
  status: string;
  stage: string | null;
  progress: number;
  etaSec: number | null;
  queuePosition: number | null;
}

describe("progress on the 40-minute recording", () => {
  it("moves often, never stalls over 5 s after prepare starts, and its ETA holds at half way; a session behind it knows its place", async () => {
    const row = await h.createAndUpload(long.path, { fileName: "long.mp3", contentType: "audio/mpeg" });
    // A second upload right behind it: it waits while the long one is prepared.
    const behind = await h.createAndUpload(fx.librivox.mp3);
    const behindPositions: Array<number | null> = [];
    const samples: Sample[] = [];
    for (;;) {
      const [v, b] = await Promise.all([h.detail(row.id), h.detail(behind.id)]);
      if (b.status === "queued") behindPositions.push(b.queuePosition);
      samples.push({ at: Date.now(), status: v.status, stage: v.stage, progress: v.progress, etaSec: v.etaSec, queuePosition: v.queuePosition });
      if (!["queued", "processing"].includes(v.status)) break;
      await sleep(250);
    }
    const end = samples.at(-1)!;
    expect(end.status).toBe("completed");

    const distinct = new Set(samples.map((s) => s.progress));
    expect(distinct.size, [...distinct].join(",")).toBeGreaterThanOrEqual(30);

    // Gaps between progress changes, from the first sample in "preparing" to completion.
    const fromPrepare = samples.findIndex((s) => s.status === "processing");
    let longestStall = 0;
    let lastChange = samples[fromPrepare]!.at;
    for (let i = fromPrepare + 1; i < samples.length; i++) {
      if (samples[i]!.progress !== samples[i - 1]!.progress) {
        longestStall = Math.max(longestStall, samples[i]!.at - lastChange);
        lastChange = samples[i]!.at;
      }
    }
    expect(longestStall).toBeLessThanOrEqual(5000);

    // An ETA while transcribing, and at 50 % within ±35 % of the time that was really left.
    const transcribing = samples.filter((s) => s.status === "processing" && s.stage === "transcribing" && s.progress >= 15);
    expect(transcribing.length).toBeGreaterThan(0);
    expect(transcribing.every((s) => s.etaSec !== null)).toBe(true);
    const half = samples.find((s) => s.progress >= 50)!;
    const actualLeft = (end.at - half.at) / 1000;
    expect(half.etaSec).not.toBeNull();
    expect(Math.abs(half.etaSec! - actualLeft) / actualLeft, `eta ${half.etaSec} s, actual ${actualLeft} s`).toBeLessThanOrEqual(0.35);

    expect(behindPositions.length).toBeGreaterThan(0);
    expect(behindPositions[0]).toBeGreaterThanOrEqual(1);
    expect(samples.every((s) => s.status !== "queued" || s.queuePosition !== null)).toBe(true);
    expect(end.queuePosition).toBeNull();
    await h.waitForStatus(behind.id, ["completed", "failed"], 120_000);
  }, 900_000);
});
