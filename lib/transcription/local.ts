import os from "node:os";
import type PQueue from "p-queue";
import type { OfflineRecognizer, OfflineRecognizerConfig } from "sherpa-onnx-node";
import { decodePcm, PCM_SAMPLE_RATE } from "@/lib/audio/chunks";
import { createPriorityQueue, runQueued, type Turn } from "@/lib/concurrency";
import { defaultModelDir, hasModel, modelPaths } from "./local-model";
import { detectSpeechInPcm, preloadVad, VAD_MAX_SEGMENT_SEC, VadModelMissingError } from "@/lib/audio/vad";
import { defaultVadDir } from "@/lib/audio/vad-model";
import { recutWindow, SpeechWindowPlanner, voicedRange, type SpeechWindow } from "./local-windows";
import type { AudioSpan, Transcriber, TranscribeInput, TranscriptionResult, TranscriptSegment } from "./types";

/**
 * Moonshine tiny (English) on the CPU through sherpa-onnx-node.
 *
 * Inference runs through sherpa's decodeAsync, which executes on a libuv thread-pool
 * thread (measured: event-loop lag stays under 10 ms while a 25 s window decodes), so no
 * worker_thread is needed and no worker file has to survive Next.js bundling. The native
 * addon does: list "sherpa-onnx-node" in serverExternalPackages.
 */

export interface LocalTranscriberOptions {
  /** Defaults to config().MOONSHINE_MODEL_DIR or <dataDir>/models/moonshine-tiny. */
  modelDir?: string;
  /**
   * Files transcribed at once in this process (default: one per core, at most 3; the
   * last value given wins, as all transcribers share the CPU and one loaded model per
   * directory); further calls queue.
   */
  concurrency?: number;
  /** ONNX Runtime intra-op threads per decode (default 1). */
  numThreads?: number;
  /** Where Silero VAD lives; defaults to config().VAD_MODEL_DIR or <dataDir>/models/silero-vad. */
  vadDir?: string;
}

export class LocalModelMissingError extends Error {
  override readonly name = "LocalModelMissingError";
}

type SherpaModule = { OfflineRecognizer: typeof OfflineRecognizer };

async function loadSherpa(): Promise<SherpaModule> {
  const ns: SherpaModule & { default?: SherpaModule } = await import("sherpa-onnx-node");
  // Node's ESM loader exposes this CommonJS package only as `default`; a bundler's require() does not.
  return ns.default?.OfflineRecognizer ? ns.default : ns;
}

/**
 * Process state kept on globalThis: Next.js dev re-evaluates modules on every edit, and
 * a module-level cache would load another ~450 MB model each time.
 */
interface LocalState {
  /** One loaded model per directory. */
  recognizers: Map<string, Promise<OfflineRecognizer>>;
  /**
   * Files decoded at once, shared by every transcriber (they share the CPU and the
   * model); waiting files start by the run's priority (a short clip before the parts of
   * a long recording queued at the same time), as the engine orders the runs.
   */
  queue: PQueue;
}
const STATE = Symbol.for("murmur.localTranscriber");
const state: LocalState = ((globalThis as { [STATE]?: LocalState })[STATE] ??= {
  recognizers: new Map(),
  queue: createPriorityQueue(defaultConcurrency()),
});
// A state left by an older version of this module (Next.js dev reload) had no queue.
state.queue ??= createPriorityQueue(defaultConcurrency());
const { recognizers, queue } = state;

async function createRecognizer(dir: string, numThreads: number): Promise<OfflineRecognizer> {
  if (!(await hasModel(dir))) {
    throw new LocalModelMissingError(`Local model not found in ${dir}: run npm run setup:model`);
  }
  const p = modelPaths(dir);
  const sherpa = await loadSherpa();
  const cfg: OfflineRecognizerConfig = {
    featConfig: { sampleRate: PCM_SAMPLE_RATE, featureDim: 80 },
    modelConfig: {
      moonshine: { encoder: p.encoder, mergedDecoder: p.decoder },
      tokens: p.tokens,
      numThreads,
      debug: 0,
    },
    decodingMethod: "greedy_search",
  };
  return sherpa.OfflineRecognizer.createAsync(cfg);
}

function recognizerFor(dir: string, numThreads: number): Promise<OfflineRecognizer> {
  let r = recognizers.get(dir);
  if (!r) {
    r = createRecognizer(dir, numThreads);
    // A missing model may be installed while the process runs: let the next call retry.
    r.catch(() => recognizers.delete(dir));
    recognizers.set(dir, r);
  }
  return r;
}

/** Loads the model now instead of on the first transcription (e.g. at worker start). */
export async function preloadLocalModel(options: LocalTranscriberOptions = {}): Promise<void> {
  await recognizerFor(options.modelDir ?? defaultModelDir(), options.numThreads ?? defaultThreads());
  await preloadVad(options.vadDir ?? defaultVadDir());
}

