/**
 * Bounded history in figures (engine/src/retention.ts): the engine as its own process with its
 * default retention (7 days, at most 10,000 finished runs), 20,000 one-request runs through the
 * real SDK; the engine's RSS and journal size along the way; and the time a restart takes after a
 * SIGKILL with 1,000 finished runs in the journal (replay + compaction until it answers).
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { Inngest } from "inngest";
import { serve } from "inngest/node";

type Health = {
  functions: number;
  runs: Record<string, number>;
  inFlight: number;
  memory: { rssBytes: number };
  journalBytes: number;
  journalReplay: { records: number; ms: number };
};

export interface HistoryFigures {
  runs: number;
  samples: Array<{ runs: number; rssMb: number; journalMb: number; runsKept: number }>;
  runsPerSecond: number;
  recovery: { finishedRunsInJournal: number; journalMb: number; emptyStartMs: number; restartAfterKillMs: number; replayRecords: number; replayMs: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => +(b / 1048576).toFixed(1);

export async function benchHistory(opts: { root: string; freePort: () => Promise<number>; total?: number }): Promise<HistoryFigures> {
  const total = opts.total ?? 20_000;
  const enginePort = await opts.freePort();
  const base = `http://127.0.0.1:${enginePort}`;
  const noop = () => {};
  const inngest = new Inngest({ id: "hist", isDev: true, baseUrl: base, logger: { info: noop, warn: noop, error: noop, debug: noop } });
  const fn = inngest.createFunction({ id: "tiny", triggers: [{ event: "hist/tiny" }] }, async ({ event }) => ({ n: (event.data as { n: number }).n }));
  const server = http.createServer(serve({ client: inngest, functions: [fn] }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const appUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/inngest`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-bench-history-"));
  const get = async <T>(p: string) => (await fetch(base + p)).json() as Promise<T>;
  const send = async (events: unknown) =>
    (await fetch(base + "/e/bench", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) })).json() as Promise<{ ids: string[] }>;

  let engine: ChildProcess | undefined;
  /** Start the engine; resolves with the ms from spawn until it answers with the app synced. */
  const start = async (): Promise<number> => {
    const t0 = performance.now();
    engine = spawn(process.execPath, ["--import", "tsx", path.join(opts.root, "engine/src/main.ts"), "--port", String(enginePort), "--app-url", appUrl, "--data-dir", dataDir, "--quiet"], {
      cwd: opts.root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    for (;;) {
      try {
        if ((await get<Health>("/health")).functions === 1) return performance.now() - t0;
      } catch {
        /* not up yet */
      }
      await sleep(5);
    }
  };
  const kill = async () => {
    const e = engine!;
    const exited = new Promise((r) => e.once("exit", r));
    e.kill("SIGKILL");
    await exited;
  };
  const idle = async () => {
    for (;;) {
      const h = await get<Health>("/health");
      if (h.inFlight === 0 && (h.runs.queued ?? 0) === 0 && (h.runs.running ?? 0) === 0) return h;
      await sleep(20);
    }
  };
  let sent = 0;
  const drive = async (upTo: number) => {
    const batch = 250;
    while (sent < upTo) {
      const { ids } = await send(Array.from({ length: batch }, (_, i) => ({ name: "hist/tiny", data: { n: sent + i } })));
      sent += batch;
      for (;;) {
        const { runs } = await get<{ runs: Array<{ status: string }> }>(`/api/runs?eventId=${ids[ids.length - 1]}`);
        if (runs[0]?.status === "completed") break;
        await sleep(10);
      }
    }
  };
  try {
    const emptyStartMs = await start();
    await drive(1_000);
    await idle();
    const journalAt1000 = fs.statSync(path.join(dataDir, "journal.jsonl")).size;
    await kill();
    const restartAfterKillMs = await start();
    const replay = (await get<Health>("/health")).journalReplay;
    const samples: HistoryFigures["samples"] = [];
    const t0 = performance.now();
    const from = sent;
    while (sent < total) {
      await drive(Math.min(total, sent + 5_000));
      const h = await idle();
      samples.push({ runs: sent, rssMb: mb(h.memory.rssBytes), journalMb: mb(h.journalBytes), runsKept: Object.values(h.runs).reduce((a, b) => a + b, 0) });
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      runs: total,
      samples,
      runsPerSecond: +((sent - from) / seconds).toFixed(1),
      recovery: { finishedRunsInJournal: 1_000, journalMb: mb(journalAt1000), emptyStartMs: Math.round(emptyStartMs), restartAfterKillMs: Math.round(restartAfterKillMs), replayRecords: replay.records, replayMs: replay.ms },
    };
  } finally {
    engine?.kill("SIGKILL");
    server.close();
    server.closeAllConnections();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
