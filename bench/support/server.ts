/**
 * The real app for the benchmarks: a production build in .next-bench (so it never collides with
 * the e2e build in .next), `next start` on a free port with a throw-away DATA_DIR, and the local
 * engine as its own process. Everything started here is stopped by `stop()` (process group kill),
 * and the bench scripts call it in `finally`, so a failure leaves nothing running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, log, ROOT, sleep } from "./util";

export const DIST_DIR = ".next-bench";
const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

export function modelDir(): string {
  const dir = process.env.MOONSHINE_MODEL_DIR || path.join(ROOT, ".data", "models", "moonshine-tiny");
  if (!fs.existsSync(path.join(dir, "encoder_model.onnx"))) {
    throw new Error(`Local model not found in ${dir}: run npm run setup:model (or set MOONSHINE_MODEL_DIR)`);
  }
  return dir;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

/**
 * Builds the app into .next-bench. Two experimental phases (`compile`, then `generate`) give the same
 * server output as `next build` but skip its whole-project type check: a teammate's unfinished file in
 * engine/ or tests/ must not stop the app from being measured (type checking is `npm run typecheck`).
 * `next build` rewrites tsconfig.json to include .next-bench/types; that edit is undone afterwards
 * when nothing else changed the file meanwhile.
 */
export async function buildApp(): Promise<{ seconds: number }> {
  const tsconfig = path.join(ROOT, "tsconfig.json");
  const before = fs.readFileSync(tsconfig, "utf8");
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };
  const t0 = performance.now();
  try {
    for (const mode of ["compile", "generate"]) {
      log(`next build --experimental-build-mode ${mode} (distDir ${DIST_DIR})`);
      const r = await run(process.execPath, [NEXT_BIN, "build", "--experimental-build-mode", mode], env);
      if (r.code !== 0) throw new Error(`next build (${mode}) failed with ${r.code}:\n${r.out.slice(-4000)}`);
    }
  } finally {
    restoreTsconfig(tsconfig, before);
  }
  return { seconds: (performance.now() - t0) / 1000 };
}

function restoreTsconfig(file: string, before: string): void {
  const after = fs.readFileSync(file, "utf8");
  if (after === before) return;
  try {
    const a = JSON.parse(after) as { include?: string[] };
    const b = JSON.parse(before) as { include?: string[] };
    a.include = a.include?.filter((s) => !s.startsWith(`${DIST_DIR}/`));
    if (JSON.stringify(a) === JSON.stringify(b)) fs.writeFileSync(file, before);
    else log("tsconfig.json changed during the build by something else: left as it is");
  } catch {
    log("tsconfig.json is not plain JSON: left as next build wrote it");
  }
}

export function hasBuild(): boolean {
  return fs.existsSync(path.join(ROOT, DIST_DIR, "BUILD_ID"));
}

export async function ensureBuild(force: boolean): Promise<void> {
  if (force || !hasBuild()) await buildApp();
}

/** A child in its own process group, so stop() also ends anything it spawned (ffmpeg, workers). */
class Proc {
  readonly output: string[] = [];
  private exited = false;
  readonly exit: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 400) this.output.splice(0, 200);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${d}`);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exit = new Promise((r) =>
      child.on("exit", (code) => {
        this.exited = true;
        r(code);
      }),
    );
  }
  get pid(): number {
    return this.child.pid!;
  }
  get alive(): boolean {
    return !this.exited;
  }
  tail(): string {
    return this.output.join("").slice(-3000);
  }
  async stop(): Promise<void> {
    if (this.exited) return;
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-this.pid, sig);
      } catch {
        /* already gone */
      }
    };
    kill("SIGTERM");
    const t = setTimeout(() => kill("SIGKILL"), 5000);
    await this.exit;
    clearTimeout(t);
    kill("SIGKILL"); // stragglers in the group (e.g. an ffmpeg child)
  }
}

const started = new Set<Proc>();
// Last resort if a bench dies without reaching its finally block.
process.on("exit", () => {
  for (const p of started) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

function startProc(name: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const p = new Proc(name, child);
  started.add(p);
  void p.exit.then(() => started.delete(p));
  return p;
}

async function waitFor(what: string, proc: Proc, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.alive) throw new Error(`${what} exited before it was ready:\n${proc.tail()}`);
    try {
      if (await probe()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${proc.tail()}`);
    await sleep(100);
  }
}

