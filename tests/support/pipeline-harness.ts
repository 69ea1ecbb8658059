/**
 * End-to-end harness for the durable pipeline: the app's real `functions` behind the real
 * inngest SDK serve handler (inngest/node) on a random port, and the local engine
 * (engine/src/main.ts) as a real child process on another random port, pointing at it.
 * Nothing is mocked: events go through inngest.send → engine → HTTP step requests → app.
 *
 * The app reads its configuration once (lib/config.ts caches it), so the environment is
 * set BEFORE any app module is imported; every app module is loaded with a dynamic import.
 * Use one harness per test file: engine + PGlite start-up costs seconds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { freePort } from "./net";
import { sleep, waitFor } from "./wait";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const OWNER = "owner-pipeline-test";
const TERMINAL_RUN = new Set(["completed", "failed", "cancelled"]);

export { sleep, waitFor };

export interface HarnessOptions {
  /** App environment (provider variables, CHUNK_SECONDS, …); DATA_DIR and INNGEST_* are set by the harness. */
  env?: Record<string, string | undefined>;
  /** Extra engine CLI flags. */
  engineArgs?: string[];
}

export interface UploadOptions {
  fileName?: string;
  contentType?: string;
  deleteAfterAnalysis?: boolean;
  language?: string;
  title?: string;
  webhookUrl?: string;
}

export interface EngineStep {
  id: string;
  name: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  errors: { attempt: number; at: string; error: unknown }[];
  output?: unknown;
  error?: unknown;
}

export interface EngineRun {
  id: string;
  functionId: string;
  status: string;
  eventId: string;
  attempts: number;
  error?: unknown;
  output?: unknown;
}

async function loadApp() {
  const [config, dbClient, queries, service, notify, events, fnIndex, storage, client, nodeServe] = await Promise.all([
    import("@/lib/config"),
    import("@/db/client"),
    import("@/db/queries"),
    import("@/lib/sessions/service"),
    import("@/lib/sessions/notify"),
    import("@/inngest/events"),
    import("@/inngest/functions"),
    import("@/lib/storage"),
    import("@/inngest/client"),
    import("inngest/node"),
  ]);
  return { config, dbClient, queries, service, notify, events, fnIndex, storage, client, nodeServe };
}
type App = Awaited<ReturnType<typeof loadApp>>;

/**
 * A migrated, closed PGlite data directory, made once per set of migrations and shared by
 * test files (built under a temporary name and renamed, so parallel workers are safe).
 */
async function pgliteTemplate(app: App): Promise<string> {
  const migrations = path.join(ROOT, "db", "migrations");
  const hash = createHash("sha1");
  hash.update(await fsp.readFile(path.join(ROOT, "node_modules", "@electric-sql", "pglite", "package.json")));
  for (const f of (await fsp.readdir(migrations, { recursive: true })).sort()) {
    const p = path.join(migrations, f);
    if ((await fsp.stat(p)).isFile()) hash.update(f).update(await fsp.readFile(p));
  }
  const dir = path.join(os.tmpdir(), `murmur-pglite-template-${hash.digest("hex").slice(0, 12)}`);
  if (fs.existsSync(path.join(dir, "PG_VERSION"))) return dir;
  const building = `${dir}.${process.pid}-${Date.now()}`;
  const handle = await app.dbClient.openDatabase({ driver: "pglite", pgliteDir: building });
  await handle.close();
  try {
    await fsp.rename(building, dir);
  } catch {
    await fsp.rm(building, { recursive: true, force: true }); // another worker was first
  }
  return dir;
}

export type Harness = Awaited<ReturnType<typeof startPipelineHarness>>;

