import { eventType } from "inngest";
import { z } from "zod";

export const sessionUploadedData = z.object({ sessionId: z.uuid(), generation: z.number().int().positive() });

/** A session's audio is stored; `generation` tells runs of the same session apart (first run, each retry). */
export const sessionUploaded = eventType("session/uploaded", { schema: sessionUploadedData });

/** The person cancelled; stops the running process-session run for this session. */
export const sessionCancelled = eventType("session/cancelled", {
  schema: z.object({ sessionId: z.uuid() }),
});

/** Deterministic, so a repeated "uploaded" (double click, client retry) is deduplicated by the server. */
export const uploadedEventId = (sessionId: string, generation: number) => `session-uploaded-${sessionId}-${generation}`;
