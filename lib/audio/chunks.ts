import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { runTool } from "./ffmpeg";
import type { Transcriber } from "@/lib/transcription/types";
import type { Silence } from "./silence";

export interface Chunk {
  index: number;
  start: number;
  end: number;
}

export interface PlanOptions {
  /** Hard upper bound on a chunk's length. */
  maxSeconds: number;
  /** Preferred length (≤ maxSeconds); cuts land in the last `searchFraction` before it. */
  targetSeconds?: number;
  /** Share of the target, counted back from it, in which a pause may be chosen. Default 0.2. */
  searchFraction?: number;
}

/** Nothing shorter than this is worth a cut: float noise, not audio. */
const EPSILON = 1e-6;

/**
 * Splits [0, durationSec] into contiguous chunks no longer than maxSeconds, cutting in
 * the middle of the longest pause near the end of each chunk so no word is split;
 * a hard cut happens only where no pause is within reach.
 */
export function planChunks(durationSec: number, silences: readonly Silence[], options: PlanOptions): Chunk[] {
  const { maxSeconds } = options;
  if (!(maxSeconds > 0)) throw new RangeError("maxSeconds must be positive");
  if (!(durationSec > 0) || !Number.isFinite(durationSec)) return [];
  const target = Math.min(options.targetSeconds ?? maxSeconds, maxSeconds);
  if (!(target > 0)) throw new RangeError("targetSeconds must be positive");
  const fraction = Math.min(Math.max(options.searchFraction ?? 0.2, 0), 1);

  const sorted = [...silences].filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const chunks: Chunk[] = [];
  let start = 0;
  while (durationSec - start > maxSeconds + EPSILON) {
    const limit = start + target;
    const from = limit - target * fraction;
    let best: { len: number; cut: number } | undefined;
    for (const s of sorted) {
      if (s.start >= limit) break;
      const a = Math.max(s.start, from);
      const b = Math.min(s.end, limit);
      if (b <= a) continue;
      const len = b - a;
      // Among equally long pauses prefer the later one: fewer, longer chunks.
      if (!best || len >= best.len) best = { len, cut: (a + b) / 2 };
    }
    const cut = best && best.cut > start + EPSILON ? best.cut : limit;
    chunks.push({ index: chunks.length, start, end: cut });
    start = cut;
  }
  chunks.push({ index: chunks.length, start, end: durationSec });
  return chunks;
}

/**
 * How a prepared part is stored. Opus keeps a remote provider's request far under its 25 MB
 * limit but costs ~4 s of CPU per 10 minutes to encode (and ~1 s to decode again); the local
 * model wants 16 kHz mono samples anyway, so its parts are those samples as a WAV file: cut
 * from prepare's one decoding pass without any encoding, and read back without ffmpeg.
 */
export type PartFormat = "opus" | "wav";

export const PART_CONTENT_TYPE: Record<PartFormat, string> = { opus: "audio/ogg", wav: "audio/wav" };
export const PART_EXTENSION: Record<PartFormat, string> = { opus: "ogg", wav: "wav" };

/** Speech at 24 kbit/s Opus: a 10-minute chunk is ~1.8 MB, far under any provider's upload limit. */
export const CHUNK_BITRATE = 24_000;

/**
 * Upper estimate of an encoded chunk's size, for checking provider byte limits before
 * encoding. Opus VBR stays close to its target; the margin covers Ogg pages and headers.
 */
export function estimateChunkBytes(durationSec: number, format: PartFormat = "opus"): number {
  if (format === "wav") return Math.ceil(durationSec * PCM_SAMPLE_RATE) * PCM_BYTES + WAV_HEADER_BYTES;
  return Math.ceil((durationSec * CHUNK_BITRATE) / 8 * 1.15 + 8_192);
}

/**
 * Encodes [start, end) of src's first audio stream as 16 kHz mono Ogg/Opus (or, with
 * format "wav", 16-bit WAV: a part of the local model's cut again on its own), written atomically.
 */
