import type OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { z } from "zod";
import type { AnalyzeInput, Analyzer, Insights } from "@/lib/analysis/types";
import { PermanentError, TransientError } from "@/lib/errors";
import { mapLimited } from "@/lib/concurrency";
import { formatClock } from "@/lib/time";
import { classifyOpenAIError } from "@/lib/openai/errors";
import type { TranscriptSegment } from "@/lib/transcription/types";

export interface OpenAIAnalyzerOptions {
  client: OpenAI;
  model: string;
  /**
   * Largest transcript sent in one request, in estimated tokens. Longer transcripts are
   * analysed per part and then combined. Default 100 000: inside every current chat model's
   * context with room for the prompt and the answer.
   */
  maxInputTokens?: number;
  /** Part analyses in flight at once; low, so that one recording does not eat the rate limit. */
  concurrency?: number;
}

const DEFAULT_MAX_INPUT_TOKENS = 100_000;
const DEFAULT_CONCURRENCY = 3;

/**
 * Strict structured outputs require every property to be present, so "not said" is null
 * rather than an absent key.
 */
export const insightsSchema = z.object({
  summary: z.string(),
  keyPoints: z.array(z.string()),
  decisions: z.array(z.string()),
  actionItems: z.array(z.object({ who: z.string().nullable(), what: z.string(), when: z.string().nullable() })),
  topics: z.array(z.string()),
  questions: z.array(z.string()),
  sentiment: z.enum(["positive", "neutral", "negative", "mixed"]),
  language: z.string(),
});
type ModelInsights = z.infer<typeof insightsSchema>;

const responseFormat = zodResponseFormat(insightsSchema, "transcript_analysis");

/** Tokenizers differ per model; four characters a token is close enough for a budget with headroom. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Timestamps let the model say when something was said; speaker labels let it say who. */
function renderLines(input: AnalyzeInput): string[] {
  const segments: TranscriptSegment[] = input.segments.filter((s) => s.text.trim());
  if (segments.length === 0) return input.text.trim() ? [input.text.trim()] : [];
  return segments.map((s) => `[${formatClock(s.start, { padMinutes: true })}]${s.speaker ? ` ${s.speaker}:` : ""} ${s.text.trim()}`);
}

/**
 * Cuts at line (segment) boundaries so no sentence is torn between parts; a single line
 * over the budget is cut at whitespace.
 */
export function splitIntoParts(lines: string[], maxTokens: number): string[] {
  const maxChars = maxTokens * 4;
  const pieces: string[] = [];
  for (const line of lines) {
    if (line.length <= maxChars) {
      pieces.push(line);
      continue;
    }
    let rest = line;
    while (rest.length > maxChars) {
      const cut = rest.lastIndexOf(" ", maxChars);
      const at = cut > maxChars / 2 ? cut : maxChars;
      pieces.push(rest.slice(0, at));
      rest = rest.slice(at).trimStart();
    }
    if (rest) pieces.push(rest);
  }
  const parts: string[] = [];
  let current = "";
  for (const piece of pieces) {
    const joined = current ? `${current}\n${piece}` : piece;
    if (current && joined.length > maxChars) {
      parts.push(current);
      current = piece;
    } else {
      current = joined;
    }
  }
  if (current) parts.push(current);
  return parts;
}

function languageRule(language: string | undefined): string {
  const which = language
    ? `The transcript's language is "${language}" (ISO-639-1).`
    : "The transcript's language was not detected beforehand: use the language the transcript is written in.";
  return `${which} Write every text field in that language, never translated into English, and set "language" to its ISO-639-1 code.`;
}

const FIELD_RULES = [
  "Fields:",
  "- summary: a few sentences a reader can trust without listening.",
  "- keyPoints: the main points, one sentence each.",
  "- decisions: only decisions that were actually made.",
  '- actionItems: tasks someone committed to or was given. "who" is the person (name or speaker label) and "when" the deadline, each only if said, otherwise null.',
  "- topics: short noun phrases.",
  "- questions: questions raised, especially those left open.",
  "- sentiment: the overall tone: positive, neutral, negative or mixed.",
  "Use only what the transcript says; an empty list is a correct answer. Lines start with [mm:ss] and, when known, the speaker.",
].join("\n");

function singlePrompt(language: string | undefined): string {
  return ["You analyse transcripts of recordings (meetings, interviews, talks, voice notes).", languageRule(language), FIELD_RULES].join("\n\n");
}

