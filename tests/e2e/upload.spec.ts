import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { wordErrorRate } from "../../lib/transcription/wer";
import { fixture, getSession, uploadThroughPage, waitForStatus } from "./support";

test("a person uploads human speech, watches the stages advance, and reads the transcript and analysis", async ({ page }) => {
  const id = await uploadThroughPage(page, fixture("long-3min.mp3"));

  // Watch the page as a person would: record what the stage label and progress bar say until it ends.
  const labels = new Set<string>();
  const progress = new Set<number>();
  await expect
    .poll(
      async () => {
        labels.add((await page.getByTestId("stage-label").textContent())?.trim() ?? "");
        progress.add(Number((await page.getByTestId("progress").textContent())?.replace("%", "")));
        return page.getByTestId("status").getAttribute("data-status");
      },
      { timeout: 150_000, intervals: [150] },
    )
    .toBe("completed");

  expect([...labels].some((l) => l.startsWith("Transcribing"))).toBe(true);
  // Read after the poll: the status can turn "completed" between its label read and its status read.
  await expect(page.getByTestId("stage-label")).toHaveText("Done");
  expect([...progress].some((p) => p > 0 && p < 100)).toBe(true);
  await expect(page.getByTestId("progress")).toHaveText("100%");
  await expect(page.locator('[data-testid="stage-timeline"] [data-state="done"]')).toHaveCount(4);

  // The transcript, with timestamps, says what was said.
  const transcript = page.getByTestId("transcript");
  await expect(transcript).toContainText("Dashwood");
  await expect(transcript).toContainText(/quarterly budget/i);
  await expect(page.getByTestId("segment").first()).toContainText("0:00");

  // The analysis is there and says it was made locally.
  await expect(page.getByTestId("analysis-provider")).toContainText("local");
  await expect(page.getByTestId("summary")).not.toBeEmpty();
  await expect(page.getByTestId("metrics")).toContainText("wpm");
  await expect(page.getByTestId("keywords")).toContainText(/dashwood|budget|amiable/i);

  // The activity log shows every stage, in order.
  await page.getByText(/Activity log/).click();
  const log = page.getByTestId("activity-log");
  const entries = await log.locator("li").evaluateAll((els) => els.map((e) => e.getAttribute("data-entry")));
  const order = ["preparing", "transcribing", "analyzing", "finalizing", "completed"].map((s) => entries.indexOf(s));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  // In words a person uses, not the internal states.
  await expect(log).toContainText("Preparing audio");
  await expect(log).not.toContainText("processing/");

  // Clicking a timestamp plays the recording from there.
  const second = page.getByTestId("segment").nth(1);
  const start = await second.getByRole("button").textContent();
  await second.getByRole("button").click();
  const [m, sec] = start!.split(":").map(Number);
  await expect
    .poll(() => page.getByTestId("player").evaluate((a: HTMLAudioElement) => a.currentTime))
    .toBeGreaterThanOrEqual(m! * 60 + sec!);

  const s = await getSession(page.request, id);
  expect(s.durationSec).toBeGreaterThan(180);
  expect(s.transcript!.segments.every((seg, i, all) => i === 0 || seg.start >= all[i - 1]!.start)).toBe(true);
});

test("the transcript of a LibriVox reading matches the book closely", async ({ page }) => {
  const id = await uploadThroughPage(page, fixture("librivox.mp3"));
  const s = await waitForStatus(page.request, id, ["completed", "failed"]);
  expect(s.status).toBe("completed");
  const reference = fs.readFileSync(fixture("librivox.txt"), "utf8");
  expect(wordErrorRate(reference, s.transcript!.text)).toBeLessThan(0.2);
  await expect(page.getByTestId("status")).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("transcript")).toContainText("Dashwood");
  await expect(page).toHaveTitle(/^Done · librivox — Murmur$/);

  // The page's SRT button downloads what the API serves: caption-sized cues, a safe file name.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-srt").click()]);
  expect(download.suggestedFilename()).toBe("librivox.srt");
  const res = await page.request.get(`/api/sessions/${id}/export?format=srt`);
  expect(res.headers()["content-type"]).toBe("application/x-subrip; charset=utf-8");
  expect(res.headers()["content-disposition"]).toContain('filename="librivox.srt"');
  const cues = (await res.text()).trim().split("\n\n");
  expect(cues.length).toBeGreaterThanOrEqual(4);
  for (const c of cues) for (const line of c.split("\n").slice(2)) expect(line.length).toBeLessThanOrEqual(42);
  expect((await page.request.get(`/api/sessions/${id}/export?format=doc`)).status()).toBe(400);
});

test("silence completes with 'no speech detected', not an error", async ({ page }) => {
  const id = await uploadThroughPage(page, fixture("silence.wav"));
  const s = await waitForStatus(page.request, id, ["completed", "failed"]);
  expect(s.status).toBe("completed");
  expect(s.analysis!.noSpeech).toBe(true);
  await expect(page.getByTestId("no-speech")).toBeVisible();
});
