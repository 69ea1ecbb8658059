import { deliverWebhook } from "./deliver-webhook";
import { onSessionFailed } from "./on-session-failed";
import { processSession } from "./process-session";

export const functions = [processSession, onSessionFailed, deliverWebhook];