function partPrompt(language: string | undefined, index: number, count: number): string {
  return [
    `You analyse part ${index + 1} of ${count} of one long transcript. Other parts are analysed separately and all parts are combined afterwards, so cover this part only and keep details (names, numbers, dates) the combination will need.`,
    languageRule(language),
    FIELD_RULES,
  ].join("\n\n");
}

function combinePrompt(language: string | undefined): string {
  return [
    "You receive analyses of consecutive parts of one transcript, as JSON, in order. Combine them into one analysis of the whole recording: the summary covers the whole, duplicates are merged, order is kept, and an action item or question settled in a later part is updated accordingly. Overall sentiment is mixed only when the parts genuinely differ.",
    languageRule(language),
    FIELD_RULES,
  ].join("\n\n");
}

export function createOpenAIAnalyzer(options: OpenAIAnalyzerOptions): Analyzer {
  const { client, model } = options;
  const budget = options.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const name = `openai:${model}`;

  async function ask(system: string, user: string, signal: AbortSignal | undefined): Promise<ModelInsights> {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: system },
      { role: "user", content: user },
    ];
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create({ model, messages, response_format: responseFormat }, { signal });
    } catch (err) {
      throw classifyOpenAIError(err, { model, operation: "analysis" });
    }
    // Compatible servers (and proxies in front of them) can answer 200 with something that is not a completion.
    const choice = Array.isArray(completion.choices) ? completion.choices[0] : undefined;
    if (!choice?.message) throw new TransientError(`${name} returned no answer`);
    const { message, finish_reason: finish } = choice;
    if (message.refusal) {
      // Asking again gets the same refusal; the transcript is kept, only the analysis is missing.
      throw new PermanentError(`${name} declined to analyse this transcript: ${message.refusal}`);
    }
    if (finish === "content_filter") throw new PermanentError(`${name}: the analysis was stopped by the content filter`);
    // Usually a degenerate, repeating answer; sampling again tends to end normally.
    if (finish === "length") throw new TransientError(`${name}: the analysis was cut off at the output token limit`);
    if (!message.content) throw new TransientError(`${name} returned an empty answer`);
    let json: unknown;
    try {
      json = JSON.parse(message.content);
    } catch (err) {
      throw new TransientError(`${name} returned invalid JSON`, { cause: err });
    }
    const parsed = insightsSchema.safeParse(json);
    if (!parsed.success) {
      // Servers without strict structured outputs (and rarely OpenAI) can drift from the schema; another sample usually fits.
      const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
      throw new TransientError(`${name} answer did not match the analysis schema (${where.join("; ")})`, { cause: parsed.error });
    }
    return parsed.data;
  }

  /** Combines part analyses, in rounds when even the part analyses exceed the budget. */
  async function combine(partials: ModelInsights[], language: string | undefined, signal: AbortSignal | undefined): Promise<ModelInsights> {
    const items = partials.map((p, i) => JSON.stringify({ part: i + 1, ...p }));
    const groups = splitIntoParts(items, budget);
    if (groups.length <= 1 || groups.length >= items.length) {
      return ask(combinePrompt(language), `Part analyses, in order:\n${items.join("\n")}`, signal);
    }
    const merged = await mapLimited(groups, concurrency, (group) => ask(combinePrompt(language), `Part analyses, in order:\n${group}`, signal));
    return combine(merged, language, signal);
  }

  return {
    name,
    async analyze(input: AnalyzeInput): Promise<Insights> {
      const lines = renderLines(input);
      let result: ModelInsights;
      if (lines.length === 0) {
        // Nothing to analyse; asking a model would only invite invention.
        return { provider: name, summary: "", keyPoints: [], decisions: [], actionItems: [], topics: [], questions: [], language: input.language };
      }
      const whole = lines.join("\n");
      if (estimateTokens(whole) <= budget) {
        result = await ask(singlePrompt(input.language), `Transcript:\n${whole}`, input.signal);
      } else {
        const parts = splitIntoParts(lines, budget);
        const partials = await mapLimited(parts, concurrency, (part, i) =>
          ask(partPrompt(input.language, i, parts.length), `Transcript, part ${i + 1} of ${parts.length}:\n${part}`, input.signal),
        );
        result = await combine(partials, input.language, input.signal);
      }
      return {
        provider: name,
        summary: result.summary.trim(),
        keyPoints: result.keyPoints,
        decisions: result.decisions,
        actionItems: result.actionItems.map((a) => ({
          what: a.what,
          ...(a.who ? { who: a.who } : {}),
          ...(a.when ? { when: a.when } : {}),
        })),
        topics: result.topics,
        questions: result.questions,
        sentiment: result.sentiment,
        language: input.language ?? (result.language.trim().toLowerCase() || undefined),
      };
    },
  };
}
