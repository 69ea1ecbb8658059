import { getDb } from "@/db/client";
import { alertChannels, sendAlert } from "@/lib/alerts/channels";
import { claimGroup, recordFailure } from "@/lib/alerts/service";
import { config } from "@/lib/config";
import { errorMessage } from "@/lib/errors";
import { inngest } from "../client";
import { sessionFailed } from "../events";
import { asStep, type Retries } from "../step-errors";

/**
 * Tells operators that a session failed for good. A burst is grouped without
 * relying on batching or debounce: every failure is recorded, then its run
 * sleeps ALERT_GROUP_WINDOW and claims everything not sent yet; the first run
 * to wake gets the whole burst and the others find nothing. Each channel is
 * its own retried step, caught, so a dead endpoint only costs its own retries.
 */
export const onSessionFailed = inngest.createFunction(
  {
    id: "on-session-failed",
    name: "Alert operators about a failed session",
    triggers: [sessionFailed],
    retries: Math.min(20, config().WEBHOOK_RETRIES) as Retries,
  },
  async ({ event, step, attempt, runId }) => {
    if (event.data.reason === "upload_expired") return { skipped: "an abandoned upload is not an operator's problem" };
    const channels = alertChannels(config());
    if (!channels.length) return { skipped: "no alert channel configured" };

    await step.run("record", async () =>
      recordFailure(await getDb(), config(), {
        sessionId: event.data.sessionId,
        generation: event.data.generation,
        type: event.data.reason === "recovery_exhausted" ? "session.recovery_exhausted" : "session.failed",
      }),
    );
    await step.sleep("group-window", config().ALERT_GROUP_WINDOW);
    const alert = await step.run("claim", async () => claimGroup(await getDb(), runId));
    if (!alert) return { grouped: "sent by another alert run" };

    const sent: Record<string, string> = {};
    for (const channel of channels) {
      try {
        await step.run(`send-${channel}`, () =>
          asStep(async () => sendAlert(config(), channel, alert, { db: await getDb(), sessionId: null, attempt: attempt + 1 })),
        );
        sent[channel] = "delivered";
      } catch (err) {
        sent[channel] = `gave up: ${errorMessage(err)}`;
      }
    }
    return { type: alert.payload.type, sent };
  },
);
