import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sendEvents, sleep, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";

/** Flow control against the real SDK: priority, throttle, rate limit, debounce, idempotency, singleton, timeouts, batches. */
let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>>;
let base: string;
const starts = new Map<string, Array<{ label: string; at: number }>>();
const note = (group: string, label: string) => {
  const list = starts.get(group) ?? [];
  list.push({ label, at: Date.now() });
  starts.set(group, list);
};

beforeAll(async () => {
  const port = await freePort();
  app = await startApp("fl", port, (inngest) => [
    inngest.createFunction(
      { id: "prioritized", concurrency: 1, priority: { run: "event.data.vip ? 600 : 0" }, triggers: [{ event: "fl/prio" }] },
      async ({ event, step }) => {
        const label = (event.data as { label: string }).label;
        await step.run("first", async () => {
          note("prio", label);
          await sleep(100);
        });
        await step.run("second", () => sleep(20));
      },
    ),
  ]);
  engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), retryInterval: 0.05, pollIntervalMs: 60_000, quiet: true });
  base = engine.url;
  await waitFunctions(base, 1);
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

describe("priority.run", () => {
  it("with concurrency 1, a high-priority event sent after five low-priority ones starts second", async () => {
    const low = await sendEvents(base, [1, 2, 3, 4, 5].map((i) => ({ name: "fl/prio", data: { label: `low${i}` } })));
    const high = await sendEvents(base, { name: "fl/prio", data: { label: "vip", vip: true } });
    for (const id of [...low.ids, ...high.ids]) await waitRunsOfEvent(base, id, 1, 20_000);
    expect(starts.get("prio")!.map((s) => s.label)).toEqual(["low1", "vip", "low2", "low3", "low4", "low5"]);
  });
});
