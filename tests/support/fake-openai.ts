import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";

/**
 * An OpenAI-compatible HTTP server for tests. It checks what the real API checks (key,
 * multipart fields, model names, the 25 MB and 1400 s limits, response formats, strict JSON
 * schemas), answers in the real API's shapes, and injects faults on demand, so the real
 * `openai` client can be exercised over real HTTP without the internet.
 */

const run = promisify(execFile);

export const FAKE_MAX_BODY_BYTES = 25 * 1024 * 1024;
export const FAKE_GPT4O_MAX_SECONDS = 1400;
const DIARIZE_UNCHUNKED_MAX_SECONDS = 30;

export const TRANSCRIPTION_MODELS = ["gpt-4o-transcribe", "gpt-4o-mini-transcribe", "whisper-1", "gpt-4o-transcribe-diarize"] as const;
export const DEFAULT_CHAT_MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano"];

const RESPONSE_FORMATS: Record<(typeof TRANSCRIPTION_MODELS)[number], string[]> = {
  "gpt-4o-transcribe": ["json", "text"],
  "gpt-4o-mini-transcribe": ["json", "text"],
  "gpt-4o-transcribe-diarize": ["json", "text", "diarized_json"],
  "whisper-1": ["json", "text", "srt", "verbose_json", "vtt"],
};
const AUDIO_EXTENSIONS = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"];

export type Route = "transcriptions" | "chat";

export type Fault =
  /** 429; `code: "insufficient_quota"` is OpenAI's "no money left" variant. */
  | { kind: "rate-limit"; retryAfterSec?: number; retryAfterMs?: number; code?: "rate_limit_exceeded" | "insufficient_quota" }
  | { kind: "server-error"; status?: number }
  /** Waits this long before answering normally; longer than the client timeout means a timeout. */
  | { kind: "slow"; delayMs: number }
  /** A 200 whose body stops halfway: headers promise the whole length, then the socket is destroyed. */
  | { kind: "cut-off" }
  | { kind: "unauthorized" }
  | { kind: "status"; status: number; body: unknown; headers?: Record<string, string> }
  /** Chat only: a 200 completion whose message content is exactly this string. */
  | { kind: "content"; content: string }
  /** Chat only: a 200 completion with a refusal instead of content. */
  | { kind: "refusal"; refusal?: string };

export interface SpeechSpan {
  start: number;
  end: number;
}

export interface AudioInfo {
  fileName: string;
  sizeBytes: number;
  durationSec: number;
  formatName: string;
  codec: string;
  sampleRate: number;
  channels: number;
  /** Stretches between silences (ffmpeg silencedetect), in order. */
  speech: SpeechSpan[];
}

export interface TranscriptionFields {
  model: string;
  responseFormat: string;
  language?: string;
  prompt?: string;
  timestampGranularities: string[];
  chunkingStrategy?: string;
}

export interface FakeSegment {
  start: number;
  end: number;
  text: string;
  speaker?: string;
}

export interface FakeTranscript {
  segments: FakeSegment[];
  /** ISO-639-1; the request's language or "en" by default. */
  language?: string;
}

export interface RecordedFile {
  name: string;
  type: string;
  size: number;
}

export interface RecordedRequest {
  route: Route | "other";
  method: string;
  path: string;
  authorized: boolean;
  bodyBytes: number;
  /** x-stainless-retry-count: shows whether the SDK retried on its own. */
  retryCount: number;
  model?: string;
  /** Multipart text fields as sent (repeated keys such as `timestamp_granularities[]` become arrays). */
  fields: Record<string, string | string[]>;
  file?: RecordedFile;
  /** Chat completions: the parsed JSON body. */
  json?: ChatRequest;
  status?: number;
  fault?: Fault["kind"];
}

