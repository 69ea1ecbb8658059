import { config } from "@/lib/config";
import { errorMessage } from "@/lib/errors";
import { claimAlertGroupJob, configuredAlertChannels, recordFailureJob, sendAlertJob } from "@/lib/ops/jobs";
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
    const channels = configuredAlertChannels();
    if (!channels.length) return { skipped: "no alert channel configured" };

    await step.run("record", () =>
      recordFailureJob({
        sessionId: event.data.sessionId,
        generation: event.data.generation,
        type: event.data.reason === "recovery_exhausted" ? "session.recovery_exhausted" : "session.failed",
      }),
    );
    await step.sleep("group-window", config().ALERT_GROUP_WINDOW);
    const alert = await step.run("claim", () => claimAlertGroupJob(runId));
    if (!alert) return { grouped: "sent by another alert run" };

    const sent: Record<string, string> = {};
    for (const channel of channels) {
      try {
        await step.run(`send-${channel}`, () => asStep(() => sendAlertJob(channel, alert, attempt + 1)));
        sent[channel] = "delivered";
      } catch (err) {
        sent[channel] = `gave up: ${errorMessage(err)}`;
      }
    }
    return { type: alert.payload.type, sent };
  },
);
