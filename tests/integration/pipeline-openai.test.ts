/**
 * The whole durable pipeline, end to end, with the OpenAI providers pointed at the fake
 * OpenAI-compatible server (real HTTP, real `openai` client): real local engine (child
 * process), real inngest serve handler, PGlite, local disk storage. Faults are injected at
 * the HTTP level, so every retry below is a real one, scheduled by the engine.
 */
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildLongRecording, buildNoisyPauseRecording, ensureFixtures, type Fixtures, type LongRecording, type PauseRecording } from "@/scripts/fixtures-lib";
import { ensureVadModel } from "@/scripts/setup-model";
import { FAKE_GPT4O_MAX_SECONDS, FAKE_MAX_BODY_BYTES, startFakeOpenAI, type AudioInfo, type FakeOpenAI, type FakeSegment } from "../support/fake-openai";
import { type Harness, stageOrder, startPipelineHarness, waitFor } from "../support/pipeline-harness";
import { expectMonotonicCoverage } from "../support/assertions";

let h: Harness;
let fake: FakeOpenAI;
let fx: Fixtures;
let long: LongRecording;
let noisy: PauseRecording;

/** What the fake "model" was handed, with when it started and finished answering. */
interface Served {
  durationSec: number;
  sizeBytes: number;
  start: number;
  end: number;
}
const served: Served[] = [];

/**
 * Transcription requests the fake server had received and not yet answered, at most, as seen
 * from inside its "model". While `gather` > 1 a request waits there (at most 60 s) until that many
 * are open at once: requests sent in parallel meet, requests sent one after another do not.
 */
