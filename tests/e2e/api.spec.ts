import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { fixture, getSession, runsForEvent, uploadThroughApi, waitForStatus } from "./support";

test.describe("HTTP API", () => {
  test("malformed and invalid bodies get 400 with a message naming the problem", async ({ request }) => {
    const bad = await request.post("/api/sessions", { data: Buffer.from("{not json"), headers: { "content-type": "application/json" } });
    expect(bad.status()).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "invalid_json", message: "The request body must be valid JSON." } });

    const missing = await request.post("/api/sessions", { data: { fileSize: 10 } });
    expect(missing.status()).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("fileName");

    const lang = await request.post("/api/sessions", { data: { fileName: "a.mp3", fileSize: 10, contentType: "audio/mpeg", language: "english!" } });
    expect(lang.status()).toBe(400);
  });

  test("oversize and non-audio declarations are refused before any byte is sent", async ({ request }) => {
    const big = await request.post("/api/sessions", { data: { fileName: "a.mp3", fileSize: 51 * 1024 * 1024, contentType: "audio/mpeg" } });
    expect(big.status()).toBe(413);
    const pdf = await request.post("/api/sessions", { data: { fileName: "notes.pdf", fileSize: 100, contentType: "application/pdf" } });
    expect(pdf.status()).toBe(415);
    const m4a = await request.post("/api/sessions", { data: { fileName: "memo.m4a", fileSize: 100, contentType: "" } });
    expect(m4a.status()).toBe(201);
  });

  test("unknown and malformed ids answer 404", async ({ request }) => {
    expect((await request.get("/api/sessions/00000000-0000-4000-8000-000000000000")).status()).toBe(404);
    expect((await request.get("/api/sessions/not-a-uuid")).status()).toBe(404);
    expect((await request.put("/api/sessions/not-a-uuid/audio", { data: Buffer.from("x") })).status()).toBe(404);
  });

  test("the upload is acknowledged with 202 and a repeated upload starts exactly one run", async ({ request }) => {
    const file = fixture("librivox.mp3");
    const { id, putStatus, putBody } = await uploadThroughApi(request, file);
    expect(putStatus).toBe(202);
    expect(putBody).toEqual({ id, status: "queued" });
    const again = await request.put(`/api/sessions/${id}/audio`, { data: fs.readFileSync(file), headers: { "content-type": "audio/mpeg" } });
    expect(again.status()).toBe(202);

    const done = await waitForStatus(request, id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(await runsForEvent(request, `session-uploaded-${id}-1`)).toHaveLength(1);
    expect(done.timeline!.filter((t) => t.status === "queued")).toHaveLength(1);
  });

  test("cancel stops a session, retry starts it again and it completes, delete removes it", async ({ request }) => {
    const { id } = await uploadThroughApi(request, fixture("long-3min.mp3"));
    const cancelled = await request.post(`/api/sessions/${id}/cancel`);
    expect(cancelled.status()).toBe(200);
    expect(((await cancelled.json()) as { status: string }).status).toBe("cancelled");
    // A cancelled session stays cancelled even if its run was mid-step.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await getSession(request, id)).status).toBe("cancelled");

    const retried = await request.post(`/api/sessions/${id}/retry`);
    expect(retried.status()).toBe(202);
    const done = await waitForStatus(request, id, ["completed", "failed"], 150_000);
    expect(done.status).toBe("completed");
    expect(done.transcript!.text).toContain("Dashwood");

    expect((await request.post(`/api/sessions/${id}/retry`)).status()).toBe(409);
    expect((await request.post(`/api/sessions/${id}/cancel`)).status()).toBe(409);

    expect((await request.delete(`/api/sessions/${id}`)).status()).toBe(204);
    expect((await request.get(`/api/sessions/${id}`)).status()).toBe(404);
  });

  test("delete-after-analysis removes the audio and says so", async ({ request }) => {
    const { id } = await uploadThroughApi(request, fixture("librivox.mp3"), { deleteAfterAnalysis: true });
    const s = await waitForStatus(request, id, ["completed", "failed"]);
    expect(s.status).toBe("completed");
    expect(s.audioAvailable).toBe(false);
    expect(s.transcript!.text.length).toBeGreaterThan(0);
    expect((await request.post(`/api/sessions/${id}/retry`)).status()).toBe(409);
  });

  test("the live stream sends the session's state as server-sent events until it ends", async ({ request }) => {
    const { id } = await uploadThroughApi(request, fixture("librivox.mp3"));
    const res = await request.get(`/api/sessions/${id}/stream`, { timeout: 120_000 });
    expect(res.headers()["content-type"]).toContain("text/event-stream");
    const events = (await res.text())
      .split("\n\n")
      .filter((b) => b.startsWith("data: "))
      .map((b) => JSON.parse(b.slice(6)) as { status: string; progress: number });
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)!.status).toBe("completed");
    const progress = events.map((e) => e.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });
});

test.describe("audio playback", () => {
  test("the owner can stream the recording with byte ranges; nobody else can", async ({ request, browser }) => {
    const file = fixture("librivox.mp3");
    const { id } = await uploadThroughApi(request, file);
    const whole = await request.get(`/api/sessions/${id}/audio`);
    expect(whole.status()).toBe(200);
    expect(whole.headers()["accept-ranges"]).toBe("bytes");
    expect(Buffer.compare(await whole.body(), fs.readFileSync(file))).toBe(0);

    const part = await request.get(`/api/sessions/${id}/audio`, { headers: { range: "bytes=100-199" } });
    expect(part.status()).toBe(206);
    expect(part.headers()["content-range"]).toBe(`bytes 100-199/${fs.statSync(file).size}`);
    expect(Buffer.compare(await part.body(), fs.readFileSync(file).subarray(100, 200))).toBe(0);
    expect((await request.get(`/api/sessions/${id}/audio`, { headers: { range: "bytes=99999999-" } })).status()).toBe(416);

    const other = await browser.newContext();
    try {
      expect((await other.request.get(`/api/sessions/${id}/audio`)).status()).toBe(404);
    } finally {
      await other.close();
    }
    await waitForStatus(request, id, ["completed", "failed"]);
  });
});
