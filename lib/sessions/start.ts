import type { SessionRow } from "@/db/schema";
import { HttpError } from "@/lib/http";
import { notifyUploaded } from "./notify";
import { markStartFailed, type SessionDeps } from "./service";
import { isRunStatus } from "./status";

/**
 * Sends the event that starts processing a queued session (again, harmlessly,
 * when the row did not change). An engine that cannot be reached leaves the
 * upload stored and the session failed with a Retry hint: a 503, not a
 * session stuck in "queued".
 */
export async function startProcessing(deps: SessionDeps, res: { row: SessionRow }): Promise<{ id: string; status: SessionRow["status"] }> {
  const { row } = res;
  if (isRunStatus(row.status)) {
    try {
      await notifyUploaded(row);
    } catch (err) {
      await markStartFailed(deps, row, err);
      throw new HttpError(503, "engine_unavailable", "Your upload is saved, but processing could not be started. Press Retry in a moment.");
    }
  }
  return { id: row.id, status: row.status };
}