/** A server process started by the bench, with the temp data dir it owns. */
export interface Managed {
  url: string;
  port: number;
  proc: Proc;
  dataDir: string;
  stop(): Promise<void>;
}
export type Engine = Managed;
export type App = Managed;

/** Wraps a started process; if `ready` fails, the process is stopped and its data dir removed. */
async function managed(proc: Proc, port: number, dataDir: string, ready: (url: string) => Promise<void>): Promise<Managed> {
  const url = `http://127.0.0.1:${port}`;
  const m: Managed = {
    url,
    port,
    proc,
    dataDir,
    async stop() {
      await proc.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await ready(url);
  } catch (e) {
    await m.stop();
    throw e;
  }
  return m;
}

/** The local engine; `appUrl` is the serve endpoint it syncs and calls. */
export async function startEngine(opts: { appUrl: string; port?: number; waitForFunctions?: boolean }): Promise<Engine> {
  const port = opts.port ?? (await freePort());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "murmur-bench-engine-"));
  const proc = startProc(
    "engine",
    ["--import", "tsx", path.join(ROOT, "engine/src/main.ts"), "--port", String(port), "--app-url", opts.appUrl, "--data-dir", dataDir, "--quiet", "--poll-interval-ms", "1000"],
    { ...process.env },
  );
  return managed(proc, port, dataDir, async (url) => {
    await waitFor("engine", proc, async () => (await fetch(`${url}/health`)).ok, 30_000);
    if (opts.waitForFunctions) {
      await waitFor("engine sync with the app", proc, async () => ((await (await fetch(`${url}/health`)).json()) as { functions: number }).functions > 0, 60_000);
    }
  });
}

/** Env vars that would switch the app away from the embedded local setup. */
const FOREIGN = ["DATABASE_URL", "DATABASE_DRIVER", "NEON_WS_PROXY", "BLOB_READ_WRITE_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL", "VERCEL", "INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY", "NEXT_DIST_DIR", "PORT"];

/** `next start` of the .next-bench build with a fresh DATA_DIR (PGlite + local storage). */
export async function startApp(opts: { enginePort: number; env?: Record<string, string>; port?: number }): Promise<App> {
  if (!hasBuild()) throw new Error(`no build in ${DIST_DIR}: run npm run bench (it builds) or pass --build`);
  const port = opts.port ?? (await freePort());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "murmur-bench-data-"));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of FOREIGN) delete env[k];
  Object.assign(env, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXT_DIST_DIR: DIST_DIR,
    DATA_DIR: dataDir,
    MOONSHINE_MODEL_DIR: modelDir(),
    TRANSCRIPTION_PROVIDER: "local",
    ANALYSIS_PROVIDER: "local",
    INNGEST_DEV: "1",
    INNGEST_BASE_URL: `http://127.0.0.1:${opts.enginePort}`,
    ...opts.env,
  });
  const proc = startProc("app", [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], env);
  // /api/health opens the database (PGlite initdb + migrations on a new DATA_DIR), so timing starts warm.
  return managed(proc, port, dataDir, (url) => waitFor("next start", proc, async () => (await fetch(`${url}/api/health`)).ok, 90_000));
}

/** Pids of `pid` and all its descendants (from /proc). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      /* exited */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples the resident memory of a process tree every `intervalMs`. Reports the peak of the summed
 * tree (the server plus its ffmpeg children) and the kernel's own high-water mark (VmHWM) of the
 * largest process in it (the server), which catches peaks between samples.
 */
export function sampleMemory(pid: number, intervalMs = 250) {
  let peakTreeKb = 0;
  let peakMainKb = 0;
  let hwmKb = 0;
  const tick = () => {
    const tree = processTree(pid);
    let sum = 0;
    for (const p of tree) sum += statusKb(p, "VmRSS");
    peakTreeKb = Math.max(peakTreeKb, sum);
    peakMainKb = Math.max(peakMainKb, statusKb(pid, "VmRSS"));
    for (const p of tree) hwmKb = Math.max(hwmKb, statusKb(p, "VmHWM"));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { peakTreeMb: Math.round(peakTreeKb / 1024), peakServerRssMb: Math.round(peakMainKb / 1024), vmHwmMb: Math.round(hwmKb / 1024) };
    },
  };
}
