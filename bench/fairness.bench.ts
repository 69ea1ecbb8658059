/**
 * Priority by duration: a 30 s recording uploaded while a 40-minute one is transcribing,
 * against the same 30 s recording on an idle app. Upload → completed wall time for the short
 * one, side by side; the target is "busy within 3× idle".   npm run bench:fairness [-- --quick]
 * --quick: a 5-minute long recording instead of 40 minutes.
 */
import fs from "node:fs";
import { longRecording, shortRecording } from "./support/audio";
import { SessionsClient } from "./support/client";
import { ensureBuild, startApp, startEngine } from "./support/server";
import { freePort, hasFlag, isMain, log, round, runMain, sleep, writeResult } from "./support/util";

export interface FairnessResults {
  short: { label: string; durationSec: number };
  long: { label: string; durationSec: number };
  idleSeconds: number;
  busySeconds: number;
  ratio: number;
  longStillRunning: boolean;
}

async function untilDone(client: SessionsClient, id: string, deadlineMs = 20 * 60_000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const d = await client.get(id);
    if (["completed", "failed", "cancelled"].includes(d.status)) return d;
    if (Date.now() > deadline) throw new Error(`session ${id} not finished: ${d.status} ${d.progress}%`);
    await sleep(200);
  }
}

async function timeUpload(client: SessionsClient, bytes: Buffer, name: string): Promise<{ id: string; seconds: number }> {
  const t0 = performance.now();
  const s = await client.create(name, bytes.length, "audio/mpeg");
  const put = await client.put(s.uploadUrl, bytes, "audio/mpeg");
  if (put.status !== 202) throw new Error(`PUT → ${put.status} ${put.body}`);
  const d = await untilDone(client, s.id);
  if (d.status !== "completed") throw new Error(`${name}: ${d.status} ${d.error}`);
  return { id: s.id, seconds: (performance.now() - t0) / 1000 };
}

export async function runFairness(opts: { quick: boolean }): Promise<FairnessResults> {
  const [short, long] = await Promise.all([shortRecording(30), longRecording(opts.quick ? 5 : 40)]);
  const shortBytes = fs.readFileSync(short.path);
  const longBytes = fs.readFileSync(long.path);
  const appPort = await freePort();
  const engine = await startEngine({ appUrl: `http://127.0.0.1:${appPort}/api/inngest` });
  const app = await startApp({ port: appPort, enginePort: engine.port, env: { CHUNK_SECONDS: opts.quick ? "60" : "300" } });
  const client = new SessionsClient(app.url);
  try {
    for (let i = 0; ; i++) {
      const h = (await (await fetch(`${engine.url}/health`)).json()) as { functions: number };
      if (h.functions > 0) break;
      if (i > 300) throw new Error("the engine never synced the app's functions");
      await sleep(100);
    }
    // Warm the model once so neither measurement pays its load.
    await timeUpload(client, shortBytes, "warm-up.mp3");
    log(`fairness: ${short.label} alone`);
    const idle = await timeUpload(client, shortBytes, "idle.mp3");

    log(`fairness: ${short.label} while ${long.label} transcribes`);
    const bg = await client.create("long.mp3", longBytes.length, "audio/mpeg");
    await client.put(bg.uploadUrl, longBytes, "audio/mpeg");
    for (;;) {
      const d = await client.get(bg.id);
      if (d.status === "processing" && d.stage === "transcribing") break;
      if (["completed", "failed", "cancelled"].includes(d.status)) throw new Error(`long recording ended early: ${d.status}`);
      await sleep(200);
    }
    await sleep(3000); // its parts are decoding now
    const busy = await timeUpload(client, shortBytes, "busy.mp3");
    const longNow = await client.get(bg.id);
    await client.delete(bg.id);
    return {
      short: { label: short.label, durationSec: round(short.durationSec, 1) },
      long: { label: long.label, durationSec: round(long.durationSec, 1) },
      idleSeconds: round(idle.seconds, 1),
      busySeconds: round(busy.seconds, 1),
      ratio: round(busy.seconds / idle.seconds, 2),
      longStillRunning: longNow.status === "processing" || longNow.status === "queued",
    };
  } finally {
    client.close();
    await app.stop();
    await engine.stop();
  }
}

export function printFairness(r: FairnessResults): void {
  console.log(
    `${r.short.label} recording, upload → completed: idle ${r.idleSeconds} s, while a ${r.long.label} one transcribes ${r.busySeconds} s ` +
      `(${r.ratio}× idle; target ≤ 3×${r.longStillRunning ? "" : "; the long one had already finished"})`,
  );
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const quick = hasFlag("quick");
    await ensureBuild(hasFlag("build"));
    const r = await runFairness({ quick });
    printFairness(r);
    writeResult("fairness.json", { date: new Date().toISOString(), quick, ...r });
  });
}
