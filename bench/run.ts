/**
 * Every benchmark in one run, figures side by side:  npm run bench [-- --quick] [-- --skip-build]
 *   1. builds the app into .next-bench (skipped with --skip-build when a build exists),
 *   2. upload acknowledgement latency (bench/upload-ack.bench.ts),
 *   3. the long recording end to end: today's design, the earlier sequential prepare, and one chunk at a time (bench/transcribe.bench.ts),
 *   3b. priority by duration: a 30 s recording while a 40-minute one transcribes, vs idle (bench/fairness.bench.ts),
 *   4. the local model: load, RTF, WER (bench/local-model.bench.ts),
 *   5. the engine's overhead and throughput (bench/engine.bench.ts, run as its own process),
 *   6. the traced size of each route's serverless function, from the build (scripts/trace-sizes.ts).
 * One phase at a time (2 cores). Writes bench/results/latest.json.
 * --quick: 10 uploads, a 5-minute recording (CHUNK_SECONDS=60) — for checking the benchmark itself.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { printFairness, runFairness } from "./fairness.bench";
import { printLocalModel, runLocalModel } from "./local-model.bench";
import { formatTraceSizes, traceSizes } from "../scripts/trace-sizes";
import { buildApp, DIST_DIR, hasBuild } from "./support/server";
import { hasFlag, log, RESULTS_DIR, ROOT, round, runMain, writeResult } from "./support/util";
import { formatProgress, printTranscribe, runTranscribe } from "./transcribe.bench";
import { printUploadAck, runUploadAck } from "./upload-ack.bench";

function runEngineBench(): Promise<{ printed: string; results: any }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/engine.bench.ts")], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`bench/engine.bench.ts exited with ${code}\n${out}`));
      resolve({ printed: out.trim(), results: JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, "engine.json"), "utf8")) });
    });
  });
}

runMain(async () => {
  const quick = hasFlag("quick");
  const t0 = performance.now();
  const load0 = os.loadavg();
  let build: { seconds: number } | { skipped: true } = { skipped: true };
  if (!hasFlag("skip-build") || !hasBuild()) build = await buildApp();
  const upload = await runUploadAck({ quick });
  const transcribe = await runTranscribe({ quick });
  const fairness = await runFairness({ quick });
  const model = await runLocalModel();
  log("engine bench (bench/engine.bench.ts)");
  const engine = await runEngineBench();
  const traces = traceSizes(path.join(ROOT, DIST_DIR));
  const totalSeconds = (performance.now() - t0) / 1000;

  const file = writeResult("latest.json", {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart: load0, loadAverageAtEnd: os.loadavg() },
    build,
    totalSeconds: round(totalSeconds, 0),
    uploadAck: upload,
    transcription: transcribe,
    fairness,
    localModel: model,
    engine: engine.results,
    traceSizes: traces.map((t) => ({ route: t.route, bytes: t.bytes, files: t.files, largest: t.packages.slice(0, 5) })),
  });
  console.log("\n── details ──");
  printUploadAck(upload);
  printTranscribe(transcribe);
  printFairness(fairness);
  printLocalModel(model);
  console.log(engine.printed);

  const [par, before, seq] = transcribe.runs;
  const ms = (x: number) => `${x} ms`.padEnd(9);
  const lines = [
    ...upload.uploads.map(
      (u) =>
        `${`upload ack, ${u.file.label} file`.padEnd(28)} median ${ms(u.putTotalMs.median)} p95 ${ms(u.putTotalMs.p95)} (n=${u.n})   ` +
        `after last byte: median ${ms(u.ackMs.median)} p95 ${u.ackMs.p95} ms`,
    ),
    `${`${transcribe.recording.label} transcription`.padEnd(28)} wall ${par!.wallSeconds} s (parallel ${par!.parallelism}) vs ${before!.wallSeconds} s (earlier sequential prepare) ` +
      `vs ${seq!.wallSeconds} s (one chunk at a time)   peak RSS ${Math.max(par!.memory.peakTreeMb, before!.memory.peakTreeMb, seq!.memory.peakTreeMb)} MB`,
    `${"".padEnd(28)} stages (parallel): ${par!.stages.filter((s) => s.seconds >= 0.05).map((s) => `${s.stage} ${s.seconds} s`).join(", ")}; ` +
      `earlier prepare: ${before!.stages.filter((s) => s.seconds >= 0.05).map((s) => `${s.stage} ${s.seconds} s`).join(", ")}`,
    `${"".padEnd(28)} progress (parallel): ${formatProgress(par!.progress)}`,
    `${`${fairness.short.label} clip, busy vs idle`.padEnd(28)} while ${fairness.long.label} transcribes ${fairness.busySeconds} s vs idle ${fairness.idleSeconds} s   ratio ${fairness.ratio}× (target ≤ 3×)`,
    `${"local model".padEnd(28)} load ${model.loadMs} ms   RTF ${model.rtf}   WER librivox ${model.files[0]!.wer}%   WER espeak ${model.files[1]!.wer}%`,
    `${"engine".padEnd(28)} overhead/step median ${engine.results.overheadPerStepMs.median} ms (p90 ${engine.results.overheadPerStepMs.p90})   ` +
      `throughput ${engine.results.throughput.runsPerSecond} runs/s (3-step runs, limit ${engine.results.throughput.concurrencyLimit})`,
  ];
  console.log(`\n── murmur bench${quick ? " (--quick)" : ""}: ${os.cpus().length} cores, node ${process.version}, load average at start ${load0.map((x) => x.toFixed(1)).join(" ")} ──`);
  for (const l of lines) console.log(l);
  console.log(`\n── traced function size per route (what Vercel ships, unzipped; limit 250 MB) ──`);
  for (const l of formatTraceSizes(traces)) console.log(l);
  console.log(`(total ${round(totalSeconds / 60, 1)} min${"seconds" in build ? `, build ${round(build.seconds, 0)} s` : ""})`);

  console.log(`written to ${path.relative(ROOT, file)}`);
});
