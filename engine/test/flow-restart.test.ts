import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sendEvents, startApp, tempDir, waitFor, waitFunctions } from "./helpers.js";

/** Flow-control state is journaled: held events and idempotency keys survive an engine restart. */
let app: Awaited<ReturnType<typeof startApp>>;
let engine: RunningEngine | undefined;
let port: number;
const dataDir = tempDir();
const got: Array<{ fn: string; labels: string[] }> = [];

const boot = async () => {
  engine = await startEngine({ port, appUrls: [app.url], dataDir, retryInterval: 0.05, pollIntervalMs: 60_000, quiet: true });
  await waitFunctions(engine.url, 3);
};
const restart = async () => {
  await engine!.stop();
  await boot();
};
const label = (e: { data: unknown }) => (e.data as { label: string }).label;

beforeAll(async () => {
  port = await freePort();
  app = await startApp("fr", port, (inngest) => [
    inngest.createFunction({ id: "debounced", debounce: { period: "2s" }, triggers: [{ event: "fr/debounce" }] }, async ({ event }) => {
      got.push({ fn: "debounced", labels: [label(event)] });
    }),
    inngest.createFunction({ id: "batched", batchEvents: { maxSize: 10, timeout: "1s" }, triggers: [{ event: "fr/batch" }] }, async ({ events }) => {
      got.push({ fn: "batched", labels: events.map(label) });
    }),
    inngest.createFunction({ id: "idempotent", idempotency: "event.data.order", triggers: [{ event: "fr/idem" }] }, async ({ event }) => {
      got.push({ fn: "idempotent", labels: [label(event)] });
    }),
  ]);
  await boot();
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

describe("flow control across a restart", () => {
  it("a debounced event and a partial batch held when the engine stops still run after it restarts", async () => {
    await sendEvents(engine!.url, [{ name: "fr/debounce", data: { label: "d1" } }]);
    await sendEvents(engine!.url, [{ name: "fr/debounce", data: { label: "d2" } }]);
    await sendEvents(engine!.url, [1, 2].map((i) => ({ name: "fr/batch", data: { label: `b${i}` } })));
    await restart();
    await waitFor(async () => {
      const { runs } = await api(engine!.url, "/api/runs?status=completed");
      return runs.filter((r: { functionId: string }) => r.functionId !== "fr-idempotent").length === 2;
    }, 10_000, "held runs");
    expect(got.filter((g) => g.fn === "debounced")).toEqual([{ fn: "debounced", labels: ["d2"] }]);
    expect(got.filter((g) => g.fn === "batched")).toEqual([{ fn: "batched", labels: ["b1", "b2"] }]);
  });

  it("an idempotency key used before the restart still skips after it", async () => {
    await sendEvents(engine!.url, { name: "fr/idem", data: { label: "o1", order: 1 } });
    await waitFor(async () => (await api(engine!.url, "/api/runs?function=idempotent")).runs[0]?.status === "completed", 10_000, "first idempotent run");
    await restart();
    await sendEvents(engine!.url, { name: "fr/idem", data: { label: "o1-again", order: 1 } });
    const runs = await waitFor(async () => {
      const { runs } = await api(engine!.url, "/api/runs?function=idempotent");
      return runs.length === 2 ? runs : undefined;
    }, 10_000, "second idempotent run record");
    expect(runs[0].status).toBe("skipped");
    expect(got.filter((g) => g.fn === "idempotent").map((g) => g.labels[0])).toEqual(["o1"]);
  });
});
