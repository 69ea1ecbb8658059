import { expect, test } from "@playwright/test";
import { fixture, uploadThroughApi, waitForStatus } from "./support";

const TOKEN = "e2e-operations-token";
test.use({ httpCredentials: { username: "ops", password: TOKEN } });

test("operators act from /operations: charts, search, retry, urgent, cancel, delete, retry all failed", async ({ page, request }) => {
  const failed = await uploadThroughApi(request, fixture("not-audio.mp3"));
  const done = await uploadThroughApi(request, fixture("espeak.wav"), { contentType: "audio/wav" });
  await waitForStatus(request, failed.id, ["failed"]);
  await waitForStatus(request, done.id, ["completed"]);

  await page.goto("/operations");
  const row = (id: string) => page.locator(`[data-testid="operations-row"][data-id="${id}"]`);
  await expect(row(failed.id)).toBeVisible();
  await expect(row(done.id).getByTestId("status")).toHaveAttribute("data-status", "completed");
  // Queue and processing time per row, from the stage log.
  await expect(row(done.id).getByTestId("processing-time")).toHaveText(/\d+(\.\d)? s|\dm/);
  await expect(row(done.id).getByTestId("queue-time")).toHaveText(/\d/);
  // Charts drawn by Recharts, from the database: bars for the outcomes and for the stages.
  await expect(page.getByTestId("chart-outcomes").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(page.getByTestId("chart-stages").locator(".recharts-bar-rectangle").first()).toBeVisible();
  // One hour of history is one point: a dot, at 50 % (one failed, one completed).
  await expect(page.getByTestId("chart-failure-rate").locator(".recharts-line-dots circle").first()).toBeVisible();
  await expect(page.getByTestId("chart-failure-rate")).toContainText("100");
  // 24 hourly points (a flat line at 0 when nothing waits: drawn, though it has no height).
  await expect(page.getByTestId("chart-queue-depth").locator(".recharts-line-curve")).toHaveAttribute("d", /^M[\d.,]+(L[\d.,]+){23,}$/);
  // Each row links to its run in the engine.
  await expect(row(done.id).getByRole("link", { name: "run" })).toHaveAttribute("href", /\/api\/runs\/[0-9A-Z]+$/);

  // Search narrows the list.
  await page.getByLabel("Search sessions").fill("espeak");
  await expect(row(failed.id)).toHaveCount(0);
  await expect(row(done.id)).toBeVisible();
  await page.getByLabel("Search sessions").fill("");

  // Retry on a failed row starts a new run (which fails again: it is not audio).
  await row(failed.id).getByRole("button", { name: "Retry" }).click();
  await expect(page.getByRole("status")).toHaveText("retry: done for 1");
  await expect.poll(async () => (await (await request.get(`/api/sessions/${failed.id}`)).json()).timeline.filter((t: { message: string }) => t.message === "Retry requested").length).toBe(1);
  await waitForStatus(request, failed.id, ["failed"]);

  // A long one: mark it urgent, then cancel it.
  const long = await uploadThroughApi(request, fixture("librivox.mp3"));
  await expect(row(long.id).getByRole("button", { name: "Mark urgent" })).toBeVisible();
  await row(long.id).getByRole("button", { name: "Mark urgent" }).click();
  await expect(row(long.id)).toContainText("urgent");
  await row(long.id).getByRole("button", { name: "Cancel" }).click();
  await expect(row(long.id).getByTestId("status")).toHaveAttribute("data-status", "cancelled");

  // Retry all failed.
  await page.getByRole("button", { name: "Retry all failed" }).click();
  await expect(page.getByRole("status")).toHaveText(/retry-failed: done for [1-9]/);
  await waitForStatus(request, failed.id, ["failed"]);

  // Delete selected.
  await row(failed.id).getByRole("checkbox").check();
  await row(long.id).getByRole("checkbox").check();
  await page.getByRole("button", { name: "Delete selected (2)" }).click();
  await expect(row(failed.id)).toHaveCount(0);
  await expect(row(long.id)).toHaveCount(0);
  expect((await request.get(`/api/sessions/${failed.id}`)).status()).toBe(404);
});

test("/api/metrics needs the operations token and answers Prometheus text", async ({ playwright, baseURL }) => {
  const anon = await playwright.request.newContext({ baseURL });
  expect((await anon.get("/api/metrics")).status()).toBe(401);
  expect((await anon.get("/api/metrics", { headers: { authorization: "Bearer wrong-token-here" } })).status()).toBe(401);
  const res = await anon.get("/api/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toMatch(/^text\/plain/);
  const text = await res.text();
  expect(text).toMatch(/^# TYPE murmur_sessions_total counter$/m);
  expect(text).toMatch(/^murmur_sessions_total\{status="completed"\} [1-9]/m);
  expect(text).toMatch(/^# TYPE murmur_stage_duration_seconds histogram$/m);
  // Operator actions refuse other origins like every state-changing route.
  const cross = await anon.post("/api/operations/actions", {
    headers: { authorization: `Bearer ${TOKEN}`, origin: "https://evil.example", "content-type": "application/json" },
    data: { action: "retry-failed", ids: [] },
  });
  expect(cross.status()).toBe(403);
  await anon.dispose();
});