export async function encodeChunk(
  src: string,
  range: { start: number; end: number },
  destPath: string,
  options: { signal?: AbortSignal; format?: PartFormat } = {},
): Promise<void> {
  const length = range.end - range.start;
  if (!(length > 0)) throw new RangeError(`empty chunk range ${range.start}–${range.end}`);
  await mkdir(path.dirname(destPath), { recursive: true });
  // A retried step must never see a half-written chunk.
  const tmp = `${destPath}.${randomUUID()}.part`;
  try {
    await runTool(
      "ffmpeg",
      [
        "-nostdin", "-y", "-v", "error",
        "-ss", range.start.toFixed(3), "-i", src, "-t", length.toFixed(3),
        "-map", "0:a:0", "-vn", "-ac", "1", "-ar", "16000",
        ...(options.format === "wav"
          ? ["-c:a", "pcm_s16le", "-f", "wav"]
          : // Complexity 5 instead of 10 halves the encode time (8.1 s → 4.2 s for 10 minutes here) at the same size.
            ["-c:a", "libopus", "-b:a", String(CHUNK_BITRATE), "-application", "voip", "-compression_level", "5", "-f", "ogg"]),
        tmp,
      ],
      { signal: options.signal },
    );
    await rename(tmp, destPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export const PCM_SAMPLE_RATE = 16_000;
/** Signed 16-bit samples: what the recording's decoder gives, at half the bytes of float. */
const PCM_BYTES = 2;
const WAV_HEADER_BYTES = 44;

/** The ffmpeg output options for what prepare's one pass writes beside the pauses: raw 16 kHz mono s16le. */
export const RAW_PCM_OUTPUT = ["-ac", "1", "-ar", String(PCM_SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "s16le"] as const;

/** Seconds held by a raw PCM file written with RAW_PCM_OUTPUT: exactly what decoded. */
export async function rawPcmSeconds(pcmPath: string): Promise<number> {
  return Math.floor((await stat(pcmPath)).size / PCM_BYTES) / PCM_SAMPLE_RATE;
}

function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(PCM_SAMPLE_RATE, 24);
  h.writeUInt32LE(PCM_SAMPLE_RATE * PCM_BYTES, 28);
  h.writeUInt16LE(PCM_BYTES, 32);
  h.writeUInt16LE(8 * PCM_BYTES, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** The sample index of a time, the same for the end of one part and the start of the next. */
const sampleAt = (sec: number) => Math.round(sec * PCM_SAMPLE_RATE);

/**
 * Writes [start, end) of a raw PCM file (RAW_PCM_OUTPUT) as a WAV part: a byte copy, no
 * decoding or encoding, cut on exact sample boundaries so neighbouring parts neither overlap
 * nor leave a gap. Written atomically, like an encoded part.
 */
export async function writeWavPart(pcmPath: string, range: { start: number; end: number }, destPath: string): Promise<void> {
  const available = (await stat(pcmPath)).size;
  const from = Math.min(available, sampleAt(range.start) * PCM_BYTES);
  const to = Math.min(available, sampleAt(range.end) * PCM_BYTES);
  if (!(to > from)) throw new RangeError(`empty part range ${range.start}–${range.end}`);
  await mkdir(path.dirname(destPath), { recursive: true });
  const tmp = `${destPath}.${randomUUID()}.part`;
  try {
    const out = createWriteStream(tmp);
    out.write(wavHeader(to - from));
    await pipeline(createReadStream(pcmPath, { start: from, end: to - 1 }), out);
    await rename(tmp, destPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Where the samples of a 16 kHz mono 16-bit PCM WAV file are (the parts prepare writes), or
 * null for anything else, which ffmpeg then decodes.
 */
async function pcmWavData(filePath: string): Promise<{ offset: number; bytes: number } | null> {
  const fh = await open(filePath, "r");
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead < WAV_HEADER_BYTES || head.toString("ascii", 0, 4) !== "RIFF" || head.toString("ascii", 8, 12) !== "WAVE") return null;
    let fmtOk = false;
    for (let at = 12; at + 8 <= bytesRead; ) {
      const id = head.toString("ascii", at, at + 4);
      const size = head.readUInt32LE(at + 4);
      if (id === "fmt " && at + 24 <= bytesRead) {
        fmtOk =
          head.readUInt16LE(at + 8) === 1 &&
          head.readUInt16LE(at + 10) === 1 &&
          head.readUInt32LE(at + 12) === PCM_SAMPLE_RATE &&
          head.readUInt16LE(at + 22) === 8 * PCM_BYTES;
      } else if (id === "data") {
        if (!fmtOk) return null;
        const total = (await fh.stat()).size;
        return { offset: at + 8, bytes: Math.min(size, total - at - 8) };
      }
      at += 8 + size + (size % 2);
    }
    return null;
  } finally {
    await fh.close();
  }
}

/** 16 kHz mono float samples of [start, end) (whole file by default), streamed from ffmpeg's stdout. */
export async function decodePcm(
  filePath: string,
  options: { start?: number; end?: number; signal?: AbortSignal } = {},
): Promise<Float32Array> {
  options.signal?.throwIfAborted();
  // A prepared part holds exactly these samples: read them, without starting ffmpeg to
  // convert 16-bit to float (~0.3 s of CPU per 10 minutes, and a process per part).
  const wav = await pcmWavData(filePath);
  if (wav) {
    const count = Math.floor(wav.bytes / PCM_BYTES);
    const first = Math.min(count, options.start && options.start > 0 ? sampleAt(options.start) : 0);
    const last = Math.max(first, Math.min(count, options.end !== undefined ? sampleAt(options.end) : count));
    const raw = Buffer.alloc((last - first) * PCM_BYTES);
    const fh = await open(filePath, "r");
    try {
      await fh.read(raw, 0, raw.length, wav.offset + first * PCM_BYTES);
    } finally {
      await fh.close();
    }
    // Buffer.alloc is never pooled, so the view starts 2-byte aligned; WAV is little-endian like every host Node runs on here.
    const samples = new Int16Array(raw.buffer, raw.byteOffset, last - first);
    const out = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
    return out;
  }
  const seek = options.start && options.start > 0 ? ["-ss", options.start.toFixed(3)] : [];
  const until =
    options.end !== undefined ? ["-t", Math.max(0, options.end - (options.start ?? 0)).toFixed(3)] : [];
  const parts: Buffer[] = [];
  let total = 0;
  await runTool(
    "ffmpeg",
    [
      "-nostdin", "-v", "error", ...seek, "-i", filePath, ...until,
      "-map", "0:a:0", "-ac", "1", "-ar", String(PCM_SAMPLE_RATE), "-f", "f32le", "-",
    ],
    {
      signal: options.signal,
      onStdout: (c) => {
        parts.push(c);
        total += c.length;
      },
    },
  );
  // Copy into a fresh, 4-byte-aligned buffer: pooled Buffers may start at any offset.
  const bytes = new Uint8Array(total - (total % 4));
  let offset = 0;
  for (const p of parts) {
    const n = Math.min(p.length, bytes.length - offset);
    bytes.set(p.subarray(0, n), offset);
    offset += n;
  }
  return new Float32Array(bytes.buffer);
}

/** Chunk length honouring both the provider's duration and byte limits. */
export function chunkSecondsFor(t: Pick<Transcriber, "limits">, override?: number, format: PartFormat = "opus"): number {
  let seconds = Math.min(override ?? t.limits.maxSeconds, t.limits.maxSeconds);
  while (seconds > 30 && estimateChunkBytes(seconds, format) > t.limits.maxBytes) seconds = Math.floor(seconds * 0.9);
  return seconds;
}
