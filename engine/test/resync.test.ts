import { afterAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sendEvents, startApp, tempDir, waitFor, waitRunsOfEvent } from "./helpers.js";

/** The app restarts (same URL) with a different set of functions: the engine follows. */
let engine: RunningEngine | undefined;
let app: Awaited<ReturnType<typeof startApp>> | undefined;

afterAll(async () => {
  await engine?.stop();
  await app?.close();
});

const ids = async (base: string) => (await api(base, "/api/functions")).functions.map((f: { id: string }) => f.id).sort();

describe("re-sync", () => {
  it("picks up a restarted app's new functions, and fails runs of a function that disappeared", async () => {
    const enginePort = await freePort();
    const appPort = await freePort();
    app = await startApp("r", enginePort, (i) => [i.createFunction({ id: "a", triggers: [{ event: "r/a" }] }, async () => "a1")], appPort);
    engine = await startEngine({
      port: enginePort,
      appUrls: [`http://127.0.0.1:${appPort}/api/inngest`],
      dataDir: tempDir(),
      backoffBaseMs: 20,
      pollIntervalMs: 300,
      quiet: true,
    });
    const base = engine.url;
    await waitFor(async () => (await ids(base)).length === 1, 10_000, "first sync");

    // restart with one more function
    await app.close();
    app = await startApp(
      "r",
      enginePort,
      (i) => [
        i.createFunction({ id: "a", triggers: [{ event: "r/a" }] }, async () => "a2"),
        i.createFunction({ id: "b", triggers: [{ event: "r/b" }] }, async () => "b2"),
      ],
      appPort,
    );
    await waitFor(async () => (await ids(base)).join() === "r-a,r-b", 10_000, "re-sync with r-b");
    const sent = await sendEvents(base, { name: "r/b", data: {} });
    const [run] = await waitRunsOfEvent(base, sent.ids[0]!);
    expect(run).toMatchObject({ status: "completed", output: "b2" });

    // a run of b arrives while the app is down; the app comes back without b: the run fails with a reason
    await app.close();
    app = undefined;
    const sent2 = await sendEvents(base, { name: "r/b", data: {} });
    app = await startApp("r", enginePort, (i) => [i.createFunction({ id: "a", triggers: [{ event: "r/a" }] }, async () => "a3")], appPort);
    const [run2] = await waitRunsOfEvent(base, sent2.ids[0]!);
    expect(run2.status).toBe("failed");
    expect(JSON.stringify(run2.error)).toMatch(/no longer exists/);
    await waitFor(async () => (await ids(base)).join() === "r-a", 10_000, "r-b removed");
  });
});
