import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sendEvents, sleep, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";

/**
 * inngest/function.finished and inngest/function.cancelled, in the shape Inngest sends them,
 * received by subscriber functions of a real SDK app.
 */
let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>>;
let base: string;
const finished: any[] = [];
const cancelled: any[] = [];

beforeAll(async () => {
  const port = await freePort();
  app = await startApp("lc", port, (inngest) => [
    inngest.createFunction(
      { id: "work", triggers: [{ event: "lc/work" }], cancelOn: [{ event: "lc/stop", match: "data.n" }] },
      async ({ event, step }) => {
        const n = (event.data as { n: number }).n;
        const doubled = await step.run("double", () => n * 2);
        if ((event.data as { nap?: boolean }).nap) await step.sleep("nap", "1m");
        return { doubled };
      },
    ),
    // No filter at all: a finish handler must not trigger itself (the engine emits nothing for
    // runs started by function.finished / function.failed).
    inngest.createFunction({ id: "on-finished", triggers: [{ event: "inngest/function.finished" }] }, async ({ event }) => {
      finished.push(event);
    }),
    inngest.createFunction(
      { id: "on-cancelled", triggers: [{ event: "inngest/function.cancelled", if: "event.data.function_id == 'lc-work'" }] },
      async ({ event }) => {
        cancelled.push(event);
      },
    ),
  ]);
  engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), retryInterval: 0.05, pollIntervalMs: 60_000, quiet: true });
  base = engine.url;
  await waitFunctions(base, 3);
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

const finishedFor = (runId: string) => finished.filter((e) => e.data.run_id === runId);

describe("lifecycle events", () => {
  it("a finished run emits inngest/function.finished with its event and result, once", async () => {
    const { ids } = await sendEvents(base, { name: "lc/work", data: { n: 21 } });
    const [run] = await waitRunsOfEvent(base, ids[0]!);
    expect(run.status).toBe("completed");
    await waitFor(() => finishedFor(run.id).length > 0, 10_000, "finished subscriber");
    const [ev] = finishedFor(run.id);
    expect(ev.name).toBe("inngest/function.finished");
    expect(ev.data).toMatchObject({
      function_id: "lc-work",
      run_id: run.id,
      event: { id: ids[0], name: "lc/work", data: { n: 21 } },
      result: { doubled: 42 },
    });
    expect(ev.data.error).toBeUndefined();
    await sleep(500);
    expect(finishedFor(run.id)).toHaveLength(1);
    // the subscriber's own runs did not emit finished events for themselves (no loop)
    const { runs } = await api(base, "/api/runs?function=on-finished&limit=1000");
    expect(runs.length).toBe(finished.length);
    expect(finished.every((e) => e.data.function_id !== "lc-on-finished")).toBe(true);
  });

  it("a run cancelled from the API emits inngest/function.cancelled (and finished) with the original event", async () => {
    const { ids } = await sendEvents(base, { name: "lc/work", data: { n: 1, nap: true } });
    const run = await waitFor(async () => {
      const { runs } = await api(base, `/api/runs?eventId=${ids[0]}`);
      return runs[0]?.waitingOn === "sleep" ? runs[0] : undefined;
    }, 10_000, "run asleep");
    await api(base, `/api/runs/${run.id}/cancel`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const ev = await waitFor(() => cancelled.find((e) => e.data.run_id === run.id), 10_000, "cancelled subscriber");
    expect(ev.name).toBe("inngest/function.cancelled");
    expect(ev.data).toMatchObject({
      function_id: "lc-work",
      run_id: run.id,
      event: { id: ids[0], name: "lc/work", data: { n: 1, nap: true } },
      error: { name: "Error", message: "function cancelled" },
    });
    const fin = await waitFor(() => finishedFor(run.id)[0], 10_000, "finished for the cancelled run");
    expect(fin.data.error).toEqual({ name: "Error", message: "function cancelled" });
  });

  it("a cancelOn event cancels with inngest/function.cancelled too", async () => {
    const { ids } = await sendEvents(base, { name: "lc/work", data: { n: 7, nap: true } });
    const run = await waitFor(async () => {
      const { runs } = await api(base, `/api/runs?eventId=${ids[0]}`);
      return runs[0]?.waitingOn === "sleep" ? runs[0] : undefined;
    }, 10_000, "run asleep");
    await sendEvents(base, { name: "lc/stop", data: { n: 7 } });
    const ev = await waitFor(() => cancelled.find((e) => e.data.run_id === run.id), 10_000, "cancelled subscriber");
    expect(ev.data.event.data).toEqual({ n: 7, nap: true });
    const { run: after } = await api(base, `/api/runs/${run.id}`);
    expect(after.status).toBe("cancelled");
  });
});
