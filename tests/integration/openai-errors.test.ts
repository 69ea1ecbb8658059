import { APIError, APIUserAbortError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAIAnalyzer } from "@/lib/analysis/openai";
import { PermanentError, TransientError } from "@/lib/errors";
import { createOpenAIClient } from "@/lib/openai/client";
import { classifyOpenAIError, retryAfterMsFromHeaders } from "@/lib/openai/errors";
import { startFakeOpenAI, type FakeOpenAI } from "@/tests/support/fake-openai";

const ctx = { model: "whisper-1", operation: "transcription" };

function apiError(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): APIError {
  return APIError.generate(status, { error }, undefined, new Headers(headers));
}

describe("retryAfterMsFromHeaders", () => {
  it("reads retry-after-ms, seconds, and HTTP dates", () => {
    expect(retryAfterMsFromHeaders(new Headers({ "retry-after-ms": "250.5" }))).toBe(251);
    expect(retryAfterMsFromHeaders(new Headers({ "retry-after": "1.5" }))).toBe(1500);
    const now = Date.parse("2026-11-01T10:00:00Z");
    expect(retryAfterMsFromHeaders(new Headers({ "retry-after": "Sun, 01 Nov 2026 10:00:30 GMT" }), now)).toBe(30_000);
    expect(retryAfterMsFromHeaders(new Headers({ "retry-after": "Sun, 01 Nov 2026 09:00:00 GMT" }), now)).toBe(0);
    expect(retryAfterMsFromHeaders(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMsFromHeaders(new Headers())).toBeUndefined();
  });
});

describe("classifyOpenAIError", () => {
  it.each([
    [400, "Invalid file format. Supported formats: ['flac', 'ogg']"],
    [413, "Maximum content size limit (26214400) exceeded"],
    [415, "Unsupported media type"],
    [422, "Audio too long"],
  ])("%i is permanent and keeps the server's message", (status, message) => {
    const err = classifyOpenAIError(apiError(status, { message, type: "invalid_request_error" }), ctx);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toContain(message);
  });

  it("403 is the key's fault too", () => {
    expect(classifyOpenAIError(apiError(403, { message: "Forbidden" }), ctx).message).toBe("OpenAI rejected the API key (check OPENAI_API_KEY)");
  });

  it("a 404 that is not about a model points at OPENAI_BASE_URL", () => {
    const err = classifyOpenAIError(apiError(404, { message: "Not Found" }), ctx);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/OPENAI_BASE_URL/);
  });

  it("408, 409 and 5xx are transient", () => {
    for (const status of [408, 409, 500, 502, 503, 504]) {
      expect(classifyOpenAIError(apiError(status, { message: "x" }), ctx)).toBeInstanceOf(TransientError);
    }
  });

  it("a body that is not JSON is transient", () => {
    expect(classifyOpenAIError(new SyntaxError("Unexpected end of JSON input"), ctx)).toBeInstanceOf(TransientError);
  });

  it("domain errors pass through untouched", () => {
    const p = new PermanentError("already decided");
    expect(classifyOpenAIError(p, ctx)).toBe(p);
  });
});

describe("cancellation", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("the caller's abort is passed through as an abort, not turned into a retry or a failure", async () => {
    server.fault("chat", { kind: "slow", delayMs: 3_000 });
    const client = createOpenAIClient({ apiKey: server.apiKey, baseURL: server.baseURL, timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await createOpenAIAnalyzer({ client, model: "gpt-4o-mini" })
      .analyze({ segments: [{ start: 0, end: 1, text: "Hello there." }], text: "Hello there.", durationSec: 1, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIUserAbortError);
  });
});
