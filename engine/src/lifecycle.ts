import type { RunRec } from "./types.js";

export const FAILED_EVENT = "inngest/function.failed";
export const INVOKED_EVENT = "inngest/function.invoked";
export const CANCELLED_EVENT = "inngest/function.cancelled";
export const FINISHED_EVENT = "inngest/function.finished";

/** The internal events Inngest emits when a run ends, so apps can subscribe to them. */
export function lifecycleEvents(run: RunRec): Array<Record<string, unknown>> {
  const meta = { function_id: run.fnId, run_id: run.id };
  const out: Array<Record<string, unknown>> = [];
  if (run.status === "failed") out.push({ name: FAILED_EVENT, data: { ...meta, error: run.error, event: run.event } });
  if (run.status === "cancelled") out.push({ name: CANCELLED_EVENT, data: { ...meta, event: run.event } });
  out.push({
    name: FINISHED_EVENT,
    data: {
      ...meta,
      correlation_id: run.parentRunId ? `${run.parentRunId}.${run.parentStepHash}` : undefined,
      ...(run.status === "completed" ? { result: run.output } : { error: run.error }),
    },
  });
  return out;
}