/**
 * Drops the loaded models so their memory can be reclaimed (the native objects are freed
 * on garbage collection). For tests and shutdown; later calls load again.
 */
export function disposeLocalTranscriber(): void {
  recognizers.clear();
}

/**
 * One ONNX thread per decode and one decode per core: measured on 2 cores, four
 * 600 s chunks took 95 s as one 2-thread decode at a time and 58 s as two 1-thread
 * decodes side by side (the model is small; intra-op threads mostly wait on each
 * other). Capped at 3 so libuv's 4-thread pool keeps a thread for file I/O.
 */
function defaultThreads(): number {
  return 1;
}

function defaultConcurrency(): number {
  return Math.max(1, Math.min(3, os.availableParallelism()));
}

export function normalizeText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Punctuation alone is what the model emits for breath or noise. */
function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** Seconds of sound kept around the voiced part of a window when it is handed to the model. */
const MARGIN_SEC = 0.3;
/** A voiced stretch shorter than this that yields no words is a cough or a click, not lost speech. */
const MIN_REPORTED_SEC = 1;

/** Decodes samples [from, to) of one recording into text. */
export type Decode = (from: number, to: number) => Promise<string>;

function decoderOver(recognizer: OfflineRecognizer, pcm: Float32Array, signal?: AbortSignal): Decode {
  return async (from, to) => {
    signal?.throwIfAborted();
    const stream = recognizer.createStream();
    // A copy, not a view: the addon is handed a buffer it owns outright.
    stream.acceptWaveform({ samples: pcm.slice(from, to), sampleRate: PCM_SAMPLE_RATE });
    return normalizeText((await recognizer.decodeAsync(stream)).text);
  };
}

/** The loaded model as a Decode over `pcm`, for looking at single windows. */
export async function localDecoder(pcm: Float32Array, options: LocalTranscriberOptions = {}): Promise<Decode> {
  const recognizer = await recognizerFor(options.modelDir ?? defaultModelDir(), options.numThreads ?? defaultThreads());
  return decoderOver(recognizer, pcm);
}

/**
 * Decodes one window; if the model returns no words although the window holds sound,
 * decodes it again cut into shorter pieces (Moonshine was seen to return nothing for a
 * whole 26 s window that began with 2 s of silence, and the same speech cut elsewhere
 * transcribed perfectly). What still gives nothing is reported, never dropped.
 */
export async function transcribeWindow(
  pcm: Float32Array,
  w: SpeechWindow,
  decode: Decode,
): Promise<{ segments: TranscriptSegment[]; untranscribed: AudioSpan[] }> {
  const first = voicedRange(w, MARGIN_SEC, PCM_SAMPLE_RATE);
  const text = await decode(first.from, first.to);
  if (hasWords(text)) return { segments: [{ start: w.voicedStart, end: w.voicedEnd, text }], untranscribed: [] };

  const segments: TranscriptSegment[] = [];
  const untranscribed: AudioSpan[] = [];
  const parts = recutWindow(pcm, w, { sampleRate: PCM_SAMPLE_RATE });
  // Too short to cut again: the second try is the voiced part alone, without the margin.
  const retries = parts.length > 1 ? parts : [w];
  for (const part of retries) {
    const r = voicedRange(part, parts.length > 1 ? MARGIN_SEC : 0.05, PCM_SAMPLE_RATE);
    const again = await decode(r.from, r.to);
    if (hasWords(again)) segments.push({ start: part.voicedStart, end: part.voicedEnd, text: again });
    else if (part.voicedEnd - part.voicedStart >= MIN_REPORTED_SEC) {
      untranscribed.push({ start: part.voicedStart, end: part.voicedEnd });
    }
  }
  return { segments, untranscribed };
}

/**
 * One part, streamed through the voice detector: a window goes to the model as soon as its
 * cuts are settled, while the VAD goes on scanning the rest of the part. Done one after
 * another (scan the whole part, then the windows), a 10-minute part showed no progress for
 * its first 3–4 s idle and 14–17 s on a loaded machine, twice per recording as parts start
 * in pairs. The windows are the same as planned over the whole part (SpeechWindowPlanner),
 * and so is the speech returned for the metrics.
 *
 * Progress is the audio handled: decoded windows and the silence between them, up to the
 * next window's start, or up to where the VAD has confirmed no window can begin.
 */
