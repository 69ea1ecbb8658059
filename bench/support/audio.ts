/** The recordings the benchmarks upload, built from the test fixtures (scripts/fixtures-lib.ts). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runTool } from "@/lib/audio/ffmpeg";
import { buildLongRecording, type LongRecording } from "../../scripts/fixtures-lib";

export interface Recording {
  path: string;
  label: string;
  durationSec: number;
  bytes: number;
  referenceText?: string;
}

async function durationOf(file: string): Promise<number> {
  const { stdout } = await runTool("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]);
  return Number(stdout.toString().trim());
}

const label = (sec: number) => (sec < 120 ? `${Math.round(sec)} s` : `${Math.round(sec / 60)} min`);

/** An N-minute mp3 of speech and pauses (cached in tests/fixtures/generated). */
export async function longRecording(minutes: number): Promise<Recording & { long: LongRecording }> {
  const long = await buildLongRecording({ minutes });
  return { path: long.path, label: `${minutes} min`, durationSec: long.durationSec, bytes: fs.statSync(long.path).size, referenceText: long.referenceText, long };
}

/** The first `seconds` of the long recording's speech unit, stream-copied into a temp file. */
export async function shortRecording(seconds: number): Promise<Recording> {
  const long = await buildLongRecording({ minutes: 1 });
  const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "murmur-bench-audio-")), `short-${seconds}s.mp3`);
  await runTool("ffmpeg", ["-nostdin", "-y", "-v", "error", "-i", long.path, "-t", String(seconds), "-c", "copy", dest]);
  const durationSec = await durationOf(dest);
  return { path: dest, label: label(durationSec), durationSec, bytes: fs.statSync(dest).size };
}
