import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, freePort, getRun, sendEvents, sleep, spawnEngine, startApp, tempDir, waitFor, waitRunsOfEvent } from "./helpers.js";

/**
 * The engine runs as a real child process (`tsx engine/src/main.ts`), is killed with SIGKILL in the
 * middle of runs, and restarted on the same data dir. The app (real SDK) lives in this process, so its
 * counters survive the kill and tell us which steps ran again.
 */
const counts = new Map<string, number>();
const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
const started = new Set<string>();

let enginePort: number;
let appPort: number;
let dataDir: string;
let app: Awaited<ReturnType<typeof startApp>> | undefined;
let engine: Awaited<ReturnType<typeof spawnEngine>> | undefined;
let base: string;

const engineArgs = () => [
  "--port", String(enginePort),
  "--app-url", `http://127.0.0.1:${appPort}/api/inngest`,
  "--data-dir", dataDir,
  "--backoff-base-ms", "20",
  "--poll-interval-ms", "500",
];

async function killEngine() {
  engine!.proc.kill("SIGKILL");
  await engine!.exited;
  engine = undefined;
}

beforeAll(async () => {
  enginePort = await freePort();
  appPort = await freePort();
  dataDir = tempDir();
  base = `http://127.0.0.1:${enginePort}`;
});

afterAll(async () => {
  if (engine) {
    engine.proc.kill("SIGKILL");
    await engine.exited;
  }
  await app?.close();
});

describe("engine as a child process", () => {
  it("prints its listening line, answers /health, and waits quietly for an app that is not up yet", async () => {
    engine = await spawnEngine(engineArgs());
    expect(engine.output()).toContain(`listening on http://127.0.0.1:${enginePort}`);
    const health = await api(base, "/health");
    expect(health).toMatchObject({ status: "ok", functions: 0 });
    await sleep(1500);
    // one line about the app being down, not one per retry
    expect(engine.output().match(/not reachable/g)?.length).toBe(1);

    app = await startApp(
      "d",
      enginePort,
      (inngest) => [
        inngest.createFunction({ id: "pipeline", triggers: [{ event: "d/go" }] }, async ({ event, step }) => {
          const id = (event.data as { id: string }).id;
          const a = await step.run("s1", () => (bump(`${id}:s1`), 1));
          const b = await step.run("s2", () => (bump(`${id}:s2`), a + 1));
          const [c, d] = await Promise.all([
            step.run("p1", () => (bump(`${id}:p1`), 10)),
            step.run("p2", () => (bump(`${id}:p2`), 20)),
          ]);
          const e = await step.run("slow", async () => {
            bump(`${id}:slow`);
            started.add(`${id}:slow`);
            await sleep(800);
            return 100;
          });
          const f = await step.run("s4", () => (bump(`${id}:s4`), 1000));
          return a + b + c + d + e + f;
        }),
        inngest.createFunction({ id: "napper", triggers: [{ event: "d/nap" }] }, async ({ event, step }) => {
          const id = (event.data as { id: string }).id;
          const t0 = await step.run("before", () => (bump(`${id}:before`), Date.now()));
          await step.sleep("nap", "2s");
          const t1 = await step.run("after", () => (bump(`${id}:after`), Date.now()));
          return t1 - t0;
        }),
      ],
      appPort,
    );
    await waitFor(async () => (await api(base, "/health")).functions === 2, 10_000, "sync after the app came up");
  });

  it("resumes in-flight and sleeping runs after SIGKILL; finished steps never run again", async () => {
    const ids = ["r1", "r2", "r3"];
    const sent = await sendEvents(base, ids.map((id) => ({ name: "d/go", id: `go-${id}`, data: { id } })));
    const nap = await sendEvents(base, { name: "d/nap", id: "nap-1", data: { id: "n1" } });
    await waitFor(() => ids.every((id) => started.has(`${id}:slow`)), 15_000, "slow steps started");
    await waitFor(async () => {
      const { runs } = await api(base, `/api/runs?eventId=nap-1`);
      return runs[0]?.waitingOn === "sleep";
    }, 10_000, "napper sleeping");
    const sleepStartedAt = Date.now();

    await killEngine();
    await sleep(300);
    engine = await spawnEngine(engineArgs());
    expect(engine.output()).toMatch(/recovered \d+ unfinished run/);

    for (const eid of sent.ids) {
      const [run] = await waitRunsOfEvent(base, eid, 1, 20_000);
      expect(run.status).toBe("completed");
      expect(run.output).toBe(1 + 2 + 10 + 20 + 100 + 1000);
    }
    for (const id of ids) {
      for (const s of ["s1", "s2", "p1", "p2", "s4"]) expect(counts.get(`${id}:${s}`), `${id}:${s}`).toBe(1);
      // the step that was executing at the kill may run again (at-least-once), never more
      expect(counts.get(`${id}:slow`)).toBeLessThanOrEqual(2);
    }
    const [napRun] = await waitRunsOfEvent(base, nap.ids[0]!, 1, 20_000);
    expect(napRun.status).toBe("completed");
    expect(napRun.output).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - sleepStartedAt).toBeLessThan(10_000);
    expect(counts.get("n1:before")).toBe(1);
    expect(counts.get("n1:after")).toBe(1);
    const { steps } = await getRun(base, napRun.id);
    expect(steps.map((s: { id: string }) => s.id)).toEqual(["before", "nap", "after"]);
  });

  it("remembers event ids across a restart (duplicates still ignored)", async () => {
    await killEngine();
    engine = await spawnEngine(engineArgs());
    await sendEvents(base, { name: "d/go", id: "go-r1", data: { id: "r1" } });
    await sleep(300);
    const { runs } = await api(base, "/api/runs?eventId=go-r1");
    expect(runs).toHaveLength(1);
    expect(counts.get("r1:s1")).toBe(1);
  });

  it("exits with a clear message on a bad option", async () => {
    await expect(spawnEngine(["--port", "nope"])).rejects.toThrow(/invalid configuration[\s\S]*port/);
  });
});
