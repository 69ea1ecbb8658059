import fs from "node:fs";
import http from "node:http";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { freePort } from "../support/net";
import { buildLongRecording } from "../../scripts/fixtures-lib";
import { E2E_OPERATIONS_TOKEN } from "./operator";
import { fixture, getSession, uploadThroughApi, waitForStatus } from "./support";

/**
 * /operations as an operator uses it, in Chromium: an admin signs in, looks at charts drawn
 * from sessions that really ran (one fails for real: it is not audio), and acts on rows.
 * The recordings are uploaded by another browser (an anonymous visitor), as they would be.
 */

// ADMIN_EMAILS in playwright.config.ts; accounts.spec.ts may have created the account already (same password).
const ADMIN = "admin@murmur.test";
const PASSWORD = "correct horse battery";

async function signInAsAdmin(page: Page): Promise<void> {
  const signIn = await page.request.post("/api/auth/sign-in/email", { data: { email: ADMIN, password: PASSWORD } });
  if (signIn.ok()) return;
  const signUp = await page.request.post("/api/auth/sign-up/email", { data: { name: "Admin", email: ADMIN, password: PASSWORD } });
  expect(signUp.status(), await signUp.text()).toBe(200);
}

/** A completion-webhook receiver that refuses each message's first attempt, so the log shows a retry. */
async function startReceiver() {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      res.writeHead(n === 1 ? 503 : 200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${port}/hook`, attempts: () => [...seen.values()].reduce((a, b) => a + b, 0), close: () => server.close() };
}

type Snapshot = {
  sessions: Array<{ id: string; status: string; urgent: boolean; runUrl: string | null }>;
  charts: { outcomes: Array<{ hour: string; completed: number; failed: number; failureRate: number }>; stages: Array<{ stage: string; p50: number; p95: number }>; queueDepth: Array<{ at: string; depth: number }> };
};

const row = (page: Page, id: string) => page.locator(`[data-testid="operations-row"][data-id="${id}"]`);
const statusOf = (r: Locator) => r.getByTestId("status");

/** Where a y-axis value sits on a chart: from the ticks Recharts draws for 0 and `top` (the x axis of these charts has times, not numbers). */
async function yOf(chart: Locator, value: number, top: number): Promise<number> {
  const tickY = async (label: string) =>
    Number(await chart.locator(".recharts-cartesian-axis-tick-value", { hasText: new RegExp(`^${label}$`) }).first().getAttribute("y"));
  const [y0, yTop] = [await tickY("0"), await tickY(String(top))];
  return y0 + ((yTop - y0) * value) / top;
}

test("an operator reads the charts and acts from /operations: filter, search, run link, deliveries, retry, urgent, cancel, delete, bulk", async ({
  page,
  request,
  context,
}) => {
  test.setTimeout(300_000);
  const receiver = await startReceiver();
  try {
    const long = await buildLongRecording({ minutes: 3 });

    // Real sessions from a visitor: one that fails (a text file named .mp3), one that completes and has a webhook.
    const failed = await uploadThroughApi(request, fixture("not-audio.mp3"));
    const done = await uploadThroughApi(request, fixture("espeak.wav"), { contentType: "audio/wav", webhookUrl: receiver.url });
    await waitForStatus(request, failed.id, ["failed"]);
    await waitForStatus(request, done.id, ["completed"]);

    await signInAsAdmin(page);
    const res = await page.goto("/operations");
    expect(res?.status()).toBe(200);
    await expect(row(page, failed.id)).toBeVisible();
    await expect(statusOf(row(page, failed.id))).toHaveAttribute("data-status", "failed");
    await expect(row(page, failed.id)).toContainText(/not audio/i);
    await expect(statusOf(row(page, done.id))).toHaveAttribute("data-status", "completed");
    // Queue and processing time per row, from the stage log.
    await expect(row(page, done.id).getByTestId("processing-time")).toHaveText(/^\d+\.\d s$|^\d+m \d+s$/);
    await expect(row(page, done.id).getByTestId("queue-time")).toHaveText(/^\d+\.\d s$|^\d+m \d+s$/);

    // ── charts, drawn by Recharts from what the API reports ──
    const snap = (await (await page.request.get("/api/operations")).json()) as Snapshot;
    const hour = snap.charts.outcomes.at(-1)!;
    expect(hour.completed).toBeGreaterThanOrEqual(1);
    expect(hour.failed).toBeGreaterThanOrEqual(1);
    const outcomes = page.getByTestId("chart-outcomes");
    // A stacked bar per outcome that happened: green completed, red failed.
    await expect(outcomes.locator('.recharts-bar-rectangle path[fill="#059669"]').last()).toBeVisible();
    await expect(outcomes.locator('.recharts-bar-rectangle path[fill="#dc2626"]').last()).toBeVisible();
    for (const o of ["completed", "failed", "cancelled"]) await expect(outcomes.locator(".recharts-legend-item-text", { hasText: o })).toBeVisible();

    // p50 and p95 per stage: one group of bars per stage the completed session went through.
    const stages = page.getByTestId("chart-stages");
    for (const s of ["preparing", "transcribing", "analyzing"]) {
      expect(snap.charts.stages.map((x) => x.stage)).toContain(s);
      await expect(stages.locator(".recharts-cartesian-axis-tick-value", { hasText: s })).toBeVisible();
    }
    await expect(stages.locator('.recharts-bar-rectangle path[fill="#6366f1"]')).toHaveCount(snap.charts.stages.length);

    // The failure rate of this hour, as a dot at its height on the 0–100 % axis.
    const rate = page.getByTestId("chart-failure-rate");
    const dot = rate.locator(".recharts-line-dots circle").last();
    await expect(dot).toBeVisible();
    const latest = ((await (await page.request.get("/api/operations")).json()) as Snapshot).charts.outcomes.at(-1)!;
    expect(latest.failureRate).toBeCloseTo((100 * latest.failed) / (latest.completed + latest.failed), 0);
    // (within a few pixels: a tick's text sits a little off its line; 1 % is about 1.5 px here)
    expect(Math.abs(Number(await dot.getAttribute("cy")) - (await yOf(rate, latest.failureRate, 100)))).toBeLessThan(5);

    // Queue depth: 24 hourly points and now (a flat line at 0 when nothing waits is still drawn).
    const depth = page.getByTestId("chart-queue-depth");
    expect(snap.charts.queueDepth.length).toBeGreaterThanOrEqual(24);
    await expect(depth.locator(".recharts-line-curve")).toHaveAttribute("d", /^M[\d.,]+([LHV][\d.,]+){23,}/);

    // ── the run link opens that run in the engine's dashboard ──
    const link = row(page, done.id).getByRole("link", { name: "run" });
    const runId = decodeURIComponent(snap.sessions.find((s) => s.id === done.id)!.runUrl!.split("#run=")[1]!);
    expect(runId).toMatch(/^[0-9A-Z]{26}$/);
    const [dashboard] = await Promise.all([context.waitForEvent("page"), link.click()]);
    await expect(dashboard.getByRole("heading", { name: `Run ${runId}` })).toBeVisible();
    await expect(dashboard.locator("#detail")).toContainText("process-session");
    await expect(dashboard.locator("#detail")).toContainText("completed");
    await dashboard.close();

    // ── the delivery log: the webhook's refused first attempt, then the delivery ──
    await expect.poll(receiver.attempts, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const log = page.getByTestId("delivery-log");
    const hook = log.locator("tr", { hasText: receiver.url.replace("http://", "") });
    await expect(hook.filter({ hasText: "delivered (200)" })).toHaveCount(1);
    await expect(hook.filter({ hasText: /failed: .*503|failed: 503/ })).toHaveCount(1);
    await expect(hook.first()).toContainText("session.completed");
    await expect(hook.first()).toContainText("webhook · webhook");

    // ── filter and search ──
    await page.getByLabel("Status filter").selectOption("failed");
    await expect(row(page, done.id)).toHaveCount(0);
    await expect(row(page, failed.id)).toBeVisible();
    for (const status of await page.getByTestId("operations-row").getByTestId("status").evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))) {
      expect(status).toBe("failed");
    }
    await page.getByLabel("Status filter").selectOption("");
    await page.getByLabel("Search sessions").fill("espeak");
    await expect(row(page, failed.id)).toHaveCount(0);
    await expect(row(page, done.id)).toBeVisible();
    await page.getByLabel("Search sessions").fill(failed.id.slice(0, 8));
    await expect(row(page, done.id)).toHaveCount(0);
    await expect(row(page, failed.id)).toBeVisible();
    await page.getByLabel("Search sessions").fill("");

    // ── Retry is offered only where it can succeed: a file that is not audio fails the same way every time ──
    await expect(row(page, failed.id).getByRole("button", { name: "Retry" })).toHaveCount(0);

    // ── a longer one while it runs: Mark urgent, Cancel, then Retry (a new run that completes), then Delete ──
    const running = await uploadThroughApi(request, long.path);
    await expect(row(page, running.id).getByRole("button", { name: "Mark urgent" })).toBeVisible();
    await row(page, running.id).getByRole("button", { name: "Mark urgent" }).click();
    await expect(page.getByRole("status")).toHaveText("urgent: done for 1");
    await expect(row(page, running.id)).toContainText("urgent");
    await expect(row(page, running.id).getByRole("button", { name: "Mark urgent" })).toHaveCount(0);
    await row(page, running.id).getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByRole("status")).toHaveText("cancel: done for 1");
    await expect(statusOf(row(page, running.id))).toHaveAttribute("data-status", "cancelled");
    expect((await getSession(request, running.id)).status).toBe("cancelled");
    await row(page, running.id).getByRole("button", { name: "Retry" }).click();
    await expect(page.getByRole("status")).toHaveText("retry: done for 1");
    const again = await waitForStatus(request, running.id, ["completed"]);
    expect(again.timeline!.filter((t) => t.message === "Retry requested")).toHaveLength(1);
    await expect(statusOf(row(page, running.id))).toHaveAttribute("data-status", "completed");

    // A look by eye, with every outcome in the charts (completed, failed, cancelled) and the delivery log.
    fs.mkdirSync("/tmp/murmur-shots", { recursive: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: "/tmp/murmur-shots/operations-data.png", fullPage: true });
    await row(page, running.id).getByRole("button", { name: "Delete" }).click();
    await expect(row(page, running.id)).toHaveCount(0);
    expect((await request.get(`/api/sessions/${running.id}`)).status()).toBe(404);

    // ── Retry all failed: each through the same rule, so the not-audio one is refused, with its reason, and left as it was ──
    await page.getByRole("button", { name: "Retry all failed" }).click();
    await expect(page.getByRole("status")).toHaveText(/^retry-failed: \d+ of \d+ refused — /);
    const untouched = await getSession(request, failed.id);
    expect(untouched.status).toBe("failed");
    expect(untouched.timeline!.some((t) => t.message === "Retry requested")).toBe(false);

    await row(page, failed.id).getByRole("checkbox").check();
    await row(page, done.id).getByRole("checkbox").check();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    await expect(page.getByRole("status")).toHaveText("delete: done for 2");
    await expect(row(page, failed.id)).toHaveCount(0);
    await expect(row(page, done.id)).toHaveCount(0);
    expect((await request.get(`/api/sessions/${failed.id}`)).status()).toBe(404);
    expect((await request.get(`/api/sessions/${done.id}`)).status()).toBe(404);
  } finally {
    receiver.close();
  }
});

test("/api/metrics and the operators' API need an operator; actions refuse other origins", async ({ playwright, baseURL }) => {
  const anon = await playwright.request.newContext({ baseURL });
  const token = { authorization: `Bearer ${E2E_OPERATIONS_TOKEN}` };
  try {
    for (const path of ["/api/metrics", "/api/operations"]) {
      expect((await anon.get(path)).status(), path).toBe(401);
      expect((await anon.get(path, { headers: { authorization: "Bearer wrong-token-value" } })).status(), path).toBe(401);
    }
    expect((await anon.post("/api/operations/actions", { data: { action: "retry-failed", ids: [] } })).status()).toBe(401);
    const res = await anon.get("/api/metrics", { headers: token });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE murmur_sessions_total counter$/m);
    expect(text).toMatch(/^murmur_sessions_total\{status="failed"\} [1-9]/m);
    expect(text).toMatch(/^# TYPE murmur_stage_duration_seconds histogram$/m);
    // Even with the token, a write from another origin is refused like every state-changing route.
    const cross = await anon.post("/api/operations/actions", {
      headers: { ...token, origin: "https://evil.example" },
      data: { action: "retry-failed", ids: [] },
    });
    expect(cross.status()).toBe(403);
  } finally {
    await anon.dispose();
  }
});
