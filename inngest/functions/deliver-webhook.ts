import { config } from "@/lib/config";
import { deliverSessionWebhookJob } from "@/lib/ops/jobs";
import { inngest } from "../client";
import { sessionCompleted, sessionFailed } from "../events";
import { asStep, type Retries } from "../step-errors";

/**
 * POSTs a finished session's outcome to the webhookUrl its creator gave, signed,
 * retried with the engine's backoff (Retry-After honoured). Separate from the
 * pipeline: a receiver that is down never holds up processing.
 */
export const deliverWebhook = inngest.createFunction(
  {
    id: "deliver-webhook",
    name: "Call a session's webhook",
    triggers: [sessionCompleted, sessionFailed],
    retries: Math.min(20, config().WEBHOOK_RETRIES) as Retries,
  },
  async ({ event, step, attempt }) => {
    const type = event.name === "session/completed" ? "session.completed" : "session.failed";
    return step.run("deliver", () =>
      asStep(() =>
        deliverSessionWebhookJob({ sessionId: event.data.sessionId, generation: event.data.generation, type, attempt: attempt + 1 }),
      ),
    );
  },
);
