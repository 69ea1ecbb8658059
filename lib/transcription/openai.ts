import fs from "node:fs";
import type OpenAI from "openai";
import { z } from "zod";
import { PermanentError, TransientError } from "@/lib/errors";
import { classifyOpenAIError } from "@/lib/openai/errors";
import { toLanguageCode } from "@/lib/openai/languages";
import { DEFAULT_TRANSCRIPTION_MODEL, type OpenAITranscriptionModel } from "@/lib/openai/models";
import type { ChunkLimits, TranscribeInput, Transcriber, TranscriptionResult, TranscriptSegment } from "@/lib/transcription/types";


export interface OpenAITranscriberOptions {
  client: OpenAI;
  model?: OpenAITranscriptionModel;
  /** ISO-639-1 hint used when the input carries none. */
  language?: string;
  /** Vocabulary hint used when the input carries none. Not sent to gpt-4o-transcribe-diarize, which rejects it. */
  prompt?: string;
}

/** OpenAI's documented per-request duration limit of the gpt-4o models (the other is 25 MB, see MAX_BYTES). */
const OPENAI_GPT4O_MAX_SECONDS = 1400;

/**
 * 1 MB below the 25 MB limit: that limit is on the whole request, and the multipart
 * envelope and the other fields ride along with the file.
 */
const MAX_BYTES = 24 * 1024 * 1024;

/**
 * gpt-4o-* reject audio longer than 1400 s. Chunks are asked for 10 s less, because a chunk
 * cut at N seconds can come out a little longer (the encoder finishes its last frame, the
 * cut lands on the next packet), and one such chunk would fail the whole recording for good.
 * whisper-1 has no documented duration limit, only the 25 MB one, which 16 kHz mono Opus
 * chunks reach only after hours; the same length
 * keeps each request well inside the client timeout and gives the pipeline parallel chunks
 * to work on, and a retry re-sends at most 23 minutes of audio.
 */
const MAX_SECONDS = OPENAI_GPT4O_MAX_SECONDS - 10;
const LIMITS: Record<OpenAITranscriptionModel, ChunkLimits> = {
  "gpt-4o-transcribe": { maxSeconds: MAX_SECONDS, maxBytes: MAX_BYTES },
  "gpt-4o-mini-transcribe": { maxSeconds: MAX_SECONDS, maxBytes: MAX_BYTES },
  "gpt-4o-transcribe-diarize": { maxSeconds: MAX_SECONDS, maxBytes: MAX_BYTES },
  "whisper-1": { maxSeconds: MAX_SECONDS, maxBytes: MAX_BYTES },
};

// Responses are checked rather than cast: OPENAI_BASE_URL may point at a compatible server
// whose answers differ in details (a code instead of a language name, segments missing).
const textResponse = z.object({
  text: z.string(),
  languages: z.array(z.object({ code: z.string() })).optional(),
});
const verboseResponse = z.object({
  text: z.string(),
  language: z.string().nullish(),
  segments: z.array(z.object({ start: z.number(), end: z.number(), text: z.string() })).nullish(),
});
const diarizedResponse = z.object({
  text: z.string(),
  segments: z
    .array(z.object({ start: z.number(), end: z.number(), text: z.string(), speaker: z.string().nullish() }))
    .nullish(),
});

type ResponseFormat = "json" | "verbose_json" | "diarized_json";

interface RequestPlan {
  responseFormat: ResponseFormat;
  timestampGranularities?: Array<"segment">;
  chunkingStrategy?: "auto";
  sendsPrompt: boolean;
}

function planFor(model: OpenAITranscriptionModel): RequestPlan {
  switch (model) {
    case "whisper-1":
      // The only model that returns timestamps.
      return { responseFormat: "verbose_json", timestampGranularities: ["segment"], sendsPrompt: true };
    case "gpt-4o-transcribe-diarize":
      // Without a chunking strategy the API refuses audio over 30 s.
      return { responseFormat: "diarized_json", chunkingStrategy: "auto", sendsPrompt: false };
    case "gpt-4o-transcribe":
    case "gpt-4o-mini-transcribe":
      return { responseFormat: "json", sendsPrompt: true };
  }
}

