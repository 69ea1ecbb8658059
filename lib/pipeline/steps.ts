import { makeWorkDir } from "@/lib/audio/leftovers";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Database } from "@/db/client";
import * as q from "@/db/queries";
import { setRunId } from "@/db/operations";
import { chunkSecondsFor, encodeChunk, PART_CONTENT_TYPE, PART_EXTENSION, type PartFormat, planChunks, writeWavPart } from "@/lib/audio/chunks";
import { probe } from "@/lib/audio/probe";
import { describeShortfall, findPauses, honestDuration } from "@/lib/audio/pauses";
import { silencesBetween } from "@/lib/audio/spans";
import type { Analyzer } from "@/lib/analysis/types";
import { analyzeTranscript } from "@/lib/analysis/local";
import { countWords } from "@/lib/analysis/text";
import { blobKeys, type BlobStore } from "@/lib/storage/types";
import type { Transcriber } from "@/lib/transcription/types";
import { mapLimited } from "@/lib/concurrency";
import { PermanentError } from "@/lib/errors";
import { runPriority } from "@/lib/sessions/priority";
import { formatDuration } from "@/lib/time";
import { claimedSession, updateRun, watchClaim } from "./fence";
import { speechBesideRequest } from "./speech";
import { BANDS, partsProgress, preparingProgress } from "./progress";
import { describeSpans, monotonic, spansToGlobalTime, toGlobalTime } from "./segments";

/**
 * The work of each durable step, as plain functions of (deps, run context).
 * inngest/functions wires them to step.run; keeping them here makes them
 * testable without an engine and keeps step outputs small (ids and counts).
 */
export interface PipelineDeps {
  db: Database;
  store: BlobStore;
  transcriber: () => Promise<Transcriber>;
  analyzer: () => Promise<Analyzer>;
  /** CHUNK_SECONDS: overrides the provider's own chunk length. */
  chunkSeconds?: number;
  /** PREPARE_MODE (lib/config.ts): "sequential" is the earlier design, kept for the benchmark. */
  prepareMode?: "streamlined" | "sequential";
}

/** The format prepare stores a transcriber's parts in (PartFormat in lib/audio/chunks.ts). */
export function partFormatFor(transcriber: Pick<Transcriber, "partFormat">, mode: PipelineDeps["prepareMode"]): PartFormat {
  return mode === "sequential" ? "opus" : (transcriber.partFormat ?? "opus");
}

export interface RunContext {
  sessionId: string;
  generation: number;
  /** 1-based attempt of the step being run. */
  attempt: number;
  /** The engine's id of this run, kept on the session for a link to it. */
  runId?: string;
}

export type Inactive = { active: false };
export interface PlannedChunk {
  index: number;
  start: number;
  end: number;
  done: boolean;
  /**
   * Stored as a blob already. False for the parts a `cut-N` step cuts while earlier parts
   * transcribe (remote providers' Opus parts). Absent in the output of a run memoized before
   * parts could be cut in steps: those runs' prepare cut every part.
   */
  cut?: boolean;
}
export type PrepareResult = Inactive | { active: true; durationSec: number; chunks: PlannedChunk[] };

/**
 * Probes, rejects non-audio, finds the pauses in one decoding pass and plans the parts.
 * The local model's parts (WAV) come out of that same pass and are all stored here; Opus
 * parts are encoded by one `cut-N` step each (cutPart), side by side with the transcription
 * of the parts before them, except in PREPARE_MODE=sequential, which encodes them all here.
 * The plan is stored before any part is cut, so a later run reuses it and every part that was
 * cut (a crash or cancel in the middle of cutting loses only the parts in progress).
 */
