import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sendEvents, sleep, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";

/** Flow control against the real SDK: priority, throttle, rate limit, debounce, idempotency, singleton, timeouts, batches. */
let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>>;
let base: string;
const starts = new Map<string, Array<{ label: string; at: number }>>();
const cancelled: any[] = [];
const batches: Array<{ n: number; labels: string[] }> = [];
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
    inngest.createFunction(
      { id: "throttled", throttle: { limit: 1, period: "1s" }, triggers: [{ event: "fl/throttle" }] },
      async ({ event, step }) => {
        await step.run("go", () => note("throttle", (event.data as { label: string }).label));
      },
    ),
    inngest.createFunction({ id: "rate-limited", rateLimit: { limit: 2, period: "1m", key: "event.data.user" }, triggers: [{ event: "fl/rl" }] }, async ({ event }) =>
      note("rl", (event.data as { label: string }).label),
    ),
    inngest.createFunction(
      { id: "debounced", debounce: { period: "1.5s", key: "event.data.doc", timeout: "10s" }, triggers: [{ event: "fl/debounce" }] },
      async ({ event, step }) => {
        await step.run("save", () => note("debounce", (event.data as { label: string }).label));
        return (event.data as { label: string }).label;
      },
    ),
    inngest.createFunction({ id: "idempotent", idempotency: "event.data.order", triggers: [{ event: "fl/idem" }] }, async ({ event }) =>
      note("idem", (event.data as { label: string }).label),
    ),
    inngest.createFunction(
      { id: "single-skip", singleton: { key: "event.data.user", mode: "skip" }, triggers: [{ event: "fl/single-skip" }] },
      async ({ event, step }) => {
        await step.sleep("hold", "1s");
        note("single-skip", (event.data as { label: string }).label);
      },
    ),
    inngest.createFunction(
      { id: "single-cancel", singleton: { mode: "cancel" }, triggers: [{ event: "fl/single-cancel" }] },
      async ({ event, step }) => {
        await step.sleep("hold", "1s");
        await step.run("done", () => note("single-cancel", (event.data as { label: string }).label));
      },
    ),
    inngest.createFunction(
      { id: "finish-timeout", timeouts: { finish: "0.7s" }, triggers: [{ event: "fl/finish-timeout" }] },
      async ({ step }) => {
        await step.run("quick", () => 1);
        await step.sleep("too-long", "5s");
        await step.run("never", () => note("finish-timeout", "reached"));
      },
    ),
    inngest.createFunction(
      { id: "start-timeout", concurrency: 1, timeouts: { start: "0.5s" }, triggers: [{ event: "fl/start-timeout" }] },
      async ({ event, step }) => {
        await step.run("busy", async () => {
          note("start-timeout", (event.data as { label: string }).label);
          await sleep(1200);
        });
      },
    ),
    inngest.createFunction(
      { id: "batched", batchEvents: { maxSize: 3, timeout: "0.8s", key: "event.data.tenant" }, triggers: [{ event: "fl/batch" }] },
      async ({ events }) => {
        batches.push({ n: events.length, labels: events.map((e) => (e.data as { label: string }).label) });
      },
    ),
    inngest.createFunction({ id: "on-cancelled", triggers: [{ event: "inngest/function.cancelled" }] }, async ({ event }) => {
      cancelled.push(event);
    }),
  ]);
  engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), retryInterval: 0.05, pollIntervalMs: 60_000, quiet: true });
  base = engine.url;
  await waitFunctions(base, 11);
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

const runsOf = async (fn: string) => (await api(base, `/api/runs?function=${fn}&limit=1000`)).runs as any[];
const settled = (runs: any[]) => runs.every((r) => ["completed", "failed", "cancelled", "skipped"].includes(r.status));

describe("throttle", () => {
  it("spaces run starts by period/limit and queues the excess in order (none dropped)", async () => {
    await sendEvents(base, [1, 2, 3].map((i) => ({ name: "fl/throttle", data: { label: `t${i}` } })));
    await waitFor(async () => (starts.get("throttle")?.length ?? 0) === 3, 10_000, "three throttled runs");
    const s = starts.get("throttle")!;
    expect(s.map((x) => x.label)).toEqual(["t1", "t2", "t3"]);
    expect(s[1]!.at - s[0]!.at).toBeGreaterThanOrEqual(900);
    expect(s[2]!.at - s[1]!.at).toBeGreaterThanOrEqual(900);
    const runs = await waitFor(async () => {
      const r = await runsOf("throttled");
      return settled(r) ? r : undefined;
    }, 5_000, "throttled runs settled");
    expect(runs.map((r) => r.status)).toEqual(["completed", "completed", "completed"]);
  });
});

describe("rateLimit", () => {
  it("skips runs over the limit per key, visible as skipped", async () => {
    await sendEvents(base, [1, 2, 3, 4].map((i) => ({ name: "fl/rl", data: { label: `a${i}`, user: "a" } })));
    await sendEvents(base, { name: "fl/rl", data: { label: "b1", user: "b" } });
    const runs = await waitFor(async () => {
      const r = await runsOf("rate-limited");
      return r.length === 5 && settled(r) ? r : undefined;
    }, 10_000, "rate-limited runs");
    expect(runs.filter((r) => r.status === "completed")).toHaveLength(3);
    const skipped = runs.filter((r) => r.status === "skipped");
    expect(skipped).toHaveLength(2);
    expect(skipped[0].reason).toMatch(/rateLimit/);
    expect(starts.get("rl")!.map((s) => s.label).sort()).toEqual(["a1", "a2", "b1"]);
  });
});

