import type { Database } from "@/db/client";
import * as q from "@/db/queries";
import type { SessionRow } from "@/db/schema";
import { isRunStatus, RUN_STATUSES } from "@/lib/sessions/status";

/**
 * Runs are fenced by generation: a run may touch a session only while the
 * session is still on that run's generation and in a run status. A cancel, a
 * delete or a retry (which bumps the generation) ends a run's claim at once,
 * and every write below re-checks it in the same statement.
 */
export interface RunRef {
  sessionId: string;
  generation: number;
}

/** Records a run's progress, or nothing (false) when the run no longer holds the session. */
export function updateRun(db: Database, run: RunRef, u: q.ProgressUpdate): Promise<boolean> {
  return q.applyRunUpdate(db, run.sessionId, run.generation, RUN_STATUSES, u);
}

/** The session while this run still holds it; cancelled or superseded runs stop quietly. */
export async function claimedSession(db: Database, run: RunRef): Promise<SessionRow | undefined> {
  const row = await q.findSession(db, run.sessionId);
  if (!row || row.generation !== run.generation || !isRunStatus(row.status)) return undefined;
  return row;
}

/** Aborts its signal as soon as the run loses its claim (cancelled, retried, deleted). */
export function watchClaim(db: Database, run: RunRef, intervalMs = 1000): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    claimedSession(db, run)
      .then((row) => {
        if (!row) controller.abort(new Error("The session was cancelled or restarted; this run no longer holds it."));
      })
      .catch(() => {}) // a failed check is not a cancel
      .finally(() => (checking = false));
  }, intervalMs);
  timer.unref();
  return { signal: controller.signal, dispose: () => clearInterval(timer) };
}