function cleanSegments(segments: TranscriptSegment[]): TranscriptSegment[] {
  return segments.filter((s) => s.text.length > 0).sort((a, b) => a.start - b.start);
}

function mapResponse(
  format: ResponseFormat,
  body: unknown,
  input: TranscribeInput,
  hintedLanguage: string | undefined,
): TranscriptionResult {
  if (format === "verbose_json") {
    const parsed = verboseResponse.parse(body);
    const text = parsed.text.trim();
    const segments = parsed.segments
      ? cleanSegments(parsed.segments.map((s) => ({ start: s.start, end: s.end, text: s.text.trim() })))
      : wholeSpan(text, input.durationSec);
    return { text, segments, language: hintedLanguage ?? toLanguageCode(parsed.language) };
  }
  if (format === "diarized_json") {
    const parsed = diarizedResponse.parse(body);
    const text = parsed.text.trim();
    const segments = parsed.segments
      ? cleanSegments(
          parsed.segments.map((s) => ({
            start: s.start,
            end: s.end,
            text: s.text.trim(),
            ...(s.speaker ? { speaker: s.speaker } : {}),
          })),
        )
      : wholeSpan(text, input.durationSec);
    return { text, segments, language: hintedLanguage };
  }
  const parsed = textResponse.parse(body);
  const text = parsed.text.trim();
  return { text, segments: wholeSpan(text, input.durationSec), language: hintedLanguage ?? toLanguageCode(parsed.languages?.[0]?.code) };
}

/** gpt-4o(-mini)-transcribe return text only: the best honest timing is the whole chunk. */
function wholeSpan(text: string, durationSec: number): TranscriptSegment[] {
  return text ? [{ start: 0, end: durationSec, text }] : [];
}

export function createOpenAITranscriber(options: OpenAITranscriberOptions): Transcriber {
  const model = options.model ?? DEFAULT_TRANSCRIPTION_MODEL;
  // Config validates the name, but a typo reaching here should fail at start-up, not per chunk.
  if (!Object.hasOwn(LIMITS, model)) throw new Error(`unsupported OpenAI transcription model: ${model}`);
  const limits = LIMITS[model];
  const plan = planFor(model);
  const name = `openai:${model}`;

  return {
    name,
    limits,
    async transcribe(input: TranscribeInput): Promise<TranscriptionResult> {
      let size: number;
      try {
        size = (await fs.promises.stat(input.filePath)).size;
      } catch (err) {
        // The chunk is fetched or cut by the step that calls us; a re-run of that step brings it back.
        throw new TransientError(`audio chunk not readable: ${input.filePath}`, { cause: err });
      }
      if (size > limits.maxBytes) {
        throw new PermanentError(
          `audio chunk is ${(size / 1024 / 1024).toFixed(1)} MB; ${name} accepts at most ${limits.maxBytes / 1024 / 1024} MB per request`,
        );
      }
      if (size === 0) throw new PermanentError("audio chunk is empty");

      const language = input.language ?? options.language;
      const prompt = input.prompt ?? options.prompt;
      let body: unknown;
      try {
        body = await options.client.audio.transcriptions.create(
          {
            file: fs.createReadStream(input.filePath),
            model,
            response_format: plan.responseFormat,
            ...(plan.timestampGranularities ? { timestamp_granularities: plan.timestampGranularities } : {}),
            ...(plan.chunkingStrategy ? { chunking_strategy: plan.chunkingStrategy } : {}),
            ...(language ? { language } : {}),
            ...(prompt && plan.sendsPrompt ? { prompt } : {}),
          },
          { signal: input.signal },
        );
      } catch (err) {
        throw classifyOpenAIError(err, { model, operation: "transcription" });
      }
      try {
        return mapResponse(plan.responseFormat, body, input, language);
      } catch (err) {
        // A 200 with the wrong shape: most likely a proxy or a compatible server's glitch, so worth another go.
        throw new TransientError(`${name} returned an unexpected response: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
    },
  };
}
