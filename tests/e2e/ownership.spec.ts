import { expect, test } from "@playwright/test";
import { fixture, uploadThroughPage } from "./support";

test("a second browser cannot see or touch the first one's session", async ({ page, browser }) => {
  const id = await uploadThroughPage(page, fixture("librivox.mp3"));
  await expect(page.getByTestId("title")).toHaveText("librivox");

  const other = await browser.newContext();
  try {
    const stranger = await other.newPage();
    await stranger.goto(`/sessions/${id}`);
    await expect(stranger.getByTestId("not-found")).toContainText("does not exist, or it is not yours");

    for (const [method, path] of [
      ["GET", ""],
      ["GET", "/stream"],
      ["GET", "/export?format=srt"],
      ["POST", "/cancel"],
      ["POST", "/retry"],
      ["DELETE", ""],
    ] as const) {
      const res = await stranger.request.fetch(`/api/sessions/${id}${path}`, { method });
      expect(res.status(), `${method} ${path}`).toBe(404);
    }
    expect((await stranger.request.patch(`/api/sessions/${id}`, { data: { title: "mine now" } })).status()).toBe(404);
    expect((await stranger.request.patch(`/api/sessions/${id}`, { data: { speakers: { A: "Eve" } } })).status()).toBe(404);
    const bulk = await stranger.request.delete("/api/sessions", { data: { ids: [id] } });
    expect(bulk.status()).toBe(200);
    expect(await bulk.json()).toEqual({ deleted: [], notFound: [id] });
    // Writes from another site are refused before they reach a handler, whoever owns the session.
    const evil = { origin: "http://evil.example" };
    expect((await page.request.patch(`/api/sessions/${id}`, { data: { title: "x" }, headers: evil })).status()).toBe(403);
    expect((await page.request.delete("/api/sessions", { data: { ids: [id] }, headers: evil })).status()).toBe(403);
    expect((await page.request.post("/api/uploads/tus", { headers: { ...evil, "tus-resumable": "1.0.0", "upload-length": "1" } })).status()).toBe(403);
    const searched = await stranger.request.get("/api/sessions?q=librivox");
    expect(((await searched.json()) as { sessions: unknown[] }).sessions).toEqual([]);

    await stranger.goto("/");
    await expect(stranger.getByText("No recordings yet")).toBeVisible();
  } finally {
    await other.close();
  }

  // The owner still has it, untouched.
  await page.goto("/");
  await expect(page.getByTestId("session-list")).toContainText("librivox");
});
