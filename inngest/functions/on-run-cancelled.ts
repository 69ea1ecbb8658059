import { runCancelledJob } from "@/lib/ops/jobs";
import { inngest } from "../client";
import { sessionUploadedData } from "../events";

/**
 * A process-session run cancelled anywhere (the engine's dashboard or API,
 * Inngest Cloud's bulk cancel, a timeout) leaves the session cancelled, not
 * "processing" forever. The run's in-flight step stops on its own: its
 * ownership watch sees the session is no longer its run's.
 */
export const onRunCancelled = inngest.createFunction(
  {
    id: "on-run-cancelled",
    name: "Mark a session cancelled when its run is",
    triggers: [{ event: "inngest/function.cancelled", if: "event.data.function_id == 'murmur-process-session'" }],
    retries: 5,
  },
  async ({ event, step, logger }) => {
    const original = sessionUploadedData.safeParse((event.data as { event?: { data?: unknown } }).event?.data);
    if (!original.success) {
      logger.warn("a cancelled process-session run without a valid session event", original.error.issues);
      return { skipped: "no session" };
    }
    const { sessionId, generation } = original.data;
    const changed = await step.run("mark-cancelled", () => runCancelledJob({ sessionId, generation }));
    return { sessionId, generation, changed };
  },
);
