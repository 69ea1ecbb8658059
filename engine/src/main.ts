import { parseArgs, UsageError } from "./config.js";
import { startEngine } from "./index.js";

async function main() {
  let config;
  try {
    config = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      process.exit(process.argv.includes("--help") || process.argv.includes("-h") ? 0 : 2);
    }
    throw e;
  }
  let engine;
  try {
    engine = await startEngine(config);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") {
      console.error(`[engine] port ${config.port} is already in use (is another engine or the Inngest dev server running?)`);
      process.exit(1);
    }
    console.error(`[engine] cannot start: ${(e as Error).message}`);
    process.exit(1);
  }
  console.log(`[engine] listening on ${engine.url} (apps: ${config.appUrls.join(", ")}; data: ${config.dataDir})`);
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[engine] ${sig}: stopping`);
    void engine.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

void main();
