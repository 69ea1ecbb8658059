/**
 * A long recording end to end through the real built app, the engine and the local transcriber:
 * upload → completed, with chunks in parallel (CHUNK_PARALLELISM=4, the default), the same with
 * the earlier prepare (PREPARE_MODE=sequential: every part encoded to Opus before any
 * transcription), and one chunk after another (CHUNK_PARALLELISM=1), a fresh `next start` +
 * engine + DATA_DIR for each.
 *   npm run bench:transcribe [-- --quick] [-- --build]
 *
 * 40 minutes with CHUNK_SECONDS=300 (8 chunks); --quick: 5 minutes with CHUNK_SECONDS=60 (5 chunks).
 * Reports per run: wall time (request start of POST /api/sessions → the GET that first shows
 * `completed`, polled every 250 ms), the per-stage breakdown from the session's stage log
 * (GET /api/sessions/:id `timeline`), the engine's per-step durations, the transcript's WER against
 * the known text, and the peak memory of the `next start` process tree (sampled /proc VmRSS every
 * 250 ms, plus the kernel's VmHWM high-water mark).
 */
import fs from "node:fs";
import os from "node:os";
import { wordErrorRate } from "@/lib/transcription/wer";
import { longRecording } from "./support/audio";
import { type SessionDetail, SessionsClient, type TimelineEntry } from "./support/client";
import { ensureBuild, sampleMemory, startApp, startEngine } from "./support/server";
import { freePort, hasFlag, isMain, log, round, runMain, sleep, writeResult } from "./support/util";

export interface StageTime {
  stage: string;
  seconds: number;
}
export type PrepareMode = "streamlined" | "sequential";
export interface TranscribeRun {
  /** PREPARE_MODE of the run (lib/config.ts). */
  prepareMode: PrepareMode;
  parallelism: number;
  chunkSeconds: number;
  chunks: number;
  status: string;
  wallSeconds: number;
  /** Upload 202 → finishedAt as the server recorded it. */
  serverSeconds: number;
  uploadSeconds: number;
  stages: StageTime[];
  steps: { name: string; seconds: number }[];
  transcribeStepsSpanSeconds: number;
  transcribeStepsSumSeconds: number;
  realTimeFactor: number;
  wer: number;
  words: number;
  memory: { peakTreeMb: number; peakServerRssMb: number; vmHwmMb: number };
  progress: ProgressFigures;
}
export interface ProgressFigures {
  /** Upload acknowledged → the first progress above 0 %. */
  firstVisibleSec: number | null;
  /** Longest time without a change of progress, from the first "processing" sample to completion. */
  longestStallSec: number;
  distinctValues: number;
  /** |etaSec − time really left| / time really left, at the first sample at or past 25/50/75 %. */
  etaErrorPct: Record<"25" | "50" | "75", number | null>;
}
export interface TranscribeResults {
  recording: { label: string; durationSec: number; bytes: number };
  runs: TranscribeRun[];
  /** One chunk at a time / chunks in parallel (both with today's prepare). */
  ratio: number;
  /** The earlier sequential prepare / today's, both with chunks in parallel. */
  prepareRatio: number;
  /** Load average when each run started and when the last ended (the machine may be shared). */
  load: { atStart: number[][]; atEnd: number[] };
  settings: string;
}

/** Stage durations from the stage log: each stage lasts until the next stage's first entry (or the end). */
export function stageTimes(timeline: TimelineEntry[], finishedAt: string | null): StageTime[] {
  const firsts: { stage: string; at: number }[] = [];
  for (const e of timeline) {
    const stage = e.stage ?? e.status;
    if (firsts.at(-1)?.stage !== stage) firsts.push({ stage, at: Date.parse(e.at) });
  }
  const end = finishedAt ? Date.parse(finishedAt) : Date.parse(timeline.at(-1)?.at ?? "0");
  const out = new Map<string, number>();
  firsts.forEach((f, i) => {
    const next = firsts[i + 1]?.at ?? end;
    out.set(f.stage, (out.get(f.stage) ?? 0) + (next - f.at) / 1000);
  });
  return [...out].map(([stage, seconds]) => ({ stage, seconds: round(seconds, 1) })).filter((s) => s.seconds > 0 || s.stage !== "completed");
}

