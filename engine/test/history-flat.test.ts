import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sendEvents, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";
import { cleanupsAfterAll, heapMb } from "./memory.js";

/**
 * 20,000 runs through the real SDK with a short retention: the runs and events kept, the heap and the
 * journal stay flat (without retention and compaction the journal would grow by ~3 KB a run).
 * Slow by nature (~100 runs/s on two shared cores), so in its own file.
 */
const cleanups = cleanupsAfterAll();

describe("bounded history under load", () => {
  it("memory and journal stay flat across 20,000 runs with a short retention", async () => {
    const port = await freePort();
    const app = await startApp("m", port, (inngest) => [
      inngest.createFunction({ id: "tiny", triggers: [{ event: "m/tiny" }] }, async ({ event }) => ({ n: (event.data as { n: number }).n })),
    ]);
    const dataDir = tempDir();
    const engine: RunningEngine = await startEngine({
      port,
      appUrls: [app.url],
      dataDir,
      pollIntervalMs: 60_000,
      quiet: true,
      historyMs: "2s",
      historyMaxRuns: 1_000,
      journalCompactBytes: 1024 * 1024,
    });
    cleanups.push(() => app.close(), () => engine.stop());
    await waitFunctions(engine.url, 1);
    const journal = path.join(dataDir, "journal.jsonl");
    const samples: Array<{ runs: number; heapMb: number; journalMb: number; kept: number }> = [];
    const total = 20_000;
    const batch = 250;
    let sent = 0;
    while (sent < total) {
      const { ids } = await sendEvents(engine.url, Array.from({ length: batch }, (_, i) => ({ name: "m/tiny", data: { n: sent + i } })));
      sent += batch;
      await waitRunsOfEvent(engine.url, ids[ids.length - 1]!, 1, 60_000);
      if (sent % 5_000 === 0) {
        await waitFor(async () => (await api(engine.url, "/health")).inFlight === 0, 30_000, "idle");
        samples.push({ runs: sent, heapMb: heapMb(), journalMb: fs.statSync(journal).size / 1048576, kept: engine.store.runs.size });
      }
    }
    console.log("history samples", JSON.stringify(samples));
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    // the bound plus what finishes between two sweeps (the sweep runs within a second of going over)
    expect(last.kept).toBeLessThanOrEqual(1_000 + 2 * batch);
    expect(engine.store.events.size).toBeLessThanOrEqual(3_000 + 2 * batch);
    // without retention and compaction the journal would hold every run: well over 40 MB here
    expect(last.journalMb).toBeLessThan(Math.max(4, first.journalMb * 1.5));
    expect(last.heapMb).toBeLessThan(first.heapMb + 25);
    // every run completed
    const done = (await api(engine.url, "/health")).runs;
    expect(done.failed ?? 0).toBe(0);
  }, 1_200_000);
});
