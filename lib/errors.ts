/**
 * Domain errors that say how a failure should be treated, without tying `lib/`
 * to Inngest. Step functions translate them: PermanentError → NonRetriableError,
 * TransientError with retryAfterMs → RetryAfterError.
 */

/** Retrying cannot help (not audio, rejected API key, oversize input). The message is shown to the person. */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Worth retrying (rate limit, 5xx, timeout); retryAfterMs when the other side said how long to wait. */
export class TransientError extends Error {
  override readonly name = "TransientError";
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, { cause: options?.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === "string" ? err : JSON.stringify(err);
}
