import type { Database } from "@/db/client";
import { errorMessage, PermanentError } from "@/lib/errors";
import { updateRun } from "./fence";
import type { RunContext } from "./steps";

/**
 * Puts a failed step attempt in the session's stage log, so the person sees
 * "attempt 2 failed: …, retrying" (or the final reason for a permanent error).
 * Never throws: the step's own error is what the engine must see.
 */
export async function recordFailedAttempt(db: Database, ctx: RunContext, what: string, err: unknown): Promise<void> {
  const permanent = err instanceof PermanentError;
  await updateRun(db, ctx, {
    status: "processing",
    attempt: ctx.attempt,
    error: permanent ? errorMessage(err) : `${what} failed on attempt ${ctx.attempt}: ${errorMessage(err)}`,
    message: permanent ? `${what} failed` : `${what} failed on attempt ${ctx.attempt}; will retry if attempts remain`,
  }).catch(() => false);
}