describe("debounce", () => {
  it("gives one run with the last event of a burst per key", async () => {
    for (const i of [1, 2, 3]) {
      await sendEvents(base, { name: "fl/debounce", data: { label: `d${i}`, doc: "x" } });
      await sleep(150);
    }
    await sendEvents(base, { name: "fl/debounce", data: { label: "other", doc: "y" } });
    const runs = await waitFor(async () => {
      const r = await runsOf("debounced");
      return r.length === 2 && settled(r) ? r : undefined;
    }, 10_000, "debounced runs");
    expect(runs.map((r) => r.output).sort()).toEqual(["d3", "other"]);
    await sleep(1600);
    expect(await runsOf("debounced")).toHaveLength(2);
  });
});

describe("idempotency", () => {
  it("starts one run per key per 24 h", async () => {
    await sendEvents(base, [{ name: "fl/idem", data: { label: "o1", order: 1 } }, { name: "fl/idem", data: { label: "o1-again", order: 1 } }]);
    await sendEvents(base, { name: "fl/idem", data: { label: "o2", order: 2 } });
    const runs = await waitFor(async () => {
      const r = await runsOf("idempotent");
      return r.length === 3 && settled(r) ? r : undefined;
    }, 10_000, "idempotent runs");
    expect(runs.filter((r) => r.status === "skipped").map((r) => r.reason)).toEqual([expect.stringMatching(/idempotency/)]);
    expect(starts.get("idem")!.map((s) => s.label).sort()).toEqual(["o1", "o2"]);
  });
});

describe("singleton", () => {
  it("skip: a new run for a key with an active run is skipped", async () => {
    await sendEvents(base, { name: "fl/single-skip", data: { label: "s1", user: "u" } });
    await sleep(200);
    await sendEvents(base, [{ name: "fl/single-skip", data: { label: "s2", user: "u" } }, { name: "fl/single-skip", data: { label: "v1", user: "v" } }]);
    const runs = await waitFor(async () => {
      const r = await runsOf("single-skip");
      return r.length === 3 && settled(r) ? r : undefined;
    }, 10_000, "singleton skip runs");
    expect(runs.filter((r) => r.status === "skipped").map((r) => r.reason)).toEqual([expect.stringMatching(/singleton/)]);
    expect(starts.get("single-skip")!.map((s) => s.label).sort()).toEqual(["s1", "v1"]);
  });

  it("cancel: a new run cancels the active one, with inngest/function.cancelled", async () => {
    const first = await sendEvents(base, { name: "fl/single-cancel", data: { label: "c1" } });
    await sleep(300);
    await sendEvents(base, { name: "fl/single-cancel", data: { label: "c2" } });
    const runs = await waitFor(async () => {
      const r = await runsOf("single-cancel");
      return r.length === 2 && settled(r) ? r : undefined;
    }, 10_000, "singleton cancel runs");
    const old = runs.find((r) => r.eventId === first.ids[0]);
    expect(old.status).toBe("cancelled");
    expect(old.reason).toMatch(/singleton/);
    expect(starts.get("single-cancel")!.map((s) => s.label)).toEqual(["c2"]);
    await waitFor(() => cancelled.some((e) => e.data.run_id === old.id), 5_000, "cancelled event");
  });
});

describe("timeouts", () => {
  it("finish: a run still going after the limit is cancelled, and a subscriber gets inngest/function.cancelled", async () => {
    const { ids } = await sendEvents(base, { name: "fl/finish-timeout", data: {} });
    const [run] = await waitRunsOfEvent(base, ids[0]!, 1, 10_000);
    expect(run.status).toBe("cancelled");
    expect(run.reason).toMatch(/timeouts\.finish/);
    const ev = await waitFor(() => cancelled.find((e) => e.data.run_id === run.id), 5_000, "cancelled event");
    expect(ev.data).toMatchObject({ function_id: "fl-finish-timeout", event: { id: ids[0] }, error: { message: "function cancelled" } });
    expect(starts.get("finish-timeout")).toBeUndefined();
  });

  it("start: a run that waits in the queue longer than the limit is cancelled before it starts", async () => {
    const { ids } = await sendEvents(base, [1, 2].map((i) => ({ name: "fl/start-timeout", data: { label: `st${i}` } })));
    const [a] = await waitRunsOfEvent(base, ids[0]!, 1, 10_000);
    const [b] = await waitRunsOfEvent(base, ids[1]!, 1, 10_000);
    expect(a.status).toBe("completed");
    expect(b.status).toBe("cancelled");
    expect(b.reason).toMatch(/timeouts\.start/);
    expect(b.startedAt).toBeNull();
    expect(starts.get("start-timeout")!.map((s) => s.label)).toEqual(["st1"]);
  });
});

describe("batchEvents", () => {
  it("runs once per maxSize events per key, and flushes a partial batch after the timeout", async () => {
    await sendEvents(base, [1, 2, 3, 4].map((i) => ({ name: "fl/batch", data: { label: `x${i}`, tenant: "x" } })));
    await sendEvents(base, { name: "fl/batch", data: { label: "y1", tenant: "y" } });
    await waitFor(() => batches.length === 3, 10_000, "three batches");
    const byFirst = Object.fromEntries(batches.map((b) => [b.labels[0], b]));
    expect(byFirst.x1).toEqual({ n: 3, labels: ["x1", "x2", "x3"] });
    expect(byFirst.x4).toEqual({ n: 1, labels: ["x4"] });
    expect(byFirst.y1).toEqual({ n: 1, labels: ["y1"] });
  });
});
