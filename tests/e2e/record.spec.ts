import { expect, test } from "@playwright/test";
import { getSession, waitForStatus } from "./support";

test("a person records from the microphone in the browser and the recording is processed", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Record from the microphone" }).click();
  await expect(page.getByTestId("record-elapsed")).toHaveText("0:03", { timeout: 15_000 });
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByTestId("chosen-file")).toContainText(/Recording .*\.(webm|ogg|m4a)/);

  await page.getByRole("button", { name: "Upload and transcribe" }).click();
  await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);
  const id = page.url().split("/").pop()!;
  const s = await waitForStatus(page.request, id, ["completed", "failed"]);
  expect(s.status, s.error ?? "").toBe("completed");
  // Browser WebM has no duration in its header; prepare measures it by decoding.
  const { durationSec } = await getSession(page.request, id);
  expect(durationSec).toBeGreaterThan(2.5);
  expect(durationSec).toBeLessThan(6);
  await expect(page.getByTestId("status")).toHaveAttribute("data-status", "completed");
});
