import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { fixture, getSession, uploadThroughPage, waitForStatus } from "./support";

const BLOBS = path.resolve(".data/e2e/blobs/sessions");

/** Drops files on the drop zone as a person dragging them from a file manager would. */
async function dropFiles(page: Page, files: string[]) {
  const payload = files.map((f) => ({
    name: path.basename(f),
    type: f.endsWith(".png") ? "image/png" : f.endsWith(".wav") ? "audio/wav" : f.endsWith(".webm") ? "audio/webm" : "audio/mpeg",
    data: fs.readFileSync(f).toString("base64"),
  }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    return dt;
  }, payload);
  await page.getByTestId("dropzone").dispatchEvent("drop", { dataTransfer: transfer });
}

async function listedIds(page: Page): Promise<string[]> {
  return page.getByTestId("session-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")!));
}

test("three files chosen at once and three dropped at once all complete; search finds one by a word only its transcript has", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("file-input").setInputFiles([fixture("librivox.mp3"), fixture("espeak.wav"), fixture("librivox.webm")]);
  await expect(page.getByTestId("upload-row")).toHaveCount(3);
  await page.getByRole("button", { name: "Upload and transcribe 3 files" }).click();
  // Two at a time: never more than two rows sending at once.
  await expect
    .poll(async () => {
      const uploading = await page.locator('[data-testid="upload-row"][data-state="uploading"]').count();
      expect(uploading).toBeLessThanOrEqual(2);
      return page.locator('[data-testid="upload-row"][data-state="done"]').count();
    })
    .toBe(3);

  await dropFiles(page, [fixture("librivox.m4a"), fixture("librivox.wav"), fixture("silence.wav"), fixture("image.png")]);
  const refused = page.locator('[data-testid="upload-row"][data-state="refused"]');
  await expect(refused).toHaveCount(1);
  await expect(refused).toContainText("image.png");
  await expect(refused.getByTestId("upload-error")).toHaveText(/Not an audio or video file/);
  await page.getByRole("button", { name: "Upload and transcribe 3 files" }).click();
  await expect(page.locator('[data-testid="upload-row"][data-state="done"]')).toHaveCount(6, { timeout: 60_000 });

  // All six are in the list, and finish processing.
  await expect(page.getByTestId("session-row")).toHaveCount(6);
  const ids = await page.getByTestId("session-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")!));
  expect(ids).toHaveLength(6);
  for (const id of ids) expect((await waitForStatus(page.request, id, ["completed", "failed"])).status).toBe("completed");

  // "budget" is said only in the espeak recording.
  await page.getByTestId("search").fill("budget");
  await expect(page.getByTestId("session-row")).toHaveCount(1);
  await expect(page.getByTestId("row-title")).toHaveText("espeak");
  await expect(page.getByTestId("row-snippet").locator("mark")).toHaveText(/budget/i);
  // "Dashwood" in the four LibriVox ones, not the others; same titles, told apart by their files.
  await page.getByTestId("search").fill("dashwood");
  await expect(page.getByTestId("session-row")).toHaveCount(4);
  await expect(page.getByTestId("row-title")).toHaveText(["librivox", "librivox", "librivox", "librivox"]);
  for (const ext of ["mp3", "webm", "m4a", "wav"]) await expect(page.getByTestId("session-list")).toContainText(`librivox.${ext}`);
  await page.getByTestId("search").fill("");
  await page.getByTestId("status-filter").selectOption("failed");
  await expect(page.getByTestId("list-empty")).toBeVisible();
});

test("rename persists, and bulk delete removes the rows and their files", async ({ page }) => {
  const first = await uploadThroughPage(page, fixture("librivox.mp3"));
  await waitForStatus(page.request, first, ["completed", "failed"]);
  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByTestId("title-input").fill("Sense and Sensibility, chapter 2");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("title")).toHaveText("Sense and Sensibility, chapter 2");
  await page.reload();
  await expect(page.getByTestId("title")).toHaveText("Sense and Sensibility, chapter 2");
  // A title with a control character is refused with a reason.
  const bad = await page.request.patch(`/api/sessions/${first}`, { data: { title: "bell\u0007" } });
  expect(bad.status()).toBe(400);

  const second = await uploadThroughPage(page, fixture("espeak.wav"));
  const third = await uploadThroughPage(page, fixture("silence.wav"));
  for (const id of [second, third]) await waitForStatus(page.request, id, ["completed", "failed"]);
  await page.goto("/");
  await expect(page.getByTestId("session-row")).toHaveCount(3);
  await expect(page.getByTestId("session-row").filter({ hasText: "Sense and Sensibility" })).toHaveCount(1);
  expect(fs.existsSync(path.join(BLOBS, second))).toBe(true);

  await page.getByRole("checkbox", { name: "Select espeak" }).check();
  await page.getByRole("checkbox", { name: "Select silence" }).check();
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId("delete-selected").click();
  await expect(page.getByTestId("list-notice")).toHaveText("Deleted 2 recordings.");
  await expect(page.getByTestId("session-row")).toHaveCount(1);
  expect(await listedIds(page)).toEqual([first]);
  for (const id of [second, third]) {
    expect((await page.request.get(`/api/sessions/${id}`)).status()).toBe(404);
    expect(fs.existsSync(path.join(BLOBS, id))).toBe(false);
  }
  expect(fs.existsSync(path.join(BLOBS, first))).toBe(true);
});

test("the segment being played is highlighted and kept in view below the sticky player; shortcuts and Copy work", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.setViewportSize({ width: 390, height: 844 });
  const id = await uploadThroughPage(page, fixture("long-3min.mp3"));
  const s = await waitForStatus(page.request, id, ["completed", "failed"], 150_000);
  expect(s.status).toBe("completed");
  await page.reload();
  const segments = page.getByTestId("segment");
  await expect(segments.first()).toBeVisible();
  const n = await segments.count();
  expect(n).toBeGreaterThan(4);

  // Play from a segment far down; then let playback carry on into the next ones.
  const target = segments.nth(n - 3);
  await target.getByRole("button").click();
  await expect(target).toHaveAttribute("data-playing", "true");
  await expect(page.getByTestId("player")).toBeInViewport();
  await expect(page.locator('[data-testid="segment"][data-playing]')).toBeInViewport();

  // K pauses, → jumps 5 s.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("k");
  await expect.poll(() => page.getByTestId("player").evaluate((a: HTMLAudioElement) => a.paused)).toBe(true);
  const before = await page.getByTestId("player").evaluate((a: HTMLAudioElement) => a.currentTime);
  await page.keyboard.press("ArrowRight");
  await expect.poll(() => page.getByTestId("player").evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThan(before + 4);

  // Search in the transcript: count, next and previous.
  await page.getByTestId("transcript-search").fill("budget");
  await expect(page.getByTestId("match-count")).toHaveText(/^1 of \d+$/);
  await expect(page.locator("mark[data-current]")).toBeInViewport();
  await page.getByTestId("copy").click();
  await expect(page.getByTestId("copy")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain("Dashwood");
  expect((await getSession(page.request, id)).transcript!.text).toContain("Dashwood");
});
