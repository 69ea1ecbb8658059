import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  ContentFilterFinishReasonError,
  LengthFinishReasonError,
} from "openai/core/error";
import { PermanentError, TransientError } from "@/lib/errors";

export interface ErrorContext {
  /** The model the request named; a 404 usually means this model is not available to the key. */
  model: string;
  /** What was being done, for the message: "transcription", "analysis". */
  operation: string;
}

/**
 * Milliseconds to wait, from the headers OpenAI (and most compatible servers) send with a
 * 429 or 503. `retry-after-ms` is OpenAI's own, more precise header; `retry-after` is
 * either seconds or an HTTP date.
 */
export function retryAfterMsFromHeaders(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}

/** The server's own words, without the SDK's "400 " status prefix. */
function serverMessage(err: APIError): string {
  const body: unknown = err.error;
  if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string" && body.message) {
    return body.message;
  }
  return err.message.replace(/^\d{3}\s+/, "") || `HTTP ${err.status ?? "error"}`;
}

/** Errors thrown by Node's fetch when a connection drops mid-body (undici: TypeError "terminated", socket codes). */
function isNetworkFailure(err: Error): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|UND_ERR_\w+)$/.test(code)) return true;
    if (/^(terminated|fetch failed|other side closed|socket hang up)$/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Translates what the openai SDK throws into the app's failure semantics (lib/errors.ts):
 * PermanentError when repeating the same request cannot succeed, TransientError otherwise.
 * A caller's own abort is returned unchanged: it is a cancellation, not a provider failure.
 */
export function classifyOpenAIError(err: unknown, ctx: ErrorContext): Error {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const what = `OpenAI ${ctx.operation}`;

  if (err instanceof APIUserAbortError) return err;
  // Subclass of APIConnectionError, so it goes first.
  if (err instanceof APIConnectionTimeoutError) {
    return new TransientError(`${what} timed out (${ctx.model})`, { cause: err });
  }
  if (err instanceof APIConnectionError) {
    return new TransientError(`${what}: could not reach the server (${err.message})`, { cause: err });
  }
  if (err instanceof APIError) {
    const status = err.status;
    const message = serverMessage(err);
    if (status === 401 || status === 403) {
      return new PermanentError("OpenAI rejected the API key (check OPENAI_API_KEY)", { cause: err });
    }
    if (status === 429) {
      // A spent balance is also a 429, but waiting does not refill it.
      if (err.code === "insufficient_quota" || err.type === "insufficient_quota") {
        return new PermanentError(`OpenAI quota exhausted (check the plan and billing of the account behind OPENAI_API_KEY): ${message}`, { cause: err });
      }
      return new TransientError(`${what} rate-limited: ${message}`, { cause: err, retryAfterMs: retryAfterMsFromHeaders(err.headers) });
    }
    if (status === 404) {
      if (err.code === "model_not_found" || /model/i.test(message)) {
        return new PermanentError(`model ${ctx.model} not available for ${what} (check the model name and the key's access): ${message}`, { cause: err });
      }
      return new PermanentError(`${what}: endpoint not found (check OPENAI_BASE_URL): ${message}`, { cause: err });
    }
    // 408 and 409 are the two 4xx the SDK itself would retry: a timeout and a lock conflict on OpenAI's side.
    if (status === 408 || status === 409) {
      return new TransientError(`${what} failed (${status}): ${message}`, { cause: err, retryAfterMs: retryAfterMsFromHeaders(err.headers) });
    }
    if (status !== undefined && status >= 500) {
      return new TransientError(`${what} failed with a server error (${status}): ${message}`, { cause: err, retryAfterMs: retryAfterMsFromHeaders(err.headers) });
    }
    if (status !== undefined && status >= 400) {
      // 400/413/415/422: invalid, oversize, unsupported or too-long audio, a bad parameter. The same bytes fail the same way.
      return new PermanentError(`${what} rejected (${status}): ${message}`, { cause: err });
    }
    return new TransientError(`${what} failed: ${message}`, { cause: err });
  }
  if (err instanceof ContentFilterFinishReasonError) {
    return new PermanentError(`${what} was stopped by OpenAI's content filter`, { cause: err });
  }
  if (err instanceof LengthFinishReasonError) {
    return new TransientError(`${what}: the answer hit the output token limit`, { cause: err });
  }
  // A 200 whose body was cut off or is not JSON: the next attempt usually gets a whole one.
  if (err instanceof SyntaxError) {
    return new TransientError(`${what}: unreadable response from the server (${err.message})`, { cause: err });
  }
  if (err instanceof Error && isNetworkFailure(err)) {
    return new TransientError(`${what}: connection lost while reading the response (${err.message})`, { cause: err });
  }
  // Unknown failures stay retryable: the engine's budget bounds the cost, and a wrongly
  // permanent failure would lose the recording's processing for good.
  const message = err instanceof Error ? err.message : String(err);
  return new TransientError(`${what} failed: ${message}`, { cause: err });
}
