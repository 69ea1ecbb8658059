import type { Database } from "@/db/client";
import * as ops from "@/db/operations";
import * as q from "@/db/queries";
import type { AlertType } from "@/db/schema";
import type { Config } from "@/lib/config";
import { sessionUrl } from "@/lib/links";
import { composeAlert, type ComposedAlert, type FailureData } from "./compose";

/**
 * Records the failure of one session for the next alert message, and, when the
 * same step has now failed for ALERT_STEP_FAILURES sessions within
 * ALERT_STEP_WINDOW, a "step keeps failing" alert (once per window).
 * Idempotent: a retried step records nothing twice.
 */
export async function recordFailure(
  db: Database,
  c: Config,
  f: { sessionId: string; generation: number; type: Extract<AlertType, "session.failed" | "session.recovery_exhausted"> },
): Promise<{ recorded: boolean; stepFailing: boolean }> {
  const row = await q.findSession(db, f.sessionId);
  if (!row) return { recorded: false, stepFailing: false };
  const data: FailureData = {
    sessionId: row.id,
    title: row.title,
    error: row.error,
    attempts: row.attempt,
    stage: row.stage,
    url: sessionUrl(c, row.id),
  };
  const recorded = await ops.recordAlert(db, {
    dedupeKey: `${f.type}:${row.id}:${f.generation}`,
    type: f.type,
    sessionId: row.id,
    // Self-healing's give-up is about a lost run, not a step: it does not count towards "step keeps failing".
    stage: f.type === "session.failed" ? row.stage : null,
    data: { ...data },
  });
  let stepFailing = false;
  if (recorded && f.type === "session.failed" && row.stage) {
    const since = new Date(Date.now() - c.ALERT_STEP_WINDOW);
    const count = await ops.sessionsFailedAtStage(db, row.stage, since);
    if (count >= c.ALERT_STEP_FAILURES && !(await ops.stepAlertRaisedSince(db, row.stage, since))) {
      stepFailing = await ops.recordAlert(db, {
        dedupeKey: `step.failing:${row.stage}:${Math.floor(Date.now() / c.ALERT_STEP_WINDOW)}`,
        type: "step.failing",
        stage: row.stage,
        data: { stage: row.stage, count, windowSec: Math.round(c.ALERT_STEP_WINDOW / 1000), lastError: row.error, lastSessionId: row.id },
      });
    }
  }
  return { recorded, stepFailing };
}

/** The message for every alert not sent yet, or null when another alert run already took them. */
export async function claimGroup(db: Database, groupId: string): Promise<ComposedAlert | null> {
  const rows = await ops.claimAlerts(db, groupId);
  return rows.length ? composeAlert(groupId, rows) : null;
}
