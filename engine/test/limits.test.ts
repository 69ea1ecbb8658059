import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, getRun, sendEvents, sleep, startApp, tempDir, waitFor, waitRunsOfEvent } from "./helpers.js";

/** Max step duration, out-of-band registration, re-sync after the app changes. */
let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>>;
let base: string;
let slowCalls = 0;

beforeAll(async () => {
  const port = await freePort();
  app = await startApp("l", port, (inngest) => [
    inngest.createFunction({ id: "slow-once", retries: 2, triggers: [{ event: "l/slow" }] }, async ({ step }) => {
      return step.run("maybe-slow", async () => {
        slowCalls++;
        if (slowCalls === 1) await sleep(1500);
        return `attempt ${slowCalls}`;
      });
    }),
    inngest.createFunction(
      { id: "fancy", throttle: { limit: 1, period: "1s" }, debounce: { period: "1s" }, triggers: [{ event: "l/fancy" }, { cron: "0 * * * *" }] },
      async () => "ok",
    ),
    inngest.createFunction(
      { id: "unreadable", rateLimit: { limit: 1, period: "1m", key: "size(event.data.list)" }, triggers: [{ event: "l/unreadable" }] },
      async () => "ok",
    ),
  ]);
  engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), backoffBaseMs: 20, maxStepMs: 700, pollIntervalMs: 60_000, quiet: true });
  base = engine.url;
  await waitFor(async () => (await api(base, "/health")).functions === 3, 10_000, "sync");
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

describe("limits and registration", () => {
  it("a step that outlives --max-step-ms is a failed attempt, then retried", async () => {
    const { ids } = await sendEvents(base, { name: "l/slow", data: {} });
    const [run] = await waitRunsOfEvent(base, ids[0]!, 1, 10_000);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("attempt 2");
    // The first execution happened inside the discovery request (immediate execution), so the
    // timeout is recorded at run level; the second attempt ran the step.
    expect(run.attempts).toBe(2);
    expect(JSON.stringify(run.errors)).toContain("max step duration");
  });

  it("accepts the SDK's out-of-band registration (PUT to the app without the in-band header)", async () => {
    const res = await fetch(app.url, { method: "PUT" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(JSON.stringify(body)).not.toMatch(/error/i);
    const { functions } = await api(base, "/api/functions");
    expect(functions.map((f: { id: string }) => f.id)).toEqual(["l-slow-once", "l-fancy", "l-unreadable"]);
  });

  it("warns only about what it cannot honour: flow control and cron are implemented", async () => {
    const { functions } = await api(base, "/api/functions");
    const byId = (id: string) => functions.find((f: { id: string }) => f.id === id);
    expect(byId("l-fancy").warnings).toEqual([]); // throttle, debounce and a cron trigger
    expect(byId("l-fancy").throttle).toEqual({ limit: 1, periodMs: 1000, burst: 1 });
    expect(byId("l-unreadable").warnings.join("\n")).toMatch(/rateLimit key unsupported expression/);
    expect(byId("l-slow-once").warnings).toEqual([]);
  });

  it("refuses a data dir another live engine uses", async () => {
    await expect(startEngine({ port: 0, appUrls: [app.url], dataDir: engine.store.dir, quiet: true })).rejects.toThrow(/in use by another engine/);
  });

  it("rejects events without a name", async () => {
    const res = await fetch(base + "/e/key", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ data: {} }]) });
    expect(res.status).toBe(400);
  });
});