let gather = 0;
let maxOpen = 0;
async function meet(): Promise<void> {
  const open = () => fake.requestsTo("transcriptions").filter((r) => r.status === undefined).length;
  // Long enough for a part still being cut when the first one arrives: parts are sent as soon as
  // each is cut (cut-N steps), and a 21-minute part takes 20–30 s to encode on a loaded 2-core machine.
  const deadline = Date.now() + 60_000;
  // Once they have met, nobody waits any more.
  while (gather > 1 && maxOpen < gather && open() < gather && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  maxOpen = Math.max(maxOpen, open());
}

/** Whisper-like: segments of at most 30 s over the real speech in the chunk. */
async function transcribe(audio: AudioInfo) {
  const start = Date.now();
  await meet();
  const segments: FakeSegment[] = [];
  for (const span of audio.speech) {
    for (let t = span.start; t < span.end - 0.05; t += 30) {
      const end = Math.min(span.end, t + 30);
      segments.push({ start: Math.round(t * 100) / 100, end: Math.round(end * 100) / 100, text: `Speech from ${t.toFixed(1)} to ${end.toFixed(1)} seconds.` });
    }
  }
  served.push({ durationSec: audio.durationSec, sizeBytes: audio.sizeBytes, start, end: Date.now() });
  return { segments, language: "en" };
}

beforeAll(async () => {
  fx = await ensureFixtures();
  // 25 minutes: two chunks for whisper-1 (at most 1390 s each). 40 minutes works as well, but
  // cutting it into Opus chunks alone takes ~30 s of CPU in the prepare step.
  long = await buildLongRecording({ minutes: 25 });
  const [vadDir] = await Promise.all([ensureVadModel(), buildNoisyPauseRecording().then((r) => (noisy = r))]);
  fake = await startFakeOpenAI({ transcribe });
  h = await startPipelineHarness({
    env: {
      TRANSCRIPTION_PROVIDER: "openai",
      ANALYSIS_PROVIDER: "openai",
      OPENAI_API_KEY: fake.apiKey,
      OPENAI_BASE_URL: fake.baseURL,
      TRANSCRIPTION_MODEL: "whisper-1",
      PROCESSING_RETRIES: "3",
      CHUNK_SECONDS: undefined,
      VAD_MODEL_DIR: vadDir,
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
  served.length = 0;
  gather = 0;
  maxOpen = 0;
});

describe("pipeline with the local engine and OpenAI providers (fake server)", () => {
  it("transcribes a 25-minute recording in parallel chunks within the provider's limits", async () => {
    gather = 2;
    const started = Date.now();
    const row = await h.createAndUpload(long.path);
    const w = h.watch(row.id, 100);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 150_000);
    await w.stop();
    const wallMs = Date.now() - started;
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.transcriber).toBe("openai:whisper-1");

    const uploads = fake.requestsTo("transcriptions");
    const { steps } = await h.finishedRun(row.id, row.generation);
    const ms = (name: string) => steps.find((s) => s.name === name)?.durationMs;
    console.log(
      `[pipeline-openai] ${(long.durationSec / 60).toFixed(1)} min recording: ${(wallMs / 1000).toFixed(1)} s wall, ` +
        `${uploads.length} chunk requests (${served.map((s) => `${s.durationSec.toFixed(0)} s/${(s.sizeBytes / 1e6).toFixed(1)} MB`).join(", ")}), ` +
        `${fake.requestsTo("chat").length} chat requests; prepare ${ms("prepare")} ms, ` +
        `chunks ${steps.filter((s) => s.name.startsWith("transcribe-")).map((s) => `${s.durationMs} ms`).join("/")}, ${maxOpen} requests open at once`,
    );
    expect(done.chunksTotal).toBeGreaterThan(1);
    expect(uploads).toHaveLength(done.chunksTotal);
    for (const r of uploads) {
      expect(r.status).toBe(200);
      expect(r.model).toBe("whisper-1");
      expect(r.fields.response_format).toBe("verbose_json");
      expect(r.bodyBytes).toBeLessThanOrEqual(FAKE_MAX_BODY_BYTES);
    }
    expect(served).toHaveLength(done.chunksTotal);
    for (const s of served) {
      expect(s.durationSec).toBeLessThanOrEqual(FAKE_GPT4O_MAX_SECONDS);
      expect(s.sizeBytes).toBeLessThanOrEqual(25 * 1024 * 1024);
    }
    expect(served.reduce((a, s) => a + s.durationSec, 0)).toBeCloseTo(long.durationSec, -1);
    // the chunks were with the provider at the same time
    expect(maxOpen).toBe(done.chunksTotal);

    const view = await h.detail(row.id);
    const segs = view.transcript!.segments;
    expect(view.transcript!.provider).toBe("openai:whisper-1");
    expect(segs.length).toBeGreaterThan(50);
    expectMonotonicCoverage(segs, long.durationSec);
    // a segment at every stretch of the recording: no chunk's text went missing
    const gaps = segs.slice(1).map((s, i) => s.start - segs[i]!.end);
    expect(Math.max(...gaps)).toBeLessThan(15);

    expect(view.analysis?.insights.provider).toMatch(/openai/);
    expect(view.analysis?.noSpeech).toBe(false);
    expect(new Set(w.progress.filter((p) => p > 10 && p < 85)).size).toBeGreaterThanOrEqual(1);
    expect(await h.q.listChunks(h.db, row.id)).toEqual([]);
  }, 200_000);

  it("stops cutting the recording into chunks when the person cancels during prepare", async () => {
    const row = await h.createAndUpload(long.path, { title: "cancel while preparing" });
    await waitFor(async () => (await h.session(row.id)).stage === "preparing", 30_000, "prepare to start");
    await new Promise((r) => setTimeout(r, 500));
    const cancelledAt = Date.now();
    await h.cancel(row.id);
    const { run } = await h.finishedRun(row.id, row.generation, 20_000);
    expect(run.status).toBe("cancelled");
    // the prepare request returns within about a second, not after the whole recording is cut (~20 s here)
    await waitFor(async () => (await h.engineApi<{ inFlight: number }>("/health")).inFlight === 0, 8_000, "the prepare step to return");
    console.log(`[pipeline-openai] cancel during prepare → step returned in ${Date.now() - cancelledAt} ms`);
    const after = await h.session(row.id);
    expect(after.status).toBe("cancelled");
    // The cancel lands in the pause scan or in the first cut steps (parts are cut in steps of
    // their own since 2026-12): either way no part was finished and nothing was sent.
    const parts = await h.q.listChunks(h.db, row.id);
    expect(parts.filter((c) => c.sizeBytes > 0)).toEqual([]);
    expect(fake.requestsTo("transcriptions")).toHaveLength(0);
  }, 60_000);

  it("retries a chunk after a 500 through the engine, and completes", async () => {
    fake.fault("transcriptions", { kind: "server-error" });
    const row = await h.createAndUpload(fx.librivox.mp3);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 60_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");

    const uploads = fake.requestsTo("transcriptions");
    expect(uploads.map((r) => r.status)).toEqual([500, 200]);
    // the SDK did not retry on its own: the second request is a new step attempt
    expect(uploads.every((r) => r.retryCount === 0)).toBe(true);

    const { run, steps } = await h.finishedRun(row.id, row.generation);
    expect(run.status).toBe("completed");
    const chunk = steps.find((s) => s.name === "transcribe-0")!;
    expect(chunk.attempts).toBe(2);
    expect(chunk.errors).toHaveLength(1);
    expect(steps.filter((s) => s !== chunk).every((s) => s.attempts === 1)).toBe(true);

    const log = await h.q.stageLogFor(h.db, row.id);
    expect(log.some((l) => /Transcribing part 1 failed on attempt 1/.test(l.message ?? "") && /server error \(500\)/.test(l.error ?? ""))).toBe(true);
    expect(log.some((l) => /attempt 2/.test(l.message ?? ""))).toBe(true);
    expect(stageOrder(log)).toEqual(["preparing", "transcribing", "analyzing", "finalizing", "completed"]);
  }, 60_000);

  it("waits out a 429 with Retry-After: 1 before the next attempt", async () => {
    fake.fault("transcriptions", { kind: "rate-limit", retryAfterSec: 1 });
    const row = await h.createAndUpload(fx.librivox.mp3);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 60_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(fake.requestsTo("transcriptions").map((r) => r.status)).toEqual([429, 200]);

    const { steps } = await h.finishedRun(row.id, row.generation);
    const chunk = steps.find((s) => s.name === "transcribe-0")!;
    expect(chunk.attempts).toBe(2);
    const failedAt = Date.parse(chunk.errors[0]!.at);
    const retriedAfter = served[0]!.start - failedAt;
    console.log(`[pipeline-openai] 429 with Retry-After: 1 → next request ${retriedAfter} ms after the failure`);
    expect(retriedAfter).toBeGreaterThanOrEqual(950);
    expect(retriedAfter).toBeLessThan(10_000);
  }, 60_000);

  it("fails at once, naming OPENAI_API_KEY, when the key is rejected", async () => {
    fake.fault("transcriptions", { kind: "unauthorized" });
    const row = await h.createAndUpload(fx.librivox.mp3);
    const failed = await h.waitForStatus(row.id, ["failed", "completed"], 30_000);
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("OPENAI_API_KEY");
    expect(failed.error).not.toMatch(/NonRetriableError|StepError/);

    const { run, steps } = await h.finishedRun(row.id, row.generation);
    expect(run.status).toBe("failed");
    expect(fake.requestsTo("transcriptions")).toHaveLength(1);
    expect(fake.requestsTo("chat")).toHaveLength(0);
    const onFailure = await h.failureRuns(row.id);
    expect(onFailure.map((r) => r.status)).toEqual(["completed"]);
    const chunk = steps.find((s) => s.name === "transcribe-0")!;
    expect(chunk.status).toBe("failed");
    expect(chunk.attempts).toBe(1);
    const log = await h.q.stageLogFor(h.db, row.id);
    expect(log.some((l) => /will retry/.test(l.message ?? ""))).toBe(false);
    expect(log.at(-1)?.status).toBe("failed");
  }, 60_000);

  it("measures pauses with the voice detector beside the remote request, under room noise silencedetect cannot see through", async () => {
    // Pauses of 0.6, 1.5 and 3 s between sentences, all under pink noise at about −28 dBFS.
    const row = await h.createAndUpload(noisy.path);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 60_000);
    expect(done.error).toBeNull();
    const m = (await h.detail(row.id)).analysis!.metrics;
    const speaking = noisy.speech.reduce((sum, s) => sum + (s.end - s.start), 0);
    const durationSec = noisy.speech.at(-1)!.end;
    expect(Math.abs(m.longestPauseSec - Math.max(...noisy.pausesSec)), JSON.stringify(m)).toBeLessThan(0.3);
    // Under noise the detector holds on a little past each sentence (0.6 s more speech in all was
    // seen over six edges); a loudness threshold finds no pause here at all (silent 0:00).
    expect(Math.abs(m.speakingSec - speaking), JSON.stringify(m)).toBeLessThan(1);
    expect(Math.abs(m.silentSec - (durationSec - speaking)), JSON.stringify(m)).toBeLessThan(1);
  }, 90_000);

  it("keeps the transcript when the analysis fails for good; a retry re-runs only the analysis", async () => {
    fake.fault("chat", { kind: "refusal", refusal: "I can't help with that." });
    const row = await h.createAndUpload(fx.librivox.mp3);
    const failed = await h.waitForStatus(row.id, ["failed", "completed"], 60_000);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/declined/);

    const first = await h.finishedRun(row.id, row.generation);
    expect(first.run.status).toBe("failed");
    const analyze = first.steps.find((s) => s.name === "analyze")!;
    expect(analyze.status).toBe("failed");
    expect(analyze.attempts).toBe(1);
    expect(fake.requestsTo("chat")).toHaveLength(1);

    const view = await h.detail(row.id);
    expect(view.status).toBe("failed");
    expect(view.transcript).not.toBeNull();
    expect(view.transcript!.text.length).toBeGreaterThan(0);
    expect(view.analysis).toBeNull();

    const transcriptionsBefore = fake.requestsTo("transcriptions").length;
    expect(transcriptionsBefore).toBe(1);
    const retried = await h.retry(row.id);
    const done = await h.waitForStatus(row.id, ["completed", "failed"], 60_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(fake.requestsTo("transcriptions")).toHaveLength(transcriptionsBefore);
    expect(fake.requestsTo("chat").length).toBeGreaterThan(1);

    const second = await h.finishedRun(row.id, retried.generation);
    expect(second.run.status).toBe("completed");
    expect(second.steps.some((s) => s.name.startsWith("transcribe-"))).toBe(false);
    const after = await h.detail(row.id);
    expect(after.transcript!.text).toBe(view.transcript!.text);
    expect(after.analysis?.insights.provider).toMatch(/openai/);
  }, 60_000);
});
