/**
 * `npm test` runs this first: it names every system dependency the suites need
 * that this machine lacks, and the command that installs it, instead of letting
 * a test fail deep inside with ENOENT or ECONNREFUSED.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { resolveTool } from "@/lib/audio/ffmpeg";
import { LIBRIVOX_DIR } from "./fixtures-lib";

interface Missing {
  what: string;
  /** Debian package that provides it, if one does. */
  apt?: string;
  hint?: string;
}

const onPath = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;

function postgresReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 5432) });
    socket.setTimeout(2000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
  });
}

async function main(): Promise<void> {
  const missing: Missing[] = [];
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!fs.existsSync(chromium)) missing.push({ what: `Chromium at ${chromium} (or set CHROMIUM_PATH)`, apt: "chromium" });
  if (!onPath("espeak-ng")) missing.push({ what: "espeak-ng (speech fixtures)", apt: "espeak-ng" });
  if (!fs.existsSync(LIBRIVOX_DIR)) missing.push({ what: `the LibriVox clips in ${LIBRIVOX_DIR}`, apt: "pocketsphinx-testdata" });
  for (const tool of ["ffmpeg", "ffprobe"] as const) {
    await resolveTool(tool).catch(() => missing.push({ what: `${tool} (on PATH or from the npm package)`, apt: "ffmpeg" }));
  }
  const db = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
  if (!(await postgresReachable(db))) {
    missing.push({
      what: `PostgreSQL at ${new URL(db).host} (trust auth, database "test"; or set TEST_DATABASE_URL)`,
      apt: "postgresql",
      hint: "start it with: sudo pg_ctlcluster <version> main start",
    });
  }
  if (!missing.length) return;

  console.error("npm test needs, and this machine lacks:");
  for (const m of missing) console.error(`  - ${m.what}${m.hint ? ` (${m.hint})` : ""}`);
  const apt = [...new Set(missing.flatMap((m) => (m.apt ? [m.apt] : [])))];
  console.error(`\nOn Debian: sudo apt-get install -y ${apt.join(" ")}`);
  console.error("or run everything CI runs (installs the above, starts PostgreSQL, npm ci, npm test): sudo bash .ci/run");
  process.exit(1);
}

void main();
