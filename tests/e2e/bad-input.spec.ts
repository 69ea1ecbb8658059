import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { fixture, getSession, uploadThroughApi, uploadThroughPage, waitForStatus } from "./support";

test("a text file renamed .mp3 fails at once with a clear reason, without retries", async ({ page }) => {
  const id = await uploadThroughPage(page, fixture("not-audio.mp3"));
  await expect(page.getByTestId("status")).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
  await expect(page.getByTestId("error")).toContainText(/not audio/i);
  const s = await getSession(page.request, id);
  expect(s.timeline!.every((t) => t.attempt <= 1)).toBe(true);
  // The upload is kept: the person may retry (it will fail the same way, honestly).
  await expect(page.getByRole("button", { name: "Retry" })).toBeVisible();
});

test("an empty file and an image are refused on the upload page with a message", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("file-input").setInputFiles(fixture("empty.mp3"));
  await page.getByRole("button", { name: "Upload and transcribe" }).click();
  await expect(page.getByTestId("upload-error")).toContainText("The file is empty.");

  await page.getByTestId("file-input").setInputFiles(fixture("image.png"));
  await page.getByRole("button", { name: "Upload and transcribe" }).click();
  await expect(page.getByTestId("upload-error")).toContainText(/does not look like an audio or video recording/);
  await expect(page).toHaveURL(/\/$/);
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
