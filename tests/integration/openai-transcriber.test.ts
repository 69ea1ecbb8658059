import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PermanentError, TransientError } from "@/lib/errors";
import { createOpenAIClient } from "@/lib/openai/client";
import { classifyOpenAIError } from "@/lib/openai/errors";
import type { OpenAITranscriptionModel } from "@/lib/openai/models";
import { createOpenAITranscriber } from "@/lib/transcription/openai";
import { startFakeOpenAI, type FakeOpenAI } from "@/tests/support/fake-openai";
import { durationOf, makeSilence, makeSpeech, makeTone } from "@/tests/support/fake-openai-audio";
import { failure } from "../support/assertions";

const SENTENCES = ["Hello team, we decided to ship on Friday.", "Anna will write the release notes by Thursday.", "Who owns the budget?"];

let server: FakeOpenAI;
let client: OpenAI;
let dir: string;
let speech: string;
let speechSec: number;

function clientWith(overrides: Partial<Parameters<typeof createOpenAIClient>[0]> = {}): OpenAI {
  return createOpenAIClient({ apiKey: server.apiKey, baseURL: server.baseURL, timeoutMs: 10_000, ...overrides });
}

function transcriber(model: OpenAITranscriptionModel, extra: { language?: string; prompt?: string; client?: OpenAI } = {}) {
  return createOpenAITranscriber({ client: extra.client ?? client, model, language: extra.language, prompt: extra.prompt });
}

beforeAll(async () => {
  server = await startFakeOpenAI();
  client = clientWith();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "openai-transcriber-"));
  speech = await makeSpeech(path.join(dir, "chunk-000.ogg"), SENTENCES);
  speechSec = await durationOf(speech);
});