async function transcribeStreaming(recognizer: OfflineRecognizer, input: TranscribeInput, vadDir: string, turn: Turn): Promise<TranscriptionResult> {
  const rate = PCM_SAMPLE_RATE;
  const pcm = await decodePcm(input.filePath, { signal: input.signal });
  const planner = new SpeechWindowPlanner({ sampleRate: rate });
  const ready: SpeechWindow[] = [];
  let decoding: SpeechWindow | undefined;
  let frontier = 0;
  let scanned = false;
  let scanFailed = false;
  let notify: (() => void) | undefined;
  const wake = () => {
    notify?.();
    notify = undefined;
  };
  let reported = 0;
  /** At least `floor` seconds are handled (a window just decoded, up to its end). */
  const report = (floor = 0) => {
    const next = decoding
      ? decoding.from / rate
      : ready[0]
        ? ready[0].from / rate
        : scanned
          ? pcm.length / rate
          : planner.handedOutUntil(frontier, VAD_MAX_SEGMENT_SEC);
    const sec = Math.max(floor, next);
    if (sec > reported) {
      reported = sec;
      input.onProgress?.(sec);
    }
  };
  // Decoding that fails stops the scan; a scan that fails stops decoding.
  const stop = new AbortController();
  const signal = input.signal ? AbortSignal.any([input.signal, stop.signal]) : stop.signal;
  const scan = detectSpeechInPcm(pcm, {
    dir: vadDir,
    signal,
    onSpeech: (speech, frontierSec) => {
      if (frontierSec === Infinity) {
        ready.push(...planner.finish(speech, pcm.length));
      } else {
        frontier = frontierSec;
        ready.push(...planner.add(speech, frontierSec, pcm.length));
      }
      if (!decoding) report();
      wake();
    },
  }).finally(() => {
    scanned = true;
    wake();
  });
  scan.catch(() => {
    scanFailed = true;
  });

  const decodeWindow = decoderOver(recognizer, pcm, signal);
  // Between windows a more urgent file (a short clip) may take this slot; this one resumes after it.
  const decode: Decode = async (from, to) => (await turn.yieldToUrgent(), decodeWindow(from, to));
  const segments: TranscriptSegment[] = [];
  const untranscribed: AudioSpan[] = [];
  try {
    while (!scanFailed) {
      decoding = ready.shift();
      if (decoding) {
        const got = await transcribeWindow(pcm, decoding, decode);
        segments.push(...got.segments);
        untranscribed.push(...got.untranscribed);
        const done = decoding;
        decoding = undefined;
        report(done.to / rate);
        continue;
      }
      if (scanned) break;
      // Waiting for the voice detector needs no decode slot: a more urgent file may use it meanwhile.
      await turn.yieldToUrgent();
      if (ready.length || scanned) continue;
      await new Promise<void>((resolve) => (notify = resolve));
    }
    const speech = await scan;
    report();
    return {
      text: segments.map((s) => s.text).join(" "),
      segments,
      language: "en",
      ...(untranscribed.length ? { untranscribed } : {}),
      speech,
    };
  } catch (err) {
    stop.abort(err);
    await scan.catch(() => {});
    if (err instanceof VadModelMissingError) throw new LocalModelMissingError(err.message, { cause: err });
    throw err;
  }
}

export function createLocalTranscriber(options: LocalTranscriberOptions = {}): Transcriber {
  const numThreads = options.numThreads ?? defaultThreads();
  if (options.concurrency !== undefined) {
    queue.concurrency = Math.max(1, Math.floor(options.concurrency));
  }
  const dir = () => options.modelDir ?? defaultModelDir();
  const vadDir = () => options.vadDir ?? defaultVadDir();
  // The model and a voice detector per decode slot load now, while prepare cuts the parts:
  // loaded when the first two parts started, they held back the first window by ~1.5 s idle
  // (~5 s at load 4). A model that is missing fails here quietly and again, loudly, in transcribe().
  void recognizerFor(dir(), numThreads)
    // (one more than the slots: a part that lent its slot to a short clip still scans with its own)
    .then(() => preloadVad(vadDir(), queue.concurrency + 1))
    .catch(() => {});

  return {
    name: "local:moonshine-tiny",
    // 10-minute chunks at the step level; this provider cuts them further itself.
    limits: { maxSeconds: 600, maxBytes: 1024 * 1024 * 1024 },
    get parallelism() {
      return queue.concurrency;
    },
    // It decodes every part to 16 kHz samples first: parts stored as those samples cost no encoding in prepare.
    partFormat: "wav",
    // Its windows come from Silero VAD, whose speech every result carries.
    hearsSpeech: true,

    async transcribe(input: TranscribeInput): Promise<TranscriptionResult> {
      const recognizer = await recognizerFor(dir(), numThreads);
      // A whole file holds the slot, so queued calls keep no PCM in memory and finish in
      // order instead of all crawling along together; it lends the slot between windows only
      // to a more urgent file, so a short clip waits for a window, not a 10-minute part.
      return runQueued(queue, async (turn) => {
        return transcribeStreaming(recognizer, input, vadDir(), turn);
      }, { signal: input.signal, priority: input.priority });
    },
  };
}
