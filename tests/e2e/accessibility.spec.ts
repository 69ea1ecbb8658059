import fs from "node:fs";
import { AxeBuilder } from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { E2E_OPERATIONS_TOKEN } from "./operator";
import { fixture, uploadThroughApi, waitForStatus } from "./support";

/**
 * Every page a person meets, at desktop and phone size: no critical or serious axe violation,
 * and a phone-size screenshot in /tmp/murmur-shots/ to look at.
 */
const SHOTS = "/tmp/murmur-shots";
const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

async function check(page: Page, name: string) {
  for (const v of VIEWPORTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    await page.waitForTimeout(150);
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((x) => x.impact === "critical" || x.impact === "serious");
    expect(bad.map((x) => `${x.id}: ${x.help} — ${x.nodes.map((n) => n.target.join(" ")).join(", ")}`), `${name} at ${v.name}`).toEqual([]);
    if (v.name === "phone") {
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    }
  }
}

test("the upload page, the list, a session in every state and /operations have no serious accessibility problem", async ({ page }) => {
  const completed = (await uploadThroughApi(page.request, fixture("librivox.mp3"))).id;
  const failed = (await uploadThroughApi(page.request, fixture("not-audio.mp3"))).id;
  const cancelled = (await uploadThroughApi(page.request, fixture("long-3min.mp3"))).id;
  expect((await page.request.post(`/api/sessions/${cancelled}/cancel`)).status()).toBe(200);
  await waitForStatus(page.request, completed, ["completed"]);
  await waitForStatus(page.request, failed, ["failed"]);

  await page.goto("/");
  await expect(page.getByTestId("session-row")).toHaveCount(3);
  await check(page, "home");

  // A page that is still working: checked while it runs.
  const processing = (await uploadThroughApi(page.request, fixture("long-3min.mp3"))).id;
  await page.goto(`/sessions/${processing}`);
  await expect(page.getByTestId("stage-label")).toBeVisible();
  await check(page, "session-processing");

  for (const [name, id] of [["session-completed", completed], ["session-failed", failed], ["session-cancelled", cancelled]] as const) {
    await page.goto(`/sessions/${id}`);
    await expect(page.getByTestId("title")).toBeVisible();
    await check(page, name);
  }

  await page.setExtraHTTPHeaders({ authorization: `Bearer ${E2E_OPERATIONS_TOKEN}` });
  await page.goto("/operations");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await check(page, "operations");

  // The favicon is there.
  expect((await page.request.get("/icon.svg")).status()).toBe(200);
});

test("keyboard focus is visible on the file chooser, which is one labelled tab stop", async ({ page }) => {
  await page.goto("/");
  const input = page.getByTestId("file-input");
  await expect(input).toHaveAccessibleName(/Choose files/);
  for (let i = 0; i < 20 && !(await input.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(input).toBeFocused();
  const outline = await page.locator("label:has(input[type=file])").evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe("none");
});
