/**
 * The long check: progress a person can trust on the 40-minute recording, through the real
 * engine, the real serve handler, PGlite, Moonshine tiny and Silero VAD (no mocks), sampled
 * every 0.5 s the way the page reads it (sessionDetail, the Session JSON).
 *
 * Timing-dependent checks are judged on the run's own time base. The strict figures (a gap of
 * at most 5 s, the ETA within ±35 %) hold as they are on an idle 2-core machine, where the
 * 40-minute recording takes ~60 s end to end; when this run was slower than that (the machine
 * is shared), the gap allowed grows by the same factor, so a stall that is a real share of the
 * run (like the 111 s once seen on this recording) still fails. The ETA at 50 % is judged
 * against the time really left, unless the machine's pace changed by more than 15 % after
 * the estimate was made (other work started or stopped): then against the time that would have
 * been left at the pace the estimate could see.
 */
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLongRecording, ensureFixtures, type Fixtures, type LongRecording } from "@/scripts/fixtures-lib";
import { type Harness, sleep, startPipelineHarness } from "../support/pipeline-harness";

const MODEL_DIR = path.resolve(import.meta.dirname, "..", "..", ".data", "models", "moonshine-tiny");
/** Upload → completed for the 40-minute recording on an idle 2-core machine (measured: ~60 s). */
const IDLE_RUN_SEC = 60;
const IDLE_RUN_MINUTES = 40;
const MAX_GAP_SEC = 5;
const ETA_TOLERANCE = 0.35;
/**
 * A change of pace after the 50 % estimate beyond this factor is the machine's doing, not the estimate's.
 * 15 %: within it the machine alone moves the truth by at most ~13 %, which leaves most of the 35 % to
 * the estimate's own error. At 25 % a run whose second half went 24 % faster (Vitest's other files
 * finishing beside it) was judged raw and came out at 33 %.
 */
const STEADY_PACE = 1.15;
const SAMPLE_MS = 500;

let h: Harness;
let fx: Fixtures;
let long: LongRecording;

