import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import { waitFor as waitUntil } from "../../tests/support/wait.js";

export const ENGINE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(ENGINE_DIR, "..");

export { freePort } from "../../tests/support/net.js";
export { sleep } from "../../tests/support/wait.js";

export function tempDir(prefix = "engine-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A real Inngest SDK serve handler on a node:http server on a random port. */
export async function startApp(
  appId: string,
  enginePort: number,
  define: (inngest: Inngest) => unknown[],
  appPort = 0,
  /** Cloud mode (signed requests only) instead of dev mode. */
  cloud?: { signingKey: string; eventKey: string },
): Promise<{ url: string; inngest: Inngest; server: http.Server; close(): Promise<void> }> {
  const inngest = new Inngest({
    id: appId,
    isDev: !cloud,
    baseUrl: `http://127.0.0.1:${enginePort}`,
    logger: silentLogger,
    ...(cloud ? { signingKey: cloud.signingKey, eventKey: cloud.eventKey } : {}),
  });
  const functions = define(inngest);
  const server = http.createServer(serve({ client: inngest, functions: functions as never }));
  await new Promise<void>((r) => server.listen(appPort, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/inngest`,
    inngest,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const noop = () => {};
export const silentLogger = { info: noop, warn: noop, error: noop, debug: noop };

export async function api<T = any>(base: string, p: string, init?: RequestInit): Promise<T> {
  // The engine takes state-changing requests as JSON only.
  const headers = new Headers(init?.headers);
  if (init?.method && init.method !== "GET" && !headers.has("content-type")) headers.set("content-type", "application/json");
  const res = await fetch(base + p, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${p} -> ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function sendEvents(base: string, events: unknown): Promise<{ ids: string[]; status: number }> {
  return api(base, "/e/test-key", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
}

/** The engine's tests wait 15 s by default, polling every 25 ms. */
export function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, label = "condition"): Promise<T> {
  return waitUntil(fn, timeoutMs, label, 25);
}

/** Wait until the run(s) triggered by an event id reach a terminal status. */
export async function waitRunsOfEvent(base: string, eventId: string, count = 1, timeoutMs = 15_000): Promise<any[]> {
  return waitFor(
    async () => {
      const { runs } = await api(base, `/api/runs?eventId=${encodeURIComponent(eventId)}`);
      return runs.length >= count && runs.every((r: any) => ["completed", "failed", "cancelled"].includes(r.status)) ? runs : undefined;
    },
    timeoutMs,
    `runs of event ${eventId}`,
  );
}

export async function getRun(base: string, runId: string): Promise<{ run: any; steps: any[] }> {
  return api(base, `/api/runs/${runId}`);
}

export async function waitFunctions(base: string, n: number): Promise<void> {
  await waitFor(async () => (await api(base, "/health")).functions >= n, 15_000, `${n} functions synced`);
}

/** Start the engine CLI as a real child process; resolves when it prints its "listening" line. */
export async function spawnEngine(args: string[]): Promise<{ proc: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  // `node --import tsx` keeps the engine in ONE process (the tsx CLI forks a child, which a SIGKILL of the
  // parent would leave running).
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(ENGINE_DIR, "src", "main.ts"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  await waitFor(() => /listening on http/.test(out) || proc.exitCode !== null, 30_000, "engine listening line");
  if (proc.exitCode !== null) throw new Error(`engine exited: ${out}`);
  return { proc, output: () => out, exited };
}
