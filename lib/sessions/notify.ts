import { inngest } from "@/inngest/client";
import { sessionCancelled, sessionUploaded, uploadedEventId } from "@/inngest/events";

/**
 * The one door for the session events. "Uploaded" starts (or restarts) a run;
 * its id comes from the session and its generation, so sending it again (a
 * double click, a client retry, the storage webhook) is deduplicated by the
 * server and starts no second run.
 */
export async function notifyUploaded(sessionId: string, generation: number): Promise<void> {
  await inngest.send(sessionUploaded.create({ sessionId, generation }, { id: uploadedEventId(sessionId, generation) }));
}

/**
 * Stops a run sooner. The session row is already cancelled (or gone) and the
 * run's writes are fenced off, so an engine that cannot be reached is only
 * worth a warning.
 */
export async function notifyCancelled(sessionId: string): Promise<void> {
  await inngest.send(sessionCancelled.create({ sessionId })).catch((err: unknown) => console.warn("cancel event not sent:", err));
}