beforeAll(async () => {
  const { ensureLocalModel } = await import("@/scripts/setup-model");
  await ensureLocalModel(MODEL_DIR);
  fx = await ensureFixtures();
  long = await buildLongRecording({ minutes: IDLE_RUN_MINUTES });
  // The defaults otherwise (the local model's own 10-minute parts, its decode slots), but one
  // person's steps two at a time: the long recording's two parts in flight then hold them, so a
  // second recording of the same person really waits (with the default 3 it starts at once).
  h = await startPipelineHarness({
    env: { TRANSCRIPTION_PROVIDER: "local", ANALYSIS_PROVIDER: "local", MOONSHINE_MODEL_DIR: MODEL_DIR, PROCESSING_CONCURRENCY_PER_OWNER: "2" },
  });
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

interface Sample {
  /** Milliseconds since the upload was acknowledged. */
  at: number;
  status: string;
  stage: string | null;
  progress: number;
  etaSec: number | null;
  queuePosition: number | null;
  activity: string | null;
}

const view = async (id: string, t0: number): Promise<Sample> => {
  const v = await h.detail(id);
  return { at: Date.now() - t0, status: v.status, stage: v.stage, progress: v.progress, etaSec: v.etaSec, queuePosition: v.queuePosition, activity: v.activity };
};
const ended = (s: Sample) => ["completed", "failed", "cancelled"].includes(s.status);
const transcribed = (s: Sample) => s.stage !== "preparing" && s.status !== "queued";
const sec = (ms: number) => Math.round(ms / 100) / 10;

describe("progress on the 40-minute recording with the local model", () => {
  it("moves every few seconds, never back, with an ETA that holds, and a queue position for a recording waiting behind it", async () => {
    const row = await h.createAndUpload(long.path, { title: "Long check" });
    const t0 = Date.now();
    const samples: Sample[] = [];
    const waiting: Sample[] = [];
    let waitingId: string | undefined;
    let waitingCancelled = false;
    for (;;) {
      const s = await view(row.id, t0);
      samples.push(s);
      // A second recording of the same person, once this one's parts hold the slots: it waits.
      if (!waitingId && s.stage === "transcribing" && s.progress > 12) {
        waitingId = (await h.createAndUpload(fx.librivox.mp3, { title: "Waiting" })).id;
      }
      if (waitingId && !waitingCancelled) {
        waiting.push(await view(waitingId, t0));
        // Seen waiting with its place twice: cancel it now, or it takes the slot the long recording's
        // next part needs at the part boundary and its prepare the CPU (a 10 s stall was seen here).
        // It is retried, and must complete, once the long one is done.
        if (waiting.filter((w) => w.status === "queued").length >= 2) {
          waitingCancelled = true;
          expect((await h.cancel(waitingId)).status).toBe("cancelled");
        }
      }
      if (ended(s)) break;
      await sleep(SAMPLE_MS);
    }
    const last = samples.at(-1)!;
    expect(last.status).toBe("completed");
    const end = last.at;

    // The time base: how much slower than an idle machine this run was.
    const slowdown = Math.max(1, end / 1000 / ((IDLE_RUN_SEC * long.durationSec) / (IDLE_RUN_MINUTES * 60)));

    // Never backwards; many distinct values.
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.progress).toBeGreaterThanOrEqual(samples[i - 1]!.progress);
    const distinct = new Set(samples.map((s) => s.progress)).size;
    expect(distinct).toBeGreaterThanOrEqual(30);

    // No stall: from the first sample of prepare to completion, the longest time without a change.
    const from = samples.findIndex((s) => s.status === "processing");
    expect(from).toBeGreaterThanOrEqual(0);
    let longest = { ms: 0, at: 0, progress: 0 };
    let lastChange = samples[from]!;
    for (const s of samples.slice(from + 1)) {
      if (s.progress === lastChange.progress) continue;
      if (s.at - lastChange.at > longest.ms) longest = { ms: s.at - lastChange.at, at: lastChange.at, progress: lastChange.progress };
      lastChange = s;
    }
    const allowedGapMs = MAX_GAP_SEC * 1000 * slowdown;

    // The ETA: there as soon as this run has measured a rate, to the end.
    const measuring = samples.filter((s) => !ended(s) && transcribed(s) && s.progress >= 13);
    expect(measuring.length).toBeGreaterThan(10);
    expect(measuring.filter((s) => s.etaSec === null)).toEqual([]);
    // At 50 %, against the time really left (or at the pace the estimate saw, see the top).
    const half = samples.find((s) => s.progress >= 50)!;
    const leftSec = (end - half.at) / 1000;
    const tStart = samples.find(transcribed)!.at;
    const tEnd = samples.find((s) => transcribed(s) && s.stage !== "transcribing")!.at;
    const share = (p: number) => (p - 10) / 75;
    const paceBefore = share(half.progress) / Math.max(0.001, half.at - tStart);
    const paceAfter = (1 - share(half.progress)) / Math.max(0.001, tEnd - half.at);
    const paceChange = paceAfter / paceBefore;
    const steady = paceChange <= STEADY_PACE && paceChange >= 1 / STEADY_PACE;
    const judgedLeftSec = steady ? leftSec : ((tEnd - half.at) * paceChange + (end - tEnd)) / 1000;
    const etaError = Math.abs(half.etaSec! - judgedLeftSec) / judgedLeftSec;

    console.log(
      `[progress-long] ${sec(long.durationSec * 1000)} s of audio in ${sec(end)} s (×${slowdown.toFixed(2)} an idle machine), ` +
        `${samples.length} samples, ${distinct} distinct values, longest stall ${sec(longest.ms)} s at ${longest.progress} % ` +
        `(allowed ${sec(allowedGapMs)} s), ETA at ${half.progress} %: ${half.etaSec} s vs ${leftSec.toFixed(1)} s left ` +
        `(pace after/before ${paceChange.toFixed(2)}${steady ? "" : `, judged against ${judgedLeftSec.toFixed(1)} s`}: error ${Math.round(etaError * 100)} %)`,
    );
    // Every sample, for a look at where the time went (not kept: the temporary directory).
    const dump = path.join(os.tmpdir(), `murmur-progress-long-${process.pid}.json`);
    await fsp.writeFile(dump, JSON.stringify({ samples, waiting, durationSec: long.durationSec }));
    console.log(`[progress-long] samples in ${dump}`);
    // What the page showed around the longest stall, to tell where it came from when it fails.
    const around = samples.filter((s) => s.at >= longest.at - 2000 && s.at <= longest.at + longest.ms + 1000);
    console.log(around.map((s) => `  ${sec(s.at)} s ${s.stage ?? s.status} ${s.progress} % ${s.activity ?? ""}`).join("\n"));
    expect(longest.ms, `stall of ${sec(longest.ms)} s at ${longest.progress} % (${sec(longest.at)} s after upload)`).toBeLessThanOrEqual(allowedGapMs);
    expect(half.etaSec).not.toBeNull();
    expect(etaError).toBeLessThanOrEqual(ETA_TOLERANCE);

    // The recording that waited said where it stood, and, retried, ran.
    expect(waitingId).toBeDefined();
    const queued = waiting.filter((s) => s.status === "queued");
    // Seen waiting more than once: it was held back, not just on its way to a free slot.
    expect(queued.length).toBeGreaterThanOrEqual(2);
    for (const s of queued) expect(s.queuePosition).toBeGreaterThanOrEqual(1);
    await h.retry(waitingId!);
    const done = await h.waitForStatus(waitingId!, ["completed", "failed"], 120_000);
    expect(done.status).toBe("completed");
    expect((await h.detail(waitingId!)).queuePosition).toBeNull();
  }, 900_000);
});
