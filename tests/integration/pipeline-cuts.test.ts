/**
 * Parts cut in their own steps, side by side with the transcription of the parts before them:
 * the remote providers' Opus parts, through the real engine, the real serve handler, PGlite,
 * local disk and ffmpeg, with OpenAI pointed at the fake OpenAI-compatible server. 60 s parts
 * of a 12-minute recording give twelve cut steps, two at a time.
 */
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildLongRecording, type LongRecording } from "@/scripts/fixtures-lib";
import { startFakeOpenAI, type AudioInfo, type FakeOpenAI, type FakeSegment } from "../support/fake-openai";
import { type EngineStep, type Harness, stageOrder, startPipelineHarness, waitFor } from "../support/pipeline-harness";
import { expectMonotonicCoverage, maxOverlap } from "../support/assertions";

const CHUNK_SECONDS = 60;

let h: Harness;
let fake: FakeOpenAI;
let long: LongRecording;
/** Milliseconds the fake "model" takes per request, so transcription is not over in a blink. */
let modelMs = 0;

async function transcribe(audio: AudioInfo) {
  await new Promise((r) => setTimeout(r, modelMs));
  const segments: FakeSegment[] = audio.speech
    .filter((s) => s.end - s.start > 0.2)
    .map((s) => ({ start: s.start, end: s.end, text: `Speech from ${s.start.toFixed(1)} to ${s.end.toFixed(1)} seconds.` }));
  return { segments, language: "en" };
}

beforeAll(async () => {
  long = await buildLongRecording({ minutes: 12 });
  fake = await startFakeOpenAI({ transcribe });
  h = await startPipelineHarness({
    env: {
      TRANSCRIPTION_PROVIDER: "openai",
      ANALYSIS_PROVIDER: "local",
      OPENAI_API_KEY: fake.apiKey,
      OPENAI_BASE_URL: fake.baseURL,
      TRANSCRIPTION_MODEL: "whisper-1",
      CHUNK_SECONDS: String(CHUNK_SECONDS),
      PROCESSING_RETRIES: "2",
    },
  });
  console.log(`[${path.basename(import.meta.filename, ".test.ts")}] harness start-up (ms, cumulative): ${JSON.stringify(h.timings)}`);
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await fake?.stop();
});

beforeEach(() => {
  fake.reset();
  modelMs = 0;
});

const at = (s: EngineStep, which: "startedAt" | "endedAt") => Date.parse(s[which]!);
const indexOf = (s: EngineStep, prefix: string) => Number(s.name.slice(prefix.length));