export async function prepare(deps: PipelineDeps, ctx: RunContext): Promise<PrepareResult> {
  const row = await claimedSession(deps.db, ctx);
  if (!row) return { active: false };
  if (ctx.runId && row.runId !== ctx.runId) await setRunId(deps.db, ctx.sessionId, ctx.generation, ctx.runId);
  const transcriber = await deps.transcriber();
  await updateRun(deps.db, ctx, {
    status: "processing",
    stage: "preparing",
    progress: BANDS.preparing.from,
    attempt: ctx.attempt,
    error: null,
    transcriber: transcriber.name,
    message: "Preparing the audio",
  });

  const format = partFormatFor(transcriber, deps.prepareMode);
  const existing = await q.listChunks(deps.db, ctx.sessionId);
  // Parts in another format (the provider changed since) are planned and cut again, so a remote provider is never sent WAV.
  const sameFormat = existing.every((c) => c.blobKey === blobKeys.chunk(ctx.sessionId, c.index, PART_EXTENSION[format]));
  if (existing.length && row.durationSec && sameFormat) {
    const stored = await Promise.all(existing.map(async (c) => c.transcribedAt !== null || (c.sizeBytes > 0 && (await deps.store.stat(c.blobKey)) !== null)));
    const missing = stored.filter((x) => !x).length;
    // Without cut steps (PREPARE_MODE=sequential) a part that is not stored means cutting it all again, as before.
    if (missing === 0 || deps.prepareMode !== "sequential") {
      const cutShare = (existing.length - missing) / existing.length;
      await updateRun(deps.db, ctx, {
        status: "processing",
        stage: "transcribing",
        progress: partsProgress(cutShare, 0, row.durationSec),
        transcribing: true,
        message: `Reusing ${existing.length - missing} prepared part(s)` + (missing ? `; cutting the other ${missing}` : ""),
      });
      return {
        active: true,
        durationSec: row.durationSec,
        chunks: existing.map((c, i) => ({ index: c.index, start: c.startSec, end: c.endSec, done: c.transcribedAt !== null, cut: stored[i]! })),
      };
    }
  }

  if (!row.audioKey) throw new PermanentError("The audio of this session is no longer stored.");
  const audio = await deps.store.toLocalFile(row.audioKey);
  // Under the app's own work folder, so a restart after a crash can remove it (lib/audio/leftovers.ts),
  // and named after the session, so the sweep removes it when a lost run left it behind without a restart.
  const work = await makeWorkDir(`murmur-prepare-${ctx.sessionId}-`);
  // Cutting hours of audio takes a while: a cancel stops it instead of letting it run to the end.
  const claim = watchClaim(deps.db, ctx);
  const { signal } = claim;
  const report = (progress: number, activity: string) =>
    q.applyRunProgress(deps.db, ctx.sessionId, ctx.generation, { progress, activity }).catch(() => false);
  try {
    await report(preparingProgress("probing", 0), "Reading the file");
    const info = await probe(audio.path);
    await report(preparingProgress("pauses", 0), "Finding pauses");
    let lastReport = 0;
    // For WAV parts the pause scan also keeps what it decodes: the parts are then byte ranges of it.
    const pcmPath = format === "wav" ? path.join(work, "decoded.pcm") : undefined;
    const found = await findPauses(audio.path, info.durationSec, {
      signal,
      ...(pcmPath ? { pcmPath } : {}),
      onProgress: (sec) => {
        // ffmpeg says where it is every second; the bar moves at most once a second too.
        if (sec - lastReport < 1) return;
        lastReport = sec;
        void report(preparingProgress("pauses", sec / info.durationSec), "Finding pauses");
      },
    });
    const { durationSec, announcedSec } = honestDuration(info.durationSec, found.decodedSec);
    const { silences } = found;
    const maxSeconds = chunkSecondsFor(transcriber, deps.chunkSeconds, format);
    const plan = planChunks(durationSec, silences, { maxSeconds });
    const keyOf = (index: number) => blobKeys.chunk(ctx.sessionId, index, PART_EXTENSION[format]);
    // Size 0 until a part is stored: what cutPart and a later run's reuse go by.
    await q.replaceChunks(deps.db, ctx.sessionId, plan.map((c) => ({ index: c.index, startSec: c.start, endSec: c.end, blobKey: keyOf(c.index), sizeBytes: 0 })));
    await q.setSilences(deps.db, ctx.sessionId, silences);
    const inline = format === "wav" || deps.prepareMode === "sequential";
    const summary =
      `Audio is ${formatDuration(durationSec)}` +
      (announcedSec !== null ? ` (${describeShortfall(durationSec, announcedSec)})` : "");
    if (!inline) {
      await updateRun(deps.db, ctx, {
        status: "processing",
        stage: "transcribing",
        progress: partsProgress(0, 0, durationSec),
        durationSec,
        announcedDurationSec: announcedSec,
        chunksTotal: plan.length,
        activity: `Cutting parts (0 of ${plan.length} cut)`,
        transcribing: true,
        message: `${summary}; cutting ${plan.length} part(s) as the first ones transcribe`,
      });
      return { active: true, durationSec, chunks: plan.map((c) => ({ ...c, done: false, cut: false })) };
    }

    let cut = 0;
    await report(preparingProgress("cutting", 0), `Cutting part 1 of ${plan.length}`);
    // Encoding runs ffmpeg on one core per part: side by side they use the others. A WAV part
    // is a file copy (~20 MB per 10 minutes), so two at a time keep the disk, not the CPU, busy.
    const width = format === "wav" ? 2 : Math.min(4, os.availableParallelism());
    await mapLimited(plan, width, async (c) => {
      const file = path.join(work, `${c.index}.${PART_EXTENSION[format]}`);
      if (pcmPath) await writeWavPart(pcmPath, c, file);
      else await encodeChunk(audio.path, c, file, { signal });
      signal.throwIfAborted();
      const size = await storePart(deps, transcriber, keyOf(c.index), file, format);
      await q.setChunkSize(deps.db, ctx.sessionId, c.index, size);
      cut++;
      await report(
        preparingProgress("cutting", cut / plan.length),
        cut < plan.length ? `Cutting part ${cut + 1} of ${plan.length}` : `Cut ${plan.length} part(s)`,
      );
    });
    await updateRun(deps.db, ctx, {
      status: "processing",
      stage: "transcribing",
      progress: BANDS.preparing.to,
      durationSec,
      announcedDurationSec: announcedSec,
      chunksTotal: plan.length,
      activity: null,
      transcribing: true,
      message: `${summary}; cut into ${plan.length} part(s)`,
    });
    return { active: true, durationSec, chunks: plan.map((c) => ({ ...c, done: false, cut: true })) };
  } catch (err) {
    if (signal.aborted) return { active: false };
    throw err;
  } finally {
    claim.dispose();
    await fsp.rm(work, { recursive: true, force: true });
    await audio.cleanup();
  }
}

