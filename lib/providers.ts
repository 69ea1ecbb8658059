import { config } from "@/lib/config";
import type { Analyzer } from "@/lib/analysis/types";
import type { Transcriber } from "@/lib/transcription/types";

/**
 * "The transcriber" and "the analyser", chosen by configuration. Each provider
 * is imported only when selected, so an OpenAI deployment never loads the
 * local model's native runtime, and vice versa.
 */
let transcriber: Promise<Transcriber> | undefined;
let analyzer: Promise<Analyzer> | undefined;

async function openaiClient() {
  const c = config();
  const { createOpenAIClient } = await import("@/lib/openai/client");
  return createOpenAIClient({ apiKey: c.OPENAI_API_KEY!, baseURL: c.OPENAI_BASE_URL, timeoutMs: c.OPENAI_TIMEOUT_MS });
}

export function getTranscriber(): Promise<Transcriber> {
  transcriber ??= (async () => {
    const c = config();
    if (c.TRANSCRIPTION_PROVIDER === "openai") {
      const { createOpenAITranscriber } = await import("@/lib/transcription/openai");
      return createOpenAITranscriber({ client: await openaiClient(), model: c.TRANSCRIPTION_MODEL, prompt: c.TRANSCRIPTION_PROMPT });
    }
    const { createLocalTranscriber } = await import("@/lib/transcription/local");
    return createLocalTranscriber({ concurrency: c.LOCAL_TRANSCRIBER_CONCURRENCY, numThreads: c.LOCAL_TRANSCRIBER_THREADS });
  })();
  return transcriber;
}

export function getAnalyzer(): Promise<Analyzer> {
  analyzer ??= (async () => {
    const c = config();
    if (c.ANALYSIS_PROVIDER === "openai") {
      const { createOpenAIAnalyzer } = await import("@/lib/analysis/openai");
      return createOpenAIAnalyzer({ client: await openaiClient(), model: c.ANALYSIS_MODEL });
    }
    const { localAnalyzer } = await import("@/lib/analysis/local");
    return localAnalyzer;
  })();
  return analyzer;
}
