/**
 * The local transcriber (Moonshine tiny via sherpa-onnx) in this process, on the fixtures that have
 * reference transcripts: the LibriVox clip (human speech) and the espeak-ng sentences (synthetic).
 *   npm run bench:model
 * Prints the model load time (cold, first load in the process), the real-time factor of a warm
 * transcription of each file (wall time / audio duration, decoding the file with ffmpeg included)
 * and the word error rate (lib/transcription/wer.ts).
 */
import { createLocalTranscriber, disposeLocalTranscriber, preloadLocalModel } from "@/lib/transcription/local";
import { wordErrorRate } from "@/lib/transcription/wer";
import { runTool } from "@/lib/audio/ffmpeg";
import { ensureFixtures } from "../scripts/fixtures-lib";
import { modelDir } from "./support/server";
import { isMain, log, round, runMain, writeResult } from "./support/util";

export interface ModelFileResult {
  name: string;
  durationSec: number;
  seconds: number;
  rtf: number;
  wer: number;
  hypothesis: string;
}
export interface ModelResults {
  loadMs: number;
  rtf: number;
  files: ModelFileResult[];
  threads: string;
}

async function durationOf(file: string): Promise<number> {
  const { stdout } = await runTool("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file]);
  return Number(stdout.toString().trim());
}

export async function runLocalModel(): Promise<ModelResults> {
  const fx = await ensureFixtures();
  const dir = modelDir();
  log("local model: load, then librivox and espeak");
  const t0 = performance.now();
  await preloadLocalModel({ modelDir: dir });
  const loadMs = performance.now() - t0;
  const t = createLocalTranscriber({ modelDir: dir });
  const files: ModelFileResult[] = [];
  try {
    for (const [name, file, ref] of [
      ["librivox", fx.librivox.wav, fx.librivox.text],
      ["espeak", fx.espeak.path, fx.espeak.text],
    ] as const) {
      const durationSec = await durationOf(file);
      await t.transcribe({ filePath: file, durationSec }); // warm-up
      const t1 = performance.now();
      const r = await t.transcribe({ filePath: file, durationSec });
      const seconds = (performance.now() - t1) / 1000;
      files.push({
        name,
        durationSec: round(durationSec, 1),
        seconds: round(seconds, 2),
        rtf: round(seconds / durationSec, 3),
        wer: round(wordErrorRate(ref, r.text) * 100, 1),
        hypothesis: r.text,
      });
    }
  } finally {
    disposeLocalTranscriber();
  }
  const audio = files.reduce((a, f) => a + f.durationSec, 0);
  const spent = files.reduce((a, f) => a + f.seconds, 0);
  return { loadMs: round(loadMs, 0), rtf: round(spent / audio, 3), files, threads: "numThreads min(4, cores), decode concurrency 1 (defaults)" };
}

export function printLocalModel(r: ModelResults): void {
  console.log(`local model (Moonshine tiny, sherpa-onnx): load ${r.loadMs} ms; RTF ${r.rtf} over both fixtures`);
  for (const f of r.files) console.log(`  ${f.name}: ${f.durationSec} s of audio in ${f.seconds} s (RTF ${f.rtf}), WER ${f.wer}%`);
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const r = await runLocalModel();
    printLocalModel(r);
    writeResult("local-model.json", { date: new Date().toISOString(), ...r });
  });
}
