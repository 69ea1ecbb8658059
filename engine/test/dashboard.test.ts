import { type Browser, chromium } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEngine, startEngine } from "../src/index.js";
import { api, freePort, sendEvents, sleep, startApp, tempDir, waitFor, waitFunctions, waitRunsOfEvent } from "./helpers.js";

/**
 * The dashboard and the API under it: an events list with the runs each started, runs searched by
 * event data, pages past 200, and a page a keyboard and a text selection can use (real Chromium).
 */
let engine: RunningEngine;
let app: Awaited<ReturnType<typeof startApp>>;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  app = await startApp("d", port, (inngest) => [
    inngest.createFunction({ id: "echo", triggers: [{ event: "d/echo" }] }, async ({ event }) => ({ got: (event.data as { sessionId?: string }).sessionId ?? null })),
    inngest.createFunction(
      { id: "waits", triggers: [{ event: "d/wait" }], cancelOn: [{ event: "d/stop", match: "data.sessionId" }] },
      async ({ step }) => {
        await step.sleep("long", "1h");
      },
    ),
  ]);
  engine = await startEngine({ port, appUrls: [app.url], dataDir: tempDir(), pollIntervalMs: 60_000, quiet: true });
  await waitFunctions(engine.url, 2);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
});

afterAll(async () => {
  await browser?.close();
  await engine?.stop();
  await app?.close();
});

describe("API behind the dashboard", () => {
  it("pages past 200 with a cursor, searches runs by event data, lists events with their runs", async () => {
    const { ids } = await sendEvents(engine.url, Array.from({ length: 230 }, (_, i) => ({ name: "d/echo", data: { sessionId: `sess-${i}` } })));
    await waitRunsOfEvent(engine.url, ids[ids.length - 1]!, 1, 30_000);
    await waitFor(async () => ((await api(engine.url, "/api/runs?status=completed&limit=5000")).runs.length >= 230 ? true : undefined), 30_000, "all runs done");
    const first = await api(engine.url, "/api/runs?function=echo&limit=200");
    expect(first.runs).toHaveLength(200);
    expect(first.next).toBe(first.runs[199].id);
    const second = await api(engine.url, `/api/runs?function=echo&limit=200&before=${first.next}`);
    expect(second.runs).toHaveLength(30);
    expect(second.next).toBeNull();
    const seen = new Set([...first.runs, ...second.runs].map((r: { id: string }) => r.id));
    expect(seen.size).toBe(230);

    const found = await api(engine.url, "/api/runs?q=SESS-117");
    expect(found.runs).toHaveLength(1);
    expect(found.runs[0].output).toEqual({ got: "sess-117" });

    const evs = await api(engine.url, "/api/events?name=d/echo&q=sess-42&limit=10");
    expect(evs.events.map((e: { data: { sessionId: string } }) => e.data.sessionId)).toEqual(["sess-42"]);
    expect(evs.events[0].runs).toEqual([{ id: expect.any(String), functionId: "d-echo", status: "completed" }]);
    const page = await api(engine.url, "/api/events?name=d/echo&limit=200");
    expect(page.next).not.toBeNull();
    expect((await api(engine.url, `/api/events?name=d/echo&limit=200&before=${page.next}`)).events).toHaveLength(30);
  });
});

describe("the page", () => {
  it("labelled fields, keyboard rows, events tab, the reason a run was cancelled, and a refresh that keeps a selection", async () => {
    const { ids } = await sendEvents(engine.url, { name: "d/wait", data: { sessionId: "sess-cancel-me" } });
    await waitFor(async () => (await api(engine.url, `/api/runs?eventId=${ids[0]}`)).runs[0]?.waitingOn === "sleep", 10_000, "sleeping");
    await sendEvents(engine.url, { name: "d/stop", data: { sessionId: "sess-cancel-me" } });
    await waitRunsOfEvent(engine.url, ids[0]!);

    const page = await browser.newPage();
    await page.goto(engine.url + "/");
    // every form field has a label
    for (const label of ["Status", "Function", "Event contains", "Event name", "Data (JSON)"]) {
      await expect(page.getByLabel(label, { exact: true }).first().isVisible()).resolves.toBe(true);
    }
    // search runs by event data, then open one with the keyboard only
    await page.getByLabel("Event contains", { exact: true }).first().fill("sess-cancel-me");
    const row = page.locator("#runs tr[data-id]");
    await waitFor(async () => (await row.count()) === 1, 10_000, "one matching run");
    await row.first().focus();
    await page.keyboard.press("Enter");
    await page.locator("#detail .reason").waitFor({ timeout: 10_000 });
    expect(await page.locator("#detail .reason").innerText()).toMatch(/Cancelled: cancelled by event d\/stop/);

    // a selection in the detail survives the 1.5 s refresh
    await page.evaluate(() => {
      const pre = document.querySelector("#detail pre")!;
      const r = document.createRange();
      r.selectNodeContents(pre);
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(r);
    });
    const selected = await page.evaluate(() => getSelection()!.toString());
    expect(selected.length).toBeGreaterThan(0);
    await sleep(3_500);
    expect(await page.evaluate(() => getSelection()!.toString())).toBe(selected);

    // the events tab: name, payload and the run it started, reachable by keyboard
    await page.getByRole("tab", { name: "Events" }).click();
    await page.getByLabel("Event contains", { exact: true }).last().fill("sess-cancel-me");
    const evRow = page.locator("#events tr[data-event]");
    await waitFor(async () => (await evRow.count()) >= 1, 10_000, "the event listed");
    const text = await page.locator("#events").innerText();
    expect(text).toContain("d/wait");
    expect(text).toContain("sess-cancel-me");
    expect(text).toContain("d-waits");
    // pages past 200: the runs list offers older runs
    await page.getByRole("tab", { name: "Runs" }).click();
    await page.getByLabel("Event contains", { exact: true }).first().fill("");
    await waitFor(async () => (await page.locator("#runs tr[data-id]").count()) === 200, 10_000, "200 rows");
    await page.getByRole("button", { name: "Older runs" }).click();
    await waitFor(async () => (await page.locator("#runsPage").innerText()).startsWith("page 2"), 10_000, "page 2");
    await waitFor(async () => (await page.locator("#runs tr[data-id]").count()) === 31, 10_000, "the other 31 on page 2");
    await page.close();
  }, 90_000);
});
