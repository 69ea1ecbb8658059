import type { Vad, VadConfig } from "sherpa-onnx-node";
import { runTool } from "./ffmpeg";
import { normalizeSpans, type Span } from "./spans";
import { defaultVadDir, hasVadModel, vadModelPath } from "./vad-model";

/**
 * Where people speak, found by Silero VAD (through sherpa-onnx-node) instead of a fixed
 * loudness threshold: ffmpeg's silencedetect at −35 dB found no pause at all in a lecture
 * and a meeting with room noise, while the VAD found every one (measured: NOTES.md).
 *
 * The native VAD runs synchronously on the calling thread (~3 ms per second of audio), so
 * audio is fed in pieces of a few seconds with a yield in between: the event loop keeps
 * serving step requests and heartbeats while an hour of audio is scanned.
 */

export type { Span } from "./spans";

export interface VoiceActivity {
  /** Stretches of speech, in seconds, sorted and disjoint. */
  speech: Span[];
  /** Seconds of audio that actually decoded (the header may promise more). */
  decodedSec: number;
}

export class VadModelMissingError extends Error {
  override readonly name = "VadModelMissingError";
}

export const VAD_SAMPLE_RATE = 16_000;

/** The settings measured on LibriVox and the 40-minute recording (NOTES.md, 2026-12). */
const SETTINGS = {
  threshold: 0.5,
  minSilenceDuration: 0.25,
  minSpeechDuration: 0.25,
  windowSize: 512,
  maxSpeechDuration: 20,
} as const;

/** The longest segment the detector reports: speech it is still hearing began at most this long ago. */
export const VAD_MAX_SEGMENT_SEC = SETTINGS.maxSpeechDuration;

/** Samples handed to the VAD between yields to the event loop: 1 s of audio, a few ms of work. */
const FEED_SAMPLES = VAD_SAMPLE_RATE;

type SherpaVad = { Vad: typeof Vad };

async function loadSherpa(): Promise<SherpaVad> {
  const ns: SherpaVad & { default?: SherpaVad } = await import("sherpa-onnx-node");
  // Node's ESM loader exposes this CommonJS package only as `default`; a bundler's require() does not.
  return ns.default?.Vad ? ns.default : ns;
}

/** True when the VAD can run here: its model is installed (a deployment with OpenAI need not have it). */
export async function vadAvailable(dir: string = defaultVadDir()): Promise<boolean> {
  return hasVadModel(dir);
}

/**
 * Loaded detectors kept for reuse, per model directory, on globalThis (Next.js dev
 * re-evaluates modules): constructing one loads the ONNX model synchronously, which took
 * 0.2–0.9 s here and blocked the event loop that long each time.
 */
const POOL = Symbol.for("murmur.vadPool");
const pool: Map<string, Vad[]> = ((globalThis as { [POOL]?: Map<string, Vad[]> })[POOL] ??= new Map());

async function withVad<T>(dir: string, use: (vad: Vad) => Promise<T>): Promise<T> {
  const free = pool.get(dir) ?? [];
  pool.set(dir, free);
  const vad = free.pop() ?? (await createVad(dir));
  try {
    return await use(vad);
  } finally {
    vad.reset();
    free.push(vad);
  }
}

/** Detectors made per directory, in use or free. */
const made = new Map<string, number>();

/**
 * Loads `count` detectors now (at worker start, or while prepare runs) rather than in the
 * middle of a transcription, one per turn of the event loop, which each load blocks.
 */
export async function preloadVad(dir: string = defaultVadDir(), count = 1): Promise<void> {
  const free = pool.get(dir) ?? [];
  pool.set(dir, free);
  while ((made.get(dir) ?? 0) < count) {
    await yieldToLoop();
    if ((made.get(dir) ?? 0) >= count) break;
    free.push(await createVad(dir));
  }
}

