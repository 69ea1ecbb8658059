import { NonRetriableError, RetryAfterError } from "inngest";
import { errorMessage, PermanentError, TransientError } from "@/lib/errors";

/** Runs a step body and translates the domain's errors into the SDK's retry semantics. */
export async function asStep<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof PermanentError) throw new NonRetriableError(errorMessage(err), { cause: err });
    if (err instanceof TransientError && err.retryAfterMs !== undefined) {
      throw new RetryAfterError(errorMessage(err), Math.max(1000, err.retryAfterMs), { cause: err });
    }
    throw err;
  }
}

export type Retries = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20;