const chatRequestSchema = z.object({
  model: z.string(),
  messages: z
    .array(z.object({ role: z.string(), content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() })), z.null()]) }))
    .min(1),
  response_format: z
    .union([
      z.object({ type: z.literal("text") }),
      z.object({ type: z.literal("json_object") }),
      z.object({
        type: z.literal("json_schema"),
        json_schema: z.object({ name: z.string(), strict: z.boolean().nullish(), schema: z.record(z.string(), z.unknown()).optional() }),
      }),
    ])
    .optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface FakeOpenAIOptions {
  apiKey?: string;
  chatModels?: string[];
  /** Stand-in for the speech model; the default derives segments from the audio's real silences. */
  transcribe?: (audio: AudioInfo, fields: TranscriptionFields) => FakeTranscript | Promise<FakeTranscript>;
  /** Stand-in for the chat model: the message content. The default fills the requested JSON schema from the messages. */
  respond?: (request: ChatRequest) => string | Promise<string>;
}

export interface FakeOpenAI {
  readonly baseURL: string;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  /** Queues faults for the next requests to a route, first in first out. */
  fault(route: Route, ...faults: Fault[]): void;
  /** Requests that reached a route (after the body was read). */
  requestsTo(route: Route): RecordedRequest[];
  reset(): void;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// OpenAI-shaped errors

interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function apiError(message: string, type = "invalid_request_error", param: string | null = null, code: string | null = null): ApiErrorBody {
  return { error: { message, type, param, code } };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.error.message);
  }
}

function invalid(message: string, param: string | null = null, code: string | null = null): HttpError {
  return new HttpError(400, apiError(message, "invalid_request_error", param, code));
}

