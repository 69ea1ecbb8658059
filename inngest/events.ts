import { eventType } from "inngest";
import { z } from "zod";

export const sessionUploadedData = z.object({
  sessionId: z.uuid(),
  generation: z.number().int().positive(),
  /** Keys the per-owner concurrency limit. */
  ownerId: z.string().optional(),
  /** Seconds the run may jump ahead in the queue (priority.run): short and urgent recordings first. */
  priority: z.number().int().min(-43_200).max(43_200).optional(),
});

/** A session's audio is stored; `generation` tells runs of the same session apart (first run, each retry). */
export const sessionUploaded = eventType("session/uploaded", { schema: sessionUploadedData });

/** The person cancelled; stops the running process-session run for this session. */
export const sessionCancelled = eventType("session/cancelled", {
  schema: z.object({ sessionId: z.uuid() }),
});

/** Deterministic, so a repeated "uploaded" (double click, client retry) is deduplicated by the server. */
export const uploadedEventId = (sessionId: string, generation: number) => `session-uploaded-${sessionId}-${generation}`;

/**
 * Why a session ended failed: a run gave up, self-healing gave up on a lost run,
 * or the upload never finished (not an operator's problem: no alert).
 */
export const FAILURE_REASONS = ["processing", "recovery_exhausted", "upload_expired"] as const;
export const sessionFailedData = z.object({
  sessionId: z.uuid(),
  generation: z.number().int().nonnegative(),
  reason: z.enum(FAILURE_REASONS),
});

/** A session ended failed for good; alerts operators and calls the session's webhook. */
export const sessionFailed = eventType("session/failed", { schema: sessionFailedData });

/** A session completed; calls the session's webhook. */
export const sessionCompleted = eventType("session/completed", {
  schema: z.object({ sessionId: z.uuid(), generation: z.number().int().nonnegative() }),
});

/** One per session and generation, so a repeated announcement is deduplicated by the server. */
export const finishedEventId = (kind: "completed" | "failed", sessionId: string, generation: number) =>
  `session-${kind}-${sessionId}-${generation}`;
