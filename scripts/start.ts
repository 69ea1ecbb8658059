/**
 * `npm start`: the production build and the local engine, talking signed like
 * Inngest Cloud. The SDK runs in cloud mode (no INNGEST_DEV) against the engine,
 * so every request to /api/inngest must carry the engine's signature and an
 * unsigned POST or PUT is refused. Keys come from the environment, or are made
 * once and kept in DATA_DIR (mode 600) so restarts keep working.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

function keptSecret(file: string, make: () => string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const value = make();
    fs.writeFileSync(file, value, { mode: 0o600, flag: "wx" });
    return value;
  }
}

const dataDir = path.resolve(process.env.DATA_DIR || ".data");
const port = Number(process.env.PORT || 3000);
const enginePort = Number(process.env.INNGEST_ENGINE_PORT || 8288);
const signingKey =
  process.env.INNGEST_SIGNING_KEY || keptSecret(path.join(dataDir, "inngest-signing-key"), () => `signkey-local-${randomBytes(32).toString("hex")}`);
const eventKey = process.env.INNGEST_EVENT_KEY || keptSecret(path.join(dataDir, "inngest-event-key"), () => randomBytes(24).toString("hex"));
const appUrl = `http://127.0.0.1:${port}/api/inngest`;

const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  PORT: String(port),
  INNGEST_SIGNING_KEY: signingKey,
  INNGEST_EVENT_KEY: eventKey,
  INNGEST_BASE_URL: process.env.INNGEST_BASE_URL || `http://127.0.0.1:${enginePort}`,
  INNGEST_ENGINE_DATA_DIR: process.env.INNGEST_ENGINE_DATA_DIR || path.join(dataDir, "engine"),
  // Registration goes to this address whatever Host header a request carries (app/api/inngest).
  INNGEST_SERVE_ORIGIN: process.env.INNGEST_SERVE_ORIGIN || `http://127.0.0.1:${port}`,
};
delete env.INNGEST_DEV;

const bin = (name: string) => path.join("node_modules", ".bin", name);
const children = [
  spawn(bin("next"), ["start", "-p", String(port), ...(process.env.APP_HOST ? ["-H", process.env.APP_HOST] : [])], { env, stdio: "inherit" }),
  spawn(process.execPath, ["--import", "tsx", "engine/src/main.ts", "--port", String(enginePort), "--app-url", process.env.INNGEST_ENGINE_APP_URLS || appUrl], {
    env,
    stdio: "inherit",
  }),
];
console.log(`murmur: app on :${port}, engine on 127.0.0.1:${enginePort}, signed (key ${process.env.INNGEST_SIGNING_KEY ? "from INNGEST_SIGNING_KEY" : `in ${path.join(dataDir, "inngest-signing-key")}`})`);

let stopping = false;
function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null))).then(() => process.exit(code));
}
for (const c of children) c.once("exit", (code) => stop(code ?? 1));
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => stop(0));
