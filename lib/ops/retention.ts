import type { Database } from "@/db/client";
import * as ops from "@/db/operations";
import * as q from "@/db/queries";
import type { Config } from "@/lib/config";
import { formatDuration } from "@/lib/time";
import { blobKeys, type BlobStore } from "@/lib/storage/types";

/**
 * Retention (TTL): the audio of ended sessions is deleted AUDIO_RETENTION after
 * they ended, whole sessions SESSION_RETENTION after they were created; unset
 * keeps them forever. A session still being processed is never touched.
 */
export async function applyRetention(deps: { db: Database; store: BlobStore }, c: Config, now = Date.now()) {
  let audio = 0;
  let sessions = 0;
  if (c.AUDIO_RETENTION !== undefined) {
    for (const { id } of await ops.audioPastRetention(deps.db, new Date(now - c.AUDIO_RETENTION))) {
      await deps.store.deletePrefix(blobKeys.sessionPrefix(id));
      await q.markAudioDeleted(deps.db, id);
      await ops.logEntry(deps.db, id, `The audio was deleted ${formatDuration(c.AUDIO_RETENTION / 1000)} after processing ended (retention)`);
      audio++;
    }
  }
  if (c.SESSION_RETENTION !== undefined) {
    for (const { id } of await ops.sessionsPastRetention(deps.db, new Date(now - c.SESSION_RETENTION))) {
      await deps.store.deletePrefix(blobKeys.sessionPrefix(id));
      await q.deleteSessionRow(deps.db, id);
      sessions++;
    }
  }
  return { audioDeleted: audio, sessionsDeleted: sessions };
}
