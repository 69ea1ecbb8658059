import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { config } from "@/lib/config";

/**
 * What an interrupted prepare leaves behind. A SIGKILLed app cannot kill its
 * ffmpeg children (they are re-parented and keep encoding) or remove its temp
 * folder, so every child is recorded in a pid file under the app's own work
 * folder, and the next start of the app kills what is still running and
 * removes the folders. The work folder is per DATA_DIR, so one app never
 * touches another instance's files on a shared machine.
 */
export function workRoot(): string {
  const c = config();
  // Vercel: no DATA_DIR disk; each instance has its own /tmp and is never restarted in place.
  return c.VERCEL ? os.tmpdir() : path.join(c.dataDir, "tmp");
}

const pidDir = () => path.join(workRoot(), "pids");

/** Remembers a running child until it exits. */
export function trackChild(pid: number | undefined, bin: string): () => void {
  if (!pid) return () => {};
  const file = path.join(pidDir(), String(pid));
  try {
    fs.mkdirSync(pidDir(), { recursive: true });
    fs.writeFileSync(file, bin);
  } catch {
    return () => {};
  }
  return () => fs.rmSync(file, { force: true });
}

/** A new temp folder for one prepare, under the work root. */
export async function makeWorkDir(prefix = "murmur-prepare-"): Promise<string> {
  await fsp.mkdir(workRoot(), { recursive: true });
  return fsp.mkdtemp(path.join(workRoot(), prefix));
}

function commandOf(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * At start-up: kill recorded children that still run the binary they were started
 * as (a recycled pid running something else is left alone), and remove prepare
 * folders and half-written parts. Returns what it did, for the log.
 */
export async function reapLeftovers(root = workRoot()): Promise<{ killed: number; removed: number }> {
  let killed = 0;
  let removed = 0;
  const pids = path.join(root, "pids");
  for (const name of await fsp.readdir(pids).catch(() => [] as string[])) {
    const pid = Number(name);
    const file = path.join(pids, name);
    const bin = await fsp.readFile(file, "utf8").catch(() => "");
    if (Number.isInteger(pid) && pid > 1 && bin && commandOf(pid) === bin) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        // Gone between the check and the kill.
      }
    }
    await fsp.rm(file, { force: true });
  }
  for (const entry of await fsp.readdir(root, { withFileTypes: true }).catch(() => [])) {
    if ((entry.isDirectory() && entry.name.startsWith("murmur-prepare-")) || (entry.isFile() && entry.name.endsWith(".part"))) {
      await fsp.rm(path.join(root, entry.name), { recursive: true, force: true });
      removed++;
    }
  }
  return { killed, removed };
}
