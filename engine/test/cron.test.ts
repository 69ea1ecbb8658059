import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sleep, startApp, tempDir, waitFor, waitFunctions } from "./helpers.js";

/**
 * Cron triggers against the real SDK: on schedule, with the scheduled.timer event, never twice for
 * one tick across a restart, and a tick missed while the engine was down fired once at start.
 */
const EVERY_MS = 1000;
let app: Awaited<ReturnType<typeof startApp>>;
let engine: RunningEngine | undefined;
let port: number;
const dataDir = tempDir();
const seen: Array<{ name: string; cron: unknown; ts: number; at: number }> = [];

/** Starts the engine; resolves with the time its crons were reconciled by (startEngine's end). */
const boot = async () => {
  engine = await startEngine({ port, appUrls: [app.url], dataDir, pollIntervalMs: 60_000, quiet: true });
  const bootedAt = Date.now();
  await waitFunctions(engine.url, 1);
  return bootedAt;
};

beforeAll(async () => {
  port = await freePort();
  app = await startApp("c", port, (inngest) => [
    inngest.createFunction({ id: "ticker", triggers: [{ cron: "@every 1s" }] }, async ({ event, step }) => {
      await step.run("note", () => seen.push({ name: event.name, cron: (event.data as { cron?: string }).cron, ts: event.ts ?? 0, at: Date.now() }));
      return event.ts;
    }),
  ]);
  await boot();
});

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

const tickRuns = async (base: string) => {
  const { events } = await api(base, "/api/events?name=inngest/scheduled.timer&limit=1000");
  return events as Array<{ id: string; ts: number; receivedAt: number; data: { cron: string } }>;
};

describe("cron triggers", () => {
  it("fires on schedule with an inngest/scheduled.timer event", async () => {
    await waitFor(() => seen.length >= 2, 10_000, "two ticks");
    for (const s of seen.slice(0, 2)) {
      expect(s.name).toBe("inngest/scheduled.timer");
      expect(s.cron).toBe("@every 1s");
      expect(s.ts % EVERY_MS).toBe(0); // the tick time, not the time it happened to run
      expect(s.at - s.ts).toBeGreaterThanOrEqual(0);
      expect(s.at - s.ts).toBeLessThan(5 * EVERY_MS); // generous: the machine may be loaded
    }
    const gap = seen[1]!.ts - seen[0]!.ts;
    expect(gap % EVERY_MS).toBe(0);
    expect(gap).toBeGreaterThan(0);
    const { runs } = await api(engine!.url, "/api/runs?function=ticker&limit=1000");
    expect(runs.every((r: { status: string }) => ["completed", "running", "queued"].includes(r.status))).toBe(true);
  });

  it("fires each tick once across a restart, and a tick missed while down once at start", async () => {
    // A restart right after a tick must not fire that tick again.
    const before = seen.length;
    await waitFor(() => seen.length > before, 5_000, "a fresh tick");
    await engine!.stop();
    await boot();
    await sleep(300);
    await engine!.stop();
    const stoppedAt = Date.now();
    await sleep(3 * EVERY_MS + 200); // three ticks pass while the engine is down
    const restartAt = Date.now();
    const bootedAt = await boot();
    await sleep(2 * EVERY_MS + 300);
    const events = await tickRuns(engine!.url);
    const ticks = events.map((e) => e.ts);
    expect(new Set(ticks).size).toBe(ticks.length); // no tick fired twice
    // Nothing fired while down; at start, one event for all the missed ticks (its tick is one of them).
    expect(events.filter((e) => e.receivedAt > stoppedAt && e.receivedAt < restartAt)).toHaveLength(0);
    const atStart = events.filter((e) => e.receivedAt >= restartAt && e.receivedAt <= bootedAt);
    expect(atStart).toHaveLength(1);
    expect(atStart[0]!.ts).toBeGreaterThan(stoppedAt);
    expect(atStart[0]!.ts - stoppedAt).toBeGreaterThanOrEqual(2 * EVERY_MS); // not the first missed tick: the latest
    expect(events.filter((e) => e.receivedAt > bootedAt).length).toBeGreaterThanOrEqual(1); // and the schedule goes on
    // every tick the engine fired got exactly one run
    const { runs } = await api(engine!.url, "/api/runs?function=ticker&limit=1000");
    expect(runs.length).toBe(events.length);
  });
});

describe("cron jitter", () => {
  it("fires each tick up to the jitter after it, and journals the tick itself", async () => {
    const { Crons } = await import("../src/cron.js");
    const { Store } = await import("../src/store.js");
    const { Timers } = await import("../src/timers.js");
    const store = new Store(tempDir());
    store.open();
    const timers = new Timers();
    const fired: Array<{ tick: number; at: number }> = [];
    const crons = new Crons(store, timers, (_fn, _expr, tick) => fired.push({ tick, at: Date.now() }), () => {});
    const fn = { id: "j-fn", name: "fn", appId: "j", url: "", triggers: [{ cron: "@every 1s", jitter: "0.4s" }], concurrency: [], cancel: [], retries: 0, warnings: [] };
    crons.reconcile([fn]);
    try {
      await waitFor(() => fired.length >= 3, 10_000, "three jittered ticks");
      for (const f of fired) {
        expect(f.tick % 1000).toBe(0);
        expect(f.at - f.tick).toBeGreaterThanOrEqual(0);
        expect(f.at - f.tick).toBeLessThan(400 + 150);
      }
      // the delay is random in [0, 400 ms): three all under 20 ms would mean no jitter (p ≈ 1e-4)
      expect(Math.max(...fired.map((f) => f.at - f.tick))).toBeGreaterThan(20);
      expect(store.marks.get("cron:j-fn:@every 1s")).toBe(fired.at(-1)!.tick);
    } finally {
      timers.stop();
      store.close();
    }
  });
});
