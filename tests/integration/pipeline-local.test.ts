/**
 * The whole durable pipeline, end to end, with the embedded defaults: the real local engine
 * (child process), the real inngest serve handler, PGlite, local disk storage, Moonshine tiny
 * on the CPU and the local analyser. No mocks.
 */
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLongRecording, ensureFixtures, type Fixtures, type LongRecording } from "@/scripts/fixtures-lib";
import { type Harness, listFiles, sleep, stageOrder, startPipelineHarness, waitFor } from "../support/pipeline-harness";
import { expectMonotonicCoverage, maxOverlap } from "../support/assertions";

const CHUNK_SECONDS = 120;
const MODEL_DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "models", "moonshine-tiny");

let h: Harness;
let fx: Fixtures;
let long: LongRecording;

beforeAll(async () => {
  const { ensureLocalModel } = await import("@/scripts/setup-model");
  await ensureLocalModel(MODEL_DIR);
  fx = await ensureFixtures();
  long = await buildLongRecording({ minutes: 6 });
  h = await startPipelineHarness({
    env: {
      TRANSCRIPTION_PROVIDER: "local",
      ANALYSIS_PROVIDER: "local",
      MOONSHINE_MODEL_DIR: MODEL_DIR,
      CHUNK_SECONDS: String(CHUNK_SECONDS),
      PROCESSING_RETRIES: "2",
    },
  });
  console.log(`[${path.basename(import.meta.filename, ".test.ts")}] harness start-up (ms, cumulative): ${JSON.stringify(h.timings)}`);
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

const blobsOf = (id: string, sub = "") => listFiles(path.join(h.dataDir, "blobs", "sessions", id, sub));

describe("pipeline with the local engine and local providers", () => {
  it("turns the LibriVox recording into a transcript and an analysis", async () => {
    const row = await h.createAndUpload(fx.librivox.mp3);
    expect(row.status).toBe("queued");
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 60_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.progress).toBe(100);

    const view = await h.detail(row.id);
    expect(view.transcript?.provider).toBe("local:moonshine-tiny");
    expect(view.transcriber).toBe("local:moonshine-tiny");
    expect(view.transcript!.text.toLowerCase()).toContain("dashwood");
    expect(view.transcript!.segments.length).toBeGreaterThan(0);
    expect(view.analysis?.insights.provider).toBe("local");
    expect(view.analysis?.noSpeech).toBe(false);

    const log = await h.q.stageLogFor(h.db, row.id);
    expect(stageOrder(log)).toEqual(["preparing", "transcribing", "analyzing", "finalizing", "completed"]);

    // chunks are cleaned up: no rows, no blobs; the audio is kept
    expect(await h.q.listChunks(h.db, row.id)).toEqual([]);
    expect(await blobsOf(row.id, "chunks")).toEqual([]);
    expect(await blobsOf(row.id, "audio")).toHaveLength(1);
    expect(view.audioAvailable).toBe(true);

    const { run, steps } = await h.finishedRun(row.id, row.generation);
    expect(run.status).toBe("completed");
    expect(steps.map((s) => s.name)).toEqual(expect.arrayContaining(["prepare", "transcribe-0", "merge", "analyze", "finalize"]));
    expect(steps.every((s) => s.attempts === 1)).toBe(true);
  }, 90_000);

  it("fails a text file renamed .mp3 at once, with a readable reason and one attempt", async () => {
    const row = await h.createAndUpload(fx.bad.textAsMp3, { fileName: "meeting.mp3" });
    const failed = await h.waitForStatus(row.id, ["failed", "completed"], 30_000);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBeTruthy();
    expect(failed.error).not.toMatch(/NonRetriableError|at \w+ \(|\bstack\b/);
    expect(failed.error!.toLowerCase()).toMatch(/audio|recording|not.*(read|recogni|decod)/);

    const { run, steps } = await h.finishedRun(row.id, row.generation);
    expect(run.status).toBe("failed");
    const prepare = steps.find((s) => s.name === "prepare")!;
    expect(prepare.status).toBe("failed");
    expect(prepare.attempts).toBe(1);
    expect(prepare.errors).toHaveLength(1);
    expect(steps.map((s) => s.name)).toEqual(["prepare"]);
    expect((await h.failureRuns(row.id)).map((r) => r.status)).toEqual(["completed"]);

    const log = await h.q.stageLogFor(h.db, row.id);
    expect(log.filter((l) => l.message === "Preparing the audio")).toHaveLength(1);
    expect(log.some((l) => /will retry/.test(l.message ?? ""))).toBe(false);
    expect(log.at(-1)?.status).toBe("failed");
  }, 60_000);

  it("completes silence as no speech", async () => {
    const row = await h.createAndUpload(fx.silence);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 30_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    const view = await h.detail(row.id);
    expect(view.analysis?.noSpeech).toBe(true);
    expect(view.transcript?.text ?? "").toBe("");
  }, 60_000);

  it("transcribes a long recording in parallel chunks with measured progress", async () => {
    const started = Date.now();
    const row = await h.createAndUpload(long.path);
    const w = h.watch(row.id, 50);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 150_000);
    await w.stop();
    const wallMs = Date.now() - started;
    console.log(`[pipeline-local] ${(long.durationSec / 60).toFixed(1)} min recording: ${(wallMs / 1000).toFixed(1)} s wall, progress seen ${w.progress.join(",")}`);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.chunksTotal).toBeGreaterThan(1);
    expect(done.chunksTotal).toBeGreaterThanOrEqual(Math.ceil(long.durationSec / CHUNK_SECONDS));

    // the chunk plan, as seen in the chunk rows while the run went on
    const plan = w.chunks();
    expect(plan).toHaveLength(done.chunksTotal);
    for (const c of plan) expect(c.endSec - c.startSec).toBeLessThanOrEqual(CHUNK_SECONDS + 0.001);
    expect(plan[0]!.startSec).toBe(0);
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.startSec).toBeCloseTo(plan[i - 1]!.endSec, 3);
    expect(plan.at(-1)!.endSec).toBeCloseTo(long.durationSec, 0);
    // the local model's parts are 16 kHz WAV from prepare's one decoding pass, all stored by prepare itself
    for (const c of plan) {
      expect(c.blobKey).toMatch(/\.wav$/);
      // 16-bit samples of the part's range and a 44-byte header; the header's length may promise
      // a fraction of a second more than decodes, which the last part then lacks.
      const bytes = (c.endSec - c.startSec) * 16_000 * 2 + 44;
      expect(c.sizeBytes).toBeLessThanOrEqual(bytes + 2);
      expect(c.sizeBytes).toBeGreaterThan(bytes - 0.5 * 16_000 * 2);
    }

    const view = await h.detail(row.id);
    const segs = view.transcript!.segments;
    expect(segs.length).toBeGreaterThan(10);
    expectMonotonicCoverage(segs, long.durationSec);
    expect(view.transcript!.text.toLowerCase().split("dashwood").length - 1).toBeGreaterThanOrEqual(long.repeats - 1);

    // progress moved forward through the transcription band, chunk by chunk
    const inBand = w.progress.filter((p) => p > 10 && p < 85);
    expect(new Set(inBand).size).toBeGreaterThan(2);
    for (let i = 1; i < w.progress.length; i++) expect(w.progress[i]!).toBeGreaterThanOrEqual(w.progress[i - 1]!);

    // several chunk steps were in flight at once in the engine
    const { steps } = await h.finishedRun(row.id, row.generation);
    const chunkSteps = steps.filter((s) => s.name.startsWith("transcribe-"));
    expect(chunkSteps).toHaveLength(done.chunksTotal);
    expect(steps.filter((s) => s.name.startsWith("cut-"))).toEqual([]);
    expect(maxOverlap(chunkSteps)).toBeGreaterThan(1);
    // …but never more than the local model decodes at once (one per core, at most 3): a part
    // beyond that would only wait in its decode queue, holding a slot a short recording needs.
    expect(maxOverlap(chunkSteps)).toBeLessThanOrEqual(Math.max(1, Math.min(3, os.availableParallelism())));

    expect(await h.q.listChunks(h.db, row.id)).toEqual([]);
    expect(await blobsOf(row.id, "chunks")).toEqual([]);
  }, 180_000);

  it("cancels a run mid-transcription; a retry reuses the prepared chunks and completes", async () => {
    // Three full 120 s chunks and a short tail. Two chunks decode at a time and the first two finish
    // within moments of each other, so cancelling after the first one leaves the third, a full chunk
    // that has only just started, in flight: there is always unfinished work for the cancel to stop.
    const row = await h.createAndUpload(long.path, { title: "to cancel" });
    await waitFor(
      async () => {
        const s = await h.session(row.id);
        if (s.status !== "processing" && s.status !== "queued") throw new Error(`ended early: ${s.status} ${s.error}`);
        return s.chunksTotal > 1 && s.chunksDone >= 1 && s.chunksDone < s.chunksTotal;
      },
      60_000,
      "the first chunk to be transcribed",
    );
    const cancelled = await h.cancel(row.id);
    expect(cancelled.status).toBe("cancelled");
    const cancelledAt = Date.now();

    const { run } = await h.finishedRun(row.id, row.generation, 20_000);
    expect(run.status).toBe("cancelled");
    // The cancelled run stops transcribing: its in-flight chunk step gives up (the engine has no
    // request to the app open any more) well before that 120 s chunk could have been transcribed.
    await waitFor(async () => (await h.engineApi<{ inFlight: number }>("/health")).inFlight === 0, 10_000, "the cancelled run's step to return");
    console.log(`[pipeline-local] cancel → cancelled run's last step returned in ${Date.now() - cancelledAt} ms`);
    // nothing it does afterwards drags the session back
    await sleep(Math.max(0, 1500 - (Date.now() - cancelledAt)));
    const still = await h.session(row.id);
    expect(still.status).toBe("cancelled");
    expect(still.progress).toBeLessThan(85);
    const chunksAfterCancel = await h.q.listChunks(h.db, row.id);
    const doneAfterCancel = chunksAfterCancel.filter((c) => c.transcribedAt).map((c) => c.index);
    expect(doneAfterCancel.length).toBeLessThan(chunksAfterCancel.length);

    const retried = await h.retry(row.id);
    expect(retried.generation).toBe(row.generation + 1);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 90_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");

    const log = await h.q.stageLogFor(h.db, row.id);
    const afterRetry = log.slice(log.findIndex((l) => l.message === "Retry requested"));
    expect(afterRetry.some((l) => /^Reusing \d+ prepared part/.test(l.message ?? ""))).toBe(true);
    expect(afterRetry.some((l) => /^Audio is /.test(l.message ?? ""))).toBe(false);
    expect(stageOrder(afterRetry.slice(1))).toEqual(["preparing", "transcribing", "analyzing", "finalizing", "completed"]);

    // the second run transcribed only what the first had not finished
    const second = await h.finishedRun(row.id, retried.generation);
    expect(second.run.status).toBe("completed");
    const transcribed = second.steps.filter((s) => s.name.startsWith("transcribe-")).map((s) => Number(s.name.slice("transcribe-".length)));
    expect(transcribed.length).toBeGreaterThan(0);
    for (const i of doneAfterCancel) expect(transcribed).not.toContain(i);

    const view = await h.detail(row.id);
    const segs = view.transcript!.segments;
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.start).toBeGreaterThanOrEqual(segs[i - 1]!.end);
    expect(segs.at(-1)!.end).toBeGreaterThan(long.durationSec - 10);
    expect(await h.q.listChunks(h.db, row.id)).toEqual([]);
  }, 150_000);

  it("deletes the audio after the analysis when asked", async () => {
    const row = await h.createAndUpload(fx.espeak.path, { deleteAfterAnalysis: true });
    expect(await blobsOf(row.id, "audio")).toHaveLength(1);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 60_000);
    expect(done.status).toBe("completed");
    const view = await h.detail(row.id);
    expect(view.audioAvailable).toBe(false);
    expect(view.transcript!.text.toLowerCase()).toContain("budget");
    expect(await blobsOf(row.id)).toEqual([]);
    const log = await h.q.stageLogFor(h.db, row.id);
    expect(log.at(-1)?.message).toMatch(/audio was deleted/);
  }, 60_000);
});
