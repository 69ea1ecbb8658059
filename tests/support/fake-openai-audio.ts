import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** 16 kHz mono Ogg/Opus, the format the pipeline's chunks are in. */
const OPUS = ["-ac", "1", "-ar", "16000", "-c:a", "libopus", "-b:a", "16k"];

export async function makeTone(file: string, seconds: number): Promise<string> {
  await run("ffmpeg", ["-y", "-v", "error", "-f", "lavfi", "-i", `sine=frequency=440:duration=${seconds}`, ...OPUS, file]);
  return file;
}

/** FLAC, not Opus: 25 minutes of silence encode in a fraction of a second instead of ten. Name the file *.flac. */
export async function makeSilence(file: string, seconds: number): Promise<string> {
  await run("ffmpeg", ["-y", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", String(seconds), "-c:a", "flac", file]);
  return file;
}

/** Spoken sentences (espeak-ng) separated by `pauseSec` of silence, so the timestamps have something real to find. */
export async function makeSpeech(file: string, sentences: string[], pauseSec = 1.2, voice = "en"): Promise<string> {
  const dir = path.dirname(file);
  const parts: string[] = [];
  for (const [i, sentence] of sentences.entries()) {
    const wav = path.join(dir, `${path.basename(file)}.${i}.wav`);
    await run("espeak-ng", ["-v", voice, "-w", wav, sentence]);
    parts.push(wav);
  }
  const inputs = parts.flatMap((p) => ["-i", p]);
  const silence = ["-f", "lavfi", "-t", String(pauseSec), "-i", "anullsrc=r=22050:cl=mono"];
  const silenceIndex = parts.length;
  const chain = parts.flatMap((_, i) => (i === 0 ? [`[${i}:a]`] : [`[${silenceIndex}:a]`, `[${i}:a]`]));
  // anullsrc is used once per gap, so it is split into as many copies as there are gaps.
  const gaps = Math.max(0, parts.length - 1);
  const split = gaps > 0 ? `[${silenceIndex}:a]asplit=${gaps}${Array.from({ length: gaps }, (_, g) => `[g${g}]`).join("")};` : "";
  let g = 0;
  const labels = chain.map((label) => (label === `[${silenceIndex}:a]` ? `[g${g++}]` : label));
  const filter = `${split}${labels.join("")}concat=n=${labels.length}:v=0:a=1[out]`;
  await run("ffmpeg", ["-y", "-v", "error", ...inputs, ...silence, "-filter_complex", filter, "-map", "[out]", ...OPUS, file]);
  await Promise.all(parts.map((p) => fs.rm(p, { force: true })));
  return file;
}

export async function durationOf(file: string): Promise<number> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]);
  return Number(stdout.trim());
}
