import type { SessionRow } from "@/db/schema";
import { inngest } from "@/inngest/client";
import { runPriority, type RunOrderInput } from "./priority";
import { sessionCancelled, sessionUploaded, uploadedEventId } from "@/inngest/events";

/**
 * The one door for the session events. "Uploaded" starts (or restarts) a run;
 * its id comes from the session and its generation, so sending it again (a
 * double click, a client retry, the storage webhook) is deduplicated by the
 * server and starts no second run.
 */
export async function notifyUploaded(row: QueuedRow): Promise<void> {
  await inngest.send(sessionUploaded.create(uploadedEventData(row), { id: uploadedEventId(row.id, row.generation) }));
}

export type QueuedRow = Pick<SessionRow, "id" | "generation" | "ownerId"> & RunOrderInput;

/** The run's trigger: which session and run, whose (for the per-owner limit) and how soon (priority.run). */
export function uploadedEventData(row: QueuedRow) {
  return { sessionId: row.id, generation: row.generation, ownerId: row.ownerId, priority: runPriority(row) };
}

/**
 * Stops a run sooner. The session row is already cancelled (or gone) and the
 * run's writes are fenced off, so an engine that cannot be reached is only
 * worth a warning.
 */
export async function notifyCancelled(sessionId: string): Promise<void> {
  await inngest.send(sessionCancelled.create({ sessionId })).catch((err: unknown) => console.warn("cancel event not sent:", err));
}