/** Stores a cut part and checks it against the provider's request limit; returns its size. */
async function storePart(deps: PipelineDeps, transcriber: Transcriber, key: string, file: string, format: PartFormat): Promise<number> {
  const { size } = await deps.store.writeFile(key, file, PART_CONTENT_TYPE[format]);
  await fsp.rm(file, { force: true });
  if (size > transcriber.limits.maxBytes) {
    throw new PermanentError(`A prepared part is ${size} bytes, over the transcriber's limit of ${transcriber.limits.maxBytes}.`);
  }
  return size;
}

export type CutResult = Inactive | { active: true; index: number; sizeBytes: number; reused: boolean };

/**
 * Cuts one planned part from the recording and stores it (the `cut-N` step). A part already
 * stored is left alone, so a retried step or a later run never cuts it twice.
 */
export async function cutPart(deps: PipelineDeps, ctx: RunContext, index: number): Promise<CutResult> {
  const row = await claimedSession(deps.db, ctx);
  if (!row) return { active: false };
  const chunk = await q.findChunk(deps.db, ctx.sessionId, index);
  if (!chunk) throw new Error(`Part ${index} of session ${ctx.sessionId} is not planned; prepare must run again.`);
  if (chunk.sizeBytes > 0 && (await deps.store.stat(chunk.blobKey))) return { active: true, index, sizeBytes: chunk.sizeBytes, reused: true };
  if (!row.audioKey) throw new PermanentError("The audio of this session is no longer stored.");
  const transcriber = await deps.transcriber();
  const format: PartFormat = chunk.blobKey.endsWith(`.${PART_EXTENSION.wav}`) ? "wav" : "opus";
  const audio = await deps.store.toLocalFile(row.audioKey);
  const work = await makeWorkDir(`murmur-prepare-${ctx.sessionId}-`);
  const claim = watchClaim(deps.db, ctx);
  try {
    const file = path.join(work, `${index}.${PART_EXTENSION[format]}`);
    await encodeChunk(audio.path, { start: chunk.startSec, end: chunk.endSec }, file, { signal: claim.signal, format });
    claim.signal.throwIfAborted();
    const sizeBytes = await storePart(deps, transcriber, chunk.blobKey, file, format);
    const durationSec = row.durationSec ?? 0;
    await q.markChunkCut(deps.db, ctx.sessionId, ctx.generation, index, sizeBytes, (sec, cutShare) => partsProgress(cutShare, sec, durationSec));
    return { active: true, index, sizeBytes, reused: false };
  } catch (err) {
    if (claim.signal.aborted) return { active: false };
    throw err;
  } finally {
    claim.dispose();
    await fsp.rm(work, { recursive: true, force: true });
    await audio.cleanup();
  }
}

export type ChunkResult = Inactive | { active: true; index: number; segments: number; skipped: boolean };

