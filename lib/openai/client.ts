import OpenAI from "openai";

export interface OpenAIClientOptions {
  apiKey: string;
  /** An OpenAI-compatible server (self-hosted Whisper, another vendor); the public API when absent. */
  baseURL?: string;
  /** Per request, covering both the wait for headers and reading the body. */
  timeoutMs: number;
  /** Default 0: see below. */
  maxRetries?: number;
}

const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

/**
 * Retries belong to the durable steps, not to the SDK: each chunk is its own step with its
 * own retry budget and back-off, and a Retry-After is carried to the engine through
 * TransientError.retryAfterMs (lib/openai/errors.ts). SDK retries inside one step attempt
 * would multiply that budget and could hold a serverless function for minutes.
 *
 * Node's built-in fetch gives up waiting for response headers after 300 s whatever the
 * SDK timeout says, so timeoutMs above 300 000 needs a custom undici dispatcher.
 */
export function createOpenAIClient(options: OpenAIClientOptions): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    // Explicit so that the SDK does not silently fall back to process.env: config() is the only reader of the environment.
    baseURL: options.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries ?? 0,
  });
}
