import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Database } from "@/db/client";
import * as ops from "@/db/operations";
import * as q from "@/db/queries";
import type { Config } from "@/lib/config";
import { formatDuration } from "@/lib/time";
import { uploadedEventData } from "@/lib/sessions/notify";
import { RUN_STATUSES } from "@/lib/sessions/status";
import { blobKeys, type BlobStore } from "@/lib/storage/types";

export const UPLOAD_NEVER_FINISHED = "The upload never finished, so there is nothing to process. Upload the recording again in a new session.";
/** Temp folders of `prepare` carry the session id so a sweep can tell whose they are. */
export const PREPARE_TMP_PREFIX = "murmur-prepare-";

export interface SweepDeps {
  db: Database;
  store: BlobStore;
  /** Where partial resumable uploads are kept (local disk only). */
  tusDir?: string;
  tmpDir?: string;
}

export interface SweepResult {
  /** New runs to start: the caller sends session/uploaded for each (new generation). */
  redispatch: Array<{ sessionId: string; generation: number; event: ReturnType<typeof uploadedEventData> }>;
  gaveUp: Array<{ sessionId: string; generation: number }>;
  expired: Array<{ sessionId: string; generation: number }>;
  leftovers: { chunkSessions: number; tempFolders: number; partialUploads: number };
}

/**
 * One pass of self-healing. A session with a run on it that has not moved for
 * STALE_RUN_AFTER lost its run (engine reset, lost state): it is queued again as
 * a new generation, which fences off the old run should it ever wake, at most
 * AUTO_RECOVERY_ATTEMPTS times; after that it fails with a reason. Uploads
 * abandoned for UPLOAD_EXPIRES_AFTER end with a reason and lose their partial
 * files; leftovers of ended sessions are removed. Every change is a conditional
 * update, so two sweeps at once (or a run waking up) change nothing twice.
 */
export async function sweep(deps: SweepDeps, c: Config, now = Date.now()): Promise<SweepResult> {
  const result: SweepResult = { redispatch: [], gaveUp: [], expired: [], leftovers: { chunkSessions: 0, tempFolders: 0, partialUploads: 0 } };
  const staleBefore = new Date(now - c.STALE_RUN_AFTER);
  const quiet = formatDuration(c.STALE_RUN_AFTER / 1000);

  for (const row of await ops.staleRuns(deps.db, staleBefore)) {
    if (row.recoveries < c.AUTO_RECOVERY_ATTEMPTS) {
      const res = await q.queueSession(deps.db, row.id, RUN_STATUSES, {
        message: `Self-healing: no progress for ${quiet}, so the run was presumed lost and started again (recovery ${row.recoveries + 1} of ${c.AUTO_RECOVERY_ATTEMPTS})`,
        staleBefore,
      });
      if (res?.changed) {
        await ops.countRecovery(deps.db, row.id);
        result.redispatch.push({ sessionId: row.id, generation: res.row.generation, event: uploadedEventData(res.row) });
      }
    } else {
      const reason = `Processing stopped making progress and was restarted ${row.recoveries} time(s) without success. Press Retry, or contact the operators if it keeps happening.`;
      if (await ops.endWithReason(deps.db, row.id, [...RUN_STATUSES], staleBefore, reason, "Self-healing gave up")) {
        result.gaveUp.push({ sessionId: row.id, generation: row.generation });
      }
    }
  }

  const uploadBefore = new Date(now - c.UPLOAD_EXPIRES_AFTER);
  for (const row of await ops.abandonedUploads(deps.db, uploadBefore)) {
    if (await ops.endWithReason(deps.db, row.id, ["awaiting_upload"], uploadBefore, UPLOAD_NEVER_FINISHED, "The upload expired")) {
      await deps.store.deletePrefix(blobKeys.sessionPrefix(row.id));
      result.leftovers.partialUploads += await removeEntries(deps.tusDir, (name) => name.startsWith(`${row.id}_`));
      result.expired.push({ sessionId: row.id, generation: row.generation });
    }
  }

  // Chunks of failed and cancelled sessions are kept for a while so a Retry can reuse them.
  for (const id of await ops.chunkLeftovers(deps.db, uploadBefore)) {
    await deps.store.deletePrefix(blobKeys.chunkPrefix(id));
    await q.deleteChunkRows(deps.db, id);
    result.leftovers.chunkSessions++;
  }

  result.leftovers.tempFolders = await removeEndedTempFolders(deps, now - c.STALE_RUN_AFTER);
  return result;
}

/** murmur-prepare-<session>-XXXX folders whose session ended (or is gone) and that are older than `before`. */
async function removeEndedTempFolders(deps: SweepDeps, before: number): Promise<number> {
  const dir = deps.tmpDir ?? os.tmpdir();
  let names: string[];
  try {
    names = (await fsp.readdir(dir)).filter((n) => n.startsWith(PREPARE_TMP_PREFIX));
  } catch {
    return 0;
  }
  const owners = new Map<string, string>();
  for (const n of names) {
    const id = /^murmur-prepare-([0-9a-f-]{36})-/.exec(n)?.[1];
    if (id) owners.set(n, id);
  }
  const ended = await ops.endedSessionIds(deps.db, [...new Set(owners.values())]);
  let removed = 0;
  for (const [name, id] of owners) {
    if (!ended.has(id)) continue;
    const full = path.join(dir, name);
    const stat = await fsp.stat(full).catch(() => null);
    if (!stat || stat.mtimeMs > before) continue;
    await fsp.rm(full, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function removeEntries(dir: string | undefined, match: (name: string) => boolean): Promise<number> {
  if (!dir) return 0;
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const hits = names.filter(match);
  await Promise.all(hits.map((n) => fsp.rm(path.join(dir, n), { recursive: true, force: true })));
  return hits.filter((n) => !n.endsWith(".json")).length;
}
