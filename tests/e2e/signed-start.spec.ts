import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { freePort } from "../support/net";
import { fixture, uploadThroughApi, waitForStatus } from "./support";

/**
 * `npm start`'s own setup (scripts/start.ts on the e2e build): the app's SDK in
 * cloud mode, the engine signing every request with a key made into DATA_DIR.
 */
let child: ChildProcess;
let appUrl: string;
let engineUrl: string;
let dataDir: string;
let request: APIRequestContext;

function raw(method: string, url: string, headers: Record<string, string>, body = ""): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(180_000);
  const [port, enginePort] = [await freePort(), await freePort()];
  appUrl = `http://127.0.0.1:${port}`;
  engineUrl = `http://127.0.0.1:${enginePort}`;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "murmur-signed-"));
  const env = { ...process.env, NEXT_DIST_DIR: ".next-e2e", NEXT_TELEMETRY_DISABLED: "1", DATA_DIR: dataDir, PORT: String(port),
    INNGEST_ENGINE_PORT: String(enginePort), MOONSHINE_MODEL_DIR: path.resolve(".data/models/moonshine-tiny") } as NodeJS.ProcessEnv;
  for (const k of ["INNGEST_DEV", "INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY", "INNGEST_BASE_URL"]) delete env[k];
  child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { env, stdio: "ignore", detached: true });
  request = await playwright.request.newContext({ baseURL: appUrl });
  await expect
    .poll(async () => {
      const h = await request.get(`${engineUrl}/health`).catch(() => null);
      return h?.ok() ? ((await h.json()) as { functions: number }).functions : 0;
    }, { timeout: 150_000, intervals: [1000] })
    .toBeGreaterThan(0);
});

test.afterAll(async () => {
  await request?.dispose();
  if (child?.pid) process.kill(-child.pid, "SIGTERM");
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test("the signing key is made into DATA_DIR, readable by its owner only", () => {
  const file = path.join(dataDir, "inngest-signing-key");
  expect(fs.readFileSync(file, "utf8")).toMatch(/^signkey-local-[0-9a-f]{64}$/);
  expect(fs.statSync(file).mode & 0o077).toBe(0);
});

test("an unsigned POST or PUT to /api/inngest is refused; a forged Host registration changes nothing", async () => {
  const forged = JSON.stringify({ event: { name: "inngest/function.failed", data: { function_id: "murmur-process-session", run_id: "x",
    error: { message: "Upload it again at http://evil.example/" }, event: { data: { sessionId: "00000000-0000-4000-8000-000000000000" } } } },
    events: [], steps: {}, ctx: { run_id: "x", attempt: 0 }, version: 2 });
  const post = await raw("POST", `${appUrl}/api/inngest?fnId=murmur-process-session-failure&stepId=step`, { "content-type": "application/json" }, forged);
  expect(post.status, post.text).toBe(401);

  const before = ((await (await request.get(`${engineUrl}/api/functions`)).json()) as { functions: { id: string; url: string }[] }).functions;
  expect(before.length).toBeGreaterThan(0);
  const put = await raw("PUT", `${appUrl}/api/inngest`, { host: "evil.example", "x-forwarded-host": "evil.example", "content-type": "application/json" }, "");
  expect(put.status).toBeLessThan(500);
  const after = ((await (await request.get(`${engineUrl}/api/functions`)).json()) as { functions: { id: string; url: string }[] }).functions;
  expect(after.map((f) => f.url).sort()).toEqual(before.map((f) => f.url).sort());
  for (const f of after) expect(f.url).toContain(appUrl);
});

test("the pipeline completes over signed traffic", async () => {
  const { id, putStatus } = await uploadThroughApi(request, fixture("espeak.wav"), { contentType: "audio/wav" });
  expect(putStatus).toBe(202);
  const done = await waitForStatus(request, id, ["completed", "failed"], 150_000);
  expect(done.error).toBeNull();
  expect(done.status).toBe("completed");
});
