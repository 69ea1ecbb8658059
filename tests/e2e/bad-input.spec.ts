import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { fixture, getSession, uploadThroughApi, uploadThroughPage, waitForStatus } from "./support";

test("a text file renamed .mp3 fails at once with a clear reason, without retries", async ({ page }) => {
  const id = await uploadThroughPage(page, fixture("not-audio.mp3"));
  await expect(page.getByTestId("status")).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
  await expect(page.getByTestId("error")).toContainText(/not audio/i);
  const s = await getSession(page.request, id);
  expect(s.timeline!.every((t) => t.attempt <= 1)).toBe(true);
  // Retrying would fail the same way: the page says what to do instead, and offers no Retry.
  await expect(page.getByTestId("advice")).toContainText("Export it as MP3 or M4A");
  await expect(page.getByRole("button", { name: "Retry" })).toHaveCount(0);
  expect((await page.request.post(`/api/sessions/${id}/retry`)).status()).toBe(409);
  await page.getByRole("link", { name: "Upload another file" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("an empty file and an image are refused on the upload page, with the reason, before anything is sent", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("file-input").setInputFiles([fixture("empty.mp3"), fixture("image.png")]);
  const rows = page.getByTestId("upload-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute("data-state", "refused");
  await expect(rows.nth(0).getByTestId("upload-error")).toHaveText("The file is empty.");
  await expect(rows.nth(1).getByTestId("upload-error")).toHaveText(/Not an audio or video file/);
  await expect(page.getByRole("button", { name: /Upload and transcribe/ })).toBeDisabled();
  expect(((await (await page.request.get("/api/sessions")).json()) as { sessions: unknown[] }).sessions).toEqual([]);
});

test("a truncated mp3 ends as failed or completed with a reason, never stuck", async ({ request }) => {
  const { id, putStatus } = await uploadThroughApi(request, fixture("truncated.mp3"));
  expect(putStatus).toBe(202);
  const s = await waitForStatus(request, id, ["completed", "failed"]);
  if (s.status === "failed") expect(s.error).toBeTruthy();
});

test("bytes past the announced size are cut off and nothing is kept; the session can be uploaded again", async ({ request }) => {
  const file = fixture("librivox.mp3");
  const padded = Buffer.concat([fs.readFileSync(file), Buffer.alloc(4096, 1)]);
  const { id, putStatus, putBody } = await uploadThroughApi(request, file, { body: padded });
  expect(putStatus).toBe(413);
  expect(JSON.stringify(putBody)).toContain("too_large");
  expect((await getSession(request, id)).status).toBe("awaiting_upload");

  const retry = await request.put(`/api/sessions/${id}/audio`, { data: fs.readFileSync(file), headers: { "content-type": "audio/mpeg" } });
  expect(retry.status()).toBe(202);
  expect((await waitForStatus(request, id, ["completed", "failed"])).status).toBe("completed");
});
