import { config } from "@/lib/config";
import { sweepJob } from "@/lib/ops/jobs";
import { inngest } from "../client";
import { finishedEventId, sessionFailed, sessionUploaded, uploadedEventId } from "../events";

/**
 * Self-healing on a schedule (SWEEP_CRON): lost runs are started again as a new
 * generation, given up on after AUTO_RECOVERY_ATTEMPTS, abandoned uploads end,
 * leftovers go. The database work is one step; the events it implies are sent
 * by the engine (step.sendEvent) with deterministic ids, so a retried sweep
 * starts no run twice.
 */
export const sweep = inngest.createFunction(
  { id: "sweep", name: "Self-healing sweep", triggers: [{ cron: config().SWEEP_CRON }], concurrency: { limit: 1 }, retries: 2 },
  async ({ step }) => {
    const r = await step.run("sweep", () => sweepJob());
    const events = [
      ...r.redispatch.map((x) => sessionUploaded.create(x.event, { id: uploadedEventId(x.sessionId, x.generation) })),
      ...r.gaveUp.map((x) =>
        sessionFailed.create({ ...x, reason: "recovery_exhausted" }, { id: finishedEventId("failed", x.sessionId, x.generation) }),
      ),
      ...r.expired.map((x) => sessionFailed.create({ ...x, reason: "upload_expired" }, { id: finishedEventId("failed", x.sessionId, x.generation) })),
    ];
    if (events.length) await step.sendEvent("announce", events);
    return { redispatched: r.redispatch.length, gaveUp: r.gaveUp.length, expired: r.expired.length, leftovers: r.leftovers };
  },
);