export async function startPipelineHarness(options: HarnessOptions = {}) {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const lap = (name: string) => (timings[name] = Date.now() - t0);
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), "murmur-pipeline-"));
  const dataDir = path.join(tmp, "data");
  const engineDir = path.join(tmp, "engine");
  const [appPort, enginePort] = [await freePort(), await freePort()];
  const engineUrl = `http://127.0.0.1:${enginePort}`;
  const appUrl = `http://127.0.0.1:${appPort}/api/inngest`;

  // ── environment first, imports second ──
  const env: Record<string, string | undefined> = {
    DATA_DIR: dataDir,
    INNGEST_DEV: "1",
    INNGEST_BASE_URL: engineUrl,
    INNGEST_EVENT_KEY: undefined,
    INNGEST_SIGNING_KEY: undefined,
    DATABASE_URL: undefined,
    DATABASE_DRIVER: undefined,
    BLOB_READ_WRITE_TOKEN: undefined,
    PROCESSING_RETRIES: "3",
    // The VAD is installed once for the project (npm run setup:model), not per temporary data dir.
    VAD_MODEL_DIR: path.join(ROOT, ".data", "models", "silero-vad"),
    ...options.env,
  };
  if (env.VAD_MODEL_DIR) {
    const { ensureVadModel } = await import("@/scripts/setup-model");
    await ensureVadModel(env.VAD_MODEL_DIR);
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  // Forget a configuration read before the variables above were set (model set-up reads it
  // for its default directories): functions read theirs when their module loads, e.g. the
  // sweep's cron schedule, so this must come before loadApp() imports them.
  (await import("@/lib/config")).resetConfigForTests();
  const app: App = await loadApp();
  const cfg = app.config.config();
  if (cfg.dataDir !== dataDir) throw new Error(`config did not pick up DATA_DIR (${cfg.dataDir})`);

  lap("imports");
  // A copy of a migrated database opens in ~1.5 s instead of an ~8 s initdb.
  await fsp.cp(await pgliteTemplate(app), path.join(dataDir, "pglite"), { recursive: true });
  lap("template");
  const db = await app.dbClient.getDb();
  lap("database");
  const store = await app.storage.getBlobStore();
  const deps = { db, store, maxUploadBytes: cfg.MAX_UPLOAD_BYTES };

  // ── the app: the real serve handler ──
  const handler = app.nodeServe.serve({ client: app.client.inngest, functions: app.fnIndex.functions });
  const server = http.createServer((req, res) => {
    if ((req.url ?? "").startsWith("/api/inngest")) return void handler(req, res);
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(appPort, "127.0.0.1", () => r()));

  // ── the engine: a real child process (restartable, to test recovery) ──
  let engineLog = "";
  let proc!: ChildProcess;
  let exited!: Promise<void>;
  const spawnEngine = () => {
    proc = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(ROOT, "engine", "src", "main.ts"),
        "--port",
        String(enginePort),
        "--app-url",
        appUrl,
        "--data-dir",
        engineDir,
        "--backoff-base-ms",
        "200",
        "--poll-interval-ms",
        "1000",
        ...(options.engineArgs ?? []),
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.stdout!.on("data", (d: Buffer) => (engineLog += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (engineLog += d.toString()));
    const p = proc;
    exited = new Promise<void>((r) => p.once("exit", () => r()));
  };
  spawnEngine();

  async function engineApi<T = unknown>(p: string, init?: RequestInit): Promise<T> {
    const res = await fetch(engineUrl + p, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`engine ${init?.method ?? "GET"} ${p} -> ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  const stop = async () => {
    // MURMUR_TEST_ENGINE_LOG_DIR=dir keeps each harness's engine log for a look afterwards.
    const keep = process.env.MURMUR_TEST_ENGINE_LOG_DIR;
    if (keep) await fsp.writeFile(path.join(keep, `engine-${enginePort}.log`), engineLog).catch(() => {});
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      await Promise.race([exited, sleep(4000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    }
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await app.dbClient.closeDb().catch(() => {});
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
  };

  const engineReady = async () => {
    await waitFor(() => /listening on http/.test(engineLog) || proc.exitCode !== null, 30_000, "engine listening line");
    if (proc.exitCode !== null) throw new Error(`engine exited at start:\n${engineLog}`);
    lap("engine");
    await waitFor(
      async () => {
        const { functions } = await engineApi<{ functions: Array<{ id: string }> }>("/api/functions");
        return functions.some((f) => f.id === "murmur-process-session");
      },
      30_000,
      "the engine to sync murmur-process-session",
    );
    lap("synced");
  };
  try {
    await engineReady();
  } catch (e) {
    await stop();
    throw e;
  }

  /**
   * Kills the engine (SIGKILL: no goodbye), optionally deletes its data directory (every
   * run and queued step is lost), and starts it again on the same port.
   */
  async function restartEngine(opts: { wipeData: boolean }) {
    proc.kill("SIGKILL");
    await exited;
    if (opts.wipeData) await fsp.rm(engineDir, { recursive: true, force: true });
    const from = engineLog.length;
    spawnEngine();
    // the listening line of the new process only
    await waitFor(() => /listening on http/.test(engineLog.slice(from)) || proc.exitCode !== null, 30_000, "engine listening line");
    await waitFor(
      async () => {
        const { functions } = await engineApi<{ functions: Array<{ id: string }> }>("/api/functions");
        return functions.some((f) => f.id === "murmur-process-session");
      },
      30_000,
      "the restarted engine to sync",
    );
  }

  const q = app.queries;

  /** Does what POST /api/sessions + the local upload route + startProcessing do. */
  async function createAndUpload(filePath: string, opts: UploadOptions = {}) {
    const fileName = opts.fileName ?? path.basename(filePath);
    const fileSize = (await fsp.stat(filePath)).size;
    const body = app.service.createSessionBody.parse({
      fileName,
      fileSize,
      contentType: opts.contentType ?? "",
      deleteAfterAnalysis: opts.deleteAfterAnalysis ?? false,
      ...(opts.language ? { language: opts.language } : {}),
      ...(opts.title ? { title: opts.title } : {}),
      ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}),
    });
    const created = await app.service.createSession(deps, OWNER, body);
    const { row } = await app.service.receiveUpload(deps, created.id, OWNER, fs.createReadStream(filePath));
    await app.notify.notifyUploaded(row);
    return row;
  }

  async function session(id: string) {
    const row = await q.findSession(db, id);
    if (!row) throw new Error(`session ${id} not found`);
    return row;
  }

  async function waitForStatus(id: string, statuses: string | string[], timeoutMs = 60_000) {
    const want = Array.isArray(statuses) ? statuses : [statuses];
    try {
      return await waitFor(async () => {
        const row = await session(id);
        return want.includes(row.status) ? row : undefined;
      }, timeoutMs, `session ${id} to be ${want.join("|")}`);
    } catch (e) {
      const row = await q.findSession(db, id);
      const log = await q.stageLogFor(db, id);
      throw new Error(
        `${(e as Error).message}\nstatus=${row?.status} stage=${row?.stage} progress=${row?.progress} error=${row?.error}\n` +
          log.map((l) => `  ${l.status}/${l.stage ?? "-"} ${l.progress}% a${l.attempt} ${l.message ?? ""}${l.error ? ` [${l.error}]` : ""}`).join("\n") +
          `\n--- engine log (tail) ---\n${engineLog.slice(-3000)}`,
        { cause: e },
      );
    }
  }

  const detail = (id: string) => app.service.sessionDetail(deps, id, OWNER);

  /** The engine run started by the session's "uploaded" event of this generation. */
  async function runFor(sessionId: string, generation: number): Promise<EngineRun | undefined> {
    const eventId = app.events.uploadedEventId(sessionId, generation);
    const { runs } = await engineApi<{ runs: EngineRun[] }>(`/api/runs?eventId=${encodeURIComponent(eventId)}`);
    return runs.find((r) => r.functionId === "murmur-process-session");
  }

  /** Waits until that run is terminal; returns it with its steps. */
  async function finishedRun(sessionId: string, generation: number, timeoutMs = 15_000) {
    const run = await waitFor(
      async () => {
        const r = await runFor(sessionId, generation);
        return r && TERMINAL_RUN.has(r.status) ? r : undefined;
      },
      timeoutMs,
      `the engine run of ${sessionId}#${generation} to end`,
    );
    return engineApi<{ run: EngineRun; steps: EngineStep[] }>(`/api/runs/${encodeURIComponent(run.id)}`);
  }

  /** Runs of the onFailure function (murmur-process-session-failure) for a session, if any. */
  async function failureRunsNow(sessionId: string): Promise<EngineRun[]> {
    const { runs } = await engineApi<{ runs: Array<EngineRun & { functionId: string }> }>(`/api/runs?function=process-session-failure&limit=500`);
    const out: EngineRun[] = [];
    for (const r of runs) {
      const { run } = await engineApi<{ run: EngineRun & { event: { data: { event?: { data?: { sessionId?: string } } } } } }>(
        `/api/runs/${encodeURIComponent(r.id)}`,
      );
      if (run.event.data.event?.data?.sessionId === sessionId) out.push(run);
    }
    return out;
  }

  /**
   * The onFailure runs of a session once they have ended: the handler marks the session
   * failed and then announces it (session/failed), so the session is failed a step earlier.
   */
  async function failureRuns(sessionId: string, timeoutMs = 15_000): Promise<EngineRun[]> {
    return waitFor(
      async () => {
        const runs = await failureRunsNow(sessionId);
        return runs.length && runs.every((r) => TERMINAL_RUN.has(r.status)) ? runs : undefined;
      },
      timeoutMs,
      `the onFailure run of ${sessionId} to end`,
    );
  }

  /** Polls the session (and its chunk rows) until `until` is true; records what it saw. */
  function watch(id: string, intervalMs = 100) {
    const progress: number[] = [];
    const statuses: string[] = [];
    let chunks: Awaited<ReturnType<typeof q.listChunks>> = [];
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const row = await q.findSession(db, id);
        if (row) {
          if (progress.at(-1) !== row.progress) progress.push(row.progress);
          if (statuses.at(-1) !== row.status) statuses.push(row.status);
          const list = await q.listChunks(db, id);
          if (list.length >= chunks.length && list.length > 0) chunks = list;
          if (["completed", "failed", "cancelled"].includes(row.status)) break;
        }
        await sleep(intervalMs);
      }
    })();
    return {
      progress,
      statuses,
      chunks: () => chunks,
      async stop() {
        stopped = true;
        await loop;
      },
      done: loop,
    };
  }

  return {
    /** Milliseconds from the start of startPipelineHarness to the end of each phase. */
    timings,
    app,
    db,
    store,
    deps,
    q,
    dataDir,
    engineUrl,
    appUrl,
    engineLog: () => engineLog,
    engineApi,
    restartEngine,
    createAndUpload,
    session,
    waitForStatus,
    detail,
    runFor,
    finishedRun,
    failureRuns,
    watch,
    cancel: async (id: string) => {
      const row = await app.service.cancelSession(deps, id, OWNER);
      await app.notify.notifyCancelled(id);
      return row;
    },
    retry: async (id: string) => {
      const { row } = await app.service.retrySession(deps, id, OWNER);
      await app.notify.notifyUploaded(row);
      return row;
    },
    stop,
  };
}

/** Stage names in the order they first appear in a session's stage log. */
export function stageOrder(log: Array<{ status: string; stage: string | null }>): string[] {
  const out: string[] = [];
  for (const l of log) {
    const name = l.status === "completed" ? "completed" : l.stage;
    if (name && out.at(-1) !== name) out.push(name);
  }
  return out;
}

/** Files under a directory, recursively (relative paths); [] when it does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  } catch {
    return [];
  }
}
