import { buildLongRecording, ensureFixtures } from "../../scripts/fixtures-lib";

/** The recordings the tests upload are generated on the machine (espeak-ng, LibriVox clips from Debian). */
export default async function globalSetup(): Promise<void> {
  await ensureFixtures();
  // Several specs play and search a 3-minute recording; built here so the suite needs no earlier run.
  await buildLongRecording({ minutes: 3 });
}
