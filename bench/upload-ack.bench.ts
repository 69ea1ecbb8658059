/**
 * Upload acknowledgement latency against the real built app (`next start` of .next-bench) and the engine.
 *   npm run bench:upload [-- --quick] [-- --build]
 *
 * For a 10-second and a 40-minute recording, N times each (50; --quick: 10 and a 5-minute recording):
 * POST /api/sessions, then PUT the bytes, timing
 *   - full PUT: request start → 202 (includes sending the bytes over loopback),
 *   - ack: last byte handed to the socket → 202 (what the server does after the upload: drain the
 *     socket, finish the file, the DB update and inngest.send — no transcription work).
 *
 * The engine is running and listening, and every upload's event is really sent to it (checked: the
 * engine's journal holds one `session/uploaded` event per upload), but it is pointed at an app URL
 * where nothing listens, so it has no functions and starts no runs. Otherwise 100 uploads would
 * queue 50 transcriptions of a 40-minute recording on the same 2 cores during the measurement.
 * Afterwards every session is deleted (DELETE /api/sessions/:id → 204) and both processes stopped.
 */
import fs from "node:fs";
import path from "node:path";
import { longRecording, type Recording, shortRecording } from "./support/audio";
import { SessionsClient } from "./support/client";
import { ensureBuild, startApp, startEngine } from "./support/server";
import { freePort, hasFlag, isMain, log, median, pct, round, runMain, writeResult } from "./support/util";

export interface AckStats {
  median: number;
  p95: number;
  min: number;
  max: number;
}
export interface UploadAckResult {
  file: { label: string; durationSec: number; bytes: number };
  n: number;
  createMs: AckStats;
  putTotalMs: AckStats;
  putSendMs: AckStats;
  ackMs: AckStats;
}
export interface UploadAckResults {
  uploads: UploadAckResult[];
  eventsSentToEngine: number;
  runsStartedByEngine: number;
  deleted: number;
  engineMode: string;
}

const stats = (xs: number[]): AckStats => ({
  median: round(median(xs), 1),
  p95: round(pct(xs, 0.95), 1),
  min: round(Math.min(...xs), 1),
  max: round(Math.max(...xs), 1),
});

export async function runUploadAck(opts: { quick: boolean }): Promise<UploadAckResults> {
  const n = opts.quick ? 10 : 50;
  const files: Recording[] = [await shortRecording(10), await longRecording(opts.quick ? 5 : 40)];
  const deadPort = await freePort(); // nothing listens here: the engine syncs no functions
  const engine = await startEngine({ appUrl: `http://127.0.0.1:${deadPort}/api/inngest` });
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  const client: { c?: SessionsClient } = {};
  const ids: string[] = [];
  try {
    app = await startApp({ enginePort: engine.port });
    const c = (client.c = new SessionsClient(app.url));
    const uploads: UploadAckResult[] = [];
    for (const f of files) {
      const bytes = fs.readFileSync(f.path);
      const one = async () => {
        const s = await c.create(`bench-${f.label.replace(/\s+/g, "")}.mp3`, bytes.length, "audio/mpeg");
        ids.push(s.id);
        const t = await c.put(s.uploadUrl, bytes, "audio/mpeg");
        if (t.status !== 202) throw new Error(`PUT ${s.uploadUrl} → ${t.status} ${t.body}`);
        const body = JSON.parse(t.body) as { status: string };
        if (body.status !== "queued") throw new Error(`expected status queued, got ${t.body}`);
        return { create: s.ms, ...t };
      };
      // Warm-up: the first request to each route loads its code; not counted.
      await one();
      const create: number[] = [];
      const total: number[] = [];
      const send: number[] = [];
      const ack: number[] = [];
      log(`upload ack: ${n} uploads of ${f.label} (${(bytes.length / 1e6).toFixed(1)} MB)`);
      for (let i = 0; i < n; i++) {
        const t = await one();
        create.push(t.create);
        total.push(t.totalMs);
        send.push(t.sendMs);
        ack.push(t.ackMs);
      }
      uploads.push({
        file: { label: f.label, durationSec: round(f.durationSec, 1), bytes: bytes.length },
        n,
        createMs: stats(create),
        putTotalMs: stats(total),
        putSendMs: stats(send),
        ackMs: stats(ack),
      });
    }
    // The acknowledgement really reached a listening engine: one journaled event per upload, no runs.
    const events = ((await (await fetch(`${engine.url}/api/events?name=session/uploaded&limit=5000`)).json()) as { events: unknown[] }).events.length;
    const health = (await (await fetch(`${engine.url}/health`)).json()) as { runs: Record<string, number> };
    const runs = Object.values(health.runs).reduce((a, b) => a + b, 0);
    if (events !== ids.length) throw new Error(`engine received ${events} session/uploaded events for ${ids.length} uploads`);
    let deleted = 0;
    for (const id of ids.splice(0)) if ((await c.delete(id)) === 204) deleted++;
    return {
      uploads,
      eventsSentToEngine: events,
      runsStartedByEngine: runs,
      deleted,
      engineMode: "engine listening and journaling events, but synced to no app (no runs), so no transcription ran during the measurement",
    };
  } finally {
    if (client.c && ids.length > 0) for (const id of ids) await client.c.delete(id).catch(() => 0);
    client.c?.close();
    await app?.stop();
    await engine.stop();
    fs.rmSync(path.dirname(files[0]!.path), { recursive: true, force: true }); // the 10-s cut
  }
}

export function printUploadAck(r: UploadAckResults): void {
  for (const u of r.uploads) {
    console.log(
      `upload ack, ${u.file.label} file (${(u.file.bytes / 1e6).toFixed(2)} MB): full PUT median ${u.putTotalMs.median} ms, p95 ${u.putTotalMs.p95} ms; ` +
        `after last byte median ${u.ackMs.median} ms, p95 ${u.ackMs.p95} ms; POST create median ${u.createMs.median} ms (n=${u.n})`,
    );
  }
  console.log(`  ${r.eventsSentToEngine} session/uploaded events reached the engine; ${r.runsStartedByEngine} runs started; ${r.deleted} sessions deleted`);
}

if (isMain(import.meta.url)) {
  runMain(async () => {
    const quick = hasFlag("quick");
    await ensureBuild(hasFlag("build"));
    const r = await runUploadAck({ quick });
    printUploadAck(r);
    writeResult("upload-ack.json", { date: new Date().toISOString(), quick, ...r });
  });
}
