import { deliverWebhook } from "./deliver-webhook";
import { onRunCancelled } from "./on-run-cancelled";
import { onSessionFailed } from "./on-session-failed";
import { processSession } from "./process-session";
import { retention } from "./retention";
import { sweep } from "./sweep";

export const functions = [processSession, onSessionFailed, deliverWebhook, onRunCancelled, sweep, retention];
