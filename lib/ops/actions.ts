import { z } from "zod";
import * as ops from "@/db/operations";
import * as q from "@/db/queries";
import { HttpError } from "@/lib/http";
import { notifyCancelled, notifyUploaded } from "@/lib/sessions/notify";
import { cancelSession, deleteSession, retrySession, type SessionDeps } from "@/lib/sessions/service";
import { startProcessing } from "@/lib/sessions/start";
import { RUN_STATUSES } from "@/lib/sessions/status";

export const operatorAction = z.object({
  action: z.enum(["retry", "cancel", "delete", "urgent", "retry-failed"]),
  ids: z.array(z.uuid()).max(500).default([]),
});
export type OperatorAction = z.infer<typeof operatorAction>;

export interface ActionOutcome {
  id: string;
  ok: boolean;
  message?: string;
}

/**
 * What an operator does from /operations, on any owner's session. Each action
 * goes through the same use-cases a person's buttons use (with the session's
 * own owner), so the same rules hold: a completed session cannot be retried,
 * Retry needs the audio, Cancel stops the run.
 */
export async function runOperatorAction(deps: SessionDeps, a: OperatorAction): Promise<ActionOutcome[]> {
  const ids = a.action === "retry-failed" ? (await ops.operatorSessions(deps.db, { status: "failed", limit: 500 })).map((r) => r.id) : a.ids;
  const out: ActionOutcome[] = [];
  for (const id of ids) {
    try {
      const row = await q.findSession(deps.db, id);
      if (!row) throw new HttpError(404, "not_found", "Session not found.");
      if (a.action === "retry" || a.action === "retry-failed") {
        await startProcessing(deps, await retrySession(deps, id, row.ownerId));
      } else if (a.action === "cancel") {
        await cancelSession(deps, id, row.ownerId);
        await notifyCancelled(id);
      } else if (a.action === "delete") {
        const { wasActive } = await deleteSession(deps, id, row.ownerId);
        if (wasActive) await notifyCancelled(id);
      } else {
        await markUrgent(deps, row.id);
      }
      out.push({ id, ok: true });
    } catch (err) {
      out.push({ id, ok: false, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

/**
 * Urgent goes first everywhere it still can: a session still waiting in the queue
 * is queued again as a new generation with the top priority (its old queued run
 * finds itself fenced off and ends at once); for one already processing it
 * applies from its next retry or recovery on.
 */
async function markUrgent(deps: SessionDeps, id: string): Promise<void> {
  await ops.setUrgent(deps.db, id, true);
  const row = await q.findSession(deps.db, id);
  if (row?.status !== "queued") return;
  const res = await q.queueSession(deps.db, id, [RUN_STATUSES[0]], { message: "Marked urgent by an operator: queued again at the top" });
  if (res?.changed) await notifyUploaded(res.row);
}