function modelNotFound(model: string): HttpError {
  return new HttpError(404, apiError(`The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", null, "model_not_found"));
}

// ---------------------------------------------------------------------------------------------
// Audio

async function probe(filePath: string, fileName: string, sizeBytes: number): Promise<Omit<AudioInfo, "speech">> {
  let stdout: string;
  try {
    ({ stdout } = await run("ffprobe", ["-v", "error", "-show_format", "-show_streams", "-of", "json", filePath]));
  } catch {
    throw invalid("Audio file might be corrupted or unsupported", "file", "invalid_value");
  }
  const info = z
    .object({
      format: z.object({ format_name: z.string(), duration: z.string().optional() }),
      streams: z.array(z.object({ codec_type: z.string(), codec_name: z.string().optional(), sample_rate: z.string().optional(), channels: z.number().optional() })),
    })
    .parse(JSON.parse(stdout));
  const audio = info.streams.find((s) => s.codec_type === "audio");
  const durationSec = Number(info.format.duration);
  if (!audio || !Number.isFinite(durationSec)) throw invalid("Audio file might be corrupted or unsupported", "file", "invalid_value");
  return {
    fileName,
    sizeBytes,
    durationSec,
    formatName: info.format.format_name,
    codec: audio.codec_name ?? "unknown",
    sampleRate: Number(audio.sample_rate ?? 0),
    channels: audio.channels ?? 0,
  };
}

async function detectSpeech(filePath: string, durationSec: number): Promise<SpeechSpan[]> {
  const { stderr } = await run("ffmpeg", ["-hide_banner", "-nostats", "-i", filePath, "-af", "silencedetect=noise=-35dB:d=0.35", "-f", "null", "-"], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const silences: SpeechSpan[] = [];
  let open: number | undefined;
  for (const line of stderr.split("\n")) {
    const s = /silence_start: (-?[\d.]+)/.exec(line);
    if (s?.[1]) open = Math.max(0, Number(s[1]));
    const e = /silence_end: ([\d.]+)/.exec(line);
    if (e?.[1] && open !== undefined) {
      silences.push({ start: open, end: Number(e[1]) });
      open = undefined;
    }
  }
  if (open !== undefined) silences.push({ start: open, end: durationSec });
  const speech: SpeechSpan[] = [];
  let cursor = 0;
  for (const silence of silences) {
    if (silence.start - cursor > 0.1) speech.push({ start: cursor, end: silence.start });
    cursor = silence.end;
  }
  if (durationSec - cursor > 0.1) speech.push({ start: cursor, end: durationSec });
  return speech.map((s) => ({ start: round(s.start), end: round(s.end) }));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Deterministic stand-in text; Whisper-style, long stretches come back as segments of at most 30 s. */
function defaultTranscript(audio: AudioInfo, fields: TranscriptionFields): FakeTranscript {
  const segments: FakeSegment[] = [];
  for (const span of audio.speech) {
    for (let start = span.start; start < span.end - 0.05; start += 30) {
      const end = Math.min(span.end, start + 30);
      segments.push({ start: round(start), end: round(end), text: `Speech from ${start.toFixed(1)} to ${end.toFixed(1)} seconds.` });
    }
  }
  if (fields.model === "gpt-4o-transcribe-diarize") {
    segments.forEach((s, i) => (s.speaker = i % 2 === 0 ? "A" : "B"));
  }
  return { segments, language: fields.language ?? "en" };
}

const LANGUAGE_NAMES: Record<string, string> = {
  en: "english", de: "german", fr: "french", es: "spanish", it: "italian", pt: "portuguese", nl: "dutch",
  pl: "polish", ru: "russian", uk: "ukrainian", ja: "japanese", zh: "chinese", ko: "korean", sv: "swedish",
};

function srtTime(sec: number, sep: "," | "."): string {
  const ms = Math.round(sec * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(ms / 3_600_000))}:${two(Math.floor(ms / 60_000) % 60)}:${two(Math.floor(ms / 1000) % 60)}${sep}${String(ms % 1000).padStart(3, "0")}`;
}

interface Reply {
  status: number;
  body: string;
  contentType: string;
}

function json(body: unknown, status = 200): Reply {
  return { status, body: JSON.stringify(body), contentType: "application/json" };
}

function transcriptionReply(audio: AudioInfo, fields: TranscriptionFields, transcript: FakeTranscript): Reply {
  const segments = transcript.segments;
  const text = segments.map((s) => s.text.trim()).join(" ");
  const language = transcript.language ?? "en";
  const seconds = Math.ceil(audio.durationSec);
  const whisper = fields.model === "whisper-1";
  const usage = whisper
    ? { type: "duration", seconds }
    : { type: "tokens", input_tokens: seconds * 10, output_tokens: Math.ceil(text.length / 4), total_tokens: seconds * 10 + Math.ceil(text.length / 4), input_token_details: { audio_tokens: seconds * 10, text_tokens: 0 } };
  switch (fields.responseFormat) {
    case "text":
      return { status: 200, body: `${text}\n`, contentType: "text/plain; charset=utf-8" };
    case "srt":
      return { status: 200, body: segments.map((s, i) => `${i + 1}\n${srtTime(s.start, ",")} --> ${srtTime(s.end, ",")}\n${s.text.trim()}\n`).join("\n"), contentType: "text/plain; charset=utf-8" };
    case "vtt":
      return { status: 200, body: `WEBVTT\n\n${segments.map((s) => `${srtTime(s.start, ".")} --> ${srtTime(s.end, ".")}\n${s.text.trim()}\n`).join("\n")}`, contentType: "text/vtt; charset=utf-8" };
    case "verbose_json":
      return json({
        task: "transcribe",
        language: LANGUAGE_NAMES[language] ?? language,
        duration: round(audio.durationSec),
        text,
        segments: segments.map((s, i) => ({
          id: i,
          seek: Math.floor(s.start * 100),
          start: s.start,
          end: s.end,
          text: ` ${s.text.trim()}`,
          tokens: [50364, 50414],
          temperature: 0,
          avg_logprob: -0.21,
          compression_ratio: 1.3,
          no_speech_prob: 0.01,
        })),
        usage: { type: "duration", seconds },
      });
    case "diarized_json":
      return json({
        task: "transcribe",
        duration: round(audio.durationSec),
        text,
        segments: segments.map((s, i) => ({ type: "transcript.text.segment", id: `seg_${i}`, start: s.start, end: s.end, text: s.text.trim(), speaker: s.speaker ?? "A" })),
        usage,
      });
    default:
      return json({ text, usage });
  }
}

// ---------------------------------------------------------------------------------------------
// Structured outputs

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
}

function resolveRef(root: JsonSchema, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(schema.$ref);
  const target = m?.[1] && m[2] ? (m[1] === "$defs" ? root.$defs : root.definitions)?.[m[2]] : schema.$ref === "#" ? root : undefined;
  if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
  return target;
}

function types(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** OpenAI's strict-mode rules: every object closed and listing all its properties as required. */
function strictSchemaProblem(root: JsonSchema, schema: JsonSchema, at: string, depth = 0): string | undefined {
  if (depth > 20) return undefined;
  const s = resolveRef(root, schema);
  if (s.anyOf) {
    for (const [i, branch] of s.anyOf.entries()) {
      const problem = strictSchemaProblem(root, branch, `${at}, 'anyOf', ${i}`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (types(s).includes("object")) {
    const keys = Object.keys(s.properties ?? {});
    if (s.additionalProperties !== false) return `In context=(${at}), 'additionalProperties' is required to be supplied and to be false.`;
    const missing = keys.filter((k) => !(s.required ?? []).includes(k));
    if (missing.length) return `In context=(${at}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    for (const key of keys) {
      const problem = strictSchemaProblem(root, s.properties?.[key] ?? {}, `${at}${at ? ", " : ""}'properties', '${key}'`, depth + 1);
      if (problem) return problem;
    }
  }
  if (types(s).includes("array") && s.items) return strictSchemaProblem(root, s.items, `${at}${at ? ", " : ""}'items'`, depth + 1);
  return undefined;
}

/** The transcript-ish text of a request: user messages without timestamps and speaker labels. */
function sentencesOf(request: ChatRequest): string[] {
  const text = request.messages
    .filter((m) => m.role === "user")
    .map((m) => (typeof m.content === "string" ? m.content : Array.isArray(m.content) ? m.content.map((c) => c.text ?? "").join(" ") : ""))
    .join("\n")
    // Headings such as "Transcript:" introduce the text, they are not part of it.
    .replace(/^[^\n]{0,60}:[ \t]*$/gm, "")
    .replace(/^\[[\d:]+\](\s+[^:\s]{1,20}:)?/gm, "")
    .replace(/\s+/g, " ");
  // A split, not a match: matching sentences backtracks quadratically on long unpunctuated text.
  return text.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter(Boolean);
}

function systemText(request: ChatRequest): string {
  return request.messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => (typeof m.content === "string" ? m.content : ""))
    .join("\n");
}

/** Deterministic stand-in answers that fit the schema, derived from the messages. */
function fill(root: JsonSchema, schema: JsonSchema, request: ChatRequest, name: string, depth = 0): unknown {
  const s = resolveRef(root, schema);
  const sentences = sentencesOf(request);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum.includes("neutral") ? "neutral" : s.enum[0];
  if (s.anyOf?.length) {
    const nonNull = s.anyOf.find((b) => !types(resolveRef(root, b)).includes("null") || types(resolveRef(root, b)).length > 1);
    return fill(root, nonNull ?? s.anyOf[0] ?? {}, request, name, depth + 1);
  }
  const t = types(s);
  if (t.includes("null") && /^(who|when)$/.test(name)) return null;
  if (t.includes("object")) {
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([key, sub]) => [key, fill(root, sub, request, key, depth + 1)]));
  }
  if (t.includes("array")) {
    if (depth > 6) return [];
    const pick =
      name === "questions" ? sentences.filter((x) => x.endsWith("?")) : name === "decisions" ? sentences.filter((x) => /\b(decided|agreed)\b/i.test(x)) : sentences;
    return pick.slice(0, 3).map((sentence) => {
      const item = resolveRef(root, s.items ?? {});
      if (types(item).includes("object")) {
        const filled = fill(root, item, request, name, depth + 1);
        if (filled && typeof filled === "object" && "what" in filled) return { ...filled, what: sentence };
        return filled;
      }
      return types(item).includes("string") ? sentence : fill(root, item, request, name, depth + 1);
    });
  }
  if (t.includes("string")) {
    if (name === "language") return /language is "([a-z]{2,3})"/i.exec(systemText(request))?.[1] ?? "en";
    if (name === "summary") return sentences.slice(0, 2).join(" ");
    return sentences[0] ?? "";
  }
  if (t.includes("number") || t.includes("integer")) return 0;
  if (t.includes("boolean")) return false;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Server

async function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; size: number; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    // Past the limit the body is drained, not kept, so the client still sees the 413 answer.
    if (size > limit) truncated = true;
    else chunks.push(buf);
  }
  return { body: Buffer.concat(chunks), size, truncated };
}

function fieldsOf(form: FormData): { fields: Record<string, string | string[]>; file?: File } {
  const fields: Record<string, string | string[]> = {};
  let file: File | undefined;
  for (const [key, value] of form.entries()) {
    if (typeof value !== "string") {
      if (key === "file") file = value;
      continue;
    }
    const prior = fields[key];
    if (prior === undefined) fields[key] = key.endsWith("[]") ? [value] : value;
    else fields[key] = Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return file ? { fields, file } : { fields };
}

function one(fields: Record<string, string | string[]>, key: string): string | undefined {
  const v = fields[key];
  return Array.isArray(v) ? v[0] : v;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? "sk-test-fake-openai";
  const chatModels = options.chatModels ?? DEFAULT_CHAT_MODELS;
  const requests: RecordedRequest[] = [];
  const faults: Record<Route, Fault[]> = { transcriptions: [], chat: [] };
  const timers = new Set<NodeJS.Timeout>();
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), "fake-openai-"));

  function send(res: http.ServerResponse, record: RecordedRequest, reply: Reply, headers: Record<string, string> = {}): void {
    record.status = reply.status;
    if (res.destroyed) return;
    res.writeHead(reply.status, {
      "content-type": reply.contentType,
      "content-length": Buffer.byteLength(reply.body),
      "x-request-id": `req_${randomUUID().replace(/-/g, "")}`,
      ...headers,
    });
    res.end(reply.body);
  }

  function sendError(res: http.ServerResponse, record: RecordedRequest, err: HttpError): void {
    send(res, record, json(err.body, err.status));
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  /** Applies a fault; returns true when the request has been answered by it. */
  async function applyFault(fault: Fault, res: http.ServerResponse, record: RecordedRequest, answer: () => Promise<Reply>): Promise<boolean> {
    record.fault = fault.kind;
    switch (fault.kind) {
      case "rate-limit": {
        const quota = fault.code === "insufficient_quota";
        const headers: Record<string, string> = {};
        if (fault.retryAfterSec !== undefined) headers["retry-after"] = String(fault.retryAfterSec);
        if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
        const body = quota
          ? apiError("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", null, "insufficient_quota")
          : apiError(
              `Rate limit reached in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${fault.retryAfterSec ?? 1}s.`,
              "requests",
              null,
              "rate_limit_exceeded",
            );
        send(res, record, json(body, 429), { ...headers, "x-ratelimit-limit-requests": "3", "x-ratelimit-remaining-requests": "0" });
        return true;
      }
      case "server-error":
        send(res, record, json(apiError("The server had an error while processing your request. Sorry about that!", "server_error"), fault.status ?? 500));
        return true;
      case "unauthorized":
        send(res, record, json(apiError("Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key"), 401));
        return true;
      case "status":
        send(res, record, json(fault.body, fault.status), fault.headers);
        return true;
      case "slow":
        await sleep(fault.delayMs);
        return false;
      case "cut-off": {
        const reply = await answer();
        record.status = reply.status;
        if (res.destroyed) return true;
        const full = Buffer.from(reply.body);
        res.writeHead(reply.status, { "content-type": reply.contentType, "content-length": full.length });
        res.write(full.subarray(0, Math.max(1, Math.floor(full.length / 2))));
        // Let the first half reach the client before the connection dies.
        await sleep(20);
        res.socket?.destroy();
        return true;
      }
      case "content":
      case "refusal":
        // Handled by the chat route, which knows the request's shape.
        return false;
    }
  }

  async function transcription(body: Buffer, contentType: string, record: RecordedRequest): Promise<{ reply: () => Promise<Reply> }> {
    let form: FormData;
    try {
      form = await new Request("http://fake.local/", { method: "POST", headers: { "content-type": contentType }, body: new Uint8Array(body) }).formData();
    } catch {
      throw invalid("Could not parse multipart form", null, null);
    }
    const { fields, file } = fieldsOf(form);
    record.fields = fields;
    if (file) record.file = { name: file.name, type: file.type, size: file.size };
    const model = one(fields, "model");
    record.model = model;
    if (!model) throw invalid("you must provide a model parameter", "model");
    if (!(TRANSCRIPTION_MODELS as readonly string[]).includes(model)) throw modelNotFound(model);
    const known = model as (typeof TRANSCRIPTION_MODELS)[number];
    if (!file) throw invalid("Missing required parameter: 'file'.", "file", "missing_required_parameter");
    const ext = path.extname(file.name).slice(1).toLowerCase();
    if (!AUDIO_EXTENSIONS.includes(ext)) {
      throw invalid(`Invalid file format. Supported formats: ${JSON.stringify(AUDIO_EXTENSIONS).replace(/"/g, "'").replace(/,/g, ", ")}`, "file", "invalid_value");
    }
    const responseFormat = one(fields, "response_format") ?? "json";
    if (!RESPONSE_FORMATS[known].includes(responseFormat)) {
      throw invalid(`response_format '${responseFormat}' is not compatible with model '${model}'. Use ${RESPONSE_FORMATS[known].map((f) => `'${f}'`).join(" or ")}.`, "response_format", "unsupported_value");
    }
    const granularities = fields["timestamp_granularities[]"];
    const timestampGranularities = granularities === undefined ? [] : Array.isArray(granularities) ? granularities : [granularities];
    if (timestampGranularities.length && responseFormat !== "verbose_json") {
      throw invalid("timestamp_granularities requires response_format=verbose_json", "timestamp_granularities", "invalid_value");
    }
    const prompt = one(fields, "prompt");
    if (prompt !== undefined && known === "gpt-4o-transcribe-diarize") throw invalid("Prompt is not supported for this model.", "prompt", "unsupported_parameter");
    const language = one(fields, "language");
    if (language !== undefined && !/^[a-z]{2}$/.test(language)) {
      throw invalid(`Invalid language '${language}'. Language parameter must be specified in ISO-639-1 format.`, "language", "invalid_value");
    }
    const chunkingStrategy = one(fields, "chunking_strategy");

    const filePath = path.join(workDir, `${randomUUID()}.${ext}`);
    await fs.writeFile(filePath, Buffer.from(await file.arrayBuffer()));
    try {
      const info = await probe(filePath, file.name, file.size);
      if (known !== "whisper-1" && info.durationSec > FAKE_GPT4O_MAX_SECONDS) {
        throw invalid(
          `Audio duration ${info.durationSec.toFixed(2)} seconds is longer than ${FAKE_GPT4O_MAX_SECONDS} seconds which is the maximum for this model`,
          "file",
          "invalid_value",
        );
      }
      if (known === "gpt-4o-transcribe-diarize" && info.durationSec > DIARIZE_UNCHUNKED_MAX_SECONDS && !chunkingStrategy) {
        throw invalid("chunking_strategy is required for diarization models when the audio is longer than 30 seconds", "chunking_strategy", "invalid_value");
      }
      const audio: AudioInfo = { ...info, speech: await detectSpeech(filePath, info.durationSec) };
      const transcriptionFields: TranscriptionFields = {
        model,
        responseFormat,
        timestampGranularities,
        ...(language !== undefined ? { language } : {}),
        ...(prompt !== undefined ? { prompt } : {}),
        ...(chunkingStrategy !== undefined ? { chunkingStrategy } : {}),
      };
      const transcript = await (options.transcribe ?? defaultTranscript)(audio, transcriptionFields);
      const reply = transcriptionReply(audio, transcriptionFields, transcript);
      return { reply: async () => reply };
    } finally {
      await fs.rm(filePath, { force: true });
    }
  }

  async function chat(body: Buffer, record: RecordedRequest, fault: Fault | undefined): Promise<{ reply: () => Promise<Reply> }> {
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString("utf8"));
    } catch {
      throw invalid("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)");
    }
    const parsed = chatRequestSchema.safeParse(raw);
    if (!parsed.success) throw invalid(`Invalid request: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`, String(parsed.error.issues[0]?.path[0] ?? ""));
    const request = parsed.data;
    record.json = request;
    record.model = request.model;
    if (!chatModels.includes(request.model)) throw modelNotFound(request.model);
    const format = request.response_format;
    let schema: JsonSchema | undefined;
    if (format?.type === "json_schema") {
      schema = (format.json_schema.schema ?? {}) as JsonSchema;
      if (format.json_schema.strict) {
        const problem = types(schema).includes("object") ? strictSchemaProblem(schema, schema, "") : "In context=(), schema must be a JSON Schema of 'type: \"object\"'.";
        if (problem) throw invalid(`Invalid schema for response_format '${format.json_schema.name}': ${problem}`, "response_format", "invalid_json_schema");
      }
    }
    const root = schema;
    return {
      reply: async () => {
        let content: string | null;
        let refusal: string | null = null;
        if (fault?.kind === "content") content = fault.content;
        else if (fault?.kind === "refusal") {
          content = null;
          refusal = fault.refusal ?? "I'm sorry, I can't help with that.";
        } else if (options.respond) content = await options.respond(request);
        else if (root) content = JSON.stringify(fill(root, root, request, ""));
        else content = sentencesOf(request).slice(0, 2).join(" ");
        const promptTokens = Math.ceil(body.length / 4);
        const completionTokens = Math.ceil((content ?? refusal ?? "").length / 4);
        return json({
          id: `chatcmpl-${randomUUID().replace(/-/g, "").slice(0, 24)}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: `${request.model}-2024-07-18`,
          choices: [{ index: 0, message: { role: "assistant", content, refusal, annotations: [] }, logprobs: null, finish_reason: "stop" }],
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
          system_fingerprint: "fp_fake",
        });
      },
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake.local");
    const route: Route | "other" =
      req.method === "POST" && url.pathname === "/v1/audio/transcriptions" ? "transcriptions" : req.method === "POST" && url.pathname === "/v1/chat/completions" ? "chat" : "other";
    const { body, size, truncated } = await readBody(req, FAKE_MAX_BODY_BYTES);
    const record: RecordedRequest = {
      route,
      method: req.method ?? "GET",
      path: url.pathname,
      authorized: req.headers.authorization === `Bearer ${apiKey}`,
      bodyBytes: size,
      retryCount: Number(req.headers["x-stainless-retry-count"] ?? 0),
      fields: {},
    };
    requests.push(record);
    try {
      if (!record.authorized) {
        throw new HttpError(
          401,
          apiError("Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key"),
        );
      }
      if (route === "other") throw new HttpError(404, apiError(`Invalid URL (${req.method} ${url.pathname})`));
      if (truncated) {
        throw new HttpError(413, apiError(`Maximum content size limit (${FAKE_MAX_BODY_BYTES}) exceeded (${size} bytes read)`, "server_error"));
      }
      const fault = faults[route].shift();
      // Faults that stand in for a failing server answer before the request is even looked at.
      if (fault && ["rate-limit", "server-error", "unauthorized", "status"].includes(fault.kind)) {
        await applyFault(fault, res, record, async () => json({}));
        return;
      }
      const { reply } =
        route === "transcriptions" ? await transcription(body, req.headers["content-type"] ?? "", record) : await chat(body, record, fault);
      if (fault && (await applyFault(fault, res, record, reply))) return;
      send(res, record, await reply());
    } catch (err) {
      if (err instanceof HttpError) sendError(res, record, err);
      else send(res, record, json(apiError(`fake server failure: ${err instanceof Error ? err.message : String(err)}`, "server_error"), 500));
    }
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    fault(route, ...more) {
      faults[route].push(...more);
    },
    requestsTo(route) {
      return requests.filter((r) => r.route === route);
    },
    reset() {
      requests.length = 0;
      faults.transcriptions.length = 0;
      faults.chat.length = 0;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(workDir, { recursive: true, force: true });
    },
  };
}
