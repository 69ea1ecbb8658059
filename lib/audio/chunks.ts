import { randomUUID } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
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

/** Speech at 24 kbit/s Opus: a 10-minute chunk is ~1.8 MB, far under any provider's upload limit. */
export const CHUNK_BITRATE = 24_000;

/**
 * Upper estimate of an encoded chunk's size, for checking provider byte limits before
 * encoding. Opus VBR stays close to its target; the margin covers Ogg pages and headers.
 */
export function estimateChunkBytes(durationSec: number): number {
  return Math.ceil((durationSec * CHUNK_BITRATE) / 8 * 1.15 + 8_192);
}

/** Encodes [start, end) of src's first audio stream as 16 kHz mono Ogg/Opus, written atomically. */
export async function encodeChunk(
  src: string,
  range: { start: number; end: number },
  destPath: string,
  options: { signal?: AbortSignal } = {},
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
        // Complexity 5 instead of 10 halves the encode time (8.1 s → 4.2 s for 10 minutes here) at the same size.
        "-c:a", "libopus", "-b:a", String(CHUNK_BITRATE), "-application", "voip", "-compression_level", "5",
        "-f", "ogg", tmp,
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

/** 16 kHz mono float samples of [start, end) (whole file by default), streamed from ffmpeg's stdout. */
export async function decodePcm(
  filePath: string,
  options: { start?: number; end?: number; signal?: AbortSignal } = {},
): Promise<Float32Array> {
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
export function chunkSecondsFor(t: Pick<Transcriber, "limits">, override?: number): number {
  let seconds = Math.min(override ?? t.limits.maxSeconds, t.limits.maxSeconds);
  while (seconds > 30 && estimateChunkBytes(seconds) > t.limits.maxBytes) seconds = Math.floor(seconds * 0.9);
  return seconds;
}
