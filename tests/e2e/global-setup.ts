import { buildLongRecording, ensureFixtures } from "../../scripts/fixtures-lib";

/**
 * The recordings the tests upload are generated on the machine (espeak-ng, LibriVox clips
 * from Debian), the 3-minute one included, so the e2e suite runs on its own too.
 */
export default async function globalSetup(): Promise<void> {
  await ensureFixtures();
  await buildLongRecording({ minutes: 3 });
}
