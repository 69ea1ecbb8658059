/**
 * Benchmark of the local Inngest-compatible engine (engine/), driven by the real `inngest` SDK.
 *   npm run bench:engine
 * Prints:
 *   - the engine's overhead per step: median ms between consecutive step completions of a 20-step
 *     function whose steps do nothing (engine + HTTP + the SDK's replay of memoized steps);
 *   - the throughput of 200 concurrent runs of a 3-step function with a concurrency limit of 10
 *     (runs/s), and the highest concurrency the app observed (must not exceed the limit);
 *   - the same with priority on (every 10th run high priority): runs/s, and the queue wait
 *     (created → started) of high- vs normal-priority runs;
 *   - with a throttle on (100 starts/s, burst 10): runs/s for 300 runs, and the most starts seen in
 *     any one-second window (must not exceed limit + burst).
 *   - bounded history (bench/support/engine-history.ts): the engine's RSS and journal size after
 *     20,000 runs with its default retention, and its restart time after a SIGKILL with 1,000
 *     finished runs in the journal.
 * Writes the figures to bench/results/engine.json.
 * The engine runs as its own process (as in development), the app in this one.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import { benchHistory } from "./support/engine-history";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const LIMIT = 10;
const RUNS = 200;
const STEPS = 20;
const SEQUENTIAL_RUNS = 20;
const THROTTLE = { limit: 100, period: "1s" as const, burst: 10 };
const THROTTLED_RUNS = 300;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function main() {
  const enginePort = await freePort();
  const base = `http://127.0.0.1:${enginePort}`;
  const noop = () => {};
  const inngest = new Inngest({ id: "bench", isDev: true, baseUrl: base, logger: { info: noop, warn: noop, error: noop, debug: noop } });
  let active = 0;
  let maxActive = 0;
  const functions = [
    inngest.createFunction({ id: "twenty", triggers: [{ event: "bench/twenty" }] }, async ({ step }) => {
      let x = 0;
      for (let i = 0; i < STEPS; i++) x = await step.run(`s${i}`, () => x + 1);
      return x;
    }),
    inngest.createFunction({ id: "three", concurrency: { limit: LIMIT }, triggers: [{ event: "bench/three" }] }, async ({ step }) => {
      for (const id of ["a", "b", "c"]) {
        await step.run(id, async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(1);
          active--;
          return id;
        });
      }
    }),
    inngest.createFunction(
      { id: "prioritized", concurrency: { limit: LIMIT }, priority: { run: "event.data.vip ? 60 : 0" }, triggers: [{ event: "bench/prio" }] },
      async ({ step }) => {
        for (const id of ["a", "b", "c"]) await step.run(id, () => sleep(1).then(() => id));
      },
    ),
    inngest.createFunction({ id: "throttled", throttle: THROTTLE, triggers: [{ event: "bench/throttle" }] }, async ({ step }) => {
      await step.run("one", () => 1);
    }),
  ];
  // Time spent inside the SDK's serve handler (the app's share of each step, not the engine's).
  const appTimes: number[] = [];
  const handler = serve({ client: inngest, functions });
  const server = http.createServer((req, res) => {
    const t = performance.now();
    res.on("finish", () => appTimes.push(performance.now() - t));
    void handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const appUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/inngest`;

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-bench-"));
  const engine = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "engine/src/main.ts"), "--port", String(enginePort), "--app-url", appUrl, "--data-dir", dataDir, "--quiet"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const get = async (p: string) => (await fetch(base + p)).json() as Promise<any>;
  const send = async (events: unknown) =>
    (await fetch(base + "/e/bench", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) })).json() as Promise<{ ids: string[] }>;
  try {
    for (;;) {
      try {
        if ((await get("/health")).functions === 4) break;
      } catch {
        /* not up yet */
      }
      await sleep(100);
    }
    const runOf = async (eventId: string) => {
      for (;;) {
        const { runs } = await get(`/api/runs?eventId=${eventId}`);
        if (runs[0] && ["completed", "failed", "cancelled"].includes(runs[0].status)) return runs[0];
        await sleep(5);
      }
    };

    // 1. overhead per step
    appTimes.length = 0;
    const gaps: number[] = [];
    const perRun: number[] = [];
    for (let i = 0; i < SEQUENTIAL_RUNS + 3; i++) {
      const { ids } = await send({ name: "bench/twenty", data: {} });
      const run = await runOf(ids[0]!);
      if (run.status !== "completed") throw new Error(`run ${run.id} ${run.status}`);
      if (i < 3) continue; // warm-up
      const { steps } = await get(`/api/runs/${run.id}`);
      const ends = steps.map((s: { endedAt: string }) => Date.parse(s.endedAt)).sort((a: number, b: number) => a - b);
      let prev = Date.parse(run.startedAt);
      for (const e of ends) {
        gaps.push(e - prev);
        prev = e;
      }
      perRun.push(run.durationMs);
    }

    const appPerStep = median(appTimes);
    // 2. throughput with the concurrency limit held
    appTimes.length = 0;
    const t0 = performance.now();
    const { ids } = await send(Array.from({ length: RUNS }, (_, i) => ({ name: "bench/three", data: { i } })));
    let done = 0;
    while (done < RUNS) {
      const h = await get("/health");
      done = (h.runs.completed ?? 0) - SEQUENTIAL_RUNS - 3;
      if ((h.runs.failed ?? 0) > 0) throw new Error("a run failed");
      if (done < RUNS) await sleep(10);
    }
    const seconds = (performance.now() - t0) / 1000;
    const appBusy = appTimes.reduce((a, b) => a + b, 0) / 1000;

    // Wait (cheaply, through /health's counts) until n more runs have completed, then list the function's runs.
    const allRuns = async (fn: string, n: number, completedBefore: number) => {
      for (;;) {
        const h = await get("/health");
        if ((h.runs.failed ?? 0) > 0) throw new Error("a run failed");
        if ((h.runs.completed ?? 0) >= completedBefore + n) break;
        await sleep(10);
      }
      return (await get(`/api/runs?function=${fn}&limit=${n}`)).runs as any[];
    };
    const completedNow = async () => ((await get("/health")).runs.completed ?? 0) as number;

    // 3. throughput with priority on
    const c3 = await completedNow();
    const tp = performance.now();
    await send(Array.from({ length: RUNS }, (_, i) => ({ name: "bench/prio", data: { i, vip: i % 10 === 9 } })));
    const prioRuns = await allRuns("prioritized", RUNS, c3);
    const prioSeconds = (performance.now() - tp) / 1000;
    const evData = new Map<string, boolean>();
    for (const r of prioRuns) {
      const { run } = await get(`/api/runs/${r.id}`);
      evData.set(r.id, Boolean(run.event.data.vip));
    }
    const wait = (vip: boolean) => prioRuns.filter((r) => evData.get(r.id) === vip).map((r) => Date.parse(r.startedAt) - Date.parse(r.createdAt));

    // 4. throughput with a throttle on
    const c4 = await completedNow();
    const tt = performance.now();
    await send(Array.from({ length: THROTTLED_RUNS }, (_, i) => ({ name: "bench/throttle", data: { i } })));
    const thrRuns = await allRuns("throttled", THROTTLED_RUNS, c4);
    const thrSeconds = (performance.now() - tt) / 1000;
    const startTimes = thrRuns.map((r) => Date.parse(r.startedAt)).sort((a, b) => a - b);
    let maxPerSecond = 0;
    for (let i = 0, j = 0; i < startTimes.length; i++) {
      while (startTimes[i]! - startTimes[j]! >= 1000) j++;
      maxPerSecond = Math.max(maxPerSecond, i - j + 1);
    }

    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      overheadPerStepMs: { median: median(gaps), p90: pct(gaps, 0.9), samples: gaps.length, sdkHandlerMedianMs: +appPerStep.toFixed(2) },
      twentyStepRunMs: { median: median(perRun) },
      throughput: { runs: ids.length, stepsPerRun: 3, concurrencyLimit: LIMIT, maxObservedConcurrency: maxActive, seconds: +seconds.toFixed(2), runsPerSecond: +(RUNS / seconds).toFixed(1), sdkRequests: appTimes.length },
      priority: {
        runs: RUNS,
        concurrencyLimit: LIMIT,
        highPriorityShare: 0.1,
        seconds: +prioSeconds.toFixed(2),
        runsPerSecond: +(RUNS / prioSeconds).toFixed(1),
        queueWaitMs: { highMedian: median(wait(true)), normalMedian: median(wait(false)) },
      },
      throttle: { runs: THROTTLED_RUNS, ...THROTTLE, seconds: +thrSeconds.toFixed(2), runsPerSecond: +(THROTTLED_RUNS / thrSeconds).toFixed(1), maxStartsInOneSecond: maxPerSecond },
    };
    console.log(`engine overhead per step (20 trivial steps): median ${results.overheadPerStepMs.median} ms, p90 ${results.overheadPerStepMs.p90} ms (${gaps.length} steps)`);
    console.log(
      `  of which inside the SDK's serve handler (replaying memoized steps): median ${appPerStep.toFixed(1)} ms per request; engine + HTTP ≈ ${(median(gaps) - appPerStep).toFixed(1)} ms`,
    );
    console.log(`20-step run: median ${results.twentyStepRunMs.median} ms`);
    console.log(
      `throughput: ${RUNS} concurrent runs of a 3-step function, limit ${LIMIT}: ${results.throughput.runsPerSecond} runs/s (${results.throughput.seconds} s; max observed concurrency ${maxActive})`,
    );
    console.log(`  ${appTimes.length} SDK requests; the app spent ${appBusy.toFixed(1)} s handling them (summed over concurrent requests)`);
    console.log(
      `with priority (1 in 10 high, limit ${LIMIT}): ${results.priority.runsPerSecond} runs/s; queue wait median ${results.priority.queueWaitMs.highMedian} ms (high) vs ${results.priority.queueWaitMs.normalMedian} ms (normal)`,
    );
    console.log(
      `with throttle (${THROTTLE.limit}/${THROTTLE.period}, burst ${THROTTLE.burst}): ${results.throttle.runsPerSecond} runs/s for ${THROTTLED_RUNS} runs; at most ${maxPerSecond} starts in any 1 s`,
    );
    if (maxActive > LIMIT) throw new Error(`concurrency limit broken: ${maxActive} > ${LIMIT}`);
    if (maxPerSecond > THROTTLE.limit + THROTTLE.burst) throw new Error(`throttle broken: ${maxPerSecond} starts in 1 s`);

    // 3. bounded history
    const history = await benchHistory({ root: ROOT, freePort });
    Object.assign(results, { history });
    const last = history.samples[history.samples.length - 1]!;
    console.log(
      `history: after ${history.runs} runs (default retention, ${history.runsPerSecond} runs/s): engine RSS ${last.rssMb} MB, journal ${last.journalMb} MB, ${last.runsKept} runs kept; ` +
        `along the way ${history.samples.map((x) => `${x.runs}: ${x.rssMb} MB / ${x.journalMb} MB`).join(", ")}`,
    );
    console.log(
      `recovery: restart after SIGKILL with ${history.recovery.finishedRunsInJournal} finished runs (journal ${history.recovery.journalMb} MB) answers in ${history.recovery.restartAfterKillMs} ms (empty start ${history.recovery.emptyStartMs} ms; of it the journal replay + compaction of ${history.recovery.replayRecords} records: ${history.recovery.replayMs} ms)`,
    );
    fs.mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "bench/results/engine.json"), JSON.stringify(results, null, 2) + "\n");
  } finally {
    engine.kill("SIGTERM");
    server.close();
    server.closeAllConnections();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
