import http from "node:http";
import type { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs } from "../src/config.js";
import { type RunningEngine, startEngine } from "../src/index.js";
import { freePort, getRun, sendEvents, sleep, startApp, tempDir, waitFor, waitRunsOfEvent, api } from "./helpers.js";

/**
 * App outages: an app that cannot be reached (connection refused, a proxy's 502 without the SDK's
 * header) is retried for --app-outage-ms before a run fails, without using the function's retries.
 * The "2 minutes down" is scaled to seconds with a 4 s limit.
 */
const LIMIT_MS = 4_000;
const failures: string[] = [];
let appPort: number;
let enginePort: number;
let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>> | undefined;

const define = (inngest: Inngest) => [
  inngest.createFunction(
    {
      id: "napper",
      retries: 0,
      triggers: [{ event: "o/go" }],
      onFailure: async ({ error }) => {
        failures.push(error.message);
      },
    },
    async ({ step }) => {
      const a = await step.run("a", () => 1);
      await step.sleep("nap", "1s");
      const b = await step.run("b", () => a + 1);
      return b;
    },
  ),
];

const up = async () => {
  app = await startApp("o", enginePort, define, appPort);
};
const down = async () => {
  await app?.close();
  app = undefined;
};

/** What a reverse proxy answers while the app behind it is down. */
async function proxy502(): Promise<() => Promise<void>> {
  const s = http.createServer((req, res) => {
    req.resume();
    res.writeHead(502, { "content-type": "text/html" });
    res.end("<h1>502 Bad Gateway</h1>");
  });
  await new Promise<void>((r) => s.listen(appPort, "127.0.0.1", () => r()));
  return () => new Promise<void>((r) => (s.close(() => r()), s.closeAllConnections()));
}

async function sleepingRun(): Promise<string> {
  const { ids } = await sendEvents(engine.url, { name: "o/go", data: {} });
  await waitFor(async () => (await api(engine.url, `/api/runs?eventId=${ids[0]}`)).runs[0]?.waitingOn === "sleep", 10_000, "the run asleep");
  return ids[0]!;
}

beforeAll(async () => {
  appPort = await freePort();
  enginePort = await freePort();
  await up();
  engine = await startEngine({
    port: enginePort,
    appUrls: [`http://127.0.0.1:${appPort}/api/inngest`],
    dataDir: tempDir(),
    backoffBaseMs: 50,
    pollIntervalMs: 60_000,
    appOutageMs: LIMIT_MS,
    quiet: true,
  });
  await waitFor(async () => (await api(engine.url, "/health")).functions === 2, 10_000, "sync");
});

afterAll(async () => {
  await engine?.stop();
  await down();
});

describe("app outages", () => {
  it("waits 30 minutes by default; --app-outage-ms takes ms or a duration", () => {
    expect(parseArgs([], {}).appOutageMs).toBe(30 * 60_000);
    expect(parseArgs(["--app-outage-ms", "2h"], {}).appOutageMs).toBe(2 * 3_600_000);
    expect(parseArgs(["--app-outage-ms", "5000"], {}).appOutageMs).toBe(5_000);
    expect(() => parseArgs(["--app-outage-ms", "soon"], {})).toThrow(/duration/);
  });

  it("an app down mid-run (refused, then a proxy's 502) for less than the limit: the run completes, no retries used", async () => {
    const eventId = await sleepingRun();
    await down();
    await sleep(1_200); // connection refused while the sleep ends
    const stopProxy = await proxy502();
    await sleep(1_000); // a proxy's error page: not the SDK
    await stopProxy();
    await up();
    const [run] = await waitRunsOfEvent(engine.url, eventId, 1, 15_000);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(2);
    expect(run.attempts).toBe(1);
    const { steps } = await getRun(engine.url, run.id);
    expect(steps.find((s: { id: string }) => s.id === "b")).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("down for longer than the limit: the run fails with a clear reason, and onFailure waits for the app just as patiently", async () => {
    const eventId = await sleepingRun();
    await down();
    const t0 = Date.now();
    const [run] = await waitRunsOfEvent(engine.url, eventId, 1, 20_000);
    expect(run.status).toBe("failed");
    expect(run.error.message).toMatch(/^app unreachable for \d+(\.\d)?s \(limit 4\.0s, --app-outage-ms\): ECONNREFUSED/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(LIMIT_MS);
    // the onFailure run started while the app is still down; it gets the same patience
    await sleep(2_000);
    expect(failures).toEqual([]);
    await up();
    await waitFor(() => failures.length === 1, 10_000, "the onFailure handler ran once the app was back");
    expect(failures[0]).toMatch(/app unreachable/);
  });
});
