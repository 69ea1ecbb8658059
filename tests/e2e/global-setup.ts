import { buildLongRecording, ensureFixtures } from "../../scripts/fixtures-lib";

/** The recordings the tests upload are generated on the machine (espeak-ng, LibriVox clips from Debian). */
export default async function globalSetup(): Promise<void> {
  await ensureFixtures();
  // The specs upload a 3-minute recording; without this, `npm run test:e2e` alone relied on a
  // Vitest suite having built it first.
  await buildLongRecording({ minutes: 3 });
}
