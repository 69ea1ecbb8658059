import { ensureFixtures } from "../../scripts/fixtures-lib";

/** The recordings the tests upload are generated on the machine (espeak-ng, LibriVox clips from Debian). */
export default async function globalSetup(): Promise<void> {
  await ensureFixtures();
}
