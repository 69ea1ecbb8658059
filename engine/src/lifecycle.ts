import type { EventRec, RunRec } from "./types.js";

export const FAILED_EVENT = "inngest/function.failed";
export const INVOKED_EVENT = "inngest/function.invoked";
export const CANCELLED_EVENT = "inngest/function.cancelled";
export const FINISHED_EVENT = "inngest/function.finished";

/** The error Inngest puts in a cancelled run's lifecycle events, whatever cancelled it. */
const CANCELLED_ERROR = { name: "Error", message: "function cancelled" };

const eventPayload = (ev: EventRec) => ({ id: ev.id, name: ev.name, data: ev.data, ts: ev.ts, ...(ev.v ? { v: ev.v } : {}), ...(ev.user !== undefined ? { user: ev.user } : {}) });

/**
 * The internal events Inngest emits when a run ends, so apps can subscribe to them. As on the
 * server, all of them carry the same data: function_id, run_id, the run's event (and events), the
 * result or the error, and the invoke correlation id; a run started by function.failed or
 * function.finished emits nothing (no loop of finish handlers).
 */
export function lifecycleEvents(run: RunRec): Array<Record<string, unknown>> {
  if (run.event.name === FAILED_EVENT || run.event.name === FINISHED_EVENT) return [];
  const data: Record<string, unknown> = {
    function_id: run.fnId,
    run_id: run.id,
    event: eventPayload(run.event),
    events: run.events.map(eventPayload),
  };
  if (run.status === "completed") data.result = run.output ?? null;
  else data.error = run.status === "cancelled" ? CANCELLED_ERROR : run.error;
  if (run.parentRunId) data.correlation_id = `${run.parentRunId}.${run.parentStepHash}`;
  const out: Array<Record<string, unknown>> = [{ name: FINISHED_EVENT, data }];
  if (run.status === "failed") out.push({ name: FAILED_EVENT, data });
  if (run.status === "cancelled") out.push({ name: CANCELLED_EVENT, data });
  return out;
}
