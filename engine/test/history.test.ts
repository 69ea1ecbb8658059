import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/config.js";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, getRun, sendEvents, sleep, spawnEngine, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";
import { cleanupsAfterAll, heapMb } from "./memory.js";

/**
 * Bounded history: finished runs, steps and events past the retention or beyond the count leave memory
 * and the journal, and the journal is compacted while running without losing an in-flight run.
 */
const cleanups = cleanupsAfterAll();

describe("options", () => {
  it("--history takes durations (default 7 days), --history-max-runs a count", () => {
    expect(parseArgs([], {}).historyMs).toBe(7 * 86_400_000);
    for (const [v, ms] of [["30s", 30_000], ["15m", 900_000], ["24h", 86_400_000], ["7d", 604_800_000]] as const) {
      expect(parseArgs(["--history", v], {}).historyMs).toBe(ms);
    }
    expect(parseArgs(["--history-max-runs", "500"], {}).historyMaxRuns).toBe(500);
    expect(() => parseArgs(["--history", "a while"], {})).toThrow(/duration/);
  });
});

describe("retention", () => {
  it("drops finished runs, their steps and events past the retention, never an unfinished run", async () => {
    const port = await freePort();
    const app = await startApp("h", port, (inngest) => [
      inngest.createFunction({ id: "quick", triggers: [{ event: "h/quick" }] }, async ({ step }) => step.run("one", () => 1)),
      inngest.createFunction({ id: "long", triggers: [{ event: "h/long" }] }, async ({ step }) => {
        await step.run("before", () => 1);
        await step.sleep("nap", "3s");
        return step.run("after", () => 2);
      }),
    ]);
    const engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), backoffBaseMs: 20, pollIntervalMs: 60_000, quiet: true, historyMs: "1h", historyMaxRuns: 3 });
    cleanups.push(() => app.close(), () => engine.stop());
    await waitFunctions(engine.url, 2);
    const long = await sendEvents(engine.url, { name: "h/long", data: {} });
    const quick = await sendEvents(engine.url, Array.from({ length: 6 }, () => ({ name: "h/quick", data: {} })));
    for (const id of quick.ids) await waitRunsOfEvent(engine.url, id);
    // beyond the count: at most 3 finished runs are kept right after a sweep
    engine.retention.sweep();
    const finished = [...engine.store.runs.values()].filter((r) => r.status === "completed");
    expect(finished.length).toBeLessThanOrEqual(3);
    // an hour later (the sweep takes "now" as an argument)
    engine.retention.sweep(Date.now() + 3_600_001);
    expect([...engine.store.runs.values()].map((r) => r.fnId)).toEqual(["h-long"]);
    // the long run's own event is kept while it runs; the quick runs' events and steps are gone
    expect(engine.store.events.has(long.ids[0]!)).toBe(true);
    for (const id of quick.ids) expect(engine.store.events.has(id)).toBe(false);
    expect(engine.store.steps.size).toBe(1);
    const [run] = await waitRunsOfEvent(engine.url, long.ids[0]!, 1, 10_000);
    expect(run.output).toBe(2);
  });

});

describe("compaction while running", () => {
  it("SIGKILL while the journal is being compacted again and again loses no in-flight run", { timeout: 120_000 }, async () => {
    const counts = new Map<string, number>();
    const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    const enginePort = await freePort();
    const appPort = await freePort();
    const dataDir = tempDir();
    const app = await startApp(
      "k",
      enginePort,
      (inngest) => [
        inngest.createFunction({ id: "long", triggers: [{ event: "k/long" }] }, async ({ step }) => {
          const a = await step.run("before", () => (bump("before"), 1));
          await step.sleep("nap", "12s");
          const b = await step.run("after", () => (bump("after"), 2));
          return a + b;
        }),
        inngest.createFunction({ id: "filler", triggers: [{ event: "k/fill" }] }, async ({ event }) => ({ pad: "x".repeat(500), n: (event.data as { n: number }).n })),
      ],
      appPort,
    );
    cleanups.push(() => app.close());
    const args = ["--port", String(enginePort), "--app-url", app.url, "--data-dir", dataDir, "--history", "5s", "--history-max-runs", "30", "--journal-compact-bytes", "20000", "--poll-interval-ms", "60000"];
    let engine = await spawnEngine(args);
    cleanups.push(async () => {
      engine.proc.kill("SIGKILL");
      await engine.exited;
    });
    const base = `http://127.0.0.1:${enginePort}`;
    await waitFunctions(base, 2);
    const long = await sendEvents(base, { name: "k/long", data: {} });
    await waitFor(async () => (await api(base, `/api/runs?eventId=${long.ids[0]}`)).runs[0]?.waitingOn === "sleep", 10_000, "the long run asleep");
    // fill the journal so it is compacted many times while the long run sleeps, and kill mid-stream
    const compactions = () => engine.output().match(/journal compacted/g)?.length ?? 0;
    const deadline = Date.now() + 30_000;
    for (let i = 0; compactions() < 2 && Date.now() < deadline; i++) {
      await sendEvents(base, Array.from({ length: 25 }, (_, n) => ({ name: "k/fill", data: { n: i * 25 + n } })));
      await sleep(300);
    }
    expect(compactions()).toBeGreaterThanOrEqual(2);
    // one more burst, so the kill lands while runs are journaled and compactions keep coming
    await sendEvents(base, Array.from({ length: 25 }, (_, n) => ({ name: "k/fill", data: { n: 1000 + n } })));
    await sleep(100);
    expect((await api(base, `/api/runs?eventId=${long.ids[0]}`)).runs[0]?.waitingOn).toBe("sleep");
    engine.proc.kill("SIGKILL");
    await engine.exited;
    // as if the kill had come in the middle of writing a compacted copy
    fs.writeFileSync(path.join(dataDir, "journal.jsonl.tmp"), '{"t":"run","run":{"id":"torn');
    engine = await spawnEngine(args);
    const [run] = await waitRunsOfEvent(base, long.ids[0]!, 1, 45_000).catch((e) => {
      throw new Error(`${e}\n${engine.output().slice(-3000)}`);
    });
    expect(run.status).toBe("completed");
    expect(run.output).toBe(3);
    expect(counts.get("before")).toBe(1);
    expect(counts.get("after")).toBe(1);
    const { steps } = await getRun(base, run.id);
    expect(steps.map((s: { id: string }) => s.id)).toEqual(["before", "nap", "after"]);
  });
});