/** Transcribes one stored chunk and records its segments in the whole recording's time. */
export async function transcribeChunk(deps: PipelineDeps, ctx: RunContext, index: number): Promise<ChunkResult> {
  const row = await claimedSession(deps.db, ctx);
  if (!row) return { active: false };
  // One row, not the whole plan: every chunk step would otherwise read every chunk's segments.
  const chunk = await q.findChunk(deps.db, ctx.sessionId, index);
  if (!chunk) throw new Error(`Part ${index} of session ${ctx.sessionId} is missing; prepare must run again.`);
  if (chunk.transcribedAt) return { active: true, index, segments: chunk.segments?.length ?? 0, skipped: true };

  if (ctx.attempt > 1) {
    await updateRun(deps.db, ctx, {
      status: "processing",
      stage: "transcribing",
      attempt: ctx.attempt,
      message: `Transcribing part ${index + 1} of ${row.chunksTotal}, attempt ${ctx.attempt}`,
    });
  }
  const transcriber = await deps.transcriber();
  const durationSec = row.durationSec ?? 0;
  const toProgress = (seconds: number, cutShare: number) => partsProgress(cutShare, seconds, durationSec);
  await q.markChunkStarted(deps.db, ctx.sessionId, index);
  // Names this part among those in flight at once, before any of its audio is done.
  await q.reportChunkProgress(deps.db, ctx.sessionId, ctx.generation, index, 0, toProgress);
  const local = await deps.store.toLocalFile(chunk.blobKey);
  // A cancelled (or superseded) run must not keep the transcriber busy: the chunk steps of
  // a run are all in flight at once and queue for the CPU, so without this a cancel would
  // still transcribe every remaining chunk before a retry or another session got a turn.
  const claim = watchClaim(deps.db, ctx);
  // A provider that does not say where people speak gets the voice detector beside its request.
  const besides = new AbortController();
  const heard = transcriber.hearsSpeech
    ? Promise.resolve(null)
    : speechBesideRequest(local.path, AbortSignal.any([claim.signal, besides.signal]));
  try {
    let result;
    try {
      result = await transcriber.transcribe({
        filePath: local.path,
        durationSec: chunk.endSec - chunk.startSec,
        language: row.language ?? undefined,
        signal: claim.signal,
        priority: runPriority(row),
        onProgress: progressReporter(deps, ctx, index, toProgress),
      });
    } catch (err) {
      besides.abort();
      await heard;
      if (claim.signal.aborted) return { active: false };
      throw err;
    }
    if (result.speech) besides.abort();
    const speechInPart = result.speech ?? (await heard);
    const segments = toGlobalTime(result.segments, chunk.startSec, chunk.endSec);
    const untranscribed = spansToGlobalTime(result.untranscribed ?? [], chunk.startSec, chunk.endSec);
    const speech = speechInPart ? spansToGlobalTime(speechInPart, chunk.startSec, chunk.endSec) : null;
    const { chunksDone } = await q.saveChunkSegments(deps.db, ctx.sessionId, index, segments, untranscribed, speech);
    // From every part's decoded seconds, so parts still in flight keep their share.
    await q.reportChunkProgress(deps.db, ctx.sessionId, ctx.generation, index, chunk.endSec - chunk.startSec, toProgress);
    await updateRun(deps.db, ctx, {
      status: "processing",
      stage: "transcribing",
      error: null,
      message:
        `Transcribed part ${index + 1} (${chunksDone} of ${row.chunksTotal} done)` +
        (untranscribed.length ? `; no words could be made out in ${describeSpans(untranscribed)}` : ""),
    });
    return { active: true, index, segments: segments.length, skipped: false };
  } finally {
    claim.dispose();
    await local.cleanup();
  }
}

/** Writes a part's progress at most once a second, one write at a time, the latest value winning. */
function progressReporter(
  deps: PipelineDeps,
  ctx: RunContext,
  index: number,
  toProgress: (seconds: number, cutShare: number) => number,
  minIntervalMs = 1000,
): (secondsDone: number) => void {
  let last = 0;
  let writing = false;
  let queued: number | undefined;
  const write = (sec: number) => {
    writing = true;
    last = Date.now();
    q.reportChunkProgress(deps.db, ctx.sessionId, ctx.generation, index, sec, toProgress)
      .catch(() => false) // progress is a courtesy: a failed write must not fail the part
      .finally(() => {
        writing = false;
        if (queued === undefined) return;
        // The newest value held back while writing goes out once the interval has passed.
        const t = setTimeout(() => {
          if (queued === undefined || writing) return;
          const next = queued;
          queued = undefined;
          write(next);
        }, Math.max(0, minIntervalMs - (Date.now() - last)));
        t.unref();
      });
  };
  return (sec) => {
    if (writing || Date.now() - last < minIntervalMs) {
      queued = sec;
      return;
    }
    queued = undefined;
    write(sec);
  };
}

