import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveTool } from "@/lib/audio/ffmpeg";
import { reapLeftovers } from "@/lib/audio/leftovers";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] !== "Z";
  } catch {
    return false;
  }
};

describe("leftovers of an interrupted prepare", () => {
  let root: string;
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("kills a recorded ffmpeg that outlived its app, and removes prepare folders and parts", async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "murmur-leftovers-test-"));
    const bin = await resolveTool("ffmpeg");
    // What a SIGKILLed app leaves: an ffmpeg still encoding (detached, like an orphan), its pid file, its folder.
    // -re: in real time. Without it ten minutes of generated silence take a fraction of a second, and
    // the "orphan" could end on its own between the check below and the reap (seen under load).
    const orphan = spawn(bin, ["-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "anullsrc", "-t", "600", "-f", "null", "-"], {
      detached: true,
      stdio: "ignore",
    });
    orphan.unref();
    fs.mkdirSync(path.join(root, "pids"), { recursive: true });
    fs.writeFileSync(path.join(root, "pids", String(orphan.pid)), bin);
    // A pid file whose process is something else now (a recycled pid) must not be killed.
    fs.writeFileSync(path.join(root, "pids", String(process.pid)), bin);
    fs.mkdirSync(path.join(root, "murmur-prepare-abc"));
    fs.writeFileSync(path.join(root, "murmur-prepare-abc", "0.ogg.1234.part"), "half");
    fs.writeFileSync(path.join(root, "x.ogg.5678.part"), "half");
    fs.writeFileSync(path.join(root, "keep.txt"), "not ours to remove");
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(orphan.pid!)).toBe(true);

    const result = await reapLeftovers(root);

    expect(result).toEqual({ killed: 1, removed: 2 });
    await expect.poll(() => alive(orphan.pid!), { timeout: 5000 }).toBe(false);
    expect(alive(process.pid)).toBe(true);
    expect(fs.readdirSync(root).sort()).toEqual(["keep.txt", "pids"]);
    expect(fs.readdirSync(path.join(root, "pids"))).toEqual([]);
  });
});
