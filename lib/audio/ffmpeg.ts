import { spawn } from "node:child_process";
import { trackChild } from "./leftovers";
import { constants as fsc } from "node:fs";
import { access, chmod, stat } from "node:fs/promises";
import path from "node:path";

export type Tool = "ffmpeg" | "ffprobe";

/** A tool ran but failed; `stderrTail` holds its last lines, which usually name the cause. */
export class FfmpegError extends Error {
  override readonly name = "FfmpegError";
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

const resolved = new Map<Tool, Promise<string>>();

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsc.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function onPath(tool: Tool): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The npm-shipped binaries. Looked up from the working directory rather than
 * through require(), so a bundler (Next.js) has nothing to trace or inline.
 */
async function fromInstallerPackage(tool: Tool): Promise<string | undefined> {
  const pkg = tool === "ffmpeg" ? "@ffmpeg-installer" : "@ffprobe-installer";
  const platformDir = `${process.platform}-${process.arch}`;
  const binary = process.platform === "win32" ? `${tool}.exe` : tool;
  let dir = process.cwd();
  for (;;) {
    const candidate = path.join(dir, "node_modules", pkg, platformDir, binary);
    try {
      await stat(candidate);
      // npm 11 skips the package's postinstall, which is what normally sets +x.
      if (!(await isExecutable(candidate))) await chmod(candidate, 0o755);
      return candidate;
    } catch {
      // not here, or not ours to chmod: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function locate(tool: Tool): Promise<string> {
  const found = (await onPath(tool)) ?? (await fromInstallerPackage(tool));
  if (!found) {
    throw new Error(
      `${tool} not found: install it (apt-get install ffmpeg) or keep ${tool === "ffmpeg" ? "@ffmpeg-installer/ffmpeg" : "@ffprobe-installer/ffprobe"} in node_modules`,
    );
  }
  return found;
}

/** Absolute path of the tool; a PATH install wins over the npm fallback. Cached per process. */
export function resolveTool(tool: Tool): Promise<string> {
  let p = resolved.get(tool);
  if (!p) {
    p = locate(tool);
    // A failed lookup should not stick: the binary may be installed later.
    p.catch(() => resolved.delete(tool));
    resolved.set(tool, p);
  }
  return p;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Called per stderr line as it arrives, so hour-long outputs are never held in memory. */
  onStderrLine?: (line: string) => void;
  /** Called per stdout chunk; when set, stdout is not collected. */
  onStdout?: (chunk: Buffer) => void;
}

export interface RunResult {
  stdout: Buffer;
  stderrTail: string;
}

const TAIL_LINES = 20;

/** Runs ffmpeg/ffprobe without a shell; rejects with FfmpegError on a non-zero exit. */
export async function runTool(tool: Tool, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const bin = await resolveTool(tool);
  options.signal?.throwIfAborted();
  return new Promise<RunResult>((resolve, reject) => {
    // The binary is found at run time; without the hint Next.js traces the whole project into the build.
    const child = spawn(/*turbopackIgnore: true*/ bin, args, { stdio: ["ignore", "pipe", "pipe"], signal: options.signal });
    // Recorded until it exits, so a restart after a SIGKILL can stop it (lib/audio/leftovers.ts).
    const untrack = trackChild(child.pid, bin);
    child.once("close", untrack);
    const out: Buffer[] = [];
    const tail: string[] = [];
    let partial = "";

    const pushLine = (line: string) => {
      // ffmpeg ends progress lines with \r; treat them as lines too.
      for (const l of line.split("\r")) {
        if (!l) continue;
        options.onStderrLine?.(l);
        tail.push(l);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };

    child.stdout.on("data", (chunk: Buffer) => (options.onStdout ? options.onStdout(chunk) : out.push(chunk)));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) pushLine(line);
    });
    child.on("error", (err) => {
      // The caller's reason (e.g. "cancelled by the person") says more than Node's AbortError.
      if (options.signal?.aborted) reject(options.signal.reason);
      else reject(new FfmpegError(`${tool} could not start: ${err.message}`, null, ""));
    });
    child.on("close", (code) => {
      if (partial) pushLine(partial);
      const stderrTail = tail.join("\n");
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderrTail });
      else if (options.signal?.aborted) reject(options.signal.reason);
      else {
        const last = tail.at(-1) ?? "no output";
        reject(new FfmpegError(`${tool} exited with code ${code}: ${last}`, code, stderrTail));
      }
    });
  });
}