/** Stitches every chunk's segments, in order, into the transcript (idempotent). */
export async function merge(deps: PipelineDeps, ctx: RunContext): Promise<Inactive | { active: true; segments: number; words: number }> {
  const row = await claimedSession(deps.db, ctx);
  if (!row) return { active: false };
  const list = await q.listChunks(deps.db, ctx.sessionId);
  const missing = list.filter((c) => !c.transcribedAt).map((c) => c.index + 1);
  if (missing.length) throw new Error(`Parts ${missing.join(", ")} are not transcribed yet.`);
  const segments = monotonic(list.flatMap((c) => c.segments ?? []));
  const untranscribed = list.flatMap((c) => c.untranscribed ?? []);
  // Speech the VAD heard in every part replaces prepare's rough pauses for the metrics.
  if (list.length && list.every((c) => c.speech) && row.durationSec) {
    await q.setSilences(deps.db, ctx.sessionId, silencesBetween(list.flatMap((c) => c.speech ?? []), row.durationSec));
  }
  const transcriber = await deps.transcriber();
  const { text } = await q.saveTranscript(deps.db, ctx.sessionId, {
    provider: transcriber.name,
    language: row.language,
    segments,
    untranscribed,
  });
  // The same count as the analysis's "Words", so the log and the page agree.
  const words = countWords(text);
  await updateRun(deps.db, ctx, {
    status: "processing",
    stage: "analyzing",
    progress: BANDS.analyzing.from,
    attempt: ctx.attempt,
    error: null,
    message: words ? `Transcript ready: ${words} words` : "No speech detected",
  });
  return { active: true, segments: segments.length, words };
}

export async function analyze(deps: PipelineDeps, ctx: RunContext): Promise<Inactive | { active: true; noSpeech: boolean }> {
  const row = await claimedSession(deps.db, ctx);
  if (!row) return { active: false };
  await updateRun(deps.db, ctx, {
    status: "processing",
    stage: "analyzing",
    attempt: ctx.attempt,
    message: ctx.attempt > 1 ? `Analysing, attempt ${ctx.attempt}` : "Analysing the transcript",
  });
  const transcript = await q.findTranscript(deps.db, ctx.sessionId);
  if (!transcript) throw new Error("The transcript is missing; merge must run again.");
  const segments = transcript.segments.map((s) => ({ start: s.start, end: s.end, text: s.text, ...(s.speaker ? { speaker: s.speaker } : {}) }));
  const durationSec = row.durationSec ?? 0;
  const analyzer = await deps.analyzer();
  const input = { segments, text: transcript.text, durationSec, language: transcript.language ?? undefined };
  const analysis = await analyzeTranscript({ ...input, silences: row.silences ?? undefined }, analyzer);
  await q.saveAnalysis(deps.db, ctx.sessionId, analysis);
  await updateRun(deps.db, ctx, {
    status: "processing",
    stage: "finalizing",
    progress: BANDS.finalizing.from,
    error: null,
    message: analysis.noSpeech ? "No speech detected" : `Analysis ready (${analysis.insights.provider})`,
  });
  return { active: true, noSpeech: analysis.noSpeech };
}

/** Removes chunks, deletes the audio when asked, and completes the session. */
export async function finalize(deps: PipelineDeps, ctx: RunContext): Promise<Inactive | { active: true; audioDeleted: boolean }> {
  const row = await claimedSession(deps.db, ctx);
  if (!row) return { active: false };
  await deps.store.deletePrefix(blobKeys.chunkPrefix(ctx.sessionId));
  await q.deleteChunkRows(deps.db, ctx.sessionId);
  if (row.deleteAfterAnalysis) {
    await deps.store.deletePrefix(blobKeys.sessionPrefix(ctx.sessionId));
    await q.markAudioDeleted(deps.db, ctx.sessionId);
  }
  await updateRun(deps.db, ctx, {
    status: "completed",
    stage: "finalizing",
    progress: 100,
    attempt: ctx.attempt,
    error: null,
    message: row.deleteAfterAnalysis ? "Completed; the audio was deleted as asked" : "Completed",
  });
  return { active: true, audioDeleted: row.deleteAfterAnalysis };
}

/** onFailure: the run is over; keep what finished and say why in words. */
export async function markFailed(deps: Pick<PipelineDeps, "db">, ctx: Omit<RunContext, "attempt">, reason: string): Promise<boolean> {
  return updateRun(deps.db, ctx, {
    status: "failed",
    error: reason,
    message: "Processing failed",
  });
}