/** What a person watching the bar sees: how soon it moves, its longest stall, how good the ETA is. */
export function progressFigures(samples: Array<{ at: number; status: string; progress: number; etaSec: number | null }>, uploadedAt: number): ProgressFigures {
  const end = samples.at(-1)?.at ?? uploadedAt;
  const first = samples.find((x) => x.progress > 0);
  const from = samples.findIndex((x) => x.status === "processing");
  let longest = 0;
  let lastChange = samples[from]?.at ?? end;
  for (let i = Math.max(1, from + 1); i < samples.length; i++) {
    if (samples[i]!.progress !== samples[i - 1]!.progress) {
      longest = Math.max(longest, samples[i]!.at - lastChange);
      lastChange = samples[i]!.at;
    }
  }
  const etaError = (p: number) => {
    const x = samples.find((y) => y.progress >= p);
    if (!x || x.etaSec === null) return null;
    const left = (end - x.at) / 1000;
    return left > 0 ? round((Math.abs(x.etaSec - left) / left) * 100, 0) : null;
  };
  return {
    firstVisibleSec: first ? round((first.at - uploadedAt) / 1000, 1) : null,
    longestStallSec: round(longest / 1000, 1),
    distinctValues: new Set(samples.map((x) => x.progress)).size,
    etaErrorPct: { "25": etaError(25), "50": etaError(50), "75": etaError(75) },
  };
}

async function engineSteps(engineUrl: string) {
  const { runs } = (await (await fetch(`${engineUrl}/api/runs?event=session/uploaded`)).json()) as { runs: { id: string }[] };
  if (!runs[0]) return [];
  const { steps } = (await (await fetch(`${engineUrl}/api/runs/${runs[0].id}`)).json()) as {
    steps: { name: string; startedAt: string | null; endedAt: string | null; durationMs: number | null }[];
  };
  return steps;
}