describe("parts cut in steps beside the transcription (remote provider, Opus parts)", () => {
  it("starts transcribing the first part while later parts are still being cut", async () => {
    modelMs = 200;
    const row = await h.createAndUpload(long.path);
    const w = h.watch(row.id, 50);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 150_000);
    await w.stop();
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.chunksTotal).toBeGreaterThanOrEqual(Math.ceil(long.durationSec / CHUNK_SECONDS));

    const { steps } = await h.finishedRun(row.id, row.generation);
    const cuts = steps.filter((s) => s.name.startsWith("cut-"));
    const transcribes = steps.filter((s) => s.name.startsWith("transcribe-"));
    expect(cuts.map((s) => indexOf(s, "cut-")).sort((a, b) => a - b)).toEqual([...Array(done.chunksTotal).keys()]);
    expect(transcribes).toHaveLength(done.chunksTotal);
    expect([...cuts, ...transcribes].every((s) => s.attempts === 1 && s.startedAt && s.endedAt)).toBe(true);

    // the first part was with the provider before the last part was cut …
    const first = transcribes.find((s) => s.name === "transcribe-0")!;
    const lastCutEnd = Math.max(...cuts.map((s) => at(s, "endedAt")));
    console.log(
      `[pipeline-cuts] ${done.chunksTotal} parts: transcribe-0 started ${lastCutEnd - at(first, "startedAt")} ms before the last cut ended; ` +
        `prepare ${steps.find((s) => s.name === "prepare")?.durationMs} ms`,
    );
    expect(at(first, "startedAt")).toBeLessThan(lastCutEnd);
    // … but never before its own part was stored
    for (const t of transcribes) {
      const cut = cuts.find((c) => indexOf(c, "cut-") === indexOf(t, "transcribe-"))!;
      expect(at(t, "startedAt")).toBeGreaterThanOrEqual(at(cut, "endedAt"));
    }
    // at most two parts were cut at once
    expect(maxOverlap(cuts)).toBeLessThanOrEqual(2);

    // every request was an Opus part within the limits, and together they cover the recording
    const uploads = fake.requestsTo("transcriptions");
    expect(uploads).toHaveLength(done.chunksTotal);
    expect(uploads.every((r) => r.status === 200)).toBe(true);
    const view = await h.detail(row.id);
    expectMonotonicCoverage(view.transcript!.segments, long.durationSec);

    // progress never went back, and the bar moved while parts were still being cut
    for (let i = 1; i < w.progress.length; i++) expect(w.progress[i]!).toBeGreaterThanOrEqual(w.progress[i - 1]!);
    expect(w.progress.filter((p) => p > 5 && p < 85).length).toBeGreaterThan(2);
    const log = await h.q.stageLogFor(h.db, row.id);
    expect(stageOrder(log)).toEqual(["preparing", "transcribing", "analyzing", "finalizing", "completed"]);
    expect(await h.q.listChunks(h.db, row.id)).toEqual([]);
  }, 180_000);

  it("stops cutting when cancelled mid-cut; a retry reuses the parts already cut", async () => {
    // Slow answers keep the first run's transcription from finishing around the cancel.
    modelMs = 5_000;
    const row = await h.createAndUpload(long.path, { title: "cancel while cutting" });
    const cutBefore = await waitFor(
      async () => {
        const s = await h.session(row.id);
        if (s.status !== "processing" && s.status !== "queued") throw new Error(`ended early: ${s.status} ${s.error}`);
        const list = await h.q.listChunks(h.db, row.id);
        const cut = list.filter((c) => c.sizeBytes > 0);
        return list.length > 0 && cut.length >= 1 && cut.length <= list.length - 3 ? cut : undefined;
      },
      60_000,
      "some parts to be cut, and not all",
    );
    await h.cancel(row.id);
    const { run } = await h.finishedRun(row.id, row.generation, 20_000);
    expect(run.status).toBe("cancelled");
    // the cut steps in flight give up at once instead of finishing their parts
    await waitFor(async () => (await h.engineApi<{ inFlight: number }>("/health")).inFlight === 0, 10_000, "the cancelled run's steps to return");
    const afterCancel = await h.q.listChunks(h.db, row.id);
    const cutAfterCancel = afterCancel.filter((c) => c.sizeBytes > 0).map((c) => c.index);
    expect(cutAfterCancel.length).toBeGreaterThanOrEqual(cutBefore.length);
    expect(cutAfterCancel.length).toBeLessThan(afterCancel.length);
    for (const c of afterCancel.filter((x) => x.sizeBytes > 0)) expect(await h.store.stat(c.blobKey)).toEqual({ size: c.sizeBytes });

    modelMs = 0;
    const retried = await h.retry(row.id);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");

    const second = await h.finishedRun(row.id, retried.generation);
    const recut = second.steps.filter((s) => s.name.startsWith("cut-")).map((s) => indexOf(s, "cut-"));
    // the second run cut exactly the parts the first had not stored
    expect(recut.sort((a, b) => a - b)).toEqual(afterCancel.filter((c) => c.sizeBytes === 0).map((c) => c.index));
    const log = await h.q.stageLogFor(h.db, row.id);
    const afterRetry = log.slice(log.findIndex((l) => l.message === "Retry requested"));
    expect(afterRetry.some((l) => new RegExp(`^Reusing ${cutAfterCancel.length} prepared part\\(s\\); cutting the other`).test(l.message ?? ""))).toBe(true);
    expect(afterRetry.some((l) => /^Audio is /.test(l.message ?? ""))).toBe(false);

    const view = await h.detail(row.id);
    expectMonotonicCoverage(view.transcript!.segments, long.durationSec);
    expect(await h.q.listChunks(h.db, row.id)).toEqual([]);
  }, 180_000);
});
