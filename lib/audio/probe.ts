import { stat } from "node:fs/promises";
import { z } from "zod";
import { PermanentError } from "@/lib/errors";
import { FfmpegError, runTool } from "./ffmpeg";

export interface AudioInfo {
  durationSec: number;
  formatName: string;
  codec: string;
  sampleRate: number;
  channels: number;
  /** bits per second; 0 when the container does not say. */
  bitRate: number;
  sizeBytes: number;
}

const num = z.union([z.string(), z.number()]).optional().transform((v) => (v === undefined ? NaN : Number(v)));

const probeSchema = z.object({
  format: z
    .object({
      format_name: z.string().default("unknown"),
      duration: num,
      bit_rate: num,
    })
    .optional(),
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        sample_rate: num,
        channels: z.number().optional(),
        duration: num,
      }),
    )
    .default([]),
});

/** How every "not audio" failure begins; the session page recognises it (lib/sessions/failure.ts). */
export const NOT_AUDIO_MESSAGE = "This file is not audio we can read";

function notAudio(reason: string, cause?: unknown): PermanentError {
  return new PermanentError(`${NOT_AUDIO_MESSAGE} (${reason}).`, { cause });
}

/** ffmpeg's wording ("Invalid argument") helps nobody; its detail stays in the error's cause. */
function describe(err: unknown): string {
  const detail = err instanceof FfmpegError ? err.stderrTail : "";
  if (/no such file/i.test(detail)) return "the file is missing";
  if (/moov atom not found|end of file|truncat|partial file/i.test(detail)) return "it looks truncated or incomplete";
  return "its contents are not in an audio format we recognise";
}

/**
 * Decodes up to `seconds` of the first audio stream and returns the decoded length.
 * ffprobe trusts headers; this proves that samples really come out.
 */
async function decodedSeconds(filePath: string, seconds?: number): Promise<number> {
  let bytes = 0;
  const limit = seconds === undefined ? [] : ["-t", String(seconds)];
  await runTool(
    "ffmpeg",
    ["-nostdin", "-v", "error", "-i", filePath, ...limit, "-map", "0:a:0", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"],
    { onStdout: (c) => (bytes += c.length) },
  );
  return bytes / 2 / 8000;
}

/** Reads what a file holds. Anything we cannot transcribe is a PermanentError with a reason a person can act on. */
export async function probe(filePath: string): Promise<AudioInfo> {
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(filePath)).size;
  } catch (err) {
    throw new PermanentError("The uploaded file could not be found.", { cause: err });
  }
  if (sizeBytes === 0) throw notAudio("the file is empty");

  let raw: unknown;
  try {
    const { stdout } = await runTool("ffprobe", [
      "-v", "error", "-print_format", "json", "-show_format", "-show_streams", filePath,
    ]);
    raw = JSON.parse(stdout.toString("utf8"));
  } catch (err) {
    throw notAudio(describe(err), err);
  }
  const parsed = probeSchema.safeParse(raw);
  if (!parsed.success || !parsed.data.format) throw notAudio("its format is not recognised");
  const { format, streams } = parsed.data;
  const audio = streams.find((s) => s.codec_type === "audio");
  if (!audio) {
    const hasVideo = streams.some((s) => s.codec_type === "video");
    throw notAudio(hasVideo ? "it has no audio track" : "it contains no audio stream");
  }

  let durationSec = Number.isFinite(format.duration) ? format.duration : audio.duration;
  let decoded: number;
  try {
    // Browser-recorded WebM often has no duration in its header: measure it by decoding.
    decoded = await decodedSeconds(filePath, Number.isFinite(durationSec) ? 1 : undefined);
  } catch (err) {
    throw notAudio("it is damaged or incomplete and could not be decoded", err);
  }
  if (decoded <= 0) throw notAudio("it is damaged or incomplete: no sound could be decoded from it");
  if (!Number.isFinite(durationSec)) durationSec = decoded;
  if (!(durationSec > 0)) throw notAudio("it has zero duration");

  return {
    durationSec,
    formatName: format.format_name,
    codec: audio.codec_name ?? "unknown",
    sampleRate: Number.isFinite(audio.sample_rate) ? audio.sample_rate : 0,
    channels: audio.channels ?? 0,
    bitRate: Number.isFinite(format.bit_rate) ? format.bit_rate : 0,
    sizeBytes,
  };
}
