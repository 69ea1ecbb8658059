import http from "node:http";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { freePort } from "../support/net";
import { fixture, uploadThroughApi } from "./support";

const PASSWORD = "correct horse battery";
let n = 0;
const email = (who: string) => `${who}-${Date.now()}-${n++}@murmur.test`;

async function signUp(page: Page, address: string): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(address.split("@")[0]!);
  await page.getByLabel("E-mail").fill(address);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByTestId("sign-up-form").getByRole("button", { name: "Create an account" }).click();
  await expect(page.getByTestId("account-link")).toHaveText(address);
}

async function listIds(request: APIRequestContext, headers?: Record<string, string>): Promise<string[]> {
  const res = await request.get("/api/sessions", { headers });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { sessions: { id: string }[] }).sessions.map((s) => s.id);
}

test("a cross-site text/plain form from another local origin is refused and the victim's recordings stay", async ({ page, baseURL }) => {
  const { id } = await uploadThroughApi(page.request, fixture("librivox.mp3"));
  const before = await page.context().cookies();
  expect(await listIds(page.request)).toContain(id);

  // The attacker's page, on another origin of this machine, auto-submits the form from the issue.
  const port = await freePort();
  const target = `${baseURL}/api/sessions`;
  const attacker = http.createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<form id=f method=POST action="${target}" enctype="text/plain"><input name='{"fileName":"x.mp3","fileSize":1,"contentType":"audio/mpeg","x":"' value='"}'></form><script>f.submit()</script>`);
  });
  await new Promise<void>((r) => attacker.listen(port, "127.0.0.1", r));
  try {
    const answer = page.waitForResponse((r) => r.url() === target && r.request().method() === "POST");
    await page.goto(`http://localhost:${port}/`);
    const res = await answer;
    expect(res.status()).toBe(403);
    expect(res.headers()["set-cookie"]).toBeUndefined();
  } finally {
    attacker.close();
  }
  // Same identity, same list.
  expect(await page.context().cookies()).toEqual(before);
  await page.goto("/");
  expect(await listIds(page.request)).toEqual([id]);

  // The same body from a script (no Origin) with the wrong type gets 415, and creates nothing.
  const plain = await page.request.post("/api/sessions", { headers: { "content-type": "text/plain" }, data: '{"fileName":"x.mp3","fileSize":1}' });
  expect(plain.status()).toBe(415);
  expect(await listIds(page.request)).toEqual([id]);
});

test("recordings made before signing up are in the account; a second account sees none of them", async ({ page, browser }) => {
  const { id } = await uploadThroughApi(page.request, fixture("librivox.mp3"));
  await signUp(page, email("first"));
  await page.goto("/");
  await expect(page.getByRole("link", { name: /librivox/ }).first()).toBeVisible();
  expect(await listIds(page.request)).toContain(id);

  const other = await browser.newContext();
  try {
    const stranger = await other.newPage();
    await signUp(stranger, email("second"));
    expect(await listIds(stranger.request)).not.toContain(id);
    for (const [method, path, data] of [
      ["GET", "", undefined],
      ["GET", "/stream", undefined],
      ["GET", "/audio", undefined],
      ["PATCH", "", { title: "mine now" }],
      ["POST", "/cancel", undefined],
      ["POST", "/retry", undefined],
      ["DELETE", "", undefined],
    ] as const) {
      const res = await stranger.request.fetch(`/api/sessions/${id}${path}`, { method, data });
      expect(res.status(), `${method} ${path}`).toBe(404);
    }
    await stranger.goto(`/sessions/${id}`);
    await expect(stranger.getByTestId("not-found")).toBeVisible();
  } finally {
    await other.close();
  }
  // Still there, untouched, for its owner.
  expect((await page.request.get(`/api/sessions/${id}`)).status()).toBe(200);
});

test("an admin reaches /operations, a normal user gets 403, a stranger is sent to sign in", async ({ page, browser }) => {
  await signUp(page, "admin@murmur.test");
  const res = await page.goto("/operations");
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Operations" })).toBeVisible();

  const other = await browser.newContext();
  try {
    const user = await other.newPage();
    await signUp(user, email("user"));
    expect((await user.goto("/operations"))?.status()).toBe(403);
    await other.clearCookies();
    await user.goto("/operations");
    await expect(user).toHaveURL(/\/sign-in\?next=%2Foperations$/);
  } finally {
    await other.close();
  }
});

test("an API key lists its owner's sessions over plain HTTP, and nothing without it", async ({ page, playwright, baseURL }) => {
  await signUp(page, email("scripter"));
  const { id } = await uploadThroughApi(page.request, fixture("librivox.mp3"));
  await page.goto("/account");
  await page.getByLabel("Key name").fill("nightly");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent())!.trim();
  expect(key).toMatch(/^murmur_/);

  const script = await playwright.request.newContext({ baseURL });
  try {
    expect(await listIds(script, { "x-api-key": key })).toEqual([id]);
    expect(await listIds(script)).toEqual([]);
    const wrongKey = await script.get(`/api/sessions/${id}`, { headers: { "x-api-key": `${key}x` } });
    expect(wrongKey.status()).toBe(401);
    expect((await wrongKey.json()).error.message).toMatch(/API key is not valid/);
  } finally {
    await script.dispose();
  }
});

test("deleting the account deletes its recordings", async ({ page }) => {
  await signUp(page, email("leaver"));
  const { id } = await uploadThroughApi(page.request, fixture("librivox.mp3"));
  await page.goto("/account");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete everything" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  // Signing up again with the same address starts empty.
  expect((await page.request.get(`/api/sessions/${id}`)).status()).toBe(404);
});
