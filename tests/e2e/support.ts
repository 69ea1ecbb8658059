import fs from "node:fs";
import path from "node:path";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const FIXTURES = path.resolve("tests/fixtures/generated");
export const fixture = (name: string) => path.join(FIXTURES, name);
export const ENGINE_URL = `http://127.0.0.1:${process.env.E2E_ENGINE_PORT ?? 8388}`;

export interface ApiSession {
  id: string;
  status: string;
  stage: string | null;
  progress: number;
  attempt: number;
  error: string | null;
  durationSec: number | null;
  audioAvailable: boolean;
  transcript: { text: string; segments: { start: number; end: number; text: string }[] } | null;
  analysis: { noSpeech: boolean; insights: { provider: string; summary: string }; metrics: { wordCount: number } } | null;
  timeline?: { status: string; stage: string | null; attempt: number; message: string | null; error: string | null }[];
}

/** Chooses a file on the upload page and submits it; resolves on the session page. */
export async function uploadThroughPage(page: Page, file: string): Promise<string> {
  await page.goto("/");
  await page.getByTestId("file-input").setInputFiles(file);
  await expect(page.getByTestId("chosen-file")).toContainText(path.basename(file));
  await page.getByRole("button", { name: "Upload and transcribe" }).click();
  await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  return page.url().split("/").pop()!;
}

/** The API path a script would take: create, PUT the bytes. */
export async function uploadThroughApi(
  request: APIRequestContext,
  file: string,
  opts: { contentType?: string; body?: Buffer; deleteAfterAnalysis?: boolean; webhookUrl?: string } = {},
): Promise<{ id: string; putStatus: number; putBody: unknown }> {
  const bytes = opts.body ?? fs.readFileSync(file);
  const created = await request.post("/api/sessions", {
    data: {
      fileName: path.basename(file),
      fileSize: fs.statSync(file).size,
      contentType: opts.contentType ?? "audio/mpeg",
      deleteAfterAnalysis: opts.deleteAfterAnalysis ?? false,
      ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}),
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id, upload } = (await created.json()) as { id: string; upload: { url: string } };
  const put = await request.put(upload.url, { data: bytes, headers: { "content-type": opts.contentType ?? "audio/mpeg" } });
  return { id, putStatus: put.status(), putBody: await put.json() };
}

export async function getSession(request: APIRequestContext, id: string): Promise<ApiSession> {
  const res = await request.get(`/api/sessions/${id}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as ApiSession;
}

export async function waitForStatus(request: APIRequestContext, id: string, statuses: string[], timeout = 120_000): Promise<ApiSession> {
  let last: ApiSession | undefined;
  await expect
    .poll(
      async () => {
        last = await getSession(request, id);
        return statuses.includes(last.status);
      },
      { timeout, intervals: [250, 500, 1000] },
    )
    .toBe(true);
  return last!;
}

/** Runs the engine started for an event id: the proof that a double "uploaded" started one run. */
export async function runsForEvent(request: APIRequestContext, eventId: string): Promise<{ id: string; status: string }[]> {
  const res = await request.get(`${ENGINE_URL}/api/runs?eventId=${encodeURIComponent(eventId)}`);
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { runs: { id: string; status: string }[] }).runs;
}