afterAll(async () => {
  await server?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => server.reset());

describe("OpenAI transcriber: requests and response mapping", () => {
  it("gpt-4o-transcribe by default: json format, language and prompt sent, one segment spanning the chunk", async () => {
    const t = createOpenAITranscriber({ client, language: "en", prompt: "Murmur, Anna" });
    expect(t.name).toBe("openai:gpt-4o-transcribe");
    expect(t.limits.maxBytes).toBeLessThan(25 * 1024 * 1024);
    expect(t.limits.maxSeconds).toBeLessThanOrEqual(1400);

    const result = await t.transcribe({ filePath: speech, durationSec: speechSec });

    const [req] = server.requestsTo("transcriptions");
    expect(server.requests).toHaveLength(1);
    expect(req?.status).toBe(200);
    expect(req?.retryCount).toBe(0);
    expect(req?.fields).toEqual({ model: "gpt-4o-transcribe", response_format: "json", language: "en", prompt: "Murmur, Anna" });
    expect(req?.file?.name).toBe("chunk-000.ogg");
    expect(req?.file?.size).toBe((await fs.stat(speech)).size);

    expect(result.language).toBe("en");
    expect(result.segments).toHaveLength(1);
    expect(result.segments[0]).toMatchObject({ start: 0, end: speechSec });
    expect(result.segments[0]?.text).toBe(result.text);
    // The default stand-in found the three sentences between the pauses.
    expect(result.text.match(/Speech from/g)).toHaveLength(3);
  });

  it("the input's language and prompt win over the configured ones", async () => {
    await transcriber("gpt-4o-mini-transcribe", { language: "en", prompt: "configured" }).transcribe({
      filePath: speech,
      durationSec: speechSec,
      language: "de",
      prompt: "per chunk",
    });
    expect(server.requests[0]?.fields).toMatchObject({ model: "gpt-4o-mini-transcribe", response_format: "json", language: "de", prompt: "per chunk" });
  });

  it("sends neither language nor prompt when none is given", async () => {
    const result = await transcriber("gpt-4o-mini-transcribe").transcribe({ filePath: speech, durationSec: speechSec });
    expect(server.requests[0]?.fields).toEqual({ model: "gpt-4o-mini-transcribe", response_format: "json" });
    expect(result.language).toBeUndefined();
  });

  it("whisper-1: verbose_json with segment timestamps gives real segments and maps the language name to a code", async () => {
    const result = await transcriber("whisper-1").transcribe({ filePath: speech, durationSec: speechSec });

    expect(server.requests[0]?.fields).toEqual({
      model: "whisper-1",
      response_format: "verbose_json",
      "timestamp_granularities[]": ["segment"],
    });
    // The fake answers "english", as whisper-1 does.
    expect(result.language).toBe("en");
    expect(result.segments).toHaveLength(3);
    const [a, b, c] = result.segments;
    expect(a?.start).toBeLessThan(0.3);
    // Each sentence ends before the 1.2 s pause and the next starts after it.
    expect((b?.start ?? 0) - (a?.end ?? 0)).toBeGreaterThan(0.8);
    expect((c?.start ?? 0) - (b?.end ?? 0)).toBeGreaterThan(0.8);
    expect(c?.end).toBeLessThanOrEqual(speechSec + 0.01);
    expect(result.segments.every((s) => s.text === s.text.trim() && s.speaker === undefined)).toBe(true);
    expect(result.text).toBe(result.segments.map((s) => s.text).join(" "));
  });

  it("gpt-4o-transcribe-diarize: diarized_json with chunking_strategy auto, no prompt, speakers on segments", async () => {
    const result = await transcriber("gpt-4o-transcribe-diarize", { prompt: "ignored here", language: "en" }).transcribe({
      filePath: speech,
      durationSec: speechSec,
    });
    expect(server.requests[0]?.fields).toEqual({
      model: "gpt-4o-transcribe-diarize",
      response_format: "diarized_json",
      chunking_strategy: "auto",
      language: "en",
    });
    expect(server.requests[0]?.status).toBe(200);
    expect(result.segments.map((s) => s.speaker)).toEqual(["A", "B", "A"]);
    expect(result.segments[1]?.start).toBeGreaterThan(1);
  });

  it("diarize over 30 s: the server requires the chunking strategy the transcriber always sends", async () => {
    const long = await makeTone(path.join(dir, "tone-40.ogg"), 40);
    const raw = await failure(
      client.audio.transcriptions.create({ file: createReadStream(long), model: "gpt-4o-transcribe-diarize", response_format: "diarized_json" }),
    );
    expect(classifyOpenAIError(raw, { model: "gpt-4o-transcribe-diarize", operation: "transcription" })).toBeInstanceOf(PermanentError);

    const result = await transcriber("gpt-4o-transcribe-diarize").transcribe({ filePath: long, durationSec: 40 });
    expect(result.segments.length).toBeGreaterThan(1);
    expect(result.segments.at(-1)?.end).toBeCloseTo(40, 0);
  });

  it("maps a realistic transcript from a stand-in model that knows what was said", async () => {
    const knowing = await startFakeOpenAI({
      transcribe: (audio) => ({ segments: audio.speech.map((s, i) => ({ ...s, text: ` ${SENTENCES[i] ?? ""}` })), language: "en" }),
    });
    try {
      const c = createOpenAIClient({ apiKey: knowing.apiKey, baseURL: knowing.baseURL, timeoutMs: 10_000 });
      const result = await createOpenAITranscriber({ client: c, model: "whisper-1" }).transcribe({ filePath: speech, durationSec: speechSec });
      expect(result.segments.map((s) => s.text)).toEqual(SENTENCES);
      expect(result.text).toBe(SENTENCES.join(" "));
    } finally {
      await knowing.stop();
    }
  });

  it("silence gives an empty transcript, not an empty segment", async () => {
    const quiet = await makeSilence(path.join(dir, "quiet.flac"), 5);
    const json = await transcriber("gpt-4o-transcribe").transcribe({ filePath: quiet, durationSec: 5 });
    expect(json).toEqual({ text: "", segments: [], language: undefined });
    const verbose = await transcriber("whisper-1").transcribe({ filePath: quiet, durationSec: 5 });
    expect(verbose.segments).toEqual([]);
  });
});

describe("OpenAI transcriber: limits", () => {
  it("rejects a chunk over the byte limit before uploading anything", async () => {
    const big = path.join(dir, "big.ogg");
    await fs.writeFile(big, Buffer.alloc(24 * 1024 * 1024 + 1));
    const err = await failure(transcriber("whisper-1").transcribe({ filePath: big, durationSec: 60 }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/24 MB/);
    expect(server.requests).toHaveLength(0);
  });

  it("the server's 25 MB limit (413) is permanent", async () => {
    const huge = path.join(dir, "huge.ogg");
    await fs.writeFile(huge, Buffer.alloc(25 * 1024 * 1024 + 10));
    const raw = await failure(client.audio.transcriptions.create({ file: createReadStream(huge), model: "whisper-1" }));
    const err = classifyOpenAIError(raw, { model: "whisper-1", operation: "transcription" });
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/413.*Maximum content size limit \(26214400\) exceeded/);
    expect(server.requests[0]?.status).toBe(413);
  });

  it("audio over 1400 s: gpt-4o-transcribe's answer is a PermanentError with the server's reason; whisper-1 takes it", async () => {
    const long = await makeSilence(path.join(dir, "long.flac"), 1500);
    // The chunker's estimate was wrong: the provider is the authority, and it says no.
    const err = await failure(transcriber("gpt-4o-transcribe").transcribe({ filePath: long, durationSec: 1300 }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/longer than 1400 seconds/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.status).toBe(400);

    const ok = await transcriber("whisper-1").transcribe({ filePath: long, durationSec: 1500 });
    expect(ok.segments).toEqual([]);
  });

  it("audio the server cannot decode is permanent, with the server's message", async () => {
    const junk = path.join(dir, "junk.ogg");
    await fs.writeFile(junk, "this is not audio at all");
    const err = await failure(transcriber("gpt-4o-transcribe").transcribe({ filePath: junk, durationSec: 3 }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/corrupted or unsupported/);
  });

  it("an unknown model is permanent and names the model", async () => {
    const raw = await failure(client.audio.transcriptions.create({ file: createReadStream(speech), model: "gpt-9-transcribe" }));
    const err = classifyOpenAIError(raw, { model: "gpt-9-transcribe", operation: "transcription" });
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.message).toMatch(/^model gpt-9-transcribe not available/);
    expect(() => createOpenAITranscriber({ client, model: "gpt-9-transcribe" as OpenAITranscriptionModel })).toThrow(/unsupported/);
  });
});

describe("OpenAI transcriber: faults", () => {
  it("429 with Retry-After → TransientError carrying retryAfterMs, and the SDK did not retry by itself", async () => {
    server.fault("transcriptions", { kind: "rate-limit", retryAfterSec: 7 });
    const err = await failure(transcriber("gpt-4o-transcribe").transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(7000);
    expect((err as Error).message).toMatch(/rate-limited/);
    expect(server.requests).toHaveLength(1);

    // The engine's retry: the next attempt goes through.
    const ok = await transcriber("gpt-4o-transcribe").transcribe({ filePath: speech, durationSec: speechSec });
    expect(ok.text).not.toBe("");
    expect(server.requests).toHaveLength(2);
  });

  it("retry-after-ms is preferred over retry-after", async () => {
    server.fault("transcriptions", { kind: "rate-limit", retryAfterSec: 2, retryAfterMs: 1500 });
    const err = await failure(transcriber("whisper-1").transcribe({ filePath: speech, durationSec: speechSec }));
    expect((err as TransientError).retryAfterMs).toBe(1500);
  });

  it("429 insufficient_quota is permanent: waiting does not refill a balance", async () => {
    server.fault("transcriptions", { kind: "rate-limit", code: "insufficient_quota" });
    const err = await failure(transcriber("whisper-1").transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/quota exhausted/);
  });

  it("500 → TransientError without retryAfterMs, one request only", async () => {
    server.fault("transcriptions", { kind: "server-error" });
    const err = await failure(transcriber("gpt-4o-transcribe").transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBeUndefined();
    expect((err as Error).message).toMatch(/server error \(500\)/);
    expect(server.requests).toHaveLength(1);
  });

  it("503 with Retry-After keeps the hint", async () => {
    server.fault("transcriptions", { kind: "status", status: 503, body: { error: { message: "Overloaded", type: "server_error", param: null, code: null } }, headers: { "retry-after": "3" } });
    const err = await failure(transcriber("gpt-4o-transcribe").transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).retryAfterMs).toBe(3000);
  });

  it("a slow answer past the client timeout → TransientError (timeout)", async () => {
    server.fault("transcriptions", { kind: "slow", delayMs: 3_000 });
    const started = Date.now();
    const err = await failure(transcriber("gpt-4o-transcribe", { client: clientWith({ timeoutMs: 400 }) }).transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(server.requests).toHaveLength(1);
  });

  it("a body cut off halfway → TransientError", async () => {
    server.fault("transcriptions", { kind: "cut-off" });
    const err = await failure(transcriber("whisper-1").transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/connection lost while reading the response/);
    expect(server.requests).toHaveLength(1);
  });

  it("a wrong API key → PermanentError that says to check OPENAI_API_KEY", async () => {
    const err = await failure(transcriber("gpt-4o-transcribe", { client: clientWith({ apiKey: "sk-wrong" }) }).transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/OPENAI_API_KEY/);
    expect(server.requests[0]).toMatchObject({ authorized: false, status: 401 });
  });

  it("a 401 injected on a good key is permanent too", async () => {
    server.fault("transcriptions", { kind: "unauthorized" });
    const err = await failure(transcriber("whisper-1").transcribe({ filePath: speech, durationSec: speechSec }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toBe("OpenAI rejected the API key (check OPENAI_API_KEY)");
  });

  it("no server listening → TransientError (connection)", async () => {
    const err = await failure(
      transcriber("whisper-1", { client: clientWith({ baseURL: "http://127.0.0.1:9/v1" }) }).transcribe({ filePath: speech, durationSec: speechSec }),
    );
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/could not reach/);
  });
});
