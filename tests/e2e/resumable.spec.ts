import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { fixture, runsForEvent, waitForStatus } from "./support";

/** The owner cookie of a request context, for a raw HTTP request that can be cut off. */
async function cookieHeader(request: APIRequestContext): Promise<string> {
  const { cookies } = await request.storageState();
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

const tusHeaders = { "tus-resumable": "1.0.0" };

test("a tus upload cut off half-way resumes from the server's offset and the session completes", async ({ request, baseURL, playwright }) => {
  const file = fixture("librivox.mp3");
  const bytes = fs.readFileSync(file);
  const created = await request.post("/api/sessions", { data: { fileName: path.basename(file), fileSize: bytes.length, contentType: "audio/mpeg" } });
  expect(created.status()).toBe(201);
  const { id, upload } = (await created.json()) as { id: string; upload: { resumable: { protocol: string; endpoint: string } } };
  expect(upload.resumable).toEqual({ protocol: "tus", endpoint: "/api/uploads/tus" });

  const post = await request.post(upload.resumable.endpoint, {
    headers: { ...tusHeaders, "upload-length": String(bytes.length), "upload-metadata": `sessionId ${Buffer.from(id).toString("base64")}` },
  });
  expect(post.status(), await post.text()).toBe(201);
  const url = new URL(post.headers()["location"]!, baseURL).toString();

  // Half the bytes, then the connection goes (a laptop lid closing, a train entering a tunnel).
  const half = Math.floor(bytes.length / 2);
  const cookie = await cookieHeader(request);
  await new Promise<void>((resolve) => {
    const req = http.request(url, {
      method: "PATCH",
      headers: { ...tusHeaders, cookie, "upload-offset": "0", "content-type": "application/offset+octet-stream", "content-length": String(bytes.length) },
    });
    req.on("error", () => resolve());
    req.on("close", () => resolve());
    req.write(bytes.subarray(0, half), () => setTimeout(() => req.destroy(), 1500));
  });

  let offset = 0;
  await expect
    .poll(async () => {
      const head = await request.head(url, { headers: tusHeaders });
      offset = Number(head.headers()["upload-offset"]);
      return head.status() === 200 && offset > 0;
    })
    .toBe(true);
  expect(offset).toBeLessThan(bytes.length);
  expect((await request.get(`/api/sessions/${id}`)).ok()).toBe(true);

  // Another browser can neither see nor continue it.
  const stranger = await playwright.request.newContext({ baseURL });
  try {
    expect((await stranger.head(url, { headers: tusHeaders })).status()).toBe(404);
    const foreignPatch = await stranger.patch(url, {
      headers: { ...tusHeaders, "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
      data: bytes.subarray(offset),
    });
    expect(foreignPatch.status()).toBe(404);
    const foreignCreate = await stranger.post(upload.resumable.endpoint, {
      headers: { ...tusHeaders, "upload-length": String(bytes.length), "upload-metadata": `sessionId ${Buffer.from(id).toString("base64")}` },
    });
    expect(foreignCreate.status()).toBe(404);
  } finally {
    await stranger.dispose();
  }

  const rest = await request.patch(url, {
    headers: { ...tusHeaders, "upload-offset": String(offset), "content-type": "application/offset+octet-stream" },
    data: bytes.subarray(offset),
  });
  expect(rest.status(), await rest.text()).toBe(200);
  expect(await rest.json()).toEqual({ id, status: "queued" });

  const done = await waitForStatus(request, id, ["completed", "failed"]);
  expect(done.status).toBe("completed");
  expect(done.transcript!.text).toContain("Dashwood");
  expect(await runsForEvent(request, `session-uploaded-${id}-1`)).toHaveLength(1);

  // The finished session takes no more uploads, plain or resumable.
  const again = await request.post(upload.resumable.endpoint, {
    headers: { ...tusHeaders, "upload-length": String(bytes.length), "upload-metadata": `sessionId ${Buffer.from(id).toString("base64")}` },
  });
  expect(again.status()).toBe(409);
});

test("a page reloaded in the middle of an upload offers to resume it, and continues from the server's offset", async ({ page, context }) => {
  const file = fixture("long-3min.mp3");
  const size = fs.statSync(file).size;
  // A slow uplink, so the upload is still running when the page goes away.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 150 * 1024 });

  await page.goto("/");
  await page.getByTestId("file-input").setInputFiles(file);
  await page.getByRole("button", { name: "Upload and transcribe" }).click();
  const row = page.getByTestId("upload-row");
  await expect(row).toHaveAttribute("data-state", "uploading");
  await expect.poll(async () => Number(((await row.getByTestId("upload-progress").textContent()) ?? "").match(/(\d+)%/)?.[1] ?? 0)).toBeGreaterThan(15);

  await page.reload();
  const banner = page.getByTestId("interrupted");
  await expect(banner).toContainText("long-3min.mp3");
  await expect(banner).toContainText("Choose the same file again");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  // Only one session exists, still waiting for the rest of its audio.
  const list = (await (await page.request.get("/api/sessions")).json()) as { sessions: { id: string; status: string }[] };
  expect(list.sessions.map((s) => s.status)).toEqual(["awaiting_upload"]);
  const id = list.sessions[0]!.id;

  await page.getByTestId("file-input").setInputFiles(file);
  await page.getByRole("button", { name: "Upload and transcribe" }).click();
  await page.waitForURL(`**/sessions/${id}`, { timeout: 60_000 });
  const done = await waitForStatus(page.request, id, ["completed", "failed"], 150_000);
  expect(done.status).toBe("completed");
  expect(done.durationSec).toBeGreaterThan(170);
  expect(((await (await page.request.get("/api/sessions")).json()) as { sessions: unknown[] }).sessions).toHaveLength(1);
  expect(size).toBeGreaterThan(500_000);
});