export async function oneRun(opts: { prepareMode: PrepareMode; parallelism: number; chunkSeconds: number; bytes: Buffer; referenceText: string; durationSec: number }): Promise<TranscribeRun> {
  const appPort = await freePort();
  const engine = await startEngine({ appUrl: `http://127.0.0.1:${appPort}/api/inngest` });
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  let client: SessionsClient | undefined;
  try {
    app = await startApp({
      port: appPort,
      enginePort: engine.port,
      env: { CHUNK_PARALLELISM: String(opts.parallelism), CHUNK_SECONDS: String(opts.chunkSeconds), PREPARE_MODE: opts.prepareMode },
    });
    // The engine syncs the app's functions within its poll interval.
    for (let i = 0; ; i++) {
      const h = (await (await fetch(`${engine.url}/health`)).json()) as { functions: number };
      if (h.functions > 0) break;
      if (i > 300) throw new Error("the engine never synced the app's functions");
      await sleep(100);
    }
    client = new SessionsClient(app.url);
    const mem = sampleMemory(app.proc.pid, 250);
    log(`transcribe: PREPARE_MODE=${opts.prepareMode} CHUNK_PARALLELISM=${opts.parallelism} CHUNK_SECONDS=${opts.chunkSeconds}, ${(opts.bytes.length / 1e6).toFixed(1)} MB`);
    const t0 = performance.now();
    const s = await client.create("bench-long.mp3", opts.bytes.length, "audio/mpeg");
    const put = await client.put(s.uploadUrl, opts.bytes, "audio/mpeg");
    if (put.status !== 202) throw new Error(`PUT → ${put.status} ${put.body}`);
    const uploaded = Date.now();
    const uploadSeconds = (performance.now() - t0) / 1000;
    let d: SessionDetail;
    const samples: Array<{ at: number; status: string; progress: number; etaSec: number | null }> = [];
    const deadline = Date.now() + 20 * 60_000;
    let lastLog = 0;
    for (;;) {
      d = await client.get(s.id);
      samples.push({ at: Date.now(), status: d.status, progress: d.progress, etaSec: d.etaSec ?? null });
      if (["completed", "failed", "cancelled"].includes(d.status)) break;
      if (Date.now() > deadline) throw new Error(`not finished after 20 min: ${d.status} ${d.progress}%`);
      if (Date.now() - lastLog > 30_000) {
        lastLog = Date.now();
        log(`  ${d.status} ${d.stage ?? ""} ${d.progress}% chunks ${d.chunks.done}/${d.chunks.total}`);
      }
      await sleep(250);
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const memory = mem.stop();
    if (d.status !== "completed") throw new Error(`session ${d.status}: ${d.error}\n${app.proc.tail()}`);
    const steps = await engineSteps(engine.url);
    const tr = steps.filter((x) => x.name.startsWith("transcribe-") && x.startedAt && x.endedAt);
    const span = tr.length
      ? (Math.max(...tr.map((x) => Date.parse(x.endedAt!))) - Math.min(...tr.map((x) => Date.parse(x.startedAt!)))) / 1000
      : 0;
    const text = d.transcript?.text ?? "";
    await client.delete(s.id);
    return {
      prepareMode: opts.prepareMode,
      parallelism: opts.parallelism,
      chunkSeconds: opts.chunkSeconds,
      chunks: d.chunks.total,
      status: d.status,
      wallSeconds: round(wallSeconds, 1),
      serverSeconds: round(((d.finishedAt ? Date.parse(d.finishedAt) : Date.now()) - uploaded) / 1000, 1),
      uploadSeconds: round(uploadSeconds, 2),
      stages: stageTimes(d.timeline ?? [], d.finishedAt),
      steps: steps.map((x) => ({ name: x.name, seconds: round((x.durationMs ?? 0) / 1000, 1) })),
      transcribeStepsSpanSeconds: round(span, 1),
      transcribeStepsSumSeconds: round(tr.reduce((a, x) => a + (x.durationMs ?? 0), 0) / 1000, 1),
      realTimeFactor: round(wallSeconds / opts.durationSec, 3),
      wer: round(wordErrorRate(opts.referenceText, text) * 100, 1),
      words: text.split(/\s+/).filter(Boolean).length,
      memory,
      progress: progressFigures(samples, uploaded),
    };
  } finally {
    client?.close();
    await app?.stop();
    await engine.stop();
  }
}

export async function runTranscribe(opts: { quick: boolean }): Promise<TranscribeResults> {
  const rec = await longRecording(opts.quick ? 5 : 40);
  const chunkSeconds = opts.quick ? 60 : 300;
  const bytes = fs.readFileSync(rec.path);
  const runs: TranscribeRun[] = [];
  const atStart: number[][] = [];
  // Today's design, the earlier prepare in the same run (the load of a shared machine changes by
  // the minute, so figures from different runs do not compare), then one chunk at a time.
  const plan: Array<{ prepareMode: PrepareMode; parallelism: number }> = [
    { prepareMode: "streamlined", parallelism: 4 },
    { prepareMode: "sequential", parallelism: 4 },
    { prepareMode: "streamlined", parallelism: 1 },
  ];
  for (const p of plan) {
    atStart.push(os.loadavg().map((x) => round(x, 1)));
    runs.push(await oneRun({ ...p, chunkSeconds, bytes, referenceText: rec.referenceText!, durationSec: rec.durationSec }));
  }
  const [now, before, oneAtATime] = runs as [TranscribeRun, TranscribeRun, TranscribeRun];
  return {
    recording: { label: rec.label, durationSec: round(rec.durationSec, 1), bytes: bytes.length },
    runs,
    ratio: round(oneAtATime.wallSeconds / now.wallSeconds, 2),
    prepareRatio: round(before.wallSeconds / now.wallSeconds, 2),
    load: { atStart, atEnd: os.loadavg().map((x) => round(x, 1)) },
    settings:
      "local transcriber: createLocalTranscriber() defaults (lib/providers.ts passes no options): one 1-thread decode per core, " +
      `at most 3 (${Math.min(3, os.availableParallelism())} here); PROCESSING_CONCURRENCY default 5`,
  };
}

export function printTranscribe(r: TranscribeResults): void {
  console.log(`${r.recording.label} recording (${r.recording.durationSec} s, ${(r.recording.bytes / 1e6).toFixed(1)} MB), local provider, upload → completed:`);
  for (const [i, x] of r.runs.entries()) {
    console.log(
      `  PREPARE_MODE=${x.prepareMode} CHUNK_PARALLELISM=${x.parallelism} (load ${r.load.atStart[i]?.join(" ") ?? "?"}): wall ${x.wallSeconds} s (RTF ${x.realTimeFactor}; upload ${x.uploadSeconds} s), ${x.chunks} chunks of ${x.chunkSeconds} s, ` +
        `WER ${x.wer}% (${x.words} words), peak RSS ${x.memory.peakTreeMb} MB (tree; VmHWM ${x.memory.vmHwmMb} MB)`,
    );
    console.log(`    stages: ${x.stages.map((s) => `${s.stage} ${s.seconds} s`).join(", ")}`);
    console.log(`    progress: ${formatProgress(x.progress)}`);
    console.log(`    transcribe steps: span ${x.transcribeStepsSpanSeconds} s, sum ${x.transcribeStepsSumSeconds} s; other steps: ${x.steps.filter((s) => !s.name.startsWith("transcribe-")).map((s) => `${s.name} ${s.seconds} s`).join(", ")}`);
  }
  console.log(`  earlier sequential prepare / today's = ${r.prepareRatio}×; one chunk at a time / parallel = ${r.ratio}×   (${r.settings})`);
}

/** What a person watching the bar sees, in one line. */
export function formatProgress(p: ProgressFigures): string {
  return (
    `first visible after ${p.firstVisibleSec ?? "–"} s, longest stall ${p.longestStallSec} s, ${p.distinctValues} distinct values; ` +
    `ETA error at 25/50/75 %: ${(["25", "50", "75"] as const).map((k) => (p.etaErrorPct[k] === null ? "–" : `${p.etaErrorPct[k]} %`)).join(" / ")}`
  );
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const quick = hasFlag("quick");
    await ensureBuild(hasFlag("build"));
    const r = await runTranscribe({ quick });
    printTranscribe(r);
    writeResult("transcribe.json", { date: new Date().toISOString(), quick, ...r });
  });
}
