import { config } from "@/lib/config";
import { retentionJob } from "@/lib/ops/jobs";
import { inngest } from "../client";

/** Deletes audio and sessions past AUDIO_RETENTION / SESSION_RETENTION, on RETENTION_CRON. */
export const retention = inngest.createFunction(
  { id: "retention", name: "Retention", triggers: [{ cron: config().RETENTION_CRON }], concurrency: { limit: 1 }, retries: 2 },
  async ({ step }) => {
    const c = config();
    if (c.AUDIO_RETENTION === undefined && c.SESSION_RETENTION === undefined) return { skipped: "everything is kept (no retention set)" };
    return step.run("apply-retention", () => retentionJob());
  },
);
