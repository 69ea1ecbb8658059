import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { fixture, uploadThroughApi } from "./support";

const create = (fields: Record<string, unknown>) => ({ fileName: "talk.mp3", fileSize: 1000, contentType: "audio/mpeg", ...fields });

test("every page carries the security headers", async ({ request }) => {
  for (const path of ["/", "/sign-in", "/sign-up", "/sessions/00000000-0000-4000-8000-000000000000", "/no-such-page"]) {
    const res = await request.get(path, { maxRedirects: 0 });
    const h = res.headers();
    expect(h["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(h["content-security-policy"], path).toContain("default-src 'self'");
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(h["x-frame-options"], path).toBe("DENY");
  }
  const api = await request.get("/api/sessions");
  expect(api.headers()["content-security-policy"]).toContain("sandbox");
});

test("the pages still run their scripts under the CSP", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto("/");
  await page.getByTestId("file-input").setInputFiles(fixture("librivox.mp3"));
  await expect(page.getByTestId("chosen-file")).toContainText("librivox.mp3"); // needs hydrated React
  expect(violations).toEqual([]);
});

test("the HTML-upload trick is refused, and what is stored is never served as a document", async ({ request }) => {
  const trick = await request.post("/api/sessions", { data: create({ contentType: "audio/mpeg, text/html" }) });
  expect(trick.status()).toBe(400);
  expect((await request.post("/api/sessions", { data: create({ contentType: "text/html" }) })).status()).toBe(415);

  // A generic type with an audio extension is accepted, stored as opaque bytes, and served inert.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "murmur-e2e-")), "trick.mp3");
  fs.writeFileSync(file, "<html><script>document.title='pwned'</script></html>");
  const { id, putStatus } = await uploadThroughApi(request, file, { contentType: "application/octet-stream" });
  expect(putStatus).toBe(202);
  const audio = await request.get(`/api/sessions/${id}/audio`);
  expect(audio.headers()["content-type"]).toBe("application/octet-stream");
  expect(audio.headers()["x-content-type-options"]).toBe("nosniff");
  expect(audio.headers()["content-disposition"]).toMatch(/^inline; filename="trick.mp3"/);
  expect(audio.headers()["content-security-policy"]).toContain("sandbox");

  const real = await uploadThroughApi(request, fixture("librivox.mp3"), { contentType: "audio/mpeg;  charset=binary" });
  expect((await request.get(`/api/sessions/${real.id}/audio`)).headers()["content-type"]).toBe("audio/mpeg");
});

test("control characters in names and types are refused with 400", async ({ request }) => {
  for (const fields of [
    { fileName: "talk\u0000.mp3" },
    { fileName: "talk\r\n.mp3" },
    { title: "hello\u0000world" },
    { contentType: "audio/mpeg\r\nx-evil: 1" },
    { contentType: "audio/mpeg\u0000" },
  ]) {
    const res = await request.post("/api/sessions", { data: create(fields) });
    expect(res.status(), JSON.stringify(fields)).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/control characters|media type/);
  }
});