async function createVad(dir: string): Promise<Vad> {
  if (!(await hasVadModel(dir))) {
    throw new VadModelMissingError(`Voice activity model not found in ${dir}: run npm run setup:model`);
  }
  const { Vad: VadClass } = await loadSherpa();
  const cfg: VadConfig = {
    sileroVad: { model: vadModelPath(dir), ...SETTINGS },
    sampleRate: VAD_SAMPLE_RATE,
    numThreads: 1,
    debug: 0,
  };
  // The buffer holds one pending segment's samples; segments are at most 20 s.
  const vad = new VadClass(cfg, 60);
  made.set(dir, (made.get(dir) ?? 0) + 1);
  return vad;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Feeds samples one 512-sample frame at a time (handed several seconds at once, the VAD
 * missed the first 3.4 s of speech of the LibriVox clip and grew its buffer without end),
 * collects finished segments; `finish()` flushes the last one.
 */
class SpeechCollector {
  readonly speech: Span[] = [];
  fed = 0;
  private readonly frame = new Float32Array(SETTINGS.windowSize);
  private filled = 0;
  private taken = 0;
  constructor(private readonly vad: Vad) {}

  /** Seconds of audio the detector has judged: later segments end after this, less ~0.3 s. */
  get frontierSec(): number {
    return (this.fed - this.filled) / VAD_SAMPLE_RATE;
  }

  /** Segments finished since the last call, rounded like the final result. */
  takeNew(): Span[] {
    const out = this.speech.slice(this.taken).map((s) => ({ start: round3(s.start), end: round3(s.end) }));
    this.taken = this.speech.length;
    return out;
  }

  feed(samples: Float32Array): void {
    const size = SETTINGS.windowSize;
    let i = 0;
    while (i < samples.length) {
      const n = Math.min(size - this.filled, samples.length - i);
      this.frame.set(samples.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === size) {
        // A copy per call: the addon may keep the array it is handed.
        this.vad.acceptWaveform(this.frame.slice());
        this.filled = 0;
        this.drain();
      }
    }
    this.fed += samples.length;
  }

  finish(): Span[] {
    if (this.filled > 0) {
      // The last partial frame, padded with silence so its speech is not lost.
      this.frame.fill(0, this.filled);
      this.vad.acceptWaveform(this.frame.slice());
      this.filled = 0;
    }
    this.vad.flush();
    this.drain();
    return normalizeSpans(this.speech, this.fed / VAD_SAMPLE_RATE);
  }

  private drain(): void {
    while (!this.vad.isEmpty()) {
      // false: a copy the addon does not share, since the segment is popped right after.
      const seg = this.vad.front(false);
      this.speech.push({ start: seg.start / VAD_SAMPLE_RATE, end: (seg.start + seg.samples.length) / VAD_SAMPLE_RATE });
      this.vad.pop();
    }
  }
}

export interface PcmScanOptions {
  dir?: string;
  signal?: AbortSignal;
  /**
   * Speech segments finished since the last call, and the detector's frontier (seconds
   * heard): every segment still to come ends after `frontierSec` less ~0.3 s. Called per
   * second of audio, and a last time with `Infinity` for the segment the end of the audio closed.
   */
  onSpeech?: (speech: Span[], frontierSec: number) => void;
}

/**
 * Speech in 16 kHz mono samples already in memory (a part the local model is decoding),
 * reported as it is found, so windows can be decoded while the rest is still scanned.
 */
export async function detectSpeechInPcm(pcm: Float32Array, options: PcmScanOptions = {}): Promise<Span[]> {
  return withVad(options.dir ?? defaultVadDir(), async (vad) => {
    const collector = new SpeechCollector(vad);
    for (let i = 0; i < pcm.length; i += FEED_SAMPLES) {
      options.signal?.throwIfAborted();
      collector.feed(pcm.subarray(i, Math.min(pcm.length, i + FEED_SAMPLES)));
      options.onSpeech?.(collector.takeNew(), collector.frontierSec);
      await yieldToLoop();
    }
    const speech = collector.finish();
    // The segment the end closed, clipped to the audio like the whole result.
    const end = round3(pcm.length / VAD_SAMPLE_RATE);
    options.onSpeech?.(collector.takeNew().map((x) => ({ start: x.start, end: Math.min(x.end, end) })).filter((x) => x.end > x.start), Infinity);
    return speech;
  });
}

/**
 * Decodes a whole file once through ffmpeg and finds its speech as the samples stream in,
 * so an hour of audio is never held in memory. Also measures how much really decodes.
 */
export async function detectSpeech(
  filePath: string,
  options: { dir?: string; signal?: AbortSignal; onProgress?: (decodedSec: number) => void } = {},
): Promise<VoiceActivity> {
  return withVad(options.dir ?? defaultVadDir(), (vad) => streamSpeech(vad, filePath, options));
}

async function streamSpeech(
  vad: Vad,
  filePath: string,
  options: { signal?: AbortSignal; onProgress?: (decodedSec: number) => void },
): Promise<VoiceActivity> {
  const collector = new SpeechCollector(vad);
  let carry = Buffer.alloc(0);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lastReport = 0;
  const flushPending = () => {
    if (!pendingBytes) return;
    const joined = Buffer.concat([carry, ...pending]);
    const usable = joined.length - (joined.length % 4);
    // A copy into an aligned buffer: pooled Buffers may start at any offset.
    const samples = new Float32Array(usable / 4);
    new Uint8Array(samples.buffer).set(joined.subarray(0, usable));
    carry = Buffer.from(joined.subarray(usable));
    pending = [];
    pendingBytes = 0;
    collector.feed(samples);
    const sec = collector.fed / VAD_SAMPLE_RATE;
    if (options.onProgress && sec - lastReport >= 30) {
      lastReport = sec;
      options.onProgress(sec);
    }
  };
  await runTool(
    "ffmpeg",
    ["-nostdin", "-v", "error", "-i", filePath, "-map", "0:a:0", "-ac", "1", "-ar", String(VAD_SAMPLE_RATE), "-f", "f32le", "-"],
    {
      signal: options.signal,
      onStdout: (chunk) => {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= FEED_SAMPLES * 4) flushPending();
      },
    },
  );
  flushPending();
  const decodedSec = collector.fed / VAD_SAMPLE_RATE;
  return { speech: collector.finish(), decodedSec: round3(decodedSec) };
}
