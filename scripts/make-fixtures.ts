/**
 * `npm run fixtures` — generates the test audio (see scripts/fixtures-lib.ts).
 * `npm run fixtures -- --long 40` also builds a 40-minute recording for benchmarks.
 */
import path from "node:path";
import { buildLongRecording, ensureFixtures } from "./fixtures-lib";

async function main(): Promise<void> {
  const started = Date.now();
  const fx = await ensureFixtures();
  console.log(`Fixtures ready in ${path.relative(process.cwd(), fx.dir)} (${Date.now() - started} ms)`);
  const i = process.argv.indexOf("--long");
  if (i >= 0) {
    const minutes = Number(process.argv[i + 1] ?? "40");
    if (!(minutes > 0)) throw new Error("--long needs a number of minutes");
    const t = Date.now();
    const long = await buildLongRecording({ minutes });
    console.log(
      `Long recording: ${path.relative(process.cwd(), long.path)}, ${(long.durationSec / 60).toFixed(1)} min (${Date.now() - t} ms)`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
